"""The CDO dashboard."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.dataversion import data_version
from core.filtering import active_filters, query_string
from core.htmx import HtmxHttpRequest
from core.i18n import per_language
from decisions import selectors
from decisions.dashboard import dashboard_filters, figures, signoff_matrix
from decisions.models import ProposalStatus
from decisions.rights import is_cdo
from decisions.trends import dashboard_trends
from decisions.unused import unused_tools
from stakeholders.models import ApprovalTier, Department
from vendors.models import Category


@login_required
@require_GET
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """The CDO's view of everything in flight; filters update it in place and stay in the URL."""
    if not is_cdo(request.user):
        return render(
            request,
            "decisions/forbidden.html",
            {"message": _("The dashboard is the Chief Digital Officer's.")},
            status=403,
        )
    departments = list(Department.objects.filter(is_active=True).order_by("code"))
    tiers = list(ApprovalTier.objects.all())
    filters = dashboard_filters(request.GET)
    current = active_filters(filters)
    matrix_departments = [d for d in departments if d.signoff_required]
    # Everything below is computed only when the template's cached fragments are stale: their
    # key holds the data version, which every committed change bumps.
    matrix = SimpleLazyObject(
        lambda: signoff_matrix(filters=filters, departments=matrix_departments)
    )
    context = {
        "filters": current,
        # The decisions' export takes the same filters.
        "export_query": query_string(current),
        "cache_key": f"{data_version()}:{request.LANGUAGE_CODE}:{sorted(current.items())}",
        "cache_seconds": settings.DASHBOARD_CACHE_SECONDS,
        "departments": departments,
        "tiers": tiers,
        "statuses": ProposalStatus.choices,
        "categories": Category.choices,
        "figures": SimpleLazyObject(lambda: figures(filters=filters, departments=departments)),
        "trends": SimpleLazyObject(lambda: dashboard_trends(filters=filters)),
        "awaiting": SimpleLazyObject(
            lambda: list(
                filters.on(selectors.proposals_awaiting_decision())
                .select_related(None)
                .select_related("tier")
                # The tier's name in each language: a deferred one would cost a query a row.
                .only("reference", "title", "tco", "submitted_at", *per_language("tier__name"))[:20]
            )
        ),
        "matrix": matrix,
        "matrix_departments": matrix_departments,
        "unused": SimpleLazyObject(unused_tools),
    }
    template = "decisions/dashboard.html"
    if request.htmx:
        template += "#body"
    return render(request, template, context)
