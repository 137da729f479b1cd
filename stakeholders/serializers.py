"""The organisation's API representations: departments and strategic goals."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import DefaultLanguageModelSerializer, MoneySerializer, money
from stakeholders.models import Department, StrategicGoal


class DepartmentRefSerializer(DefaultLanguageModelSerializer):
    """A department as other resources refer to it."""

    class Meta:
        model = Department
        fields = ["id", "code", "name"]


class DepartmentSerializer(DefaultLanguageModelSerializer):
    annual_budget = serializers.SerializerMethodField()

    class Meta:
        model = Department
        fields = ["id", "code", "name", "annual_budget", "signoff_required", "is_active"]

    @extend_schema_field(MoneySerializer)
    def get_annual_budget(self, obj: Department) -> dict | None:
        return money(obj.annual_budget, obj.currency)


class StrategicGoalSerializer(DefaultLanguageModelSerializer):
    owner = DepartmentRefSerializer(allow_null=True)

    class Meta:
        model = StrategicGoal
        fields = ["id", "code", "title", "description", "owner", "is_active"]
