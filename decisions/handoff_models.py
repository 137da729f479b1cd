"""The handoff from decision to implementation: each department's onboarding task templates
(kept by its head), and the checklist of tasks an approved new tool's proposal gets from them,
each assignable to a member of its department with a due date, done or not.

Imported at the end of decisions.models, which re-exports these models."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.text import validate_single_line
from decisions.models import Proposal
from stakeholders.models import Department

__all__ = ["OnboardingTask", "OnboardingTemplate"]

# How far after the approval a template's task may fall due (calendar days).
DUE_DAYS_MAX = 365


class OnboardingTemplate(models.Model):
    """A task every approved new tool gets for one department (IT: single sign-on, ...)."""

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="onboarding_templates"
    )
    title = models.CharField(_("title"), max_length=200, validators=[validate_single_line])
    description = models.TextField(_("what to do"), max_length=1000, blank=True)
    due_days = models.PositiveSmallIntegerField(
        _("due after (days)"),
        default=14,
        help_text=_("Calendar days after the approval the task is due."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["department__code", "position", "pk"]
        verbose_name = _("onboarding task template")
        verbose_name_plural = _("onboarding task templates")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "title"], name="onboarding_template_title_once"
            ),
            models.CheckConstraint(
                condition=~Q(title=""), name="onboarding_template_names_a_title"
            ),
            models.CheckConstraint(
                condition=Q(due_days__lte=DUE_DAYS_MAX), name="onboarding_template_due_in_a_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department.code}: {self.title}"


class OnboardingTask(models.Model):
    """One task of a proposal's onboarding checklist, copied from its template at approval
    (a later change of the template leaves the checklists already made alone)."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="onboarding_tasks"
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(
        OnboardingTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what to do"), max_length=1000, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="onboarding_tasks",
        verbose_name=_("assignee"),
    )
    # When and by whom it was last given to its assignee: the notification sweeper sends again
    # an assignee's notice whose task was lost (none when people take a task themselves).
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["proposal_id", "department_id", "position", "pk"]
        verbose_name = _("onboarding task")
        verbose_name_plural = _("onboarding tasks")
        constraints = [
            # The checklist is made once: approving twice (or a retry) adds no second copy.
            models.UniqueConstraint(
                fields=["proposal", "template"],
                condition=Q(template__isnull=False),
                name="onboarding_task_once_per_template",
            ),
            models.CheckConstraint(
                condition=Q(done_at__isnull=True, done_by__isnull=True)
                | Q(done_at__isnull=False, done_by__isnull=False),
                name="onboarding_task_done_says_by_whom",
            ),
        ]
        # "My onboarding tasks": the open tasks assigned to someone.
        indexes = [
            models.Index(fields=["assignee", "done_at"], name="onboarding_task_assignee"),
            # The sweeper: the tasks assigned in its window.
            models.Index(fields=["assigned_at"], name="onboarding_task_assigned_at"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} {self.title}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def is_overdue(self, today: dt.date) -> bool:
        """Open and past its due date (due today is not overdue yet)."""
        return self.done_at is None and self.due_on is not None and self.due_on < today
