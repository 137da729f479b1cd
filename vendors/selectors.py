from __future__ import annotations

from django.db.models import Q, QuerySet

from vendors.models import Solution

CERTIFICATIONS = {"iso27001": "iso27001", "soc2": "soc2"}


def solution_search(
    *,
    query: str = "",
    category: str = "",
    pricing_model: str = "",
    in_use: bool | None = None,
    certification: str = "",
    personal_data: bool | None = None,
) -> QuerySet[Solution]:
    qs = Solution.objects.filter(is_deleted=False).select_related("vendor")
    if query:
        qs = qs.filter(
            Q(name__icontains=query)
            | Q(vendor__name__icontains=query)
            | Q(description__icontains=query)
        )
    if category:
        qs = qs.filter(category=category)
    if pricing_model:
        qs = qs.filter(pricing_model=pricing_model)
    if in_use is not None:
        qs = qs.filter(in_use=in_use)
    if certification in CERTIFICATIONS:
        qs = qs.filter(**{CERTIFICATIONS[certification]: True})
    if personal_data is not None:
        qs = qs.filter(processes_personal_data=personal_data)
    return qs.order_by("name", "pk")
