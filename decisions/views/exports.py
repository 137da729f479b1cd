"""The exports of the lists: the proposals (with the list page's filters), the CDO's decisions
(with the dashboard's filters) and a proposal's audit trail, as CSV or Excel. Each shows what
its page shows to the same person, and all of it: every matching row, not a page of them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from audit.selectors import events_of_proposal
from core.export import export_response
from decisions import exports, selectors
from decisions.dashboard import dashboard_filters
from decisions.models import Decision
from decisions.rights import is_cdo
from decisions.views._common import forbidden
from decisions.views.proposals import filtered_proposals


@login_required
@require_GET
def proposal_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The proposal list's rows as the page filters and sorts them (?q=, ?status=, ?mine=, …)."""
    _filters, proposals = filtered_proposals(request, selectors.proposals_seen_by(request.user))
    return export_response(
        fmt=fmt,
        columns=exports.proposal_columns(),
        rows=exports.proposal_rows(proposals),
        stem="proposals",
        sheet=_("Proposals"),
    )


@login_required
@require_GET
def decision_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The CDO's decisions, newest first, for the proposals the dashboard's filters select."""
    if not is_cdo(request.user):
        return forbidden(request, _("The dashboard is the Chief Digital Officer's."))
    decisions = dashboard_filters(request.GET).on(
        Decision.objects.order_by("-decided_at", "-pk"), relation="proposal__"
    )
    return export_response(
        fmt=fmt,
        columns=exports.decision_columns(),
        rows=exports.decision_rows(decisions),
        stem="decisions",
        sheet=_("Decisions"),
    )


@login_required
@require_GET
def proposal_timeline_export(request: HttpRequest, reference: str, fmt: str) -> HttpResponseBase:
    """A proposal's audit trail, every event in order, as its page shows it."""
    proposal = get_object_or_404(selectors.proposals_seen_by(request.user), reference=reference)
    return export_response(
        fmt=fmt,
        columns=exports.event_columns(
            show_voice_names=bool(getattr(request.user, "is_superuser", False))
        ),
        rows=exports.event_rows(events_of_proposal(proposal_id=proposal.pk)),
        stem=f"audit-trail-{proposal.reference}",
        sheet=_("Audit trail"),
    )
