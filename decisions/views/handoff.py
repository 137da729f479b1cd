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
from decisions.forms import OnboardingTemplateForm
from decisions.handoff import (
    assignable_members,
    can_work_on,
    keeper_department_ids,
    progress_of,
    tasks_of_proposal,
    tasks_on_my_list,
    template_departments,
)
from decisions.models import OnboardingTask, OnboardingTemplate, Proposal
from decisions.services import handoff
from decisions.views._common import forbidden
from decisions.views.pilots import date_field
from stakeholders.models import Department

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


# --- The templates, kept by each department's head ------------------------------------------


def _templates_page(
    request: HtmxHttpRequest,
    *,
    bound: dict[str, OnboardingTemplateForm] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    departments = list(template_departments(request.user))
    if not departments:
        return forbidden(
            request,
            _("A department's head keeps its onboarding templates: you head no department."),
        )
    bound = bound or {}
    templates = OnboardingTemplate.objects.filter(department__in=departments).order_by(
        "position", "pk"
    )
    by_department: dict[int, list[tuple[OnboardingTemplate, OnboardingTemplateForm]]] = {}
    for template in templates:
        key = f"t{template.pk}"
        form = bound.get(key) or OnboardingTemplateForm(instance=template, prefix=key)
        by_department.setdefault(template.department_id, []).append((template, form))
    groups = [
        (
            d,
            by_department.get(d.pk, []),
            bound.get(f"new-{d.code}")
            or OnboardingTemplateForm(prefix=f"new-{d.code}", initial={"due_days": 14}),
        )
        for d in departments
    ]
    context = {"groups": groups, "template_error": error}
    return render(request, "decisions/onboarding_templates.html", context, status=status)


@login_required
@require_GET
def templates_page(request: HtmxHttpRequest) -> HttpResponse:
    return _templates_page(request)


def _save_template(
    request: HtmxHttpRequest,
    *,
    department: Department,
    prefix: str,
    template: OnboardingTemplate | None = None,
) -> HttpResponse:
    form = OnboardingTemplateForm(request.POST, instance=template, prefix=prefix)
    if not form.is_valid():
        if not template_departments(request.user).filter(pk=department.pk).exists():
            return forbidden(request, _("Only the department's head keeps its templates."))
        return _templates_page(request, bound={prefix: form}, status=400)
    try:
        saved = handoff.onboarding_template_save(
            actor=request.user,
            department=department,
            template=template,
            **form.cleaned_data,
        )
    except DomainError as error:
        if error.status_code == 403:
            return forbidden(request, error.message)
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _templates_page(request, bound={prefix: form}, status=error.status_code)
    messages.success(request, _("“%(title)s” saved.") % {"title": saved.title})
    return redirect(reverse("onboarding-templates") + f"#template-{saved.pk}")


@login_required
@require_POST
def template_add(request: HtmxHttpRequest, code: str) -> HttpResponse:
    department = get_object_or_404(Department, code=code, is_active=True)
    return _save_template(request, department=department, prefix=f"new-{department.code}")


@login_required
@require_POST
def template_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(OnboardingTemplate.objects.select_related("department"), pk=pk)
    return _save_template(
        request, department=template.department, prefix=f"t{template.pk}", template=template
    )
