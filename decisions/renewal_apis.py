"""REST API of renewals: `GET /api/v1/renewals/?within_days=N`, the contracts whose notice
deadline is within N days (decisions.renewals), soonest first, a page at a time."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, DateField, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from api.pagination import ApiCursorPagination
from decisions.renewals import RenewalEntry, renewals_due
from landscape.models import Tool

DEFAULT_WITHIN_DAYS = 90
MAX_WITHIN_DAYS = 3650


class RenewalsQuerySerializer(serializers.Serializer):
    within_days = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_WITHIN_DAYS,
        default=DEFAULT_WITHIN_DAYS,
        help_text=gettext_lazy(
            "Notice deadlines from today up to this many days ahead (0 to 3650; default 90)."
        ),
    )


class RenewalToolSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RenewalDueSerializer(serializers.Serializer):
    tool = RenewalToolSerializer()
    department = serializers.CharField(help_text=gettext_lazy("The owner (paying) department."))
    notice_deadline = serializers.DateField()
    renewal_date = serializers.DateField()
    days_to_deadline = serializers.IntegerField()
    auto_renews = serializers.BooleanField()
    yearly_cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, coerce_to_string=True
    )
    currency = serializers.CharField()
    open_renewal = serializers.CharField(
        allow_null=True,
        help_text=gettext_lazy("The reference of the renewal proposal being decided, if any."),
    )


class RenewalPagination(ApiCursorPagination):
    ordering = ("notice_deadline", "pk")  # type: ignore[assignment]  # DRF takes a tuple


def _row(entry: RenewalEntry) -> dict[str, Any]:
    tool = entry.tool
    return {
        "tool": {"id": tool.pk, "name": tool.solution.name},
        "department": tool.owner_department.code,
        "notice_deadline": entry.dates.notice_deadline,
        "renewal_date": entry.dates.renewal,
        "days_to_deadline": entry.days_to_deadline,
        "auto_renews": tool.auto_renews,
        "yearly_cost": tool.yearly_cost,
        "currency": tool.currency,
        "open_renewal": entry.open_renewal.reference if entry.open_renewal else None,
    }


class RenewalsDueApi(generics.GenericAPIView):
    """The contracts whose notice deadline is within `within_days` days: renew, renegotiate or
    cancel them before it. Everyone signed in reads them (like the landscape)."""

    pagination_class = RenewalPagination
    filter_backends: list[Any] = []
    serializer_class = RenewalDueSerializer

    def _entries(self) -> dict[int, RenewalEntry]:
        # A plain dict: an empty value is refused (a QueryDict would give the default).
        query = RenewalsQuerySerializer(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        today = timezone.localdate()
        due = renewals_due(
            user=self.request.user, within_days=query.validated_data["within_days"], today=today
        )
        return {e.tool.pk: e for e in due}

    def get_queryset(self) -> QuerySet[Tool]:
        # The deadlines are computed (landscape.contracts): the page is the tools due, with
        # each one's deadline as a value the cursor can order by.
        if getattr(self, "swagger_fake_view", False):  # the schema only asks for the model
            return Tool.objects.none()
        entries = self.entries = self._entries()
        deadline = Case(
            *[When(pk=pk, then=Value(e.dates.notice_deadline)) for pk, e in entries.items()],
            default=Value(None),
            output_field=DateField(),
        )
        return Tool.objects.filter(pk__in=list(entries)).annotate(notice_deadline=deadline)

    @extend_schema(parameters=[RenewalsQuerySerializer], responses=RenewalDueSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        rows = [_row(self.entries[tool.pk]) for tool in page or []]
        return self.get_paginated_response(RenewalDueSerializer(rows, many=True).data)
