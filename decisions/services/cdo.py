"""The CDO's final decision on a proposal every department approved."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record_event
from core.actors import Actor, signed_in
from core.errors import DomainError, InvalidTransition, NotAllowed
from decisions import tasks
from decisions.events import webhook_proposal_event
from decisions.models import Decision, DecisionOutcome, Proposal, ProposalStatus
from decisions.rights import cdo_conflict, is_cdo
from decisions.scoring import compare
from decisions.services._common import lock_proposal, queue_after_commit, set_status
from decisions.services.handoff import handoff_create
from decisions.services.renewal import renewal_approved
from decisions.services.retirement import retirement_approved


def decision_take(
    *, proposal: Proposal, actor: Actor, outcome: str, rationale: str, conditions: str = ""
) -> Decision:
    """The CDO's final decision, always with a written rationale."""
    with transaction.atomic():
        proposal = lock_proposal(proposal)
        if not is_cdo(actor):
            raise NotAllowed(_("Only the Chief Digital Officer can take the final decision."))
        if (conflict := cdo_conflict(user=actor, proposal=proposal)) is not None:
            raise NotAllowed(conflict)
        if proposal.status != ProposalStatus.AWAITING_DECISION:
            raise InvalidTransition(
                _("The proposal is %(status)s; it is not waiting for a decision.")
                % {"status": proposal.get_status_display().lower()}
            )
        if outcome not in DecisionOutcome.values:
            raise DomainError(_("Unknown decision outcome."))
        if not rationale.strip():
            raise DomainError(_("A rationale is required for every decision."), field="rationale")
        comparison = compare(proposal)
        decision = Decision.objects.create(
            proposal=proposal,
            round=proposal.round,
            outcome=outcome,
            rationale=rationale,
            conditions=conditions,
            decided_by=signed_in(actor),
            scoring=comparison.snapshot() if comparison.has_result else {},
            proposed_ranked_first=comparison.proposed_ranked_first,
        )
        record_event(
            kind=f"decision.{outcome}",
            actor=actor,
            proposal_id=proposal.pk,
            payload={
                "round": proposal.round,
                "rationale": rationale,
                "conditions": conditions,
                # Whether the proposed solution ranked first among the scored alternatives.
                **(
                    {"proposed_ranked_first": comparison.proposed_ranked_first}
                    if comparison.has_result
                    else {}
                ),
            },
        )
        new_status = {
            DecisionOutcome.APPROVED: ProposalStatus.APPROVED,
            DecisionOutcome.REJECTED: ProposalStatus.REJECTED,
            DecisionOutcome.RETURNED: ProposalStatus.CHANGES_REQUESTED,
        }[DecisionOutcome(outcome)]
        set_status(proposal, new_status, actor=actor, decided=outcome != DecisionOutcome.RETURNED)
        if new_status == ProposalStatus.APPROVED:
            retirement_approved(proposal, actor=actor)
            renewal_approved(proposal, actor=actor)
            handoff_create(proposal, actor=actor)
        if outcome == DecisionOutcome.RETURNED:
            queue_after_commit(tasks.notify_changes_requested, proposal.pk, proposal.round)
        else:
            queue_after_commit(tasks.notify_decision_taken, proposal.pk, proposal.round)
        webhook_proposal_event(
            kind="decision.taken",
            proposal=proposal,
            actor=actor,
            outcome=outcome,
            decided_by="cdo",
            rationale=rationale,
            conditions=conditions,
        )
        return decision
