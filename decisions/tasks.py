"""Side effects of the workflow. Each task takes ids, is queued after commit, calls a service of
decisions.notifications or decisions.sla, and is safe to run twice: in-app notifications are
created once per (user, key), and every email is claimed with a conditional UPDATE before it is
sent and released when sending fails, so that the retry sends it and nothing sends it twice."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import OperationalError
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.queue import enqueue_on_commit
from decisions import chat, notifications, sla
from decisions.models import Notification, SignOff, SignOffStatus
from decisions.notifications import proposal_link, signoff_reviewers
from stakeholders.selectors import languages_of

log = logging.getLogger(__name__)

# Worth retrying: the mail server or the database away for a moment. SMTPException is an OSError.
TRANSIENT = (OSError, OperationalError)
RETRY: dict[str, Any] = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 30,
    "retry_backoff_max": 1800,
    "retry_jitter": True,
    "max_retries": 8,
}


def _email_each(notification_list: list[Notification]) -> None:
    """One email task per notification, once the rows are committed."""
    for n in notification_list:
        if n.emailed_at is None:
            enqueue_on_commit(send_notification_email, n.pk)


@shared_task(**RETRY)
def send_notification_email(notification_id: int) -> bool:
    """Email one notification to its user, once."""
    return notifications.notification_email_send(notification_id=notification_id)


@shared_task(bind=True, **RETRY)
def notify_signoff_requested(self, signoff_id: int) -> int:
    """Tell a department's reviewers that a sign-off waits for them: one in-app notification each
    and one email to them all. Returns the number of addresses emailed."""
    signoff = (
        SignOff.objects.select_related("proposal__requester", "proposal__tier", "department")
        .filter(pk=signoff_id)
        .first()
    )
    if signoff is None or signoff.status != SignOffStatus.PENDING:
        return 0  # decided or cancelled before we got here: nothing waits any more
    reviewers = signoff_reviewers(signoff)
    created = notifications.signoff_notify_requested(signoff=signoff, reviewers=reviewers)
    # The department's chat channels: queued once however often this runs (decisions.chat).
    chat.signoff_chat_requested(signoff=signoff)
    claimed = SignOff.objects.filter(
        pk=signoff_id, notified_at__isnull=True, status=SignOffStatus.PENDING
    ).update(notified_at=timezone.now())
    if not claimed:
        return 0  # already sent
    if not any(u.email for u in reviewers):
        log.warning("No reviewer with an email address for sign-off %s", signoff_id)
        return 0
    key = f"signoff_requested:{signoff_id}"
    # One email per language among the reviewers, each in theirs. Who got theirs in an attempt
    # that failed later (another language's email) is not emailed again by the retry.
    emailed = {n.user_id for n in created if n.emailed_at is not None}
    waiting = [u for u in reviewers if u.email and u.pk not in emailed]
    languages = languages_of(waiting)  # one query for them all
    by_language: dict[str, list[Any]] = {}
    for user in waiting:
        by_language.setdefault(languages[user.pk], []).append(user)
    context = {
        "signoff": signoff,
        "proposal": signoff.proposal,
        "url": proposal_link(signoff.proposal),
        "base_currency": settings.BASE_CURRENCY,
    }
    sent = 0
    try:
        for language, group in by_language.items():
            with translation.override(language):
                subject = render_to_string(
                    "decisions/email/signoff_requested_subject.txt", context
                ).strip()
                body = render_to_string("decisions/email/signoff_requested.txt", context)
            send_mail(
                subject=subject,
                message=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[u.email for u in group],
            )
            notifications.notifications_mark_emailed(key=key, user_ids=[u.pk for u in group])
            sent += len(group)
    except Exception:
        # Release the claim so that the retry (or a later run) sends what is left.
        SignOff.objects.filter(pk=signoff_id).update(notified_at=None)
        raise
    notifications.notifications_mark_emailed(key=key, user_ids=[n.user_id for n in created])
    return sent


@shared_task(**RETRY)
def notify_changes_requested(proposal_id: int, round_number: int) -> int:
    """Tell the requester that a department or the CDO returned the proposal for changes."""
    created = notifications.proposal_notify_changes_requested(
        proposal_id=proposal_id, round_number=round_number
    )
    _email_each(created)
    return len(created)


@shared_task(**RETRY)
def notify_decision_needed(proposal_id: int, round_number: int) -> int:
    """Tell the CDO that every department approved and the decision is theirs."""
    created = notifications.proposal_notify_decision_needed(
        proposal_id=proposal_id, round_number=round_number
    )
    _email_each(created)
    return len(created)


@shared_task(**RETRY)
def notify_decision_taken(proposal_id: int, round_number: int) -> int:
    """Tell the requester (and everyone who signed that round) the outcome."""
    created = notifications.proposal_notify_decision_taken(
        proposal_id=proposal_id, round_number=round_number
    )
    chat.proposal_chat_decided(proposal_id=proposal_id, round_number=round_number)
    _email_each(created)
    return len(created)


@shared_task(**RETRY)
def notify_onboarding_assigned(task_id: int) -> int:
    """Tell an onboarding task's new assignee, in the app and by email."""
    created = notifications.onboarding_notify_assigned(task_id=task_id)
    _email_each(created)
    return len(created)


@shared_task(**RETRY)
def signoff_sla_step(signoff_id: int, step: str) -> int:
    """Take one SLA step (reminder, head or CDO escalation) of one sign-off, once. Returns the
    number of people notified by this run."""
    result = sla.signoff_sla_step(signoff_id=signoff_id, step=step)
    if result is None:
        return 0
    # Also after a lost claim: a retry emails whoever the first attempt did not reach.
    _email_each(result.notifications)
    return len(result.notifications) if result.claimed else 0


@shared_task(**RETRY)
def signoff_presume(signoff_id: int) -> int:
    """Consent mode: presume the consent of one sign-off nobody objected to by its due date,
    once. Returns the number of people notified by this run."""
    from decisions.services.consent import signoff_presume as presume  # services queue tasks

    result = presume(signoff_id=signoff_id)
    if result is None:
        return 0
    # Also when presumed before: a retry emails whoever the first attempt did not reach.
    _email_each(result.notifications)
    return len(result.notifications) if result.presumed else 0


@shared_task(**RETRY)
def run_signoff_sla() -> int:
    """Every 15 minutes (CELERY_BEAT_SCHEDULE): one query finds the sign-offs with an SLA step
    due, and one task per step takes it; another finds the consent-mode sign-offs past their
    due date, and one task each presumes the consent. Returns the number of tasks queued."""
    from decisions.services.consent import signoffs_presumption_due

    due = sla.signoffs_sla_due()
    for signoff_id, step in due:
        signoff_sla_step.delay(signoff_id, step)
    presumptions = signoffs_presumption_due()
    for signoff_id in presumptions:
        signoff_presume.delay(signoff_id)
    if due or presumptions:
        log.info("SLA: %d step(s), %d presumed consent(s) queued", len(due), len(presumptions))
    return len(due) + len(presumptions)


@shared_task(**RETRY)
def sweep_notifications() -> int:
    """Every 10 minutes (CELERY_BEAT_SCHEDULE), and in `manage.py run_sla`: queue again the
    notification tasks and emails that were lost (see notifications.notifications_to_sweep).
    They are all safe to run twice. Returns the number queued; one that cannot be queued (the
    broker still away) is logged and left for the next run."""
    sweep = notifications.notifications_to_sweep()
    by_template = {
        "changes_requested": notify_changes_requested,
        "decision_needed": notify_decision_needed,
        "decision_taken": notify_decision_taken,
    }
    calls: list[tuple[Any, tuple[int, ...]]] = [
        (by_template[template], (pk, rnd)) for template, pk, rnd in sweep.proposals
    ]
    calls += [(notify_signoff_requested, (pk,)) for pk in sweep.signoffs]
    calls += [(send_notification_email, (pk,)) for pk in sweep.emails]
    calls += [(notify_onboarding_assigned, (pk,)) for pk in sweep.onboarding]
    queued = 0
    for task, args in calls:
        try:
            task.delay(*args)
        except Exception:
            # The broker still away, or (run eagerly) the task itself failing: the next run
            # finds it again.
            log.exception("notifications: could not queue %s%s again", task.name, args)
            continue
        queued += 1
    if calls:
        log.warning("notifications: %d of %d lost notification task(s) queued again",
                    queued, len(calls))  # fmt: skip
    return queued


@shared_task(**RETRY)
def retire_due_tools() -> int:
    """Every hour (CELERY_BEAT_SCHEDULE): retire the tools in sunset whose planned retirement
    day has come, with the proposals that brought them in. Safe to run twice: a retired tool is
    not due any more. Returns the number retired."""
    from decisions.services.retirement import tools_retire_due  # the services queue tasks

    retired = tools_retire_due()
    if retired:
        log.info("Landscape: %d tool(s) retired on their planned day", len(retired))
    return len(retired)


@shared_task(**RETRY)
def run_lifecycle() -> dict[str, int]:
    """Every hour (CELERY_BEAT_SCHEDULE): the steps of decisions.services.schedule for today,
    each idempotent. Returns what each step did."""
    from decisions.services.schedule import run_lifecycle as run

    return run()
