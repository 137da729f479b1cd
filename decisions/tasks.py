"""Side effects of the workflow. Each task takes ids, is queued after commit, and is safe to run
twice: it claims its work with a conditional UPDATE before sending, and releases the claim when
sending fails so that the retry sends it."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from decisions.models import SignOff, SignOffStatus
from stakeholders.models import Membership

log = logging.getLogger(__name__)


def signoff_reviewers(signoff: SignOff):
    """Users who may sign this sign-off: the department's members with the role and the limit."""
    memberships = (
        Membership.objects.filter(department_id=signoff.department_id)
        .with_role_at_least(signoff.required_role)
        .exclude(user_id=signoff.proposal.requester_id)
        .select_related("user")
    )
    amount = signoff.proposal.tco
    return [
        m.user
        for m in memberships
        if m.user.is_active
        and (m.approval_limit is None or amount is None or amount <= m.approval_limit)
    ]


@shared_task(
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=8,
)
def notify_signoff_requested(self, signoff_id: int) -> int:
    """Email the reviewers of one department that a sign-off waits for them. Returns the count."""
    claimed = SignOff.objects.filter(
        pk=signoff_id, notified_at__isnull=True, status=SignOffStatus.PENDING
    ).update(notified_at=timezone.now())
    if not claimed:
        return 0  # already sent, or no longer pending
    signoff = SignOff.objects.select_related("proposal", "department", "proposal__requester").get(
        pk=signoff_id
    )
    recipients = [u.email for u in signoff_reviewers(signoff) if u.email]
    if not recipients:
        log.warning("No reviewer with an email address for sign-off %s", signoff_id)
        return 0
    context = {
        "signoff": signoff,
        "proposal": signoff.proposal,
        "url": settings.SITE_URL + reverse("proposal-detail", args=[signoff.proposal.reference]),
    }
    try:
        send_mail(
            subject=render_to_string(
                "decisions/email/signoff_requested_subject.txt", context
            ).strip(),
            message=render_to_string("decisions/email/signoff_requested.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients,
        )
    except Exception:
        # Release the claim so that the retry (or a later run) sends it.
        SignOff.objects.filter(pk=signoff_id).update(notified_at=None)
        raise
    return len(recipients)


@shared_task
def notify_changes_requested(proposal_id: int, round_number: int) -> int:
    """Tell the requester that a department or the CDO returned the proposal for changes."""
    raise NotImplementedError  # implemented in the notifications change


@shared_task
def notify_decision_needed(proposal_id: int, round_number: int) -> int:
    """Tell the CDO that every department approved and the decision is theirs."""
    raise NotImplementedError  # implemented in the notifications change


@shared_task
def notify_decision_taken(proposal_id: int, round_number: int) -> int:
    """Tell the requester (and the departments that signed) the outcome."""
    raise NotImplementedError  # implemented in the notifications change
