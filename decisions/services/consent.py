"""Consent mode's periodic step: a sign-off nobody objected to by its due date is presumed
approved (the rules: decisions.consent).

`signoffs_presumption_due` finds them (one query, served by the signoff_pending_due partial
index); `signoff_presume` takes one, in the same order as every transition: the proposal's row
locked first, then the sign-off's, and the state checked on the locked rows, so that a reviewer
signing at the last minute and the presumption end in one state — whichever commits first wins,
the other finds the sign-off decided and does nothing (the reviewer is told). Safe to run twice:
a presumed sign-off is not pending any more. The audit event (`signoff.presumed`) says that
nobody signed it; the department's reviewers are told in the app and by email.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audit.services import record_event
from decisions.consent import presumable_q
from decisions.models import (
    Notification,
    NotificationKind,
    ProposalStatus,
    SignOff,
    SignOffStatus,
)
from decisions.notifications import notifications_create, short_title, signoff_reviewers
from decisions.services._common import lock_proposal
from decisions.services.signoffs import move_proposal_on, webhook_signoff_decided

log = logging.getLogger(__name__)


@dataclass
class Presumption:
    signoff: SignOff
    presumed: bool  # False: decided meanwhile, no longer due, or presumed by an earlier run
    notifications: list[Notification] = field(default_factory=list)


def signoffs_presumption_due(*, now: dt.datetime | None = None) -> list[int]:
    """The ids of the consent-mode sign-offs whose consent is presumed today, oldest due first."""
    today = timezone.localdate(now or timezone.now())
    return list(
        SignOff.objects.filter(
            presumable_q(today=today),
            proposal__status=ProposalStatus.IN_REVIEW,
            round=F("proposal__round"),
        )
        .order_by("due_on", "pk")
        .values_list("pk", flat=True)
    )


def _key(signoff_id: int) -> str:
    return f"consent_presumed:{signoff_id}"


def signoff_presume(*, signoff_id: int, now: dt.datetime | None = None) -> Presumption | None:
    """Presume the consent of one sign-off if it is still pending past its due date in consent
    mode. Returns what was done (None for an unknown sign-off). The notifications are returned
    either way, so that a retry emails those not emailed yet."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        found = SignOff.objects.filter(pk=signoff_id).select_related("proposal").first()
        if found is None:
            return None
        proposal = lock_proposal(found.proposal)
        signoff = (
            SignOff.objects.select_for_update(of=("self",))
            .select_related("department", "proposal__requester")
            .get(pk=signoff_id)
        )
        due = (
            SignOff.objects.filter(presumable_q(today=today), pk=signoff_id).exists()
            and proposal.status == ProposalStatus.IN_REVIEW
            and signoff.round == proposal.round
        )
        if not due:
            return Presumption(
                signoff,
                presumed=False,
                notifications=list(
                    Notification.objects.filter(dedupe_key=_key(signoff_id)).select_related("user")
                ),
            )
        signoff.proposal = proposal
        signoff.status = SignOffStatus.APPROVED
        signoff.presumed = True
        signoff.decided_at = now
        signoff.save(update_fields=["status", "presumed", "decided_at"])
        record_event(  # no actor: nobody signed, the consent is presumed
            kind="signoff.presumed",
            proposal_id=proposal.pk,
            payload={
                "department": signoff.department.code,
                "round": signoff.round,
                "due_on": signoff.due_on,
                "presumed": True,
                "why": "no objection by the due date (consent mode)",
            },
        )
        users = signoff_reviewers(signoff)

        def message() -> str:  # in each recipient's language
            return _(
                "No objection from %(dept)s by %(due)s: its consent to %(ref)s “%(title)s” is "
                "presumed."
            ) % {
                "ref": proposal.reference,
                "title": short_title(proposal),
                "dept": signoff.department.name,
                "due": date_format(signoff.due_on) if signoff.due_on else "—",
            }

        notifications = notifications_create(
            users=users,
            kind=NotificationKind.CONSENT,
            proposal=proposal,
            key=_key(signoff_id),
            message=message,
        )
        if not users:
            log.warning("Presumed consent of sign-off %s has nobody to tell", signoff_id)
        move_proposal_on(proposal, signoff, actor=None)
        webhook_signoff_decided(proposal, signoff, actor=None)
    return Presumption(signoff, presumed=True, notifications=notifications)
