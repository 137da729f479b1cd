"""Filters of the organisation's API lists (django-filter)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from api.fields import ApiFilterSet, IdFilter
from stakeholders.models import Department, StrategicGoal


class DepartmentFilterSet(ApiFilterSet):
    class Meta:
        model = Department
        fields = ["signoff_required", "is_active"]


class StrategicGoalFilterSet(ApiFilterSet):
    owner = IdFilter(field_name="owner_id", help_text=gettext_lazy("User id of the goal's owner."))

    class Meta:
        model = StrategicGoal
        fields = ["is_active", "owner"]
