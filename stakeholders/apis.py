"""REST API of the stakeholders app: departments and strategic goals (read-only)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from api.fields import ApiFilterSet, MoneySerializer, money
from stakeholders.models import Department, StrategicGoal


class DepartmentRefSerializer(serializers.ModelSerializer):
    """A department as other resources refer to it."""

    class Meta:
        model = Department
        fields = ["id", "code", "name"]


class DepartmentSerializer(serializers.ModelSerializer):
    annual_budget = serializers.SerializerMethodField()

    class Meta:
        model = Department
        fields = ["id", "code", "name", "annual_budget", "signoff_required", "is_active"]

    @extend_schema_field(MoneySerializer)
    def get_annual_budget(self, obj: Department) -> dict | None:
        return money(obj.annual_budget, obj.currency)


class DepartmentFilterSet(ApiFilterSet):
    class Meta:
        model = Department
        fields = ["signoff_required", "is_active"]


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Departments: who buys, who pays, who signs off."""

    queryset = Department.objects.all()
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilterSet
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    ordering = ["code"]


class StrategicGoalSerializer(serializers.ModelSerializer):
    owner = DepartmentRefSerializer(allow_null=True)

    class Meta:
        model = StrategicGoal
        fields = ["id", "code", "title", "description", "owner", "is_active"]


class StrategicGoalFilterSet(ApiFilterSet):
    class Meta:
        model = StrategicGoal
        fields = ["is_active", "owner"]


class StrategicGoalViewSet(viewsets.ReadOnlyModelViewSet):
    """The organisation's strategic goals, which proposals say they serve."""

    queryset = StrategicGoal.objects.select_related("owner")
    serializer_class = StrategicGoalSerializer
    filterset_class = StrategicGoalFilterSet
    search_fields = ["code", "title", "description"]
    ordering_fields = ["title", "code"]
    ordering = ["title"]
