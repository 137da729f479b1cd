"""Budgets per fiscal year: each department's budget, committed spend and what remains, and
the form that sets a year's budget (the CDO and administrators). Plain forms: the page works
without JavaScript; with HTMX a saved row replaces the table in place."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.fiscal import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR, fiscal_year_label, fiscal_year_of
from core.htmx import HtmxHttpRequest
from core.money import Currency, base_currency
from decisions.budgets import budget_lines
from decisions.forms import BudgetForm
from stakeholders.models import Department
from stakeholders.selectors import budgets_may_manage
from stakeholders.services import department_budget_set


def _forbidden(request: HtmxHttpRequest) -> HttpResponse:
    return render(
        request,
        "decisions/forbidden.html",
        {"message": _("Budgets are the Chief Digital Officer's and the administrators'.")},
        status=403,
    )


def _year(value: str | None, default: int) -> int:
    """?year=2026: a fiscal year within the bounds; anything else is this one (a browser page
    drops what it cannot read)."""
    if value and value.isdigit() and len(value) == 4:
        year = int(value)
        if FIRST_FISCAL_YEAR <= year <= LAST_FISCAL_YEAR:
            return year
    return default


def _page(
    request: HtmxHttpRequest,
    *,
    year: int,
    refused: tuple[int, str, dict[str, str]] | None = None,
    status: int = 200,
    saved: str = "",
) -> HttpResponse:
    lines = budget_lines(year=year)
    for line in lines:
        line.error, line.typed = "", {}  # type: ignore[attr-defined]
        if refused and refused[0] == line.department.pk:
            line.error, line.typed = refused[1], refused[2]  # type: ignore[attr-defined]
    context = {
        "year": year,
        "year_label": fiscal_year_label(year),
        "previous": year - 1 if year > FIRST_FISCAL_YEAR else None,
        "next": year + 1 if year < LAST_FISCAL_YEAR else None,
        "this_year": fiscal_year_of(timezone.localdate()),
        "lines": lines,
        "currencies": Currency.choices,
        "base_currency": base_currency(),
        "saved": saved,
    }
    template = "decisions/budgets.html"
    if request.htmx:
        template += "#table"
    return render(request, template, context, status=status)


@login_required
@require_GET
def budgets(request: HtmxHttpRequest) -> HttpResponse:
    if not budgets_may_manage(request.user):
        return _forbidden(request)
    this_year = fiscal_year_of(timezone.localdate())
    return _page(request, year=_year(request.GET.get("year"), this_year))


@login_required
@require_POST
def budget_set(request: HtmxHttpRequest) -> HttpResponse:
    """Set one department's budget for one fiscal year."""
    if not budgets_may_manage(request.user):
        return _forbidden(request)
    form = BudgetForm(request.POST)
    this_year = fiscal_year_of(timezone.localdate())
    year = _year(request.POST.get("fiscal_year"), this_year)
    if not form.is_valid():
        chosen = form.cleaned_data.get("department")
        if chosen is None:
            messages.error(request, _("Choose a department."))
            return _page(request, year=year, status=400)
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
        typed = {k: request.POST.get(k, "") for k in ("amount", "currency")}
        return _page(request, year=year, refused=(chosen.pk, error, typed), status=400)
    data = form.cleaned_data
    department: Department = data["department"]
    try:
        budget, _created = department_budget_set(
            actor=request.user,
            department=department,
            fiscal_year=data["fiscal_year"],
            amount=data["amount"],
            currency=data["currency"],
        )
    except DomainError as error:
        typed = {k: request.POST.get(k, "") for k in ("amount", "currency")}
        response = _page(request, year=year, refused=(department.pk, error.message, typed))
        response.status_code = error.status_code
        return response
    saved = _("Budget of %(department)s for fiscal year %(year)s saved.") % {
        "department": department.name,
        "year": fiscal_year_label(budget.fiscal_year),
    }
    if request.htmx:  # the table in place, saying so
        return _page(request, year=budget.fiscal_year, saved=saved)
    messages.success(request, saved)
    return redirect(f"{reverse('budgets')}?year={budget.fiscal_year}")
