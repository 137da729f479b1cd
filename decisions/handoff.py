"""The handoff from decision to implementation, its rules and reads: the default onboarding
templates, who may work on a task, whom a task may be assigned to, when a due date is
acceptable, and when a tool counts as live. The writes are decisions.services.handoff.

A tool is *live* when every task of its checklist is done and it is adopted (or standard) in
the landscape. A pilot is not live: it is a trial that may still be stopped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from decisions.handoff_models import DUE_DAYS_MAX, OnboardingTask, OnboardingTemplate
from decisions.models import Proposal, ProposalStatus
from landscape.models import Lifecycle
from stakeholders.models import Department, Membership, Role

# The proposal states whose checklist is worked on: approved, piloting or adopted. A rejected,
# withdrawn or retired tool's checklist is kept as it was.
WORKING_STATES = {ProposalStatus.APPROVED, ProposalStatus.PILOTING, ProposalStatus.ADOPTED}
# The tool's lifecycles that count as live once the checklist is done.
LIVE_LIFECYCLES = {Lifecycle.ADOPTED, Lifecycle.STANDARD}
# The roles that take a task: a viewer only reads.
ASSIGNABLE_ROLES = [Role.MEMBER, Role.REVIEWER, Role.HEAD]
# The roles that assign and tick off any task of their department.
KEEPER_ROLES = [Role.REVIEWER, Role.HEAD]

# (title, what to do, due after days) by department code: loaded by seed_demo and
# `manage.py load_onboarding`; after that they are data, kept by each department's head.
DEFAULT_TEMPLATES: dict[str, list[tuple[str, str, int]]] = {
    "IT": [
        (
            "Set up single sign-on",
            "Connect the tool to our identity provider; no local passwords.",
            10,
        ),
        (
            "Provision user accounts",
            "Create the accounts and groups of the first users, automated where the tool can.",
            14,
        ),
        (
            "Connect the integrations",
            "Build and test the integrations with the tools in use that the proposal names.",
            21,
        ),
    ],
    "HR": [
        (
            "Inform or consult the works council",
            "Where the tool changes how people work or processes personal data, arrange the "
            "works council's consent.",
            14,
        ),
        (
            "Plan and give the training",
            "Train the first users, and settle how newcomers learn the tool.",
            21,
        ),
    ],
    "MKT": [
        (
            "Announce the tool internally",
            "Plan the communication: who hears what, when, and through which channel.",
            14,
        ),
    ],
}


def load_default_templates() -> int:
    """Create the default templates for departments that have none yet. Returns how many."""
    created = 0
    # One query when every department has its templates (seed_demo runs it every time).
    for department in Department.objects.filter(
        code__in=DEFAULT_TEMPLATES, onboarding_templates__isnull=True
    ).distinct():
        OnboardingTemplate.objects.bulk_create(
            OnboardingTemplate(
                department=department,
                title=title,
                description=description,
                due_days=due_days,
                position=position,
            )
            for position, (title, description, due_days) in enumerate(
                DEFAULT_TEMPLATES[department.code], start=1
            )
        )
        created += len(DEFAULT_TEMPLATES[department.code])
    return created


def keeper_department_ids(user: Any) -> set[int]:
    """The departments whose tasks `user` assigns and ticks off: where they review or head."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        Membership.objects.filter(
            user=user, role__in=KEEPER_ROLES, department__is_active=True
        ).values_list("department_id", flat=True)
    )


def can_work_on(*, user: Any, task: OnboardingTask, keeps: set[int] | None = None) -> bool:
    """Whether `user` may assign, tick off or reopen `task`: its assignee, or a reviewer or head
    of its department. `keeps` is keeper_department_ids(user), when already read."""
    if not getattr(user, "is_authenticated", False):
        return False
    if task.assignee_id is not None and task.assignee_id == user.pk:
        return True
    if keeps is None:
        keeps = keeper_department_ids(user)
    return task.department_id in keeps


def is_assignable(*, user: Any, department_id: int) -> bool:
    """Whether `user` may be given a task of the department: a member of it, not a viewer."""
    return Membership.objects.filter(
        user=user,
        department_id=department_id,
        department__is_active=True,
        role__in=ASSIGNABLE_ROLES,
        user__is_active=True,
    ).exists()


def assignable_members(department_ids: Iterable[int]) -> dict[int, list[Any]]:
    """The people each department's tasks may be given to, by department id: one query."""
    people: dict[int, list[Any]] = {}
    memberships = (
        Membership.objects.filter(
            department_id__in=list(department_ids),
            role__in=ASSIGNABLE_ROLES,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )
    for membership in memberships:
        people.setdefault(membership.department_id, []).append(membership.user)
    return people


def due_date_problem(due_on: dt.date, *, today: dt.date | None = None) -> str | None:
    """Why `due_on` is no acceptable due date (None when it is): not before today, and not more
    than DUE_DAYS_MAX days ahead."""
    today = today or timezone.localdate()
    if due_on < today:
        return _("A due date cannot be in the past.")
    if (due_on - today).days > DUE_DAYS_MAX:
        return _("A due date is at most %(days)s days ahead.") % {"days": DUE_DAYS_MAX}
    return None


@dataclass(frozen=True)
class Progress:
    """How far a proposal's onboarding is."""

    total: int
    done: int
    overdue: int
    tool_in_landscape: bool

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total

    @property
    def live(self) -> bool:
        """Every task done and the tool adopted (or standard) in the landscape."""
        return self.complete and self.tool_in_landscape

    @property
    def percent(self) -> int:
        return self.done * 100 // self.total if self.total else 0


def progress_of(
    tasks: Iterable[OnboardingTask], *, proposal: Proposal, today: dt.date | None = None
) -> Progress:
    """The progress of `proposal`'s checklist from its tasks (already loaded)."""
    today = today or timezone.localdate()
    tasks = list(tasks)
    tool = proposal.tool if proposal.tool_id is not None else None
    return Progress(
        total=len(tasks),
        done=sum(1 for t in tasks if t.is_done),
        overdue=sum(1 for t in tasks if t.is_overdue(today)),
        tool_in_landscape=tool is not None and tool.lifecycle in LIVE_LIFECYCLES,
    )


def tasks_of_proposal(proposal: Proposal) -> QuerySet[OnboardingTask]:
    """A proposal's checklist, by department, with whom it names."""
    return (
        OnboardingTask.objects.filter(proposal=proposal)
        .select_related("department", "assignee", "done_by")
        .order_by("department__code", "position", "pk")
    )


def tasks_for_api() -> QuerySet[OnboardingTask]:
    """Every task, with what the API's rows name (no query per row)."""
    return OnboardingTask.objects.select_related(
        "department", "assignee", "done_by", "proposal", "proposal__tool"
    ).order_by("due_on", "pk")


def tasks_on_my_list(user: Any) -> QuerySet[OnboardingTask]:
    """The tasks on `user`'s list: those assigned to them, and the unassigned tasks of the
    departments they review or head, on checklists still worked on; open ones first, by due
    date."""
    keeps = keeper_department_ids(user)
    return (
        OnboardingTask.objects.filter(
            Q(assignee_id=user.pk) | Q(assignee__isnull=True, department_id__in=keeps),
            proposal__status__in=WORKING_STATES,
        )
        .select_related("department", "assignee", "done_by", "proposal")
        .order_by(F("done_at").asc(nulls_first=True), F("due_on").asc(nulls_last=True), "pk")
    )


def handoff_progress(proposal: Proposal) -> Progress | None:
    """The progress of `proposal`'s checklist, or None when it has none: one query."""
    tasks = list(OnboardingTask.objects.filter(proposal=proposal).only("done_at", "due_on"))
    return progress_of(tasks, proposal=proposal) if tasks else None


def tool_onboarding(tool: Any) -> dict[str, Any] | None:
    """The onboarding of the newest proposal that brought `tool` in and has a checklist (for
    the tool's page, registered with the landscape), or None."""
    proposal = (
        Proposal.objects.filter(tool=tool, onboarding_tasks__isnull=False)
        .order_by("-created_at")
        .first()
    )
    if proposal is None:
        return None
    proposal.tool = tool
    progress = handoff_progress(proposal)
    return {"reference": proposal.reference, "progress": progress} if progress else None


def template_departments(user: Any) -> QuerySet[Department]:
    """The departments whose onboarding templates `user` keeps: those they head (every active
    one for an administrator)."""
    active = Department.objects.filter(is_active=True).order_by("code")
    if not getattr(user, "is_authenticated", False):
        return active.none()
    if user.is_superuser:
        return active
    return active.filter(memberships__user=user, memberships__role=Role.HEAD)
