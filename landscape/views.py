"""The landscape's pages: the list of tools, a tool's page with its flows and what breaks when
it goes, and the actions on it (plain forms: they work without JavaScript)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.dataversion import data_version
from core.errors import DomainError, NotAllowed
from core.filtering import active_filters, lenient_filterset, offset_page
from landscape import selectors, services
from landscape.contracts import tool_contract_dates
from landscape.filters import ToolFilterSet
from landscape.forms import (
    IntegrationForm,
    IntegrationRemoveForm,
    LifecycleMoveForm,
    PullBackForm,
    StandardWithdrawForm,
)
from landscape.models import Criticality, Integration, Lane, Lifecycle, Method, Tool
from landscape.rights import can_connect, can_edit_tool, governs_landscape
from landscape.services import GOVERNOR_MOVES, OWNER_MOVES, IntegrationInput
from landscape.standards import may_decide_standard, standard_eligibility, standard_for
from landscape.usage import may_report_usage
from landscape.usage_views import tool_usage_context
from stakeholders.models import Department
from vendors.models import Category


@login_required
@require_GET
def tool_list(request: HttpRequest) -> HttpResponse:
    filters = lenient_filterset(
        ToolFilterSet, request.GET, queryset=selectors.tools_listed(), request=request
    )
    current = active_filters(filters)
    cleaned = filters.form.cleaned_data
    tools = filters.qs if cleaned.get("sort") else filters.qs.order_by("solution__name", "id")
    page = offset_page(tools, request.GET, filters=current, size=settings.LANDSCAPE_PAGE_SIZE)
    context = {
        "tools": page.rows,
        "departments": Department.objects.filter(is_active=True).order_by("code"),
        "lifecycles": Lifecycle.choices,
        "lanes": Lane.choices,
        "categories": Category.choices,
        "sorts": filters.filters["sort"].extra["choices"],
        "f": {
            "department": cleaned.get("department") or "",
            "lifecycle": (cleaned.get("lifecycle") or [""])[0],
            "lane": cleaned.get("lane") or "",
            "category": cleaned.get("category") or "",
            "q": cleaned.get("q") or "",
            "standard": cleaned.get("standard"),
            "sort": cleaned.get("sort") or "name",
        },
        "filters": current,
        "page_number": page.number,
        "previous_link": page.previous_link,
        "next_link": page.next_link,
        "may_report_usage": may_report_usage(request.user),
    }
    return render(request, "landscape/tool_list.html", context)


def _tool(pk: int) -> Tool:
    return get_object_or_404(
        Tool.objects.select_related(
            "solution__vendor", "owner_department", "business_owner", "it_steward"
        ),
        pk=pk,
    )


def _moves_for(user, tool: Tool) -> list[tuple[str, str]]:
    """The lifecycle moves this person may make on the tool's page."""
    allowed = set()
    if can_edit_tool(user=user, tool=tool):
        allowed |= OWNER_MOVES
    if governs_landscape(user):
        allowed |= GOVERNOR_MOVES
    return [
        (str(to), str(Lifecycle(to).label)) for frm, to in sorted(allowed) if frm == tool.lifecycle
    ]


def _detail_context(request: HttpRequest, tool: Tool, **extra) -> dict:
    out, into = selectors.tool_flows(tool)
    user = request.user
    connectable = tool.is_live and (governs_landscape(user) or can_edit_tool(user=user, tool=tool))
    decides_standard = may_decide_standard(user)
    return {
        "tool": tool,
        "flows_out": out,
        "flows_in": into,
        "impact": selectors.tool_impact(tool) if tool.is_live else None,
        "history": selectors.lifecycle_history(tool),
        "proposals": selectors.tool_proposals(tool, user=user),
        "onboarding": selectors.tool_onboarding(tool),
        "moves": _moves_for(user, tool),
        "can_edit": can_edit_tool(user=user, tool=tool),
        "can_connect_any": connectable,
        "removable": {
            i.pk for i in out + into if can_connect(user=user, source=i.source, target=i.target)
        },
        "may_retire": tool.lifecycle in (Lifecycle.ADOPTED, Lifecycle.STANDARD, Lifecycle.PILOT),
        "move_form": extra.pop("move_form", None) or LifecycleMoveForm(),
        "can_pull_back": tool.lane == Lane.PLUG_IN and governs_landscape(user),
        "lane_form": extra.pop("lane_form", None) or PullBackForm(),
        "integration_form": extra.pop("integration_form", None) or IntegrationForm(tool=tool),
        "methods": Method.choices,
        "criticalities": Criticality.choices,
        "contract_dates": tool_contract_dates(tool, timezone.localdate()) if tool.is_live else None,
        # The standard for its category: the CDO makes or withdraws it here.
        "category_standard": tool if tool.standard_since else standard_for(tool.solution.category),
        "decides_standard": decides_standard,
        "standard_reasons": standard_eligibility(tool)
        if decides_standard and tool.standard_since is None
        else [],
        "standard_form": extra.pop("standard_form", None) or StandardWithdrawForm(),
        **tool_usage_context(request, tool),
        **extra,
    }


@login_required
@require_GET
def tool_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tool = _tool(pk)
    return render(request, "landscape/tool_detail.html", _detail_context(request, tool))


def _refused(request: HttpRequest, tool: Tool, error: DomainError, **forms) -> HttpResponse:
    """The tool's page again with the refusal in place, and the error's status code."""
    tool = _tool(tool.pk)
    context = _detail_context(request, tool, error=error.message, **forms)
    return render(request, "landscape/tool_detail.html", context, status=error.status_code)


def tool_page_refused(request: HttpRequest, tool: Tool, error: DomainError) -> HttpResponse:
    """The tool's page with a refusal in place, for the actions other apps answer on it."""
    return _refused(request, tool, error)


@login_required
@require_POST
def tool_move(request: HttpRequest, pk: int) -> HttpResponse:
    tool = _tool(pk)
    form = LifecycleMoveForm(request.POST)
    if not form.is_valid():
        return _refused(request, tool, DomainError(_("Say where the tool moves, and why.")),
                        move_form=form)  # fmt: skip
    try:
        services.tool_move(
            tool=tool, actor=request.user, to=form.cleaned_data["to"],
            reason=form.cleaned_data["reason"],
        )  # fmt: skip
    except DomainError as error:
        return _refused(request, tool, error, move_form=form)
    messages.success(request, _("The tool's lifecycle changed."))
    return redirect("tool-detail", pk=tool.pk)


@login_required
@require_POST
def tool_pull_back(request: HttpRequest, pk: int) -> HttpResponse:
    """IT Operations takes a plug-in tool back into the governed lane, saying why."""
    tool = _tool(pk)
    form = PullBackForm(request.POST)
    if not form.is_valid():
        if not governs_landscape(request.user):  # a refusal says so before any typo
            error: DomainError = NotAllowed(
                _("Only IT Operations can pull a tool back into the governed lane.")
            )
        else:
            error = DomainError(_("Say why the tool comes back into the governed lane."))
        return _refused(request, tool, error, lane_form=form)
    try:
        services.tool_pull_back(tool=tool, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        return _refused(request, tool, error, lane_form=form)
    messages.success(request, _("The tool is back in the governed lane."))
    return redirect("tool-detail", pk=tool.pk)


@login_required
@require_POST
def tool_standard_set(request: HttpRequest, pk: int) -> HttpResponse:
    """The CDO makes the tool the standard for its category (the server checks who and
    whether it may, whatever the page showed)."""
    tool = _tool(pk)
    try:
        services.standard_set(tool=tool, by=request.user)
    except DomainError as error:
        return _refused(request, tool, error)
    messages.success(
        request,
        _("%(tool)s is now the standard for %(category)s.")
        % {"tool": tool.name, "category": tool.solution.get_category_display().lower()},
    )
    return redirect("tool-detail", pk=tool.pk)


@login_required
@require_POST
def tool_standard_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    tool = _tool(pk)
    form = StandardWithdrawForm(request.POST)
    if not form.is_valid():
        error: DomainError = (
            DomainError(_("Say why the standard is withdrawn."))
            if may_decide_standard(request.user)
            else NotAllowed(_("Only the Chief Digital Officer can withdraw a standard."))
        )
        return _refused(request, tool, error, standard_form=form)
    try:
        services.standard_withdraw(tool=tool, by=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        return _refused(request, tool, error, standard_form=form)
    messages.success(request, _("The standard was withdrawn."))
    return redirect("tool-detail", pk=tool.pk)


@login_required
@require_POST
def integration_add(request: HttpRequest, pk: int) -> HttpResponse:
    tool = _tool(pk)
    form = IntegrationForm(request.POST, tool=tool)
    if not form.is_valid():
        return _refused(request, tool, DomainError(_("Check the integration's details.")),
                        integration_form=form)  # fmt: skip
    data = form.cleaned_data
    other = data["other"]
    source, target = (tool, other) if data["direction"] == "out" else (other, tool)
    try:
        services.integration_create(
            actor=request.user,
            spec=IntegrationInput(
                source=source, target=target, data=data["what"], method=data["method"],
                criticality=data["criticality"], owner=request.user,
            ),
        )  # fmt: skip
    except DomainError as error:
        return _refused(request, tool, error, integration_form=form)
    messages.success(request, _("The integration was added."))
    return redirect("tool-detail", pk=tool.pk)


@login_required
@require_POST
def integration_remove(request: HttpRequest, pk: int, integration_pk: int) -> HttpResponse:
    tool = _tool(pk)
    integration = get_object_or_404(
        Integration.objects.filter(source=tool) | Integration.objects.filter(target=tool),
        pk=integration_pk,
    )
    form = IntegrationRemoveForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.integration_remove(integration=integration, actor=request.user, reason=reason)
    except DomainError as error:
        return _refused(request, tool, error)
    messages.success(request, _("The integration was removed."))
    return redirect("tool-detail", pk=tool.pk)


@login_required
@require_GET
def landscape_map(request: HttpRequest) -> HttpResponse:
    """The integration map, drawn on the server (no JavaScript needed); cached until the data
    changes (the key holds the data version)."""
    departments = list(Department.objects.filter(is_active=True).order_by("code"))
    codes = {d.code for d in departments}
    department = request.GET.get("department", "")
    if department not in codes:
        department = ""
    key = f"landscape-map:{data_version()}:{department}:{request.LANGUAGE_CODE}"
    drawn = cache.get(key)
    if drawn is None:
        drawn = selectors.map_drawing(department=department)
        cache.set(key, drawn, settings.DASHBOARD_CACHE_SECONDS)
    tools = {
        t.pk: t
        for t in Tool.objects.filter(
            pk__in=set(drawn.vermicelli.hubs) | {i for c in drawn.vermicelli.cycles for i in c}
        ).select_related("solution")
    }
    context = {
        "drawing": drawn,
        "svg": mark_safe(drawn.svg),  # noqa: S308 - built by landscape.drawing, every text escaped
        "departments": departments,
        "department": department,
        "hubs": [tools[i] for i in drawn.vermicelli.hubs if i in tools],
        "cycles": [[tools[i] for i in c if i in tools] for c in drawn.vermicelli.cycles],
        "point_to_point": len(drawn.vermicelli.point_to_point),
    }
    return render(request, "landscape/map.html", context)
