"""The proposal pages: home, the list, the form (with its live preview and inline checks), the
proposal page and its audit trail."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.filtering import active_filters, lenient_filterset, offset_page, query_string
from core.htmx import HtmxHttpRequest
from decisions import selectors, services
from decisions.dmu import who_decides
from decisions.filters import SORTS, ProposalPageFilterSet
from decisions.forms import ProposalForm
from decisions.models import Proposal, ProposalKind, ProposalStatus
from decisions.rights import can_edit, is_cdo, is_owner, may_sign
from decisions.rules import standard_in_the_way
from decisions.tco import ALL_MODEL_FIELDS
from decisions.views._common import (
    detail_context,
    forbidden,
    proposal_or_404,
    proposers_only,
)
from landscape.models import LIVE_LIFECYCLES, Tool


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    mine = selectors.proposal_list(user=user, requester=user)
    queue = list(selectors.signoffs_actionable_by(user=user)[:10])
    context = {
        # What only they can move: returned for changes first, then their unsent drafts.
        "needs_action": mine.filter(
            status__in=[ProposalStatus.CHANGES_REQUESTED, ProposalStatus.DRAFT]
        ).order_by("status", "-updated_at")[:10],
        "my_proposals": mine.order_by("-updated_at")[:10],
        "queue": queue,
        # The sign-off card for those who sign (or have something to sign), not for everyone.
        "signs": bool(queue) or may_sign(user),
        "awaiting_decision": selectors.proposals_awaiting_decision()[:10] if is_cdo(user) else [],
    }
    return render(request, "decisions/home.html", context)


@login_required
@require_GET
def proposal_list(request: HttpRequest) -> HttpResponse:
    filters, proposals = filtered_proposals(request, selectors.proposal_list(user=request.user))
    current = active_filters(filters)
    cleaned = filters.form.cleaned_data
    statuses = cleaned.get("status") or []
    page = offset_page(proposals, request.GET, filters=current, size=PROPOSALS_PAGE_SIZE)
    context = {
        "proposals": page.rows,
        "statuses": ProposalStatus.choices,
        "status": statuses[0] if len(statuses) == 1 else None,
        "mine": bool(cleaned.get("mine")),
        "q": cleaned.get("q") or "",
        "sort": cleaned.get("sort") or "newest",
        "sorts": filters.filters["sort"].extra["choices"],
        "filters": current,
        "page_number": page.number,
        "previous_link": page.previous_link,
        "next_link": page.next_link,
        # The exports take the same filters and sort (not the page: they hold every row).
        "export_query": query_string(current),
    }
    return render(request, "decisions/proposal_list.html", context)


def filtered_proposals(
    request: HttpRequest, queryset: QuerySet[Proposal]
) -> tuple[ProposalPageFilterSet, QuerySet[Proposal]]:
    """`queryset` with the list page's filters and sort from the query string (a value that
    does not validate is ignored, as a bookmarked URL's should be), newest first by default."""
    filters = lenient_filterset(
        ProposalPageFilterSet, request.GET, queryset=queryset, request=request
    )
    proposals = filters.qs
    if not filters.form.cleaned_data.get("sort"):
        proposals = proposals.order_by(*SORTS["newest"])
    return filters, proposals


PROPOSALS_PAGE_SIZE = 50


def _submit_if_asked(request: HttpRequest, proposal: Proposal, *, saved: str) -> None:
    ref = {"ref": proposal.reference}
    if "submit" not in request.POST:
        messages.success(request, saved % ref)
        return
    try:
        services.proposal_submit(proposal=proposal, actor=request.user)
    except DomainError as error:
        messages.error(request, _("%(ref)s is saved but not submitted: ") % ref + error.message)
    else:
        messages.success(request, _("Proposal %(ref)s submitted for review.") % ref)


@login_required
@require_http_methods(["GET", "POST"])
@proposers_only
def proposal_create(request: HttpRequest) -> HttpResponse:
    form = ProposalForm(
        request.POST or None, user=request.user, initial=_retirement_initial(request)
    )
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_create(requester=request.user, **form.service_kwargs())
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            # The draft is saved either way; a refused submission is explained on its page.
            _submit_if_asked(request, proposal, saved=_("Draft %(ref)s saved."))
            return redirect("proposal-detail", proposal.reference)
    return render(
        request, "decisions/proposal_form.html", {"form": form}, status=400 if form.errors else 200
    )


def _retirement_initial(request: HttpRequest) -> dict:
    """?retire=<tool id>, from a tool's page: a retirement proposal for that tool, prefilled."""
    value = request.GET.get("retire", "")
    if request.method != "GET" or not value.isdigit() or len(value) > 18:
        return {}
    tool = (
        Tool.objects.filter(pk=int(value), lifecycle__in=LIVE_LIFECYCLES)
        .select_related("solution")
        .first()
    )
    if tool is None:
        return {}
    return {
        "kind": ProposalKind.RETIREMENT,
        "tool": tool.pk,
        "title": _("Retire %(tool)s") % {"tool": tool.solution.name},
        "category": tool.solution.category,
        "one_off_cost": 0,
        "recurring_cost": 0,
    }


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request: HttpRequest, reference: str) -> HttpResponse:
    proposal = get_object_or_404(selectors.proposals_seen_by(request.user), reference=reference)
    if not is_owner(user=request.user, proposal=proposal):
        return forbidden(request, _("Only the requester, or who filed it for them, can edit it."))
    if not can_edit(user=request.user, proposal=proposal):
        messages.error(request, _("Only a draft or a proposal returned for changes can be edited."))
        return redirect("proposal-detail", reference)
    form = ProposalForm(request.POST or None, instance=proposal, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_update(
                proposal=proposal, actor=request.user, **form.service_kwargs()
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            _submit_if_asked(request, proposal, saved=_("Changes to %(ref)s saved."))
            return redirect("proposal-detail", reference)
    context = {"form": form, "proposal": proposal}
    return render(
        request, "decisions/proposal_form.html", context, status=400 if form.errors else 200
    )


@login_required
@require_GET
def proposal_detail(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    proposal = proposal_or_404(reference, user=request.user)
    return render(request, "decisions/proposal_detail.html", detail_context(request, proposal))


@login_required
@require_GET
def proposal_timeline(request: HttpRequest, reference: str) -> HttpResponse:
    """The proposal's audit trail: every event, who, when, and what it recorded."""
    proposal = get_object_or_404(
        selectors.proposals_seen_by(request.user).select_related(
            "requester", "filed_by", "requesting_department"
        ),
        reference=reference,
    )
    events = selectors.proposal_timeline(proposal=proposal, viewer=request.user)
    return render(
        request, "decisions/proposal_timeline.html", {"proposal": proposal, "events": events}
    )


PREVIEW_FIELDS = (
    "requesting_department",
    "paying_department",
    "currency",
    "one_off_cost",
    "recurring_cost",
    "recurring_period",
    "term_months",
    # TCO by pricing model (decisions.tco).
    "cost_model",
    "seats",
    *ALL_MODEL_FIELDS,
    "solution",
    "new_vendor_name",
    "new_solution_name",
    "category",
    # A high lock-in changes who signs (decisions.dmu.signers).
    "export_format",
    "exit_clause",
    "exit_notice_days",
    "proprietary_integrations",
    "switching_cost",
    "kind",
    # The plug-in lane's answers (decisions.plugin).
    "processes_personal_data",
    "dpa_signed",
    "sso",
    "certified",
    "data_location",
)


COST_FIELDS = (
    "currency",
    "one_off_cost",
    "recurring_cost",
    "recurring_period",
    "term_months",
    "cost_model",
    "seats",
    *ALL_MODEL_FIELDS,
)


@login_required
@require_POST
@proposers_only
def proposal_preview(request: HttpRequest) -> HttpResponse:
    """The live "who decides" panel of the proposal form: the tier the costs typed so far fall
    in, the sign-offs it needs, and what is already in use in the chosen category. A POST: the
    form's text never goes into a URL (access logs, the 4 KB request-line limit)."""
    form = ProposalForm(request.POST, user=request.user)
    form.is_valid()  # partial input: use whichever fields are valid so far
    data = {k: v for k, v in form.cleaned_data.items() if k in PREVIEW_FIELDS and v is not None}
    if data.get("solution") and not data.get("category"):
        data["category"] = data["solution"].category
    draft = Proposal(**data)
    # A cost that does not read yet (a minus, a letter) would count as 0 and claim the smallest
    # tier: say what is missing instead.
    costs_invalid = [
        str(form.fields[f].label)
        for f in COST_FIELDS
        if f in form.errors and request.POST.get(f, "").strip()  # typed, and wrong
    ]
    category = str(data.get("category") or "")
    context: dict[str, object] = {
        "category": category,
        "costs_invalid": costs_invalid,
        "who": None
        if costs_invalid
        else who_decides(
            proposal=draft, integrates_with=form.cleaned_data.get("integrates_with") or []
        ),
        "breakdown": None if costs_invalid or draft.kind != "new" else draft.tco_breakdown,
        "catalog_solution": data.get("solution"),
    }
    if category:
        # The category's standard first ("a standard tool exists for this job"), then the rest.
        standard = standard_in_the_way(draft)
        context["standard"] = standard
        context["in_use"] = [
            s
            for s in selectors.solutions_in_use(category=category)
            if standard is None or s.pk != standard.solution_id
        ]
        context["approved"] = selectors.proposals_committed(category=category)
    return render(request, "decisions/_preview.html", context)


@login_required
@require_POST
@proposers_only
def proposal_validate(request: HttpRequest) -> HttpResponse:
    """Inline validation as a field is left: the field re-rendered with its errors."""
    form = ProposalForm(request.POST, user=request.user)
    name = request.GET.get("field", "")
    if name not in form.fields:
        return HttpResponse(status=204)
    form.is_valid()
    return render(
        request,
        "decisions/_field.html",
        {"field": form[name], "validate_url": reverse("proposal-validate")},
    )
