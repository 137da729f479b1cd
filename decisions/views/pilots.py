"""The Pilot panel's actions: plain forms (POST, then a redirect to the proposal's Pilot panel)
that HTMX posts in place (the panel re-rendered, with the timeline out of band). A refusal
renders the panel with its reason and what was typed, with the error's status code; base.html's
htmx-config swaps 4xx answers without raising an error, so DEBUG's error handler stays out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.htmx import HtmxHttpRequest
from decisions import selectors
from decisions.models import PilotDirection, Proposal, ProposalStatus
from decisions.pilots import MAX_CRITERIA, PLAN_ROWS_EMPTY, pilot_panel
from decisions.services import pilots
from decisions.views._common import detail_context
from stakeholders.models import Department


def _proposal(request: HtmxHttpRequest, reference: str) -> Proposal:
    return get_object_or_404(selectors.proposals_seen_by(request.user), reference=reference)


def date_field(value: str, *, field: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = parse_date(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise DomainError(_("Enter a date (YYYY-MM-DD)."), field=field)
    return parsed


def _panel_response(
    request: HtmxHttpRequest,
    proposal: Proposal,
    *,
    error: str = "",
    notice: str = "",
    typed: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    proposal = selectors.proposal_detail(reference=proposal.reference, user=request.user)
    pilot_context: dict[str, Any] = {
        "pilot_error": error,
        "pilot_notice": notice,
        "pilot_typed": typed or {},
    }
    if not request.htmx:
        # Without JavaScript a refusal is the whole page, the reason in the panel.
        context = detail_context(request, proposal, **pilot_context)
        return render(request, "decisions/proposal_detail.html", context, status=status)
    context = {
        "proposal": proposal,
        "pilot": pilot_panel(proposal, user=request.user, typed=typed),
        **pilot_context,
    }
    body: str = render_to_string("decisions/_pilot.html", context, request)
    if status == 200:
        body += render_to_string(
            "decisions/proposal_detail.html#timeline", {"proposal": proposal, "oob": True}, request
        )
        if proposal.status != ProposalStatus.PILOTING:
            # Kept or stopped: the status panel changes too, out of band.
            workflow = render_to_string(
                "decisions/proposal_detail.html#workflow",
                detail_context(request, proposal),
                request,
            )
            body += workflow.replace('id="workflow"', 'id="workflow" hx-swap-oob="true"', 1)
    return HttpResponse(body, status=status)


def _act(
    request: HtmxHttpRequest, reference: str, action: Callable[[Proposal], str]
) -> HttpResponse:
    proposal = _proposal(request, reference)
    try:
        notice = action(proposal)
    except DomainError as error:
        message = error.message
        label = _field_label(error.field) if error.field else ""
        if label and label.casefold() not in message.casefold():
            message = f"{message} ({label})"
        typed = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
        return _panel_response(request, proposal, error=message, typed=typed,
                               status=error.status_code)  # fmt: skip
    if request.htmx:
        return _panel_response(request, proposal, notice=notice)
    messages.success(request, notice)
    return redirect(reverse("proposal-detail", args=[proposal.reference]) + "#pilot")


def _field_label(field: str) -> str:
    return {
        "criteria": _("criteria"),
        "participants": _("participants"),
        "start": _("start"),
        "end": _("end"),
        "values": _("measured values"),
        "recommend": _("would you recommend it"),
        "scores": _("scores"),
        "comment": _("comment"),
        "verdict": _("verdict"),
        "reason": _("reason"),
        "new_end": _("new end"),
        "rationale": _("rationale"),
        "department": _("department"),
        "outcome": _("outcome"),
    }.get(field, field)


def criteria_from_post(post: Any) -> list[dict[str, str]]:
    """The plan form's rows (metric_0, target_0, …); a row left blank is no criterion."""
    rows = []
    for i in range(MAX_CRITERIA + PLAN_ROWS_EMPTY):
        row = {
            "metric": post.get(f"metric_{i}", ""),
            "target": post.get(f"target_{i}", ""),
            "unit": post.get(f"unit_{i}", ""),
            "how_measured": post.get(f"how_{i}", ""),
            "direction": post.get(f"direction_{i}", "") or PilotDirection.HIGHER,
        }
        if row["metric"].strip() or row["target"].strip():
            rows.append(row)
    return rows


@login_required
@require_POST
def pilot_update(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    def action(proposal: Proposal) -> str:
        pilots.pilot_update(
            proposal=proposal,
            actor=request.user,
            criteria=criteria_from_post(request.POST),
            participants=pilots.participants_named(request.POST.get("participants", "")),
            start=date_field(request.POST.get("start", ""), field="start"),
            end=date_field(request.POST.get("end", ""), field="end"),
        )
        return _("The pilot's plan is saved.")

    return _act(request, reference, action)


@login_required
@require_POST
def pilot_measure(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    def action(proposal: Proposal) -> str:
        values = {
            key.removeprefix("measured_"): request.POST.get(key, "")
            for key in request.POST
            if key.startswith("measured_") and request.POST.get(key, "").strip()
        }
        pilots.pilot_measure(proposal=proposal, actor=request.user, values=values)
        return _("The measurements are recorded.")

    return _act(request, reference, action)


@login_required
@require_POST
def pilot_review_open(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    def action(proposal: Proposal) -> str:
        pilots.pilot_review_open(proposal=proposal, actor=request.user)
        return _(
            "The keep/stop review is open: HR, IT Operations and Marketing give their verdict."
        )

    return _act(request, reference, action)


@login_required
@require_POST
def pilot_rate(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    def action(proposal: Proposal) -> str:
        scores = {
            key.removeprefix("score_"): request.POST.get(key, "")
            for key in request.POST
            if key.startswith("score_")
        }
        recommend = request.POST.get("recommend", "")
        if not recommend.strip():
            raise DomainError(_("Say how likely you would recommend it, 0 to 10."),
                              field="recommend")  # fmt: skip
        pilots.pilot_rate(
            proposal=proposal,
            actor=request.user,
            recommend=recommend,
            scores=scores,
            comment=request.POST.get("comment", "")[: pilots.COMMENT_MAX + 1],
        )
        return _("Thank you: your rating is recorded.")

    return _act(request, reference, action)


@login_required
@require_POST
def pilot_verdict(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    def action(proposal: Proposal) -> str:
        department = Department.objects.filter(code=request.POST.get("department", "")).first()
        if department is None:
            raise DomainError(_("Choose the department you give the verdict for."),
                              field="department")  # fmt: skip
        pilots.pilot_verdict_give(
            proposal=proposal,
            actor=request.user,
            department=department,
            verdict=request.POST.get("verdict", ""),
            reason=request.POST.get("reason", "")[: pilots.REASON_MAX + 1],
            new_end=date_field(request.POST.get("new_end", ""), field="new_end"),
        )
        return _("The verdict of %(dept)s is recorded.") % {"dept": department.name}

    return _act(request, reference, action)


@login_required
@require_POST
def pilot_decide(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    def action(proposal: Proposal) -> str:
        pilots.pilot_decide(
            proposal=proposal,
            actor=request.user,
            outcome=request.POST.get("outcome", ""),
            rationale=request.POST.get("rationale", "")[: pilots.REASON_MAX + 1],
            new_end=date_field(request.POST.get("new_end", ""), field="new_end"),
        )
        return _("Your decision on the pilot is recorded.")

    if request.POST.get("from") == "decisions":
        proposal = _proposal(request, reference)
        try:
            action(proposal)
        except DomainError as error:
            messages.error(request, f"{proposal.reference}: {error.message}")
        else:
            messages.success(request, _("%(ref)s: your decision on the pilot is recorded.")
                             % {"ref": proposal.reference})  # fmt: skip
        return redirect(reverse("cdo-decisions") + "#pilots")
    return _act(request, reference, action)
