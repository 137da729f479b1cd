"""Notifications: the in-app rows behind the bell and the email each of them sends.

Every notification is stored once per (user, dedupe_key): a task that runs twice, or two tasks
racing, create it once (the unique constraint decides, bulk_create ignores the loser). Its email is
sent once too: the sender claims `emailed_at` with a conditional UPDATE before sending and releases
the claim when sending fails, so that a retry sends it and nothing else does.

Each person reads theirs in their own language (stakeholders.selectors.language_of: the one they
chose with the header's buttons, else the site's): a message is passed as a function, written
once per language among the recipients, and each email is rendered in its recipient's language,
whatever language the request, task or beat that caused it happens to run in.

The dedupe key's first part names the email template (`reminder:42` →
decisions/email/reminder.txt and reminder_subject.txt): one kind of notification may have several
texts (a decision needed and a decision taken are both about a decision).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import CharField, Exists, F, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from core.siteurl import site_url
from decisions.models import (
    Decision,
    DecisionOutcome,
    Notification,
    NotificationKind,
    OnboardingTask,
    Proposal,
    ProposalStatus,
    SignOff,
    SignOffStatus,
)
from stakeholders.models import Membership, Role
from stakeholders.selectors import language_of, languages_of

log = logging.getLogger(__name__)

# The templates a dedupe key may name; anything else is a programming error, not a user's input.
EMAIL_TEMPLATES = {
    "signoff_requested",
    "reminder",
    "escalation_head",
    "escalation_cdo",
    "changes_requested",
    "decision_needed",
    "decision_taken",
    "pilot_ended",
    "pilot_rate",
    "pilot_decision_needed",
    "pilot_outcome",
    "renewal_due",
    "shelfware",
    "consent_presumed",
    "onboarding_assigned",
}
MESSAGE_LENGTH: int = getattr(Notification._meta.get_field("message"), "max_length", 300)

# A notification's text: written once for everyone (a string), or a function that writes it in
# the active language, called once per language among the recipients.
type Message = str | Callable[[], str]


def proposal_path(proposal: Proposal) -> str:
    return reverse("proposal-detail", args=[proposal.reference])


def proposal_link(proposal: Proposal) -> str:
    """The absolute link emails carry."""
    return site_url() + proposal_path(proposal)


def short_title(proposal: Proposal) -> str:
    return Truncator(proposal.title).chars(80)


def cdo_users(*, exclude_user_id: int | None = None) -> list:
    """Everyone who takes the CDO's decisions: users granted decisions.decide_proposal directly
    or through a group. Superusers are left out: `admin` is not the CDO's inbox."""
    users = get_user_model().objects.with_perm(
        "decisions.decide_proposal",
        include_superusers=False,
        is_active=True,
        backend="django.contrib.auth.backends.ModelBackend",
    )
    return [u for u in users.order_by("pk") if u.pk != exclude_user_id]


def department_heads(*, department_id: int, exclude_user_id: int | None = None) -> list:
    memberships = (
        Membership.objects.filter(department_id=department_id, role=Role.HEAD, user__is_active=True)
        .exclude(user_id=exclude_user_id or 0)
        .select_related("user")
        .order_by("user_id")
    )
    return [m.user for m in memberships]


def notifications_create(
    *,
    users: Iterable,
    kind: str,
    proposal: Proposal | None,
    key: str,
    message: Message,
    url: str | None = None,
) -> list[Notification]:
    """One notification per user under `key`, created once however often this runs. Returns the
    users' notifications under that key, new and earlier ones alike. The link is the proposal's
    page unless `url` names another page (a tool, the renewal calendar).

    `message` is the text, or a function returning it in the active language: it is then called
    inside translation.override once for each language among the users, so that each reads it
    in theirs. Three queries however many users (their languages, the insert, the read back)."""
    if key.split(":", 1)[0] not in EMAIL_TEMPLATES:
        raise ValueError(f"No email template for notification key {key!r}")
    user_ids = list(dict.fromkeys(u.pk for u in users))
    if not user_ids:
        return []
    if callable(message):
        languages = languages_of(user_ids)
        texts: dict[str, str] = {}
        for language in dict.fromkeys(languages.values()):
            with translation.override(language):
                texts[language] = Truncator(str(message())).chars(MESSAGE_LENGTH)
        text_of = {user_id: texts[languages[user_id]] for user_id in user_ids}
    else:
        text = Truncator(message).chars(MESSAGE_LENGTH)
        text_of = dict.fromkeys(user_ids, text)
    if url is None:
        url = proposal_path(proposal) if proposal is not None else ""
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                kind=kind,
                proposal=proposal,
                message=text_of[user_id],
                url=url,
                dedupe_key=key,
            )
            for user_id in user_ids
        ],
        ignore_conflicts=True,  # the notification_once constraint: already there is fine
    )
    return list(
        Notification.objects.filter(dedupe_key=key, user_id__in=user_ids)
        .select_related("user")
        .order_by("user_id")
    )


def notification_email_send(*, notification_id: int) -> bool:
    """Email one notification to its user, once. True when this call sent it; False when it was
    sent (or claimed) before or the user has no address. Errors propagate, with the claim
    released, so that the caller's retry sends it."""
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related(
        "user__preference",
        "proposal__requester",
        "proposal__tier",
        "proposal__solution__vendor",
    ).get(pk=notification_id)
    if not notification.user.email:
        log.warning("No email address for %s; notification %s stays in-app", notification.user,
                    notification_id)  # fmt: skip
        return False
    template = notification.dedupe_key.split(":", 1)[0]
    proposal = notification.proposal
    context = {
        "notification": notification,
        "recipient": notification.user,
        "proposal": proposal,
        "message": notification.message,
        "url": proposal_link(proposal) if proposal else site_url(),
        "base_currency": settings.BASE_CURRENCY,
    }
    # In the recipient's language, dates and amounts included: not the one of whatever request
    # or task this runs in.
    with translation.override(language_of(notification.user)):
        subject = " ".join(
            render_to_string(f"decisions/email/{template}_subject.txt", context).split()
        )
        body = render_to_string(f"decisions/email/{template}.txt", context)
    try:
        send_mail(
            subject=subject,
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[notification.user.email],
        )
    except Exception:
        # Release the claim so that the retry (or a later run) sends it.
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return True


def notifications_mark_emailed(*, key: str, user_ids: Iterable[int]) -> int:
    """Record that an email sent outside notification_email_send (one to a whole department)
    covered these users' notifications, so that nothing emails them again."""
    return Notification.objects.filter(
        dedupe_key=key, user_id__in=list(user_ids), emailed_at__isnull=True
    ).update(emailed_at=timezone.now())


def notification_mark_read(*, user, notification_id: int) -> Notification:
    """Mark one of `user`'s notifications read. Someone else's is Notification.DoesNotExist: the
    view answers 404 and says nothing about whether it exists."""
    notification = Notification.objects.get(pk=notification_id, user_id=user.pk)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        # Conditional: two tabs opening it at once keep the first read time.
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def signoff_reviewers(signoff: SignOff) -> list:
    """Users who may sign this sign-off: the department's members with the role and the limit."""
    memberships = (
        Membership.objects.filter(department_id=signoff.department_id)
        .with_role_at_least(signoff.required_role)
        .exclude(user_id=signoff.proposal.requester_id)
        .select_related("user")
        .order_by("user_id")
    )
    amount = signoff.proposal.tco
    return [
        m.user
        for m in memberships
        if m.user.is_active
        and (m.approval_limit is None or amount is None or amount <= m.approval_limit)
    ]


def _with_text(message: str, text: str) -> str:
    text = " ".join(text.split())
    return f"{message} {text}" if text else message


def _proposal(proposal_id: int) -> Proposal:
    return Proposal.objects.select_related("requester", "filed_by").get(pk=proposal_id)


def _owners(proposal: Proposal) -> list:
    """The requester, and who filed it on their behalf: both are told what becomes of it."""
    return [proposal.requester, *([proposal.filed_by] if proposal.filed_by_id else [])]


def signoff_notify_requested(*, signoff: SignOff, reviewers: list) -> list[Notification]:
    """The in-app side of "a sign-off waits for your department" (its email goes to the whole
    department at once, see decisions.tasks.notify_signoff_requested)."""
    proposal = signoff.proposal

    def message() -> str:
        return _("%(ref)s “%(title)s” waits for the sign-off of %(dept)s, due %(due)s.") % {
            "ref": proposal.reference,
            "title": short_title(proposal),
            "dept": signoff.department.name,
            "due": date_format(signoff.due_on) if signoff.due_on else "—",
        }

    return notifications_create(
        users=reviewers,
        kind=NotificationKind.SIGNOFF_REQUESTED,
        proposal=proposal,
        key=f"signoff_requested:{signoff.pk}",
        message=message,
    )


def proposal_notify_changes_requested(*, proposal_id: int, round_number: int) -> list[Notification]:
    """Tell the requester (and who filed it for them) who asked for changes, and why."""
    proposal = _proposal(proposal_id)
    asked = (
        SignOff.objects.filter(
            proposal=proposal, round=round_number, status=SignOffStatus.CHANGES_REQUESTED
        )
        .select_related("department", "reviewer")
        .first()
    )
    returned = Decision.objects.filter(
        proposal=proposal, round=round_number, outcome=DecisionOutcome.RETURNED
    ).first()
    names = {"ref": proposal.reference, "title": short_title(proposal)}
    if returned is None and asked is None:
        log.warning("No request for changes in round %s of %s", round_number, proposal)
        return []

    def message() -> str:
        if returned is not None:
            return _with_text(
                _("The CDO returned %(ref)s “%(title)s” for changes:") % names, returned.rationale
            )
        return _with_text(
            _("%(dept)s asked for changes to %(ref)s “%(title)s”:")
            % {**names, "dept": asked.department.name if asked else ""},
            asked.comment if asked else "",
        )

    return notifications_create(
        users=_owners(proposal),
        kind=NotificationKind.CHANGES_REQUESTED,
        proposal=proposal,
        key=f"changes_requested:{proposal.pk}:{round_number}",
        message=message,
    )


def proposal_notify_decision_needed(*, proposal_id: int, round_number: int) -> list[Notification]:
    """Tell every CDO that all departments approved and the decision is theirs."""
    proposal = _proposal(proposal_id)

    # Consent mode: departments objected, and the CDO breaks the tie (decisions.consent).
    objected = list(
        SignOff.objects.filter(
            proposal=proposal,
            round=round_number,
            consent_mode=True,
            status__in=[SignOffStatus.REJECTED, SignOffStatus.CHANGES_REQUESTED],
        )
        .select_related("department")
        .order_by("department__code")
    )

    def message() -> str:
        names = {"ref": proposal.reference, "title": short_title(proposal)}
        if objected:
            return _(
                "%(ref)s “%(title)s” waits for your decision: %(depts)s objected (consent "
                "mode). The dissent log is on the proposal."
            ) % {**names, "depts": ", ".join(s.department.name for s in objected)}
        return _("Every department approved %(ref)s “%(title)s”: it waits for your decision.") % (
            names
        )

    return notifications_create(
        # Not a CDO who filed it for someone: they may not decide on it either.
        users=[
            u
            for u in cdo_users(exclude_user_id=proposal.requester_id)
            if u.pk != proposal.filed_by_id
        ],
        kind=NotificationKind.DECISION_NEEDED,
        proposal=proposal,
        key=f"decision_needed:{proposal.pk}:{round_number}",
        message=message,
    )


def proposal_notify_decision_taken(*, proposal_id: int, round_number: int) -> list[Notification]:
    """Tell the requester (and who filed it for them), and everyone who signed this round,
    how it ended."""
    proposal = _proposal(proposal_id)
    signoffs = list(
        # Every sign-off of the round, those nobody signed included (the guardrails', a
        # presumed consent): the round is all approved only if they all are.
        SignOff.objects.filter(proposal=proposal, round=round_number)
        .select_related("department", "reviewer", "on_behalf_of")
        .order_by("department__code")
    )
    decision = Decision.objects.filter(
        proposal=proposal, round=round_number, outcome__in=["approved", "rejected"]
    ).first()
    rejection = next((s for s in signoffs if s.status == SignOffStatus.REJECTED), None)
    names = {"ref": proposal.reference, "title": short_title(proposal)}
    all_approved = bool(signoffs) and all(s.status == SignOffStatus.APPROVED for s in signoffs)
    if decision is None and rejection is None and not all_approved:
        log.warning("No decision in round %s of %s", round_number, proposal)
        return []

    def message() -> str:
        if decision is not None and decision.outcome == DecisionOutcome.APPROVED:
            text = _("The CDO approved %(ref)s “%(title)s”.") % names
            if decision.conditions.strip():
                text = _with_text(text + " " + _("Conditions:"), decision.conditions)
            return text
        if decision is not None:
            return _with_text(
                _("The CDO rejected %(ref)s “%(title)s”:") % names, decision.rationale
            )
        if rejection is not None:
            return _with_text(
                _("%(dept)s rejected %(ref)s “%(title)s”:")
                % {**names, "dept": rejection.department.name},
                rejection.comment,
            )
        if any(s.presumed for s in signoffs):
            return _("%(ref)s “%(title)s” is approved: no department objected.") % names
        return _("%(ref)s “%(title)s” is approved: every department signed it off.") % names

    users = _owners(proposal)
    for s in signoffs:
        if s.reviewer is not None:
            users.append(s.reviewer)
        if s.on_behalf_of is not None:
            users.append(s.on_behalf_of)  # back from leave, they see what was signed for them
    return notifications_create(
        users=users,
        kind=NotificationKind.DECISION,
        proposal=proposal,
        key=f"decision_taken:{proposal.pk}:{round_number}",
        message=message,
    )


def onboarding_notify_assigned(*, task_id: int) -> list[Notification]:
    """Tell a task's assignee it is theirs (once per task and person), with its due date."""
    task = (
        OnboardingTask.objects.select_related("proposal", "assignee")
        .filter(pk=task_id, assignee__isnull=False)
        .first()
    )
    if task is None or task.assignee is None:
        return []
    proposal = task.proposal

    def message() -> str:
        # The task's title in the recipient's language (called in it).
        names = {"title": task.title, "ref": proposal.reference, "tool": short_title(proposal)}
        if task.due_on is None:
            return _("An onboarding task is yours: “%(title)s” for %(ref)s “%(tool)s”.") % names
        return _(
            "An onboarding task is yours: “%(title)s” for %(ref)s “%(tool)s”, due %(day)s."
        ) % {**names, "day": date_format(task.due_on, "DATE_FORMAT")}

    return notifications_create(
        users=[task.assignee],
        kind=NotificationKind.ONBOARDING,
        proposal=proposal,
        key=f"onboarding_assigned:{task.pk}:{task.assignee_id}",
        message=message,
        url=reverse("handoff", args=[proposal.reference]) + f"#task-{task.pk}",
    )


# --- The sweeper: notifications whose task was lost ------------------------------------------

# The notification a proposal's status asks for (the dedupe key's template part), as queued by
# decisions.services when the status was set.
STATUS_NOTIFICATIONS: dict[str, str] = {
    ProposalStatus.CHANGES_REQUESTED: "changes_requested",
    ProposalStatus.AWAITING_DECISION: "decision_needed",
    ProposalStatus.APPROVED: "decision_taken",
    ProposalStatus.REJECTED: "decision_taken",
}


@dataclass
class Sweep:
    """What the sweeper should queue again."""

    proposals: list[tuple[str, int, int]] = field(default_factory=list)  # (template, id, round)
    signoffs: list[int] = field(default_factory=list)  # sign-off requests never sent
    emails: list[int] = field(default_factory=list)  # notifications whose email never went out
    onboarding: list[int] = field(default_factory=list)  # assignees never told (task ids)

    def __len__(self) -> int:
        return len(self.proposals) + len(self.signoffs) + len(self.emails) + len(self.onboarding)


def notifications_to_sweep(*, now: datetime | None = None, limit: int = 200) -> Sweep:
    """What was lost on the way: the task queued after a commit never ran (the broker was away:
    core.queue logs that and leaves it here), or an email failed through all its retries.

    - a proposal whose status changed in the last NOTIFICATION_SWEEP_HOURS (but not within
      NOTIFICATION_SWEEP_MIN_AGE_MINUTES: its task may still be queued) to one that notifies,
      without any notification under the key;
    - a pending sign-off of the proposal's current round whose request was never sent;
    - a notification older than NOTIFICATION_EMAIL_GRACE_MINUTES whose email was never sent
      (sign-off requests excepted: those are emailed per department, see the sign-offs above);
    - an open onboarding task given to someone by someone else, without its assignee's notice.

    Five queries, however many rows; at most `limit` of each kind, oldest first."""
    now = now or timezone.now()
    since = now - timedelta(hours=settings.NOTIFICATION_SWEEP_HOURS)
    settled = now - timedelta(minutes=settings.NOTIFICATION_SWEEP_MIN_AGE_MINUTES)
    sweep = Sweep()
    changed = list(
        Proposal.objects.filter(
            status__in=list(STATUS_NOTIFICATIONS),
            updated_at__gte=since,
            updated_at__lt=settled,
        )
        .order_by("updated_at", "pk")
        .values_list("pk", "status", "round")[: limit * 2]
    )
    wanted = {
        f"{STATUS_NOTIFICATIONS[status]}:{pk}:{round_number}": (
            STATUS_NOTIFICATIONS[status],
            pk,
            round_number,
        )
        for pk, status, round_number in changed
    }
    if wanted:
        present = set(
            Notification.objects.filter(dedupe_key__in=list(wanted))
            .values_list("dedupe_key", flat=True)
            .distinct()
        )
        sweep.proposals = [v for k, v in wanted.items() if k not in present][:limit]
    sweep.signoffs = list(
        SignOff.objects.filter(
            status=SignOffStatus.PENDING,
            notified_at__isnull=True,
            created_at__gte=since,
            created_at__lt=settled,
            proposal__status=ProposalStatus.IN_REVIEW,
            round=F("proposal__round"),
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    grace = now - timedelta(minutes=settings.NOTIFICATION_EMAIL_GRACE_MINUTES)
    sweep.emails = list(
        Notification.objects.filter(
            emailed_at__isnull=True, created_at__gte=since, created_at__lt=grace
        )
        .exclude(dedupe_key__startswith="signoff_requested:")
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sweep.onboarding = _onboarding_to_sweep(since=since, settled=settled, limit=limit)
    return sweep


def _onboarding_to_sweep(*, since: datetime, settled: datetime, limit: int) -> list[int]:
    """The open tasks given to someone by someone else in the window whose assignee has no
    notice under the task's key: one query, the notices' absence asked in SQL (however many
    of the window's assignees were told)."""
    key = Concat(
        Value("onboarding_assigned:"),
        Cast("pk", CharField()),
        Value(":"),
        Cast("assignee_id", CharField()),
        output_field=CharField(),
    )
    return list(
        OnboardingTask.objects.filter(
            assigned_at__gte=since,
            assigned_at__lt=settled,
            assignee__isnull=False,
            done_at__isnull=True,
        )
        .exclude(assigned_by=F("assignee"))
        .annotate(notice_key=key)
        .exclude(
            Exists(
                Notification.objects.filter(
                    user=OuterRef("assignee"), dedupe_key=OuterRef("notice_key")
                )
            )
        )
        .order_by("assigned_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
