"""Filters of the organisation's API lists (django-filter)."""

from __future__ import annotations

from api.fields import ApiFilterSet
from stakeholders.models import Department, StrategicGoal


class DepartmentFilterSet(ApiFilterSet):
    class Meta:
        model = Department
        fields = ["signoff_required", "is_active"]


class StrategicGoalFilterSet(ApiFilterSet):
    class Meta:
        model = StrategicGoal
        fields = ["is_active", "owner"]
