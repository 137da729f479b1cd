"""REST API of the onboarding checklists: list and read tasks, assign a task (and set its due
date), tick it off, reopen it. Thin views over decisions.services.handoff: the same rights and
states as the browser."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.fields import (
    ApiFilterSet,
    DefaultLanguageCharField,
    StrictBooleanFilter,
    StrictInputSerializer,
    UserRefSerializer,
)
from core.errors import DomainError
from decisions.handoff import can_work_on, keeper_department_ids, tasks_for_api
from decisions.models import OnboardingTask
from decisions.selectors import proposals_seen_by
from decisions.services import handoff
from decisions.services.handoff import KEEP


class OnboardingTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    proposal = serializers.CharField(source="proposal.reference")
    tool = serializers.IntegerField(
        source="proposal.tool_id",
        allow_null=True,
        help_text=gettext_lazy("The tool in the landscape, once piloted or adopted."),
    )
    department = serializers.CharField(source="department.code")
    # English whatever the request's language, as webhooks carry them.
    title = DefaultLanguageCharField()
    description = DefaultLanguageCharField()
    assignee = UserRefSerializer(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    overdue = serializers.SerializerMethodField()
    done = serializers.BooleanField(source="is_done")
    done_at = serializers.DateTimeField(allow_null=True)
    done_by = UserRefSerializer(allow_null=True)
    may_work_on = serializers.SerializerMethodField(
        help_text=gettext_lazy("Whether you may assign, tick off or reopen it.")
    )

    def get_overdue(self, task: OnboardingTask) -> bool:
        return task.is_overdue(self.context["today"])

    def get_may_work_on(self, task: OnboardingTask) -> bool:
        return can_work_on(user=self.context["user"], task=task, keeps=self.context["keeps"])


class AssignInputSerializer(StrictInputSerializer):
    assignee = serializers.CharField(
        max_length=150,
        allow_null=True,
        required=False,
        help_text=gettext_lazy("Username of a member of the task's department; null: nobody."),
    )
    due_on = serializers.DateField(
        allow_null=True, required=False, help_text=gettext_lazy("Null: no due date.")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError(_("Give an assignee, a due date or both."))
        return attrs


class OnboardingTaskFilterSet(ApiFilterSet):
    proposal = django_filters.CharFilter(
        field_name="proposal__reference", help_text=gettext_lazy("Proposal reference.")
    )
    department = django_filters.CharFilter(field_name="department__code")
    assignee = django_filters.CharFilter(
        field_name="assignee__username", help_text=gettext_lazy("Username of the assignee.")
    )
    mine = StrictBooleanFilter(
        method="filter_mine",
        help_text=gettext_lazy(
            "Only the tasks assigned to you and the unassigned ones of the departments you "
            "review or head."
        ),
    )
    done = StrictBooleanFilter(field_name="done_at", lookup_expr="isnull", exclude=True)
    overdue = StrictBooleanFilter(method="filter_overdue")

    class Meta:
        model = OnboardingTask
        fields = ["proposal", "department", "assignee", "mine", "done", "overdue"]

    def filter_mine(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        user = self.request.user
        q = Q(assignee_id=user.pk) | Q(
            assignee__isnull=True, department_id__in=keeper_department_ids(user)
        )
        return queryset.filter(q) if value else queryset.exclude(q)

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        q = Q(done_at__isnull=True, due_on__lt=timezone.localdate())
        return queryset.filter(q) if value else queryset.exclude(q)


class OnboardingTaskViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The onboarding tasks of approved tools' checklists, soonest due first. Their
    department's reviewers and head, and the assignee, assign, tick off and reopen them."""

    serializer_class = OnboardingTaskSerializer
    queryset = OnboardingTask.objects.none()  # for the schema; get_queryset decides
    filterset_class = OnboardingTaskFilterSet
    search_fields = ["title", "proposal__reference", "proposal__title"]
    ordering_fields = ["due_on", "id"]
    ordering = ["due_on", "pk"]
    state_changes = True

    def get_queryset(self) -> QuerySet[OnboardingTask]:
        return tasks_for_api().filter(proposal__in=proposals_seen_by(self.request.user))

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        user = self.request.user
        context.update(user=user, keeps=keeper_department_ids(user), today=timezone.localdate())
        return context

    def _answer(self, task: OnboardingTask) -> Response:
        task = self.get_queryset().get(pk=task.pk)
        return Response(self.get_serializer(task).data)

    @extend_schema(request=AssignInputSerializer, responses=OnboardingTaskSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Give the task to a member of its department and/or set its due date (not in the
        past, at most a year ahead). A field left out stays as it is."""
        payload = AssignInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        task = self.get_object()
        assignee: Any = KEEP
        if "assignee" in data:
            assignee = None
            if data["assignee"] is not None:
                assignee = get_user_model().objects.filter(username=data["assignee"]).first()
                if assignee is None:
                    raise DomainError(_("Nobody has that username."), field="assignee")
        handoff.onboarding_task_assign(
            task=task, actor=request.user, assignee=assignee, due_on=data.get("due_on", KEEP)
        )
        return self._answer(task)

    @extend_schema(request=None, responses=OnboardingTaskSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Tick the task off: done now, by you."""
        task = self.get_object()
        handoff.onboarding_task_complete(task=task, actor=request.user)
        return self._answer(task)

    @extend_schema(request=None, responses=OnboardingTaskSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Mark a done task as not done after all."""
        task = self.get_object()
        handoff.onboarding_task_reopen(task=task, actor=request.user)
        return self._answer(task)
