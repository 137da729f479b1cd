"""The scoring pages: a proposal's options side by side (alternatives added and removed by the
requester, scored by each signing department's reviewers while in review), and the criteria
each department's head keeps. Plain forms; a refusal shows the page again with its reason and
status code."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.htmx import HtmxHttpRequest
from decisions import selectors
from decisions.forms import ScoringCriterionForm
from decisions.models import Proposal, ProposalAlternative, ScoringCriterion
from decisions.rights import is_owner
from decisions.scoring import (
    ALTERNATIVE_STATES,
    METHOD,
    PROPOSED,
    compare,
    criteria_departments,
    scoring_department_ids,
)
from decisions.scoring_models import SCORE_MAX, SCORE_MIN
from decisions.services import scoring
from decisions.views._common import forbidden
from stakeholders.models import Department
from vendors.models import Solution


def _proposal(request: HtmxHttpRequest, reference: str) -> Proposal:
    return get_object_or_404(
        selectors.proposals_seen_by(request.user).select_related("solution__vendor"),
        reference=reference,
    )


def _page(
    request: HtmxHttpRequest, proposal: Proposal, *, error: str = "", status: int = 200
) -> HttpResponse:
    result = compare(proposal)
    scorer_of = scoring_department_ids(user=request.user, proposal=proposal)
    may_change = bool(
        is_owner(user=request.user, proposal=proposal) and proposal.status in ALTERNATIVE_STATES
    )
    context: dict[str, Any] = {
        "proposal": proposal,
        "result": result,
        "method": METHOD,
        "scorable": [
            (d, [(c, list(zip(result.options, cells, strict=True))) for c, cells in d.rows])
            for d in result.departments
            if d.department.pk in scorer_of
        ],
        "may_change": may_change,
        "solutions": (
            Solution.objects.select_related("vendor").order_by("vendor__name", "name")[:500]
            if may_change
            else []
        ),
        "score_range": range(SCORE_MIN, SCORE_MAX + 1),
        "scoring_error": error,
    }
    return render(request, "decisions/scoring.html", context, status=status)


@login_required
@require_GET
def scoring_page(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    return _page(request, _proposal(request, reference))


def _refused(request: HtmxHttpRequest, proposal: Proposal, error: DomainError) -> HttpResponse:
    return _page(request, proposal, error=error.message, status=error.status_code)


def _back(reference: str, anchor: str = "") -> HttpResponse:
    return redirect(reverse("proposal-scoring", args=[reference]) + anchor)


@login_required
@require_POST
def alternative_add(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    proposal = _proposal(request, reference)
    try:
        solution = None
        raw = request.POST.get("solution", "").strip()
        if raw:
            if not raw.isdigit() or len(raw) > 10:
                raise DomainError(_("No such solution in the catalog."), field="solution")
            solution = Solution.objects.filter(pk=int(raw)).first()
            if solution is None:
                raise DomainError(_("No such solution in the catalog."), field="solution")
        alternative = scoring.alternative_add(
            proposal=proposal,
            actor=request.user,
            solution=solution,
            name=request.POST.get("name", "")[:151],
            vendor_name=request.POST.get("vendor_name", "")[:151],
        )
    except DomainError as error:
        return _refused(request, proposal, error)
    messages.success(request, _("“%(label)s” added.") % {"label": alternative.label})
    return _back(reference, "#comparison")


@login_required
@require_POST
def alternative_remove(request: HtmxHttpRequest, reference: str, pk: int) -> HttpResponse:
    proposal = _proposal(request, reference)
    alternative = get_object_or_404(ProposalAlternative, proposal=proposal, pk=pk)
    label = alternative.label
    try:
        scoring.alternative_remove(alternative=alternative, actor=request.user)
    except DomainError as error:
        return _refused(request, proposal, error)
    messages.success(request, _("“%(label)s” removed.") % {"label": label})
    return _back(reference, "#comparison")


@login_required
@require_POST
def scores_save(request: HtmxHttpRequest, reference: str, code: str) -> HttpResponse:
    """One department's scores: a field s-<option>-<criterion> per cell, blank to clear."""
    proposal = _proposal(request, reference)
    department = get_object_or_404(Department, code=code, is_active=True)
    try:
        scores: dict[tuple[str, int], int | None] = {}
        for name in request.POST:
            if not name.startswith("s-"):
                continue
            value = request.POST.get(name, "")
            option, _sep, criterion = name[2:].rpartition("-")
            if (
                not criterion.isdigit()
                or len(criterion) > 10
                or not (option == PROPOSED or (option.isdigit() and len(option) <= 10))
            ):
                raise DomainError(_("That option is not one of the proposal's."), field="option")
            value = value.strip()
            if value and not (value.isdigit() and len(value) <= 2):
                raise DomainError(
                    _("A score lies between %(low)s and %(high)s.")
                    % {"low": SCORE_MIN, "high": SCORE_MAX},
                    field="score",
                )
            scores[(option, int(criterion))] = int(value) if value else None
        scoring.scores_set(
            proposal=proposal, actor=request.user, department=department, scores=scores
        )
    except DomainError as error:
        return _refused(request, proposal, error)
    messages.success(request, _("%(dept)s's scores saved.") % {"dept": department.name})
    return _back(reference, "#comparison")


# --- The criteria, kept by each department's head --------------------------------------------


def _criteria_page(
    request: HtmxHttpRequest, *, bound: dict[str, ScoringCriterionForm] | None = None,
    status: int = 200,
) -> HttpResponse:  # fmt: skip
    departments = list(criteria_departments(request.user))
    if not departments:
        return forbidden(
            request, _("A department's head keeps its scoring criteria: you head no department.")
        )
    bound = bound or {}
    by_department: dict[int, list[tuple[ScoringCriterion, ScoringCriterionForm]]] = {}
    for criterion in ScoringCriterion.objects.filter(department__in=departments).order_by(
        "position", "pk"
    ):
        key = f"c{criterion.pk}"
        form = bound.get(key) or ScoringCriterionForm(instance=criterion, prefix=key)
        by_department.setdefault(criterion.department_id, []).append((criterion, form))
    groups = [
        (
            d,
            by_department.get(d.pk, []),
            bound.get(f"new-{d.code}")
            or ScoringCriterionForm(prefix=f"new-{d.code}", initial={"weight": 1}),
        )
        for d in departments
    ]
    return render(request, "decisions/scoring_criteria.html", {"groups": groups}, status=status)


@login_required
@require_GET
def criteria_page(request: HtmxHttpRequest) -> HttpResponse:
    return _criteria_page(request)


def _save_criterion(
    request: HtmxHttpRequest,
    *,
    department: Department,
    prefix: str,
    criterion: ScoringCriterion | None = None,
) -> HttpResponse:
    if not criteria_departments(request.user).filter(pk=department.pk).exists():
        return forbidden(
            request,
            _("Only the head of %(dept)s keeps its scoring criteria.") % {"dept": department.name},
        )
    form = ScoringCriterionForm(request.POST, instance=criterion, prefix=prefix)
    if not form.is_valid():
        return _criteria_page(request, bound={prefix: form}, status=400)
    try:
        saved = scoring.criterion_save(
            actor=request.user, department=department, criterion=criterion, **form.cleaned_data
        )
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _criteria_page(request, bound={prefix: form}, status=error.status_code)
    messages.success(request, _("“%(name)s” saved.") % {"name": saved.name})
    return redirect(reverse("scoring-criteria") + f"#criterion-{saved.pk}")


@login_required
@require_POST
def criterion_add(request: HtmxHttpRequest, code: str) -> HttpResponse:
    department = get_object_or_404(Department, code=code, is_active=True)
    return _save_criterion(request, department=department, prefix=f"new-{department.code}")


@login_required
@require_POST
def criterion_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    criterion = get_object_or_404(ScoringCriterion.objects.select_related("department"), pk=pk)
    return _save_criterion(
        request, department=criterion.department, prefix=f"c{criterion.pk}", criterion=criterion
    )
