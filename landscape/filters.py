"""The landscape list's filters, shared by the page and the API (django-filter)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from api.fields import ApiFilterSet, StrictBooleanFilter
from landscape.models import Criticality, Integration, Lane, Lifecycle, Method, Tool
from vendors.models import Category

# The list's orders; the id breaks ties so that pages never overlap.
SORTS = {
    "name": ("solution__name", "id"),
    "department": ("owner_department__code", "solution__name", "id"),
    "lifecycle": ("lifecycle", "solution__name", "id"),
    "changed": ("-lifecycle_changed_at", "-id"),
    "connections": ("-connections", "solution__name", "id"),
}


class ToolFilterSet(ApiFilterSet):
    department = django_filters.CharFilter(
        field_name="owner_department__code", help_text=gettext_lazy("Owner department code.")
    )
    lifecycle = django_filters.MultipleChoiceFilter(choices=Lifecycle.choices)
    lane = django_filters.ChoiceFilter(choices=Lane.choices)
    category = django_filters.ChoiceFilter(
        field_name="solution__category", choices=Category.choices
    )
    q = django_filters.CharFilter(
        method="filter_q", max_length=100, help_text=gettext_lazy("Part of the tool's name.")
    )
    standard = StrictBooleanFilter(
        method="filter_standard",
        help_text=gettext_lazy(
            "true: only the standard tool of each category; false: only the others."
        ),
    )
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        empty_label=None,
        choices=[
            ("name", gettext_lazy("Name, A to Z")),
            ("department", gettext_lazy("Owner department")),
            ("lifecycle", gettext_lazy("Lifecycle")),
            ("changed", gettext_lazy("Recently changed")),
            ("connections", gettext_lazy("Most connected")),
        ],
    )

    class Meta:
        model = Tool
        fields = ["department", "lifecycle", "lane", "category"]

    def filter_q(self, queryset: QuerySet[Tool], name: str, value: str) -> QuerySet[Tool]:
        value = " ".join(value.split())
        return queryset.filter(solution__name__icontains=value) if value else queryset

    def filter_standard(
        self, queryset: QuerySet[Tool], name: str, value: bool | None
    ) -> QuerySet[Tool]:
        if value is None:
            return queryset
        return queryset.filter(standard_since__isnull=not value)

    def filter_sort(self, queryset: QuerySet[Tool], name: str, value: str) -> QuerySet[Tool]:
        return queryset.order_by(*SORTS.get(value, SORTS["name"]))


class IntegrationFilterSet(ApiFilterSet):
    tool = django_filters.NumberFilter(
        method="filter_tool", help_text=gettext_lazy("Integrations of this tool, either way.")
    )
    method = django_filters.ChoiceFilter(choices=Method.choices)
    criticality = django_filters.ChoiceFilter(choices=Criticality.choices)
    removed = StrictBooleanFilter(
        method="filter_removed",
        help_text=gettext_lazy("true: only removed integrations; false: only live ones."),
    )

    class Meta:
        model = Integration
        fields = ["method", "criticality"]

    def filter_removed(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(removed_at__isnull=not value)

    def filter_tool(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(source_id=value) | queryset.filter(target_id=value)
