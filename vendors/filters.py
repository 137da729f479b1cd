"""Filters of the catalog, shared by the API and the browser's catalog page (django-filter)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from api.fields import ApiFilterSet, IdFilter, StrictBooleanFilter
from vendors.models import (
    TAG_MAX_LENGTH,
    Category,
    Deployment,
    PricingModel,
    Solution,
    SolutionLifecycle,
    Vendor,
)
from vendors.sync.spec import TAG


class CatalogFilterSet(ApiFilterSet):
    """Tombstoned records (is_deleted) are hidden unless asked for with is_deleted=true."""

    is_deleted = StrictBooleanFilter(
        help_text=_("true: only tombstones; false (the default): only live records.")
    )
    source = django_filters.CharFilter()
    tag = django_filters.CharFilter(
        method="filter_tag",
        max_length=TAG_MAX_LENGTH + 10,
        help_text=_("Only records with this tag (any case; surrounding whitespace ignored)."),
    )

    def filter_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        tag = value.strip().lower()
        if not tag.isascii() or not TAG.fullmatch(tag) or len(tag) > TAG_MAX_LENGTH:
            return queryset.none()  # no record can have it (and nothing odd reaches SQL)
        if connection.vendor == "postgresql":
            return queryset.filter(tags__contains=[tag])  # jsonb @>
        # Elsewhere the JSON text: a tag is quoted in it, and holds no quote itself.
        return queryset.filter(tags__icontains=f'"{tag}"')

    def filter_queryset(self, queryset):
        if self.form.cleaned_data.get("is_deleted") is None:
            queryset = queryset.filter(is_deleted=False)
        return super().filter_queryset(queryset)


class VendorFilterSet(CatalogFilterSet):
    country = django_filters.CharFilter()

    class Meta:
        model = Vendor
        fields = ["source", "is_deleted", "country"]


class SolutionFilterSet(CatalogFilterSet):
    category = django_filters.ChoiceFilter(choices=Category.choices)
    pricing_model = django_filters.ChoiceFilter(choices=PricingModel.choices)
    deployment = django_filters.ChoiceFilter(choices=Deployment.choices)
    vendor = IdFilter(field_name="vendor_id")
    lifecycle = django_filters.ChoiceFilter(choices=SolutionLifecycle.choices)

    class Meta:
        model = Solution
        fields = [
            "category",
            "pricing_model",
            "deployment",
            "iso27001",
            "soc2",
            "sso",
            "has_api",
            "processes_personal_data",
            "in_use",
            "vendor",
            "source",
            "is_deleted",
        ]


class CatalogPageFilterSet(SolutionFilterSet):
    """The catalog page: the API's solution filters, plus a text search over name, vendor and
    description, a certification choice and the page's name for the personal-data filter."""

    q = django_filters.CharFilter(method="filter_text", max_length=100)
    certification = django_filters.ChoiceFilter(
        choices=[("iso27001", "ISO 27001"), ("soc2", "SOC 2")], method="filter_certification"
    )
    personal_data = StrictBooleanFilter(field_name="processes_personal_data")

    class Meta(SolutionFilterSet.Meta):
        fields = [*SolutionFilterSet.Meta.fields]

    def filter_text(self, queryset: QuerySet[Solution], name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(vendor__name__icontains=value)
            | Q(description__icontains=value)
        )

    def filter_certification(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset.filter(**{value: True})
