"""The handoff pages: a proposal's onboarding checklist (assign, tick off, reopen), and the
"my onboarding tasks" list. Plain forms that HTMX posts in place (the checklist re-rendered);
a refusal shows its reason beside the task, with the error's status code."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.htmx import HtmxHttpRequest
from decisions import selectors
from decisions.handoff import (
    assignable_members,
    can_work_on,
    keeper_department_ids,
    progress_of,
    tasks_of_proposal,
    tasks_on_my_list,
)
from decisions.models import OnboardingTask, Proposal
from decisions.services import handoff
from decisions.views.pilots import date_field

MY_TASKS_PER_PAGE = 50


@dataclass
class TaskRow:
    task: OnboardingTask
    can_work: bool
    overdue: bool
    members: list[Any]


def _proposal(request: HtmxHttpRequest, reference: str) -> Proposal:
    return get_object_or_404(
        selectors.proposals_seen_by(request.user).select_related("tool", "tool__solution"),
        reference=reference,
    )


def _task(request: HtmxHttpRequest, pk: int) -> OnboardingTask:
    seen = selectors.proposals_seen_by(request.user)
    return get_object_or_404(
        OnboardingTask.objects.select_related("proposal").filter(proposal__in=seen), pk=pk
    )


def handoff_context(
    request: HtmxHttpRequest,
    proposal: Proposal,
    *,
    error: str = "",
    error_task: int | None = None,
    notice: str = "",
) -> dict[str, Any]:
    tasks = list(tasks_of_proposal(proposal))
    keeps = keeper_department_ids(request.user)
    members = assignable_members({t.department_id for t in tasks})
    today = timezone.localdate()
    rows = [
        TaskRow(
            task=t,
            can_work=can_work_on(user=request.user, task=t, keeps=keeps),
            overdue=t.is_overdue(today),
            members=members.get(t.department_id, []),
        )
        for t in tasks
    ]
    return {
        "proposal": proposal,
        "groups": [
            (department, list(group))
            for department, group in groupby(rows, key=lambda r: r.task.department)
        ],
        "progress": progress_of(tasks, proposal=proposal, today=today),
        "handoff_error": error,
        "error_task": error_task,
        "handoff_notice": notice,
    }


@login_required
@require_GET
def handoff_page(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    proposal = _proposal(request, reference)
    return render(request, "decisions/handoff.html", handoff_context(request, proposal))


def _answer(
    request: HtmxHttpRequest, task: OnboardingTask, *, notice: str = "", error: Any = None
) -> HttpResponse:
    proposal = _proposal(request, task.proposal.reference)
    status = error.status_code if error is not None else 200
    context = handoff_context(
        request,
        proposal,
        error=error.message if error is not None else "",
        error_task=task.pk if error is not None else None,
        notice=notice,
    )
    if error is None and not request.htmx:
        messages.success(request, notice)
        if request.POST.get("from") == "mine":
            return redirect("my-onboarding-tasks")
        return redirect(reverse("handoff", args=[proposal.reference]) + f"#task-{task.pk}")
    template = "decisions/handoff.html#checklist" if request.htmx else "decisions/handoff.html"
    return render(request, template, context, status=status)


@login_required
@require_POST
def task_assign(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    try:
        username = request.POST.get("assignee", "").strip()
        assignee = None
        if username:
            assignee = get_user_model().objects.filter(username=username).first()
            if assignee is None:
                raise DomainError(_("Choose someone of the department."), field="assignee")
        due_on = date_field(request.POST.get("due_on", ""), field="due_on")
        task = handoff.onboarding_task_assign(
            task=task, actor=request.user, assignee=assignee, due_on=due_on
        )
    except DomainError as error:
        return _answer(request, task, error=error)
    return _answer(request, task, notice=_("“%(title)s” saved.") % {"title": task.title})


@login_required
@require_POST
def task_done(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    try:
        task = handoff.onboarding_task_complete(task=task, actor=request.user)
    except DomainError as error:
        return _answer(request, task, error=error)
    return _answer(request, task, notice=_("“%(title)s” is done.") % {"title": task.title})


@login_required
@require_POST
def task_reopen(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    try:
        task = handoff.onboarding_task_reopen(task=task, actor=request.user)
    except DomainError as error:
        return _answer(request, task, error=error)
    return _answer(request, task, notice=_("“%(title)s” is open again.") % {"title": task.title})


@login_required
@require_GET
def my_tasks(request: HtmxHttpRequest) -> HttpResponse:
    """The tasks assigned to me, and the unassigned ones of the departments I review or head."""
    page = Paginator(tasks_on_my_list(request.user), MY_TASKS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    rows = [(t, t.is_overdue(today)) for t in page.object_list]
    template = (
        "decisions/my_onboarding.html#list" if request.htmx else "decisions/my_onboarding.html"
    )
    return render(request, template, {"page": page, "rows": rows})
