"""The sign-off SLA: overdue sign-offs are reminded, then escalated to the department's heads,
then to the CDO — each step at most once, in that order.

A sign-off is overdue once its due date (business days from submission, fixed by the tier) has
passed. The reminder goes out on the first run after that; the head escalation once the reminder
is SLA_ESCALATE_HEAD_AFTER_DAYS business days old; the CDO escalation once the head escalation is
SLA_ESCALATE_CDO_AFTER_DAYS business days old. Counting each step from the one before (not from the
due date) keeps them in order and spaced out even after the scheduler was down for a week.

Each step is claimed with a conditional UPDATE of its own timestamp on the sign-off row
(`… WHERE reminded_at IS NULL AND status = 'pending'`): of two runs at once, or a rerun after a
restart, exactly one claims it. The claim, the audit event and the in-app notifications commit
together; the emails go out after, one task per notification, each sent once.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audit.services import record_event
from core.calendar import add_business_days
from decisions.chat import signoff_chat_overdue
from decisions.models import (
    Notification,
    NotificationKind,
    ProposalStatus,
    SignOff,
    SignOffStatus,
)
from decisions.notifications import (
    cdo_users,
    department_heads,
    notifications_create,
    short_title,
    signoff_reviewers,
)

log = logging.getLogger(__name__)


class Step:
    REMIND = "remind"
    ESCALATE_HEAD = "escalate_head"
    ESCALATE_CDO = "escalate_cdo"


STEPS = (Step.REMIND, Step.ESCALATE_HEAD, Step.ESCALATE_CDO)
# The timestamp each step claims, and the one the step before it set.
CLAIMS = {
    Step.REMIND: ("reminded_at", None),
    Step.ESCALATE_HEAD: ("escalated_head_at", "reminded_at"),
    Step.ESCALATE_CDO: ("escalated_cdo_at", "escalated_head_at"),
}
KEYS = {Step.REMIND: "reminder", Step.ESCALATE_HEAD: "escalation_head",
        Step.ESCALATE_CDO: "escalation_cdo"}  # fmt: skip


@dataclass
class StepResult:
    signoff: SignOff
    step: str
    claimed: bool
    notifications: list[Notification] = field(default_factory=list)

    @property
    def recipients(self) -> list[str]:
        return sorted(n.user.get_username() for n in self.notifications)


def _start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def old_enough_before(*, today: dt.date, business_days: int) -> dt.datetime:
    """The moment before which a step must have been taken to be `business_days` business days
    old today: a step taken on day X qualifies when add_business_days(X, n) <= today."""
    day = today
    while add_business_days(day, business_days) > today:
        day -= dt.timedelta(days=1)
    return _start_of_day(day + dt.timedelta(days=1))


@dataclass(frozen=True)
class Thresholds:
    today: dt.date
    head_before: dt.datetime  # reminded before this → the head escalation is due
    cdo_before: dt.datetime  # escalated to the head before this → the CDO escalation is due

    @classmethod
    def at(cls, now: dt.datetime) -> Thresholds:
        today = timezone.localdate(now)
        return cls(
            today=today,
            head_before=old_enough_before(
                today=today, business_days=settings.SLA_ESCALATE_HEAD_AFTER_DAYS
            ),
            cdo_before=old_enough_before(
                today=today, business_days=settings.SLA_ESCALATE_CDO_AFTER_DAYS
            ),
        )

    def step_q(self, step: str) -> Q:
        """The sign-off's own columns that make `step` due; also the claim's WHERE clause."""
        own, before = CLAIMS[step]
        # Consent mode has no reminders: past its due date the consent is presumed instead
        # (decisions.services.consent).
        q = Q(
            status=SignOffStatus.PENDING,
            consent_mode=False,
            due_on__lt=self.today,
            **{f"{own}__isnull": True},
        )
        if step == Step.ESCALATE_HEAD:
            q &= Q(reminded_at__lt=self.head_before)
        elif step == Step.ESCALATE_CDO:
            q &= Q(escalated_head_at__lt=self.cdo_before)
        if before:
            q &= Q(**{f"{before}__isnull": False})
        return q


def signoffs_sla_due(*, now: dt.datetime | None = None) -> list[tuple[int, str]]:
    """(sign-off id, step) for every pending sign-off with an SLA step due, the next step only,
    oldest first. One query, served by the signoff_pending_due partial index."""
    thresholds = Thresholds.at(now or timezone.now())
    rows = (
        SignOff.objects.filter(
            Q(reminded_at__isnull=True)
            | Q(escalated_head_at__isnull=True, reminded_at__lt=thresholds.head_before)
            | Q(escalated_cdo_at__isnull=True, escalated_head_at__lt=thresholds.cdo_before),
            status=SignOffStatus.PENDING,
            consent_mode=False,
            due_on__lt=thresholds.today,
            proposal__status=ProposalStatus.IN_REVIEW,
            round=F("proposal__round"),
        )
        .order_by("due_on", "pk")
        .values_list("pk", "reminded_at", "escalated_head_at")
    )
    due = []
    for pk, reminded_at, escalated_head_at in rows:
        if reminded_at is None:
            due.append((pk, Step.REMIND))
        elif escalated_head_at is None:
            due.append((pk, Step.ESCALATE_HEAD))
        else:
            due.append((pk, Step.ESCALATE_CDO))
    return due


def _recipients(signoff: SignOff, step: str) -> list:
    if step == Step.REMIND:
        return signoff_reviewers(signoff)
    requester = signoff.proposal.requester_id
    filer = signoff.proposal.filed_by_id  # who filed it for the requester: neither signs it
    if step == Step.ESCALATE_HEAD:
        heads = department_heads(department_id=signoff.department_id, exclude_user_id=requester)
        return [u for u in heads if u.pk != filer]
    return [u for u in cdo_users(exclude_user_id=requester) if u.pk != filer]


def _message(signoff: SignOff, step: str) -> str:
    names = {
        "ref": signoff.proposal.reference,
        "title": short_title(signoff.proposal),
        "dept": signoff.department.name,
        "due": date_format(signoff.due_on) if signoff.due_on else "—",
    }
    if step == Step.REMIND:
        return (
            _("Overdue since %(due)s: %(ref)s “%(title)s” waits for the sign-off of %(dept)s.")
            % names
        )
    if step == Step.ESCALATE_HEAD:
        return (
            _(
                "Escalated to you as head of %(dept)s: the sign-off of %(ref)s “%(title)s” was "
                "due %(due)s and the reminder went unanswered."
            )
            % names
        )
    return (
        _(
            "Escalated to you: %(dept)s has not signed off %(ref)s “%(title)s”, due %(due)s, "
            "despite a reminder and an escalation to its head."
        )
        % names
    )


def signoff_sla_step(
    *, signoff_id: int, step: str, now: dt.datetime | None = None
) -> StepResult | None:
    """Take one SLA step of one sign-off if it is due and nobody took it yet. Returns what was
    done (claimed False: taken before, or no longer due), or None for an unknown sign-off. The
    notifications are returned either way, so that a retry emails those not emailed yet."""
    if step not in CLAIMS:
        raise ValueError(f"Unknown SLA step {step!r}")
    now = now or timezone.now()
    own, _before = CLAIMS[step]
    key = f"{KEYS[step]}:{signoff_id}"
    with transaction.atomic():
        # Only the sign-off's own columns in the WHERE: PostgreSQL re-checks them on the row a
        # concurrent run just updated, so exactly one claim wins (a join would be checked
        # against the old snapshot). A pending sign-off is always of a proposal in review, in
        # its current round: every transition out of review closes the round's sign-offs.
        claimed = SignOff.objects.filter(Thresholds.at(now).step_q(step), pk=signoff_id).update(
            **{own: now}
        )
        signoff = (
            SignOff.objects.select_related("proposal__requester", "department")
            .filter(pk=signoff_id)
            .first()
        )
        if signoff is None:
            return None
        if not claimed:
            return StepResult(
                signoff,
                step,
                claimed=False,
                notifications=list(
                    Notification.objects.filter(dedupe_key=key).select_related("user")
                ),
            )
        users = _recipients(signoff, step)
        kind = NotificationKind.REMINDER if step == Step.REMIND else NotificationKind.ESCALATION
        notifications = notifications_create(
            users=users,
            kind=kind,
            proposal=signoff.proposal,
            key=key,
            message=lambda: _message(signoff, step),  # in each recipient's language
        )
        if not users:
            log.warning("SLA step %s of sign-off %s has nobody to tell", step, signoff_id)
        record_event(  # no actor: the SLA, not a person, takes the step
            kind="signoff.reminded" if step == Step.REMIND else "signoff.escalated",
            proposal_id=signoff.proposal_id,
            payload={
                "department": signoff.department.code,
                "round": signoff.round,
                "due_on": signoff.due_on,
                "step": step,
                "recipients": sorted(u.get_username() for u in users),
            },
        )
        # The department's chat channels hear of it too (sent once the step is committed).
        signoff_chat_overdue(signoff=signoff, step=step)
    return StepResult(signoff, step, claimed=True, notifications=notifications)
