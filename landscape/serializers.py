"""The landscape's API shapes: tools, integrations, a removal's impact."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import (
    DefaultLanguageModelSerializer,
    MoneySerializer,
    StrictCharField,
    StrictInputSerializer,
    UserRefSerializer,
    money,
)
from landscape.models import (
    Classification,
    Criticality,
    Guardrail,
    GuardrailKind,
    Integration,
    Lane,
    Lifecycle,
    Method,
    Tool,
)
from stakeholders.serializers import DepartmentRefSerializer


class ToolRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="solution.name")
    owner_department = serializers.CharField(source="owner_department.code")

    class Meta:
        model = Tool
        fields = ["id", "name", "owner_department", "lifecycle"]


class ToolSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="solution.name")
    vendor = serializers.CharField(source="solution.vendor.name")
    category = serializers.CharField(source="solution.category")
    owner_department = DepartmentRefSerializer()
    business_owner = UserRefSerializer(allow_null=True)
    it_steward = UserRefSerializer(allow_null=True)
    yearly_cost = serializers.SerializerMethodField()
    flows_out = serializers.IntegerField(source="flows_out_count", read_only=True)
    flows_in = serializers.IntegerField(source="flows_in_count", read_only=True)
    is_standard = serializers.SerializerMethodField(
        help_text=gettext_lazy("The standard tool of its category (GET /api/v1/standards/).")
    )

    class Meta:
        model = Tool
        fields = [
            "id",
            "name",
            "vendor",
            "category",
            "solution",
            "owner_department",
            "business_owner",
            "it_steward",
            "lifecycle",
            "lifecycle_changed_at",
            "lane",
            "is_platform",
            "seats",
            "personal_data",
            "classification",
            "contract_start",
            "term_months",
            "notice_days",
            "auto_renews",
            "yearly_cost",
            "retire_on",
            "is_standard",
            "standard_since",
            "flows_out",
            "flows_in",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_yearly_cost(self, tool: Tool) -> dict | None:
        return money(tool.yearly_cost, tool.currency) if tool.yearly_cost is not None else None

    def get_is_standard(self, tool: Tool) -> bool:
        return tool.standard_since is not None


class StandardWithdrawInputSerializer(StrictInputSerializer):
    reason = StrictCharField(
        max_length=500, help_text=gettext_lazy("Why the standard is withdrawn (required).")
    )


class StandardToolSerializer(serializers.Serializer):
    """A category and its standard tool."""

    category = serializers.CharField(source="solution.category")
    category_label = serializers.CharField(source="solution.get_category_display")
    tool = serializers.IntegerField(source="pk", help_text=gettext_lazy("The tool's id."))
    name = serializers.CharField(source="solution.name")
    vendor = serializers.CharField(source="solution.vendor.name")
    owner_department = serializers.CharField(source="owner_department.code")
    standard_since = serializers.DateTimeField()


def _people():
    return get_user_model().objects.filter(is_active=True)


class ToolInputSerializer(StrictInputSerializer):
    """What a tool's owners or IT Operations may change (PATCH: any subset)."""

    business_owner = serializers.PrimaryKeyRelatedField(
        queryset=_people(), required=False, allow_null=True
    )
    it_steward = serializers.PrimaryKeyRelatedField(
        queryset=_people(), required=False, allow_null=True
    )
    seats = serializers.IntegerField(
        min_value=0, max_value=10_000_000, required=False, allow_null=True
    )
    personal_data = serializers.BooleanField(required=False)
    classification = serializers.ChoiceField(choices=Classification.choices, required=False)
    is_platform = serializers.BooleanField(required=False)
    contract_start = serializers.DateField(required=False, allow_null=True)
    term_months = serializers.IntegerField(
        min_value=0, max_value=600, required=False, allow_null=True
    )
    notice_days = serializers.IntegerField(
        min_value=0, max_value=3650, required=False, allow_null=True
    )
    auto_renews = serializers.BooleanField(required=False)
    yearly_cost = MoneySerializer(required=False, allow_null=True)
    notes = StrictCharField(max_length=5000, required=False, allow_blank=True)

    def service_data(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        if "yearly_cost" in data:
            cost = data.pop("yearly_cost")
            data["yearly_cost"] = None if cost is None else cost["amount"]
            if cost is not None:
                data["currency"] = cost["currency"]
        return data


class LifecycleInputSerializer(StrictInputSerializer):
    to = serializers.ChoiceField(choices=Lifecycle.choices)
    reason = StrictCharField(max_length=500)


class LaneInputSerializer(StrictInputSerializer):
    to = serializers.ChoiceField(
        choices=Lane.choices,
        help_text=gettext_lazy(
            "governed: IT Operations pulls a plug-in tool back. plug_in is refused: a tool "
            "enters the plug-in lane only through a proposal that meets every guardrail."
        ),
    )
    reason = StrictCharField(max_length=500)


class GuardrailSerializer(DefaultLanguageModelSerializer):
    threshold = serializers.SerializerMethodField()

    class Meta:
        model = Guardrail
        fields = [
            "id",
            "code",
            "name",
            "description",
            "kind",
            "threshold",
            "position",
            "is_active",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_threshold(self, guardrail: Guardrail) -> dict | None:
        return money(guardrail.threshold, guardrail.currency)


class GuardrailInputSerializer(StrictInputSerializer):
    """A guardrail as IT Operations writes it (PATCH: any subset)."""

    code = serializers.SlugField(max_length=40)
    name = StrictCharField(max_length=120, single_line=True)
    description = StrictCharField(max_length=2000, required=False, allow_blank=True)
    kind = serializers.ChoiceField(
        choices=GuardrailKind.choices,
        help_text=gettext_lazy("The check the guardrail makes (one the code knows)."),
    )
    threshold = MoneySerializer(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("yearly_cost_under: the yearly cost must stay under it."),
    )
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    is_active = serializers.BooleanField(required=False)

    def service_data(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        if "threshold" in data:
            threshold = data.pop("threshold")
            data["threshold"] = None if threshold is None else threshold["amount"]
            if threshold is not None:
                data["currency"] = threshold["currency"]
        return data


class IntegrationSerializer(serializers.ModelSerializer):
    # Fields named like Field/Serializer attributes (source, data, errors): DRF's metaclass
    # takes declared fields off the class, so they shadow nothing at run time; mypy cannot know.
    source = ToolRefSerializer()  # type: ignore[assignment]
    target = ToolRefSerializer()
    owner = UserRefSerializer(allow_null=True)
    removed = serializers.SerializerMethodField()

    class Meta:
        model = Integration
        fields = [
            "id",
            "source",
            "target",
            "data",
            "method",
            "criticality",
            "owner",
            "removed",
            "removed_at",
            "created_at",
            "updated_at",
        ]

    def get_removed(self, integration: Integration) -> bool:
        return integration.removed_at is not None


class IntegrationInputSerializer(StrictInputSerializer):
    source = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Tool.objects.select_related("solution", "owner_department"),
        help_text=gettext_lazy("The tool the data flows from."),
    )
    target = serializers.PrimaryKeyRelatedField(
        queryset=Tool.objects.select_related("solution", "owner_department"),
        help_text=gettext_lazy("The tool the data flows to."),
    )
    data = StrictCharField(max_length=200, single_line=True)  # type: ignore[assignment]
    method = serializers.ChoiceField(choices=Method.choices, required=False, default=Method.API)
    criticality = serializers.ChoiceField(
        choices=Criticality.choices, required=False, default=Criticality.MEDIUM
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=_people(), required=False, allow_null=True, default=None
    )


class IntegrationPatchSerializer(StrictInputSerializer):
    data = StrictCharField(max_length=200, single_line=True, required=False)  # type: ignore[assignment]
    method = serializers.ChoiceField(choices=Method.choices, required=False)
    criticality = serializers.ChoiceField(choices=Criticality.choices, required=False)
    owner = serializers.PrimaryKeyRelatedField(queryset=_people(), required=False, allow_null=True)


class IntegrationBulkSerializer(StrictInputSerializer):
    items = serializers.ListField(
        child=serializers.DictField(),
        min_length=1,
        max_length=1000,
        help_text=gettext_lazy(
            "Integrations to create, each as for POST /api/v1/integrations/; each is taken or "
            "refused on its own (at most 1,000)."
        ),
    )


class IntegrationBulkReportSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.IntegerField())
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
        help_text=gettext_lazy("Item index → field → messages, for the refused items."),
    )


class ToolRowSerializer(serializers.Serializer):
    """A tool in an impact report: the same fields as a tool reference."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    owner_department = serializers.CharField()
    lifecycle = serializers.ChoiceField(choices=Lifecycle.choices)


class DepartmentRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class ImpactedToolSerializer(serializers.Serializer):
    tool = ToolRowSerializer()
    owner_department = DepartmentRowSerializer(source="tool.department")
    distance = serializers.IntegerField(
        help_text=gettext_lazy("1: connected to the tool; 2 or more: further downstream.")
    )


class ImpactFlowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source = ToolRowSerializer()  # type: ignore[assignment]
    target = ToolRowSerializer()
    data = serializers.CharField()  # type: ignore[assignment]
    method = serializers.ChoiceField(choices=Method.choices)
    criticality = serializers.ChoiceField(choices=Criticality.choices)


class ImpactIntegrationSerializer(serializers.Serializer):
    integration = ImpactFlowSerializer()
    how = serializers.ChoiceField(
        choices=[("direct", "direct"), ("transitive", "transitive")],
        help_text=gettext_lazy(
            "direct: it touches the tool; transitive: it carries data downstream of it."
        ),
    )


class ImpactSerializer(serializers.Serializer):
    tool = ToolRefSerializer()
    direct = ImpactedToolSerializer(many=True)
    transitive = ImpactedToolSerializer(many=True)
    integrations = serializers.SerializerMethodField()
    departments = DepartmentRowSerializer(
        many=True,
        help_text=gettext_lazy(
            "Owner departments of every tool that breaks: they sign its retirement."
        ),
    )

    @extend_schema_field(ImpactIntegrationSerializer(many=True))
    def get_integrations(self, impact: Any) -> list[dict]:
        return [
            {"integration": ImpactFlowSerializer(flow).data, "how": how}
            for flow, how in impact.integrations
        ]
