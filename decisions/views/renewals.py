"""The renewal calendar (by month, filtered by department), the person's iCalendar feed, and
opening a renewal from a tool's page or the calendar. Plain forms: they work without JavaScript."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.siteurl import site_url
from decisions.forms import RenewalForm
from decisions.models import CONTINUING_RENEWALS, PilotRating, Proposal, ProposalKind
from decisions.pilots import pilot_scores_of
from decisions.renewals import renewal_calendar as calendar_months
from decisions.renewals import renewal_feed_ics
from decisions.rules import renewal_needs_cdo
from decisions.services.calendar_feed import (
    calendar_feed_revoke,
    calendar_feed_rotate,
    calendar_feed_user,
)
from decisions.services.renewal import RENEWABLE_LIFECYCLES, renewal_open
from landscape.adoption import adoption_latest
from landscape.contracts import add_months, tool_contract_dates
from landscape.models import CalendarFeed, Tool
from landscape.rights import can_edit_tool
from stakeholders.models import Department

DEFAULT_MONTHS = 12
MAX_MONTHS = 24
# How far ahead the calendar may be paged (ten years): the window is computed, not stored.
MAX_MONTHS_AHEAD = 120
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _first_month(value: str, today: dt.date) -> dt.date:
    """?from=YYYY-MM: the calendar's first month, never before this month nor past the bound;
    anything else is this month (a browser page drops what it cannot read)."""
    this_month = today.replace(day=1)
    match = MONTH.match(value or "")
    if not match or not 1 <= int(match[2]) <= 12:
        return this_month
    chosen = dt.date(int(match[1]), int(match[2]), 1)
    return min(max(chosen, this_month), add_months(this_month, MAX_MONTHS_AHEAD))


def _months(value: str) -> int:
    return int(value) if value.isdigit() and 1 <= int(value) <= MAX_MONTHS else DEFAULT_MONTHS


def _feed_of(user: Any) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


@login_required
@require_GET
def renewal_calendar(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    first = _first_month(request.GET.get("from", ""), today)
    months = _months(request.GET.get("months", ""))
    departments = list(Department.objects.filter(is_active=True).order_by("code"))
    department = request.GET.get("department", "")
    if department not in {d.code for d in departments}:
        department = ""
    calendar = calendar_months(
        user=request.user, first_month=first, months=months, department=department
    )
    # Who may open a renewal of which tool (the memberships are read once: landscape.rights).
    tools = {e.entry.tool.pk: e.entry.tool for m in calendar for e in m.events}
    editable = {pk for pk, tool in tools.items() if can_edit_tool(user=request.user, tool=tool)}
    this_month = today.replace(day=1)
    previous = max(add_months(first, -months), this_month) if first > this_month else None
    context = {
        "calendar": calendar,
        "months": months,
        "first": first,
        "previous": previous,
        "next": add_months(first, months),
        "departments": departments,
        "department": department,
        "count": sum(len(m.events) for m in calendar),
        "feed": _feed_of(request.user),
        "editable": editable,
        "today": today,
    }
    return render(request, "decisions/renewals/calendar.html", context)


@login_required
@require_POST
@never_cache
def renewal_feed_create(request: HttpRequest) -> HttpResponse:
    """Create or rotate the person's feed and show its URL, once (only its hash is kept)."""
    token = calendar_feed_rotate(actor=request.user)
    url = site_url() + reverse("renewal-feed", args=[token])
    return render(request, "decisions/renewals/feed_created.html", {"feed_url": url})


@login_required
@require_POST
def renewal_feed_revoke(request: HttpRequest) -> HttpResponse:
    if calendar_feed_revoke(actor=request.user):
        messages.success(request, _("Your calendar feed is revoked: its address no longer works."))
    else:
        messages.info(request, _("You have no active calendar feed."))
    return redirect("renewal-calendar")


@require_GET
def renewal_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself, for calendar apps: no session, the token in the URL is the key. An
    unknown or revoked token is a 404, like a page that does not exist."""
    user = calendar_feed_user(token=token)
    if user is None:
        raise Http404
    body = renewal_feed_ics(user=user, base_url=site_url())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="renewals.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def _open_context(tool: Tool, form: RenewalForm) -> dict[str, Any]:
    return {
        "tool": tool,
        "form": form,
        "dates": tool_contract_dates(tool, timezone.localdate()),
        "shelfware": tool.shelfware_since is not None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def renewal_open_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The owner opens a renewal (renew, renegotiate, cancel) and submits it for review."""
    tool = get_object_or_404(
        Tool.objects.select_related("solution", "owner_department", "business_owner"), pk=pk
    )
    if not can_edit_tool(user=request.user, tool=tool):
        return render(
            request,
            "decisions/forbidden.html",
            {"message": _("Only the tool's owners or IT Operations can open its renewal.")},
            status=403,
        )
    form = RenewalForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                proposal = renewal_open(
                    tool=tool,
                    actor=request.user,
                    action=data["renewal_action"],
                    term_months=data.get("term_months"),
                    yearly_cost=data.get("yearly_cost"),
                    rationale=data.get("rationale") or "",
                )
            except DomainError as error:
                form.add_error(None, error.message)
                status = error.status_code
            else:
                messages.success(
                    request,
                    _("Renewal %(ref)s opened and submitted for review.")
                    % {"ref": proposal.reference},
                )
                return redirect("proposal-detail", proposal.reference)
        else:
            status = 400
    return render(request, "decisions/renewals/open.html", _open_context(tool, form), status=status)


def renewal_insight(proposal: Proposal) -> dict[str, Any]:
    """What a renewal's page shows beside its cost: the tool's latest adoption against what its
    proposal promised (landscape.adoption) and the employees' scores from its latest rated
    pilot round (decisions.pilots), whichever proposal of the tool ran it."""
    tool = proposal.tool
    if tool is None:
        return {"adoption": None, "scores": None}
    rated = (
        PilotRating.objects.filter(proposal__tool=tool)
        .order_by("-proposal_id", "-round")
        .values_list("proposal_id", "round")
        .first()
    )
    return {
        "adoption": adoption_latest(tool),
        "scores": pilot_scores_of([rated])[rated] if rated else None,
    }


def renewal_context(proposal: Proposal) -> dict[str, Any]:
    """The renewal section of a proposal's page (empty for other kinds)."""
    if proposal.kind != ProposalKind.RENEWAL or proposal.tool is None:
        return {}
    tool = proposal.tool
    return {
        "renewal": {
            "tool": tool,
            "old_cost": tool.yearly_cost,
            "old_currency": tool.currency,
            "old_term": tool.term_months,
            "continuing": proposal.renewal_action in CONTINUING_RENEWALS,
            "cdo_by_rule": renewal_needs_cdo(proposal),
            "renewable": tool.lifecycle in RENEWABLE_LIFECYCLES,
        },
        **renewal_insight(proposal),
    }
