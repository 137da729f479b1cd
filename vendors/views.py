from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.filtering import active_filters, lenient_filterset
from core.htmx import HtmxHttpRequest
from vendors.filters import CatalogPageFilterSet
from vendors.models import Category, PricingModel, Solution
from vendors.selectors import integration_checkboxes, solution_search

PAGE_SIZE = 50


@login_required
@require_GET
def catalog(request: HtmxHttpRequest) -> HttpResponse:
    """Browse and search the catalog; filters update the results in place and stay in the URL.
    The API's filters (vendors.filters), applied leniently: an unknown value is ignored."""
    filters = lenient_filterset(
        CatalogPageFilterSet, request.GET, queryset=Solution.objects.select_related("vendor")
    )
    current = {k: v for k, v in active_filters(filters).items() if k != "page"}
    page = Paginator(filters.qs.order_by("name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "solutions": page.object_list,
        "filters": current,
        "querystring": urlencode(current),
        "categories": Category.choices,
        "pricing_models": PricingModel.choices,
    }
    template = "vendors/catalog.html#results" if request.htmx else "vendors/catalog.html"
    return render(request, template, context)


@login_required
@require_GET
def solution_options(request: HtmxHttpRequest) -> HttpResponse:
    """<option>s for the proposal form's solution picker (a datalist), narrowed by what was
    typed: a name, a vendor, or a picked label "Name (Vendor)" (which then matches itself)."""
    query = " ".join(
        request.GET.get("solution", request.GET.get("solution_q", request.GET.get("q", ""))).split()
    )[:100]
    if query.endswith(")") and " (" in query:  # a picked label: its solution's name
        query = query.rsplit(" (", 1)[0]
    solutions = solution_search(query=query)[:50]
    return render(request, "vendors/_solution_options.html", {"solutions": solutions, "q": query})


@login_required
@require_GET
def integration_options(request: HtmxHttpRequest) -> HttpResponse:
    """The proposal form's "integrates with" checkboxes: the tools in use matching what was
    typed, after those already ticked (sent along, and kept ticked whatever the filter)."""
    query = " ".join(request.GET.get("integrates_q", "").split())[:100]
    ticked = [int(v) for v in request.GET.getlist("integrates_with") if v.isdigit()][:200]
    choices = integration_checkboxes(ticked_ids=ticked, query=query)
    return render(request, "vendors/_integration_options.html", {**choices, "q": query})
