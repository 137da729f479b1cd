"""Filters of the workflow's lists, shared by the browser pages and the API (django-filter)."""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy

from api.fields import ApiFilterSet, StrictBooleanFilter
from core.i18n import in_default_language
from decisions.models import (
    Decision,
    DecisionOutcome,
    Proposal,
    ProposalKind,
    ProposalStatus,
    SignOff,
    SignOffStatus,
)
from decisions.rights import owners_q
from stakeholders.models import ApprovalTier, Department
from vendors.models import Category


class ProposalFilterSet(ApiFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ProposalStatus.choices)
    requesting_department = django_filters.CharFilter(
        field_name="requesting_department__code", help_text=gettext_lazy("Department code.")
    )
    paying_department = django_filters.CharFilter(
        field_name="paying_department__code", help_text=gettext_lazy("Department code.")
    )
    # The tier's name as the API gives it: the default language's (core.i18n).
    tier = django_filters.CharFilter(
        field_name=in_default_language("tier__name"), help_text=gettext_lazy("Tier name.")
    )
    category = django_filters.ChoiceFilter(choices=Category.choices)
    kind = django_filters.ChoiceFilter(choices=ProposalKind.choices)
    tool = django_filters.NumberFilter(
        field_name="tool_id", help_text=gettext_lazy("Landscape tool id.")
    )
    mine = StrictBooleanFilter(
        method="filter_mine",
        help_text=gettext_lazy("Only the proposals you requested or filed for someone."),
    )

    class Meta:
        model = Proposal
        fields = [
            "status",
            "requesting_department",
            "paying_department",
            "tier",
            "category",
            "kind",
        ]

    def filter_mine(self, queryset, name, value):
        if value is None:
            return queryset
        user = self.request.user
        # Theirs: filed for them, or filed by them on someone's behalf.
        mine = owners_q(user)
        return queryset.filter(mine) if value else queryset.exclude(mine)


REFERENCE = re.compile(r"^[A-Za-z]{2,}-\d{4}-\d+$")
# The proposal list's orders, each served by an index (decisions.models: proposal_created,
# proposal_updated, proposal_title), the id breaking ties so that pages never overlap.
SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "updated": ("-updated_at", "-id"),
    "title": ("title", "id"),
}


class ProposalPageFilterSet(ProposalFilterSet):
    """The browser's proposal list: the API's filters, a search and a sort."""

    q = django_filters.CharFilter(method="filter_q", max_length=100, label=gettext_lazy("Search"))
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        empty_label=None,
        choices=[
            ("newest", gettext_lazy("Newest first")),
            ("oldest", gettext_lazy("Oldest first")),
            ("updated", gettext_lazy("Recently changed")),
            ("title", gettext_lazy("Title, A to Z")),
        ],
    )

    def filter_q(self, queryset, name, value):
        """A reference finds that proposal; other words search the titles (a trigram index on
        PostgreSQL: decisions/migrations/0015)."""
        value = " ".join(value.split())
        if not value:
            return queryset
        if REFERENCE.match(value):
            return queryset.filter(reference=value.upper())
        return queryset.filter(title__icontains=value)

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS["newest"]))


class SignOffFilterSet(ApiFilterSet):
    status = django_filters.ChoiceFilter(choices=SignOffStatus.choices)
    department = django_filters.CharFilter(field_name="department__code")

    class Meta:
        model = SignOff
        fields = ["status", "department"]


class DecisionFilterSet(ApiFilterSet):
    outcome = django_filters.ChoiceFilter(choices=DecisionOutcome.choices)
    proposal = django_filters.CharFilter(
        field_name="proposal__reference", help_text=gettext_lazy("Proposal reference.")
    )

    class Meta:
        model = Decision
        fields = ["outcome", "proposal"]


class DashboardFilterSet(django_filters.FilterSet):
    """The CDO dashboard's filters. `relation` applies them to a model related to proposals
    (relation="proposal__" filters sign-offs by their proposal)."""

    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.filter(is_active=True),
        to_field_name="code",
        method="filter_department",
        help_text=gettext_lazy("Buying or paying department (code)."),
    )
    tier = django_filters.ModelChoiceFilter(
        queryset=ApprovalTier.objects.all(), method="filter_relation"
    )
    status = django_filters.ChoiceFilter(choices=ProposalStatus.choices, method="filter_relation")
    category = django_filters.ChoiceFilter(choices=Category.choices, method="filter_relation")

    class Meta:
        model = Proposal
        fields: list[str] = []

    def __init__(self, *args: Any, relation: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.relation = relation

    def counts_q(self) -> Q:
        """The same filters over the ProposalCount read model's columns (decisions.readmodels)."""
        data = self.form.cleaned_data
        q = Q()
        if department := data.get("department"):
            q &= Q(requesting_department_id=department.pk) | Q(paying_department_id=department.pk)
        if tier := data.get("tier"):
            q &= Q(tier_id=tier.pk)
        if status := data.get("status"):
            q &= Q(status=status)
        if category := data.get("category"):
            q &= Q(category=category)
        return q

    def filter_department(self, queryset: QuerySet, name: str, value: Department) -> QuerySet:
        return queryset.filter(
            Q(**{f"{self.relation}requesting_department": value})
            | Q(**{f"{self.relation}paying_department": value})
        )

    def filter_relation(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset.filter(**{f"{self.relation}{name}": value})

    def on(self, queryset: QuerySet, *, relation: str = "") -> QuerySet:
        """These filters (as validated) applied to `queryset`, through `relation`."""
        previous, self.relation = self.relation, relation
        try:
            return self.filter_queryset(queryset)
        finally:
            self.relation = previous
