"""The demo's onboarding checklists. Every approved, piloting or adopted new tool has one (made
at its approval, or here for a database seeded before the handoff existed); two tell a story:
the applicant tracking system, adopted, with every task done (live), and the electronic
signatures, approved, half way, one task overdue. A story is skipped once any of its tasks was
assigned or done: running twice adds nothing."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from decisions.handoff import WORKING_STATES
from decisions.models import (
    Notification,
    NotificationKind,
    OnboardingTask,
    Proposal,
    ProposalKind,
)
from decisions.services._common import lock_proposal
from decisions.services.handoff import (
    handoff_create,
    onboarding_task_assign,
    onboarding_task_complete,
)

REVIEWERS = {"HR": "reviewer.hr", "IT": "reviewer.it", "MKT": "reviewer.mkt"}
HEADS = {"HR": "head.hr", "IT": "head.it", "MKT": "head.mkt"}
LIVE_STORY = "Structured hiring with one applicant tracking system"
HALF_WAY_STORY = "Electronic signatures for employment contracts"


def seed_demo_handoff() -> list[str]:
    lines = []
    made = 0
    for waiting in Proposal.objects.filter(
        kind=ProposalKind.NEW, status__in=WORKING_STATES, onboarding_tasks__isnull=True
    ):
        with transaction.atomic():
            made += len(handoff_create(lock_proposal(waiting), actor=None))
    if made:
        lines.append(f"Onboarding tasks made for tools approved before the handoff: {made}.")
    stories = _untouched([LIVE_STORY, HALF_WAY_STORY])
    if not stories:
        return lines
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=[*REVIEWERS.values(), *HEADS.values()])}  # fmt: skip
    if len(users) < len(REVIEWERS) + len(HEADS):
        return lines
    if (proposal := stories.get(LIVE_STORY)) is not None:
        for task in proposal.onboarding_tasks.select_related("department"):
            code = task.department.code
            if code not in REVIEWERS:
                continue
            onboarding_task_assign(task=task, actor=users[HEADS[code]],
                                   assignee=users[REVIEWERS[code]])  # fmt: skip
            onboarding_task_complete(task=task, actor=users[REVIEWERS[code]])
        _backdate_notifications(proposal)
        lines.append(f"Onboarding done: {proposal.reference} is live.")
    if (proposal := stories.get(HALF_WAY_STORY)) is not None:
        today = timezone.localdate()
        tasks = list(proposal.onboarding_tasks.select_related("department"))
        for task in tasks:
            code = task.department.code
            if code not in REVIEWERS:
                continue
            onboarding_task_assign(task=task, actor=users[HEADS[code]],
                                   assignee=users[REVIEWERS[code]])  # fmt: skip
        done = [t for t in tasks if t.department.code == "HR"][:1]
        for task in done:
            onboarding_task_complete(task=task, actor=users[REVIEWERS["HR"]])
        # Single sign-on was due three days ago (backdated: nobody sets a due date in the past).
        OnboardingTask.objects.filter(proposal=proposal, title="Set up single sign-on").update(
            due_on=today - dt.timedelta(days=3)
        )
        _backdate_notifications(proposal)
        lines.append(f"Onboarding half way, one task overdue: {proposal.reference}.")
    return lines


def _untouched(titles: list[str]) -> dict[str, Proposal]:
    """The stories' proposals that have a checklist none of whose tasks was assigned yet, by
    title: one query."""
    proposals = (
        Proposal.objects.filter(title__in=titles, kind=ProposalKind.NEW)
        .filter(Exists(OnboardingTask.objects.filter(proposal=OuterRef("pk"))))
        .exclude(
            Exists(OnboardingTask.objects.filter(proposal=OuterRef("pk"), assignee__isnull=False))
        )
    )
    return {p.title: p for p in proposals}


def _backdate_notifications(proposal: Proposal) -> None:
    """The assignees' notifications dated with the rest of the story (its last change), not
    at the moment the demo was seeded."""
    Notification.objects.filter(proposal=proposal, kind=NotificationKind.ONBOARDING).update(
        created_at=max(proposal.updated_at, proposal.submitted_at or proposal.created_at)
    )
