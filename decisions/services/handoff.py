"""The handoff's writes: the onboarding checklist made when a new tool's proposal is approved,
and a task's assignment, completion and reopening. Each locks the proposal, then the task;
writes its audit event in the transaction; and queues its webhook event (one per task, for an
issue tracker) to be sent after commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import record_event
from core.actors import Actor, signed_in
from core.errors import DomainError, InvalidTransition, NotAllowed
from core.i18n import DEFAULT_LANGUAGE, default_value, in_default_language, per_language
from core.siteurl import site_url
from core.text import validate_single_line
from decisions import tasks
from decisions.handoff import (
    WORKING_STATES,
    can_work_on,
    due_date_problem,
    is_assignable,
    progress_of,
    template_departments,
)
from decisions.handoff_models import DUE_DAYS_MAX
from decisions.models import OnboardingTask, OnboardingTemplate, Proposal, ProposalKind
from decisions.services._common import lock_proposal, queue_after_commit
from stakeholders.models import Department
from webhooks.services import webhook_event_queue, webhook_events_queue

# "Leave it as it is" for the assignment's fields.
KEEP: Any = object()


def _user_ref(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "id": user.pk,
        "username": user.get_username(),
        "full_name": user.get_full_name() or user.get_username(),
        "email": user.email,
    }


def task_event_data(task: OnboardingTask, *, actor: Any) -> dict[str, Any]:
    """What an onboarding event tells a subscriber (an issue tracker): enough to open, assign or
    close its own issue without calling back. `key` is stable: the tracker's external id."""
    proposal = task.proposal
    tool = proposal.tool if proposal.tool_id is not None else None
    return {
        "key": f"{proposal.reference}-{task.pk}",
        "task": {
            "id": task.pk,
            "title": default_value(task, "title"),
            "description": default_value(task, "description"),
            "department": task.department.code,
            "assignee": _user_ref(task.assignee),
            "due_on": task.due_on.isoformat() if task.due_on else None,
            "done": task.is_done,
            "done_at": task.done_at.isoformat() if task.done_at else None,
            "done_by": _user_ref(task.done_by),
            "url": site_url() + reverse("handoff", kwargs={"reference": proposal.reference}),
            "api_url": site_url() + reverse("api:onboarding-task-detail", kwargs={"pk": task.pk}),
        },
        "proposal": {
            "reference": proposal.reference,
            "title": proposal.title,
            "status": proposal.status,
            "url": site_url()
            + reverse("proposal-detail", kwargs={"reference": proposal.reference}),
        },
        "tool": (
            {
                "id": tool.pk,
                "lifecycle": tool.lifecycle,
                "url": site_url() + reverse("tool-detail", kwargs={"pk": tool.pk}),
            }
            if tool is not None
            else None
        ),
        "actor": actor.get_username() if getattr(actor, "is_authenticated", False) else None,
    }


def handoff_create(proposal: Proposal, *, actor: Actor | None) -> list[OnboardingTask]:
    """Make a new tool's onboarding checklist from every active template of the active
    departments, each task due its template's days after today. Called in the transaction that
    approves the proposal (its row locked); a template already used adds no second task, so
    calling it again only adds what new templates ask."""
    if proposal.kind != ProposalKind.NEW:
        return []
    used = set(
        OnboardingTask.objects.filter(proposal=proposal, template__isnull=False).values_list(
            "template_id", flat=True
        )
    )
    templates = (
        OnboardingTemplate.objects.filter(is_active=True, department__is_active=True)
        .exclude(pk__in=used)
        .select_related("department")
        .order_by("department__code", "position", "pk")
    )
    today = timezone.localdate()
    # The untranslated columns keep the English too (as the templates' do), not the language
    # of whoever approves.
    with translation.override(DEFAULT_LANGUAGE):
        tasks = OnboardingTask.objects.bulk_create(
            OnboardingTask(
                proposal=proposal,
                department=template.department,
                template=template,
                position=template.position,
                due_on=today + dt.timedelta(days=template.due_days),
                # Every language's text, whatever the language of the request that approves.
                **{
                    column: getattr(template, column)
                    for column in per_language("title", "description")
                },
            )
            for template in templates
        )
    if not tasks:
        return []
    record_event(
        kind="onboarding.checklist_created",
        actor=actor,
        proposal_id=proposal.pk,
        payload={
            "tasks": [
                {"id": t.pk, "department": t.department.code, "title": default_value(t, "title")}
                for t in tasks
            ]
        },
    )
    for task in tasks:
        task.proposal = proposal
    webhook_events_queue(
        kind="onboarding.task_created",
        payloads=lambda: [task_event_data(t, actor=actor) for t in tasks],
    )
    return tasks


def _lock_task(task: OnboardingTask, *, actor: Actor) -> OnboardingTask:
    """The proposal's row, then the task's, locked; refused unless `actor` may work on it and
    its checklist is still worked on."""
    user = signed_in(actor, _("Sign in to work on onboarding tasks."))
    proposal = lock_proposal(task.proposal)
    task = (
        OnboardingTask.objects.select_for_update(of=("self",))
        .select_related("department", "assignee", "done_by")
        .get(pk=task.pk)
    )
    task.proposal = proposal
    if not can_work_on(user=user, task=task):
        raise NotAllowed(
            _("Only the task's assignee, or a reviewer or head of %(dept)s, can work on this task.")
            % {"dept": task.department.name}
        )
    if proposal.status not in WORKING_STATES:
        raise InvalidTransition(
            _("The proposal is %(status)s: its onboarding checklist is closed.")
            % {"status": proposal.get_status_display().lower()}
        )
    return task


def onboarding_task_assign(
    *, task: OnboardingTask, actor: Actor, assignee: Any = KEEP, due_on: Any = KEEP
) -> OnboardingTask:
    """Give the task to a member of its department (None: to nobody) and/or set its due date
    (None: none). A field left as KEEP stays as it is; nothing changed records nothing."""
    with transaction.atomic():
        task = _lock_task(task, actor=actor)
        if task.is_done:
            raise InvalidTransition(_("The task is done: reopen it before assigning it."))
        changed: dict[str, Any] = {}
        if assignee is not KEEP and (assignee.pk if assignee else None) != task.assignee_id:
            if assignee is not None and not is_assignable(
                user=assignee, department_id=task.department_id
            ):
                raise DomainError(
                    _("%(person)s is not a member of %(dept)s: give the task to one who is.")
                    % {
                        "person": assignee.get_full_name() or assignee.get_username(),
                        "dept": task.department.name,
                    },
                    field="assignee",
                )
            changed["assignee"] = assignee.get_username() if assignee else None
            task.assignee = assignee
            task.assigned_at = timezone.now() if assignee else None
            task.assigned_by = signed_in(actor) if assignee else None
        if due_on is not KEEP and due_on != task.due_on:
            if due_on is not None and (problem := due_date_problem(due_on)):
                raise DomainError(problem, field="due_on")
            changed["due_on"] = due_on.isoformat() if due_on else None
            task.due_on = due_on
        if not changed:
            return task
        task.save(update_fields=["assignee", "assigned_at", "assigned_by", "due_on"])
        record_event(
            kind="onboarding.task_assigned",
            actor=actor,
            proposal_id=task.proposal_id,
            payload={"task": task.pk, "title": default_value(task, "title"), **changed},
        )
        webhook_event_queue(
            kind="onboarding.task_assigned", payload=lambda: task_event_data(task, actor=actor)
        )
        if "assignee" in changed and assignee is not None and assignee.pk != actor.pk:
            queue_after_commit(tasks.notify_onboarding_assigned, task.pk)
        return task


def onboarding_task_complete(*, task: OnboardingTask, actor: Actor) -> OnboardingTask:
    """Tick the task off, saying who and when."""
    with transaction.atomic():
        task = _lock_task(task, actor=actor)
        if task.is_done:
            raise InvalidTransition(_("The task is done already."))
        task.done_at = timezone.now()
        task.done_by = signed_in(actor)
        task.save(update_fields=["done_at", "done_by"])
        _record_done(task, actor=actor, kind="onboarding.task_done")
        return task


def onboarding_task_reopen(*, task: OnboardingTask, actor: Actor) -> OnboardingTask:
    """Mark a done task as not done after all."""
    with transaction.atomic():
        task = _lock_task(task, actor=actor)
        if not task.is_done:
            raise InvalidTransition(_("The task is not done: there is nothing to reopen."))
        task.done_at = None
        task.done_by = None
        task.save(update_fields=["done_at", "done_by"])
        _record_done(task, actor=actor, kind="onboarding.task_reopened")
        return task


def _record_done(task: OnboardingTask, *, actor: Actor, kind: str) -> None:
    proposal = task.proposal
    tasks = list(OnboardingTask.objects.filter(proposal=proposal).only("done_at", "due_on"))
    progress = progress_of(tasks, proposal=proposal)
    record_event(
        kind=kind,
        actor=actor,
        proposal_id=proposal.pk,
        payload={
            "task": task.pk,
            "title": default_value(task, "title"),
            "department": task.department.code,
            "done": progress.done,
            "total": progress.total,
            "live": progress.live,
        },
    )
    webhook_event_queue(
        kind=kind,
        payload=lambda: {**task_event_data(task, actor=actor), "live": progress.live},
    )


# The translations of a template's texts, besides the English: (field, language code).
TEMPLATE_TRANSLATIONS = [
    ("title", "nl"),
    ("title", "fr"),
    ("description", "nl"),
    ("description", "fr"),
]


def _template_text(field: str, value: str | None, *, language: str) -> str:
    """A template's title or description in one language, stripped ("" when blank), refused
    when longer than the English may be or, for a title, on more than one line."""
    value = (value or "").strip()
    name = field if language == DEFAULT_LANGUAGE else f"{field}_{language}"
    limit = getattr(OnboardingTemplate._meta.get_field(field), "max_length", None) or 0
    if len(value) > limit:
        raise DomainError(
            _("At most %(limit)s characters (it has %(length)s).")
            % {"limit": limit, "length": len(value)},
            field=name,
        )
    if field == "title":
        try:
            validate_single_line(value)
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages), field=name) from exc
    return value


def onboarding_template_save(
    *,
    actor: Actor,
    department: Department,
    title: str,
    description: str = "",
    due_days: int,
    position: int = 0,
    is_active: bool = True,
    template: OnboardingTemplate | None = None,
    title_nl: Any = KEEP,
    title_fr: Any = KEEP,
    description_nl: Any = KEEP,
    description_fr: Any = KEEP,
) -> OnboardingTemplate:
    """Add a template to the department's onboarding checklist, or change one (`template`). Its
    head (or the administrator) keeps them; a change reaches the checklists made afterwards.
    `title` and `description` are the English; the Dutch and French ones are optional (blank:
    read as the English; KEEP: as they are)."""
    with transaction.atomic():
        user = signed_in(actor, _("Sign in to keep onboarding templates."))
        if not template_departments(user).filter(pk=department.pk).exists():
            raise NotAllowed(
                _("Only the head of %(dept)s keeps its onboarding templates.")
                % {"dept": department.name}
            )
        if template is not None:
            template = OnboardingTemplate.objects.select_for_update().get(pk=template.pk)
            if template.department_id != department.pk:
                raise NotAllowed(_("The template belongs to another department."))
        title = _template_text("title", title, language=DEFAULT_LANGUAGE)
        if not title:
            raise DomainError(_("Give the task a title."), field="title")
        description = _template_text("description", description, language=DEFAULT_LANGUAGE)
        given = {"title_nl": title_nl, "title_fr": title_fr}
        given |= {"description_nl": description_nl, "description_fr": description_fr}
        translated = {
            f"{field}_{code}": _template_text(field, given[f"{field}_{code}"], language=code)
            or None  # blank: not translated, read as the English
            for field, code in TEMPLATE_TRANSLATIONS
            if given[f"{field}_{code}"] is not KEEP
        }
        if not 0 <= due_days <= DUE_DAYS_MAX:
            raise DomainError(
                _("A task falls due between 0 and %(days)s days after the approval.")
                % {"days": DUE_DAYS_MAX},
                field="due_days",
            )
        titles = {in_default_language("title"): title}
        titles |= {k: v for k, v in translated.items() if k.startswith("title_") and v}
        for column, value in titles.items():
            same = OnboardingTemplate.objects.filter(
                department=department, **{f"{column}__iexact": value}
            )
            if template is not None:
                same = same.exclude(pk=template.pk)
            if same.exists():
                raise DomainError(
                    _("%(dept)s has a task with that title already.") % {"dept": department.name},
                    field="title" if column == in_default_language("title") else column,
                )
        created = template is None
        template = template or OnboardingTemplate(department=department)
        setattr(template, in_default_language("title"), title)
        setattr(template, in_default_language("description"), description)
        for column, text in translated.items():
            setattr(template, column, text)
        template.due_days = due_days
        template.position = position
        template.is_active = is_active
        # The untranslated columns keep the English (and its constraint sees it), whatever the
        # head's language.
        with translation.override(DEFAULT_LANGUAGE):
            template.save()
        record_event(
            kind="onboarding.template_saved",
            actor=actor,
            payload={
                "template": template.pk,
                "department": department.code,
                "title": title,
                "due_days": due_days,
                "is_active": is_active,
                "created": created,
                **({"translated": sorted(translated)} if translated else {}),
            },
        )
        return template
