"""REST API of budgets per fiscal year: `/api/v1/budgets/` (list, set) and
`/api/v1/budgets/{id}/` (read, change, remove). Each budget comes with the spend committed to
its department in its year and what remains (decisions.budgets). The CDO and administrators
read and write them; anyone else is refused (403)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import ApiFilterSet, MoneySerializer, StrictInputSerializer, money
from api.pagination import ApiCursorPagination
from core.errors import NotAllowed
from core.fiscal import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR
from core.money import Currency, base_currency
from decisions.budgets import budget_of, committed_spend
from stakeholders.models import Department, DepartmentBudget
from stakeholders.selectors import budgets_may_manage
from stakeholders.serializers import DepartmentRefSerializer
from stakeholders.services import (
    department_budget_delete,
    department_budget_set,
    department_budget_update,
)


def _may(request: Any) -> None:
    if not budgets_may_manage(request.user):
        raise NotAllowed(_("Only the CDO or an administrator reads and sets budgets."))


class TotalSerializer(serializers.Serializer):
    """A sum in the base currency that may exceed one recorded amount or be negative (what
    remains of an overrun budget)."""

    amount = serializers.DecimalField(max_digits=24, decimal_places=2, coerce_to_string=True)
    currency = serializers.ChoiceField(choices=Currency.choices)


class BudgetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    department = DepartmentRefSerializer()
    fiscal_year = serializers.IntegerField(
        help_text=gettext_lazy("The calendar year the fiscal year starts in.")
    )
    amount = MoneySerializer(help_text=gettext_lazy("The budget, in the currency it was set in."))
    budget = MoneySerializer(help_text=gettext_lazy("The budget in the base currency."))
    committed = TotalSerializer(
        help_text=gettext_lazy(
            "Spend committed to the department in the year (base currency): approved, piloting "
            "and adopted proposals, spread over their contract's months."
        )
    )
    remaining = TotalSerializer(
        help_text=gettext_lazy("Budget minus committed (base currency; negative: over budget).")
    )
    updated_at = serializers.DateTimeField()


class BudgetInputSerializer(StrictInputSerializer):
    department = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Department.objects.filter(is_active=True),
        help_text=gettext_lazy("The department's code."),
    )
    fiscal_year = serializers.IntegerField(min_value=FIRST_FISCAL_YEAR, max_value=LAST_FISCAL_YEAR)
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        coerce_to_string=True,
        error_messages={"min_value": gettext_lazy("An amount cannot be negative.")},
    )
    currency = serializers.ChoiceField(
        choices=Currency.choices,
        required=False,
        help_text=gettext_lazy("Defaults to the base currency."),
    )


class BudgetChangeSerializer(StrictInputSerializer):
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        coerce_to_string=True,
        required=False,
        error_messages={"min_value": gettext_lazy("An amount cannot be negative.")},
    )
    currency = serializers.ChoiceField(choices=Currency.choices, required=False)


@extend_schema_field({"type": "integer", "minimum": FIRST_FISCAL_YEAR, "maximum": LAST_FISCAL_YEAR})
class FiscalYearFilter(django_filters.NumberFilter):
    """A fiscal year a budget may have: a decimal or one out of bounds answers 400."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", FIRST_FISCAL_YEAR)
        kwargs.setdefault("max_value", LAST_FISCAL_YEAR)
        super().__init__(*args, **kwargs)


class BudgetFilterSet(ApiFilterSet):
    fiscal_year = FiscalYearFilter(help_text=gettext_lazy("Only this fiscal year's budgets."))
    department = django_filters.CharFilter(
        field_name="department__code", help_text=gettext_lazy("The department's code.")
    )

    class Meta:
        model = DepartmentBudget
        fields = ["fiscal_year", "department"]


class BudgetPagination(ApiCursorPagination):
    ordering = ("-fiscal_year", "pk")  # type: ignore[assignment]  # DRF takes a tuple


def _rows(budgets: Iterable[DepartmentBudget]) -> list[dict[str, Any]]:
    """The budgets with their committed spend: one query for all of them."""
    budgets = list(budgets)
    committed = committed_spend(department_ids={b.department_id for b in budgets})
    base = base_currency()
    rows = []
    for b in budgets:
        amount = budget_of(b.department, {b.department_id: b})
        spent = committed.get((b.department_id, b.fiscal_year), Decimal("0"))
        rows.append(
            {
                "id": b.pk,
                "department": b.department,
                "fiscal_year": b.fiscal_year,
                "amount": money(b.amount, b.currency),
                "budget": money(amount, base),
                "committed": money(spent, base),
                "remaining": money(amount - spent, base),
                "updated_at": b.updated_at,
            }
        )
    return rows


class BudgetsApi(generics.GenericAPIView):
    """Departments' budgets per fiscal year; POST sets one (201 when the department had none
    for the year, 200 when its budget changed)."""

    queryset = DepartmentBudget.objects.select_related("department")
    pagination_class = BudgetPagination
    filterset_class = BudgetFilterSet
    serializer_class = BudgetSerializer

    @extend_schema(responses=BudgetSerializer(many=True))
    def get(self, request):
        _may(request)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(BudgetSerializer(_rows(page or []), many=True).data)

    @extend_schema(
        request=BudgetInputSerializer,
        responses={200: BudgetSerializer, 201: BudgetSerializer},
    )
    def post(self, request):
        _may(request)  # before reading the body
        payload = BudgetInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        budget, created = department_budget_set(
            actor=request.user,
            department=data["department"],
            fiscal_year=data["fiscal_year"],
            amount=data["amount"],
            currency=data.get("currency") or base_currency(),
        )
        return Response(
            BudgetSerializer(_rows([budget])[0]).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class BudgetApi(APIView):
    """One budget: read it, change its amount or currency (PATCH), or remove it (the
    department's standing annual budget applies to the year again)."""

    def _budget(self, request, pk: int) -> DepartmentBudget:
        _may(request)
        budget = DepartmentBudget.objects.select_related("department").filter(pk=pk).first()
        if budget is None:
            raise Http404
        return budget

    @extend_schema(responses=BudgetSerializer)
    def get(self, request, pk: int):
        return Response(BudgetSerializer(_rows([self._budget(request, pk)])[0]).data)

    @extend_schema(request=BudgetChangeSerializer, responses=BudgetSerializer)
    def patch(self, request, pk: int):
        budget = self._budget(request, pk)
        payload = BudgetChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        budget = department_budget_update(
            actor=request.user,
            budget=budget,
            amount=payload.validated_data.get("amount"),
            currency=payload.validated_data.get("currency"),
        )
        return Response(BudgetSerializer(_rows([budget])[0]).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        department_budget_delete(actor=request.user, budget=self._budget(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
