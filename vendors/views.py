from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from vendors.models import Category, PricingModel, Solution
from vendors.selectors import CERTIFICATIONS, solution_search

YES_NO = {"yes": True, "no": False}
PAGE_SIZE = 50


@login_required
@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    """Browse and search the catalog; filters update the results in place and stay in the URL."""
    params = request.GET
    query = params.get("q", "").strip()[:100]
    category = params.get("category", "")
    category = category if category in Category.values else ""
    pricing = params.get("pricing_model", "")
    pricing = pricing if pricing in PricingModel.values else ""
    certification = params.get("certification", "")
    certification = certification if certification in CERTIFICATIONS else ""
    personal_data = YES_NO.get(params.get("personal_data", ""))
    in_use = YES_NO.get(params.get("in_use", ""))
    solutions = solution_search(
        query=query,
        category=category,
        pricing_model=pricing,
        certification=certification,
        personal_data=personal_data,
        in_use=in_use,
    )
    page = Paginator(solutions, PAGE_SIZE).get_page(params.get("page"))
    filters = {
        k: v
        for k, v in {
            "q": query,
            "category": category,
            "pricing_model": pricing,
            "certification": certification,
            "personal_data": params.get("personal_data", "") if personal_data is not None else "",
            "in_use": params.get("in_use", "") if in_use is not None else "",
        }.items()
        if v
    }
    context = {
        "page": page,
        "solutions": page.object_list,
        "filters": filters,
        "querystring": urlencode(filters),
        "categories": Category.choices,
        "pricing_models": PricingModel.choices,
    }
    template = "vendors/catalog.html#results" if request.htmx else "vendors/catalog.html"
    return render(request, template, context)


@login_required
@require_GET
def solution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    solution = get_object_or_404(
        Solution.objects.select_related("vendor").prefetch_related(
            # The proposals that name this solution, newest first (their default order): a
            # relation the decisions app declares, read by name, as the catalog imports nothing
            # from the apps above it.
            "proposals__requesting_department",
            "integrations_out__target",
            "integrations_in__source",
        ),
        pk=pk,
    )
    return render(request, "vendors/solution_detail.html", {"solution": solution})


@login_required
@require_GET
def solution_options(request: HttpRequest) -> HttpResponse:
    """<option>s for the proposal form's solution list, narrowed by what was typed."""
    query = request.GET.get("solution_q", request.GET.get("q", "")).strip()[:100]
    solutions = solution_search(query=query)[:50]
    return render(request, "vendors/_solution_options.html", {"solutions": solutions, "q": query})
