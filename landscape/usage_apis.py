"""REST API of usage and adoption: POST /api/v1/usage/ (a batch of monthly figures, idempotent
per tool + month + source, a per-item report like the catalog sync's) and
GET /api/v1/tools/{id}/usage/ (the tool's adoption trend against its promise)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import ErrorSerializer
from api.fields import StrictInputSerializer
from api.permissions import SCOPE_USAGE
from core.errors import DomainError, NotAllowed
from landscape import adoption
from landscape.models import Tool
from landscape.usage import INVALID, STATUSES, UsageReport, usage_ingest

MAX_ID = 2**63 - 1  # a larger id in the path is not found (never a database overflow)

# The item's shape: a request with an item of another shape (not an object, an unknown field, a
# missing one, a wrong JSON type) is refused whole (400), as a broken client. The values are
# checked item by item (landscape.usage): an unknown tool, a month as something else than
# YYYY-MM or not started yet, a negative number, more active users than seats, the same tool,
# month and source twice: that item is reported invalid, the others are taken.
USAGE_ITEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["tool", "month", "active_users"],
    "properties": {
        "tool": {
            "type": ["integer", "string"],
            "description": "The tool's id, or its catalog solution's key source:external_id.",
        },
        "month": {"type": "string", "description": "YYYY-MM, e.g. 2026-11."},
        "source": {
            "type": "string",
            "description": (
                "Where the figures come from (default api): lower-case letters, digits, - "
                "or _, at most 40, e.g. okta."
            ),
        },
        "active_users": {
            "type": "integer",
            "description": "People who used the tool that month (0 to 10,000,000).",
        },
        "licensed_seats": {
            "type": ["integer", "null"],
            "description": "Seats licensed that month; at least the active users.",
        },
    },
}
ITEM_TYPES: dict[str, tuple[type, ...]] = {
    "tool": (int, str),
    "month": (str,),
    "source": (str,),
    "active_users": (int,),
    "licensed_seats": (int, type(None)),
}
TYPE_NAMES = {
    "tool": gettext_lazy("Expected a tool id (a number) or a catalog key (text)."),
    "month": gettext_lazy("Expected text: YYYY-MM."),
    "source": gettext_lazy("Expected text."),
    "active_users": gettext_lazy("Expected a whole number."),
    "licensed_seats": gettext_lazy("Expected a whole number or null."),
}


def item_shape_errors(items: list[Any]) -> dict[str, list[str]]:
    """Errors of shape (see USAGE_ITEM_SCHEMA), by `items[i].field`."""
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(items):
        where = f"items[{index}]"
        if not isinstance(item, dict):
            errors[where] = [_("Expected an object.")]
            continue
        for key in item:
            if key not in ITEM_TYPES:
                errors[f"{where}.{key}"] = [_("Unknown field.")]
        for key, types in ITEM_TYPES.items():
            if key not in item:
                if key in USAGE_ITEM_SCHEMA["required"]:
                    errors[f"{where}.{key}"] = [_("This field is required.")]
                continue
            value = item[key]
            if isinstance(value, bool) or not isinstance(value, types):
                errors[f"{where}.{key}"] = [str(TYPE_NAMES[key])]
    return errors


@extend_schema_field({"type": "array", "items": USAGE_ITEM_SCHEMA, "minItems": 1})
class UsageItemsField(serializers.ListField):
    # Checked item by item by the service (a bad item never blocks the good ones).
    child = serializers.JSONField()


class UsageBatchSerializer(StrictInputSerializer):
    items = UsageItemsField(
        allow_empty=False,
        help_text=gettext_lazy("Monthly figures, each taken or refused on its own."),
    )


class UsageCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    invalid = serializers.IntegerField()


class UsageItemReportSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text=gettext_lazy("The item's place in the request."))
    status = serializers.ChoiceField(choices=list(STATUSES))
    tool = serializers.IntegerField(allow_null=True)
    month = serializers.CharField(allow_null=True)
    source = serializers.CharField(allow_null=True)  # type: ignore[assignment]
    id = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("The usage record's id; null when invalid.")
    )
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text=gettext_lazy("Field name → messages; empty unless the item is invalid."),
    )


class UsageReportSerializer(serializers.Serializer):
    counts = UsageCountsSerializer()
    items = UsageItemReportSerializer(
        many=True, help_text=gettext_lazy("One per item, in request order.")
    )


def report_data(report: UsageReport) -> dict[str, Any]:
    return {
        "counts": report.counts,
        "items": [
            {
                "index": item.index,
                "status": item.status,
                "tool": item.tool,
                "month": item.month,
                "source": item.source,
                "id": item.id,
                "errors": item.errors,
            }
            for item in report.items
        ],
    }


class UsageApi(APIView):
    required_scope = SCOPE_USAGE

    @extend_schema(
        operation_id="usage_report",
        summary=gettext_lazy("Report tools' monthly usage"),
        description=gettext_lazy(
            "A batch of monthly figures (active users, licensed seats) per tool, month and "
            "source, at most USAGE_BATCH_MAX items (1,000 by default). Idempotent per tool + "
            "month + source: the same figures again are `unchanged`, new ones `updated`. Each "
            "item is checked on its own (a bad one never blocks the good ones) and reported "
            "in request order. The tool's owners or IT Operations report its usage; a token "
            "needs the full or usage scope."
        ),
        request=UsageBatchSerializer,
        responses={
            200: UsageReportSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description=gettext_lazy(
                    'Nothing was written: the body is not {"items": [...]}, it is empty, it '
                    "has more items than allowed, or an item is not of the item's shape (errors "
                    "by items[i].field). Wrong values are reported per item instead."
                ),
            ),
            403: OpenApiResponse(
                ErrorSerializer,
                description=gettext_lazy(
                    "You may report the usage of none of the tools named (or the token's "
                    "scope does not cover usage)."
                ),
            ),
        },
        examples=[
            OpenApiExample(
                "two months",
                value={
                    "items": [
                        {
                            "tool": 12,
                            "month": "2026-10",
                            "active_users": 140,
                            "licensed_seats": 200,
                        },
                        {
                            "tool": "acme:ats-1",
                            "month": "2026-10",
                            "source": "okta",
                            "active_users": 90,
                        },
                    ]
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        payload = UsageBatchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        items = payload.validated_data["items"]
        if len(items) > settings.USAGE_BATCH_MAX:
            raise DomainError(
                _("At most %(max)d items per request.") % {"max": settings.USAGE_BATCH_MAX},
                field="items",
            )
        shape = item_shape_errors(items)
        if shape:
            raise ValidationError(shape)
        report = usage_ingest(actor=request.user, items=items, default_source="api")
        if report.items and all(_refused_for_rights(item) for item in report.items):
            raise NotAllowed(_("You may report the usage of none of these tools."))
        return Response(UsageReportSerializer(report_data(report)).data)


def _refused_for_rights(item: Any) -> bool:
    # An item refused only because its tool is not the actor's to report.
    return item.status == INVALID and set(item.errors) == {"tool"} and item.tool is not None


class AdoptionPointSerializer(serializers.Serializer):
    month = serializers.DateField(help_text=gettext_lazy("The month's first day."))
    active_users = serializers.IntegerField(
        help_text=gettext_lazy("The largest figure any source reported for the month.")
    )
    licensed_seats = serializers.IntegerField(allow_null=True)
    promised_users = serializers.IntegerField(
        allow_null=True,
        help_text=gettext_lazy(
            "The users the tool's approved proposal promised (its seats, else the employees "
            "affected), else the tool's seats, else the month's licensed seats."
        ),
    )
    adoption = serializers.DecimalField(
        source="ratio",
        max_digits=12,
        decimal_places=4,
        allow_null=True,
        help_text=gettext_lazy("Active users ÷ promised users (0.2500 is 25%); null: no promise."),
    )


class ToolUsageSerializer(serializers.Serializer):
    tool = serializers.IntegerField()
    threshold = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        help_text=gettext_lazy("Below this adoption a month counts towards shelfware."),
    )
    shelfware_since = serializers.DateField(allow_null=True)
    latest = AdoptionPointSerializer(allow_null=True)
    trend = AdoptionPointSerializer(
        many=True, help_text=gettext_lazy("The months with usage of the last 12, oldest first.")
    )


class ToolUsageApi(APIView):
    required_scope = SCOPE_USAGE

    @extend_schema(
        operation_id="tools_usage",
        summary=gettext_lazy("A tool's adoption trend"),
        responses={200: ToolUsageSerializer},
    )
    def get(self, request, pk: int):
        tool = get_object_or_404(Tool.objects.all(), pk=min(pk, MAX_ID))
        trend = adoption.adoption_trend(tool, months=12)
        return Response(
            ToolUsageSerializer(
                {
                    "tool": tool.pk,
                    "threshold": adoption.shelfware_threshold(),
                    "shelfware_since": tool.shelfware_since,
                    "latest": trend[-1] if trend else None,
                    "trend": trend,
                }
            ).data
        )
