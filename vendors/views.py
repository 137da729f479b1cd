from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from decisions.models import Proposal
from vendors.models import Category, PricingModel, Solution
from vendors.selectors import solution_search


@login_required
@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("category", "")
    category = category if category in Category.values else ""
    pricing = request.GET.get("pricing_model", "")
    pricing = pricing if pricing in PricingModel.values else ""
    solutions = solution_search(query=query, category=category, pricing_model=pricing)
    context = {
        "solutions": solutions[:200],
        "q": query,
        "category": category,
        "pricing_model": pricing,
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
            Prefetch(
                "proposals",
                queryset=Proposal.objects.select_related("requesting_department").order_by(
                    "-created_at"
                ),
            ),
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
