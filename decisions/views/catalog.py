"""A catalog solution's page: the record, and what this organisation did with it (its proposals,
as far as the reader may see them, and its integrations). It composes the catalog with the
workflow, so it lives here, above both."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from decisions import selectors
from vendors.models import Solution


@login_required
@require_GET
def solution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    solution = get_object_or_404(
        Solution.objects.select_related("vendor").prefetch_related(
            Prefetch(
                "proposals",
                queryset=selectors.proposals_seen_by(request.user)
                .select_related("requesting_department")
                .order_by("-created_at"),
            ),
            "integrations_out__target",
            "integrations_in__source",
        ),
        pk=pk,
    )
    return render(request, "decisions/solution_detail.html", {"solution": solution})
