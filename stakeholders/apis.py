"""REST API of the stakeholders app: departments and strategic goals (read-only)."""

from __future__ import annotations

from rest_framework import viewsets

from stakeholders.filters import DepartmentFilterSet, StrategicGoalFilterSet
from stakeholders.models import Department, StrategicGoal
from stakeholders.serializers import DepartmentSerializer, StrategicGoalSerializer


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Departments: who buys, who pays, who signs off."""

    queryset = Department.objects.all()
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilterSet
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    ordering = ["code"]


class StrategicGoalViewSet(viewsets.ReadOnlyModelViewSet):
    """The organisation's strategic goals, which proposals say they serve."""

    queryset = StrategicGoal.objects.select_related("owner")
    serializer_class = StrategicGoalSerializer
    filterset_class = StrategicGoalFilterSet
    search_fields = ["code", "title", "description"]
    ordering_fields = ["title", "code"]
    ordering = ["title"]
