"""What every workflow transition shares: the row lock, the status change through the state
machine, side effects queued after commit, and the round's end."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from core.errors import InvalidTransition
from core.queue import enqueue_on_commit
from decisions.models import ALLOWED_TRANSITIONS, Proposal, ProposalStatus, SignOff, SignOffStatus


def lock_proposal(proposal: Proposal) -> Proposal:
    """The proposal's row, locked until the transaction ends: every transition takes it first
    (then the rows under it, always in that order, so two transactions cannot deadlock)."""
    return (
        Proposal.objects.select_for_update(of=("self",)).select_related("tier").get(pk=proposal.pk)
    )


def queue_after_commit(task: Any, *args: Any) -> None:
    """Queue a Celery task once the transaction commits. The change is committed already: a
    broker outage is logged and leaves the task to its sweeper (core.queue), never an error."""
    enqueue_on_commit(task, *args)


def close_round(proposal: Proposal, *, keep: SignOff) -> None:
    """Cancel the round's other pending sign-offs: the round ended without them."""
    SignOff.objects.filter(
        proposal=proposal, round=proposal.round, status=SignOffStatus.PENDING
    ).exclude(pk=keep.pk).update(status=SignOffStatus.CANCELLED)


def set_status(
    proposal: Proposal, status: str, *, actor: Any, decided: bool = False, **extra: Any
) -> None:
    """Move the proposal along an edge of ALLOWED_TRANSITIONS, with its audit event."""
    previous = proposal.status
    if status not in ALLOWED_TRANSITIONS[ProposalStatus(previous)]:
        raise InvalidTransition(
            _("A proposal cannot go from %(from)s to %(to)s.")
            % {
                "from": ProposalStatus(previous).label.lower(),
                "to": ProposalStatus(status).label.lower(),
            }
        )
    proposal.status = status
    if decided:
        proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_at", "updated_at"])
    record_event(
        kind="proposal.status_changed",
        actor=actor,
        proposal_id=proposal.pk,
        payload={"from": previous, "to": status, "round": proposal.round, **extra},
    )
