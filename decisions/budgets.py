"""Budgets per fiscal year: committed spend spread over the contract's months into the fiscal
years it falls in, and each department's budget, committed spend and what remains.

- Committed: proposals approved, piloting or adopted (COMMITTED_STATES).
- The contract starts in the month of `contract_start`: a renewal's renewal date, otherwise the
  day the proposal was decided (the day the money was committed; submission or creation for
  rows written without one), in UTC.
- Its one-off cost falls in that first month; the rest of its TCO (the recurring cost) is
  spread evenly over the term's months, at least 12 (as the TCO counts at least 12 months).
  The amounts come from the proposal's own fields through `spend_parts`, the one place that
  reads them.
- A fiscal year's budget is the department's DepartmentBudget for that year, or its standing
  annual budget (Department.annual_budget) when the year has none. Both are compared in the
  base currency.

The dashboard reads the committed spend from the CommittedSpendCount read model (a few thousand
groups, kept by triggers), never from every committed proposal."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import DateField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from core.fiscal import fiscal_year_label, fiscal_year_of, start_month
from core.money import CENT, to_base_currency
from decisions.models import COMMITTED_STATES, CommittedSpendCount, Proposal
from stakeholders.models import Department, DepartmentBudget

# A contract without a fixed term (0) or a shorter one is spread over this many months, as the
# TCO counts at least 12 months of recurring cost.
MIN_SPREAD_MONTHS = 12


def contract_start(proposal: Proposal, *, today: dt.date | None = None) -> dt.date:
    """The first day of the month the proposal's contract starts in: a renewal's renewal date,
    else the day of its decision (UTC). One not decided yet starts `today` when given (as if
    decided today), else on the day of its submission or creation, as the read model counts
    rows written without a decision."""
    if proposal.renewal_date is not None:
        return proposal.renewal_date.replace(day=1)
    moment = proposal.decided_at
    if moment is None and today is not None:
        return today.replace(day=1)
    moment = moment or proposal.submitted_at or proposal.created_at
    if moment is None:  # not saved and no `today`
        return dt.datetime.now(dt.UTC).date().replace(day=1)
    return moment.astimezone(dt.UTC).date().replace(day=1)


def spend_parts(proposal: Proposal) -> tuple[Decimal, Decimal]:
    """(one-off cost, TCO), both in the base currency: the TCO fixed at submission, or computed
    from the costs for a proposal not submitted yet. ValueError without an exchange rate."""
    one_off = to_base_currency(proposal.one_off_cost, proposal.currency)
    if proposal.tco is not None:
        return one_off, proposal.tco
    return one_off, to_base_currency(proposal.compute_tco(), proposal.currency)


def months_by_fiscal_year(start: dt.date, months: int) -> list[tuple[int, int]]:
    """[(fiscal year, months of the term in it), ...] for a term of `months` months starting
    in `start`'s month, in order."""
    left = max(months, 0)
    year = fiscal_year_of(start)
    # The months from `start` to the end of its fiscal year, `start`'s month included.
    take = 12 - (start.month - start_month()) % 12
    spans = []
    while left > 0:
        take = min(take, left)
        spans.append((year, take))
        left -= take
        year, take = year + 1, 12
    return spans


def spread(
    *, start: dt.date, term_months: int, one_off: Decimal, tco: Decimal
) -> dict[int, Decimal]:
    """The TCO by fiscal year: the one-off cost in the first month, the rest evenly over the
    term's months (at least 12). The parts add up to the TCO exactly (the last year takes the
    rounding). A one-off cost larger than the TCO (a rate changed since submission) is capped
    at the TCO."""
    one_off = min(max(one_off, Decimal("0")), tco)
    recurring = tco - one_off
    months = max(term_months, MIN_SPREAD_MONTHS)
    spans = months_by_fiscal_year(start, months)
    by_year: dict[int, Decimal] = defaultdict(Decimal)
    by_year[spans[0][0]] += one_off
    spent = Decimal("0")
    for index, (year, count) in enumerate(spans):
        if index == len(spans) - 1:
            part = recurring - spent
        else:
            part = (recurring * count / months).quantize(CENT)
        spent += part
        by_year[year] += part
    return dict(by_year)


def proposal_spread(proposal: Proposal, *, today: dt.date | None = None) -> dict[int, Decimal]:
    """A proposal's TCO by fiscal year (in the base currency), as it is or would be committed."""
    one_off, tco = spend_parts(proposal)
    return spread(
        start=contract_start(proposal, today=today),
        term_months=proposal.term_months or 0,
        one_off=one_off,
        tco=tco,
    )


def _spread_groups(rows: Iterable[tuple[Any, ...]]) -> dict[tuple[int, int], Decimal]:
    """{(department id, fiscal year): committed} from grouped rows (payer, start month, term,
    currency, one-off sum in that currency, TCO sum in the base currency)."""
    committed: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for payer, month, term, currency, one_off, tco in rows:
        if isinstance(month, str):  # SQLite's computed date
            month = dt.date.fromisoformat(month)
        if isinstance(month, dt.datetime):
            month = month.date()
        tco = Decimal(str(tco)).quantize(CENT)
        try:
            one_off_base = to_base_currency(Decimal(str(one_off)).quantize(CENT), currency)
        except ValueError:  # a currency whose rate was removed: all of it spread
            one_off_base = Decimal("0")
        parts = spread(start=month, term_months=term or 0, one_off=one_off_base, tco=tco)
        for year, amount in parts.items():
            committed[(payer, year)] += amount
    return committed


def committed_spend(
    *, department_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], Decimal]:
    """{(department id, fiscal year): committed spend in the base currency}, from the read
    model (one query)."""
    rows = CommittedSpendCount.objects.filter(n__gt=0)
    if department_ids is not None:
        rows = rows.filter(paying_department_id__in=list(department_ids))
    return _spread_groups(
        rows.values_list(
            "paying_department_id", "start_month", "term_months", "currency", "one_off", "tco"
        )
    )


def committed_spend_of(proposals: QuerySet[Proposal]) -> dict[tuple[int, int], Decimal]:
    """The same for a filtered set of proposals (the dashboard with filters): grouped the read
    model's way in the database, one query."""
    day = Coalesce(
        "renewal_date",
        TruncDate("decided_at", tzinfo=dt.UTC),
        TruncDate("submitted_at", tzinfo=dt.UTC),
        TruncDate("created_at", tzinfo=dt.UTC),
        output_field=DateField(),
    )
    rows = (
        proposals.filter(status__in=COMMITTED_STATES)
        .annotate(start_month=TruncMonth(day, output_field=DateField()))
        .values_list("paying_department_id", "start_month", "term_months", "currency")
        .annotate(one_off=Sum("one_off_cost"), total=Coalesce(Sum("tco"), Value(Decimal("0"))))
        .order_by()
    )
    return _spread_groups(rows)


def budget_of(department: Department, budgets: dict[int, DepartmentBudget]) -> Decimal:
    """A department's budget for the year of `budgets` (its rows by department id) in the base
    currency: the year's row, else the standing annual budget."""
    row = budgets.get(department.pk)
    amount, currency = (
        (row.amount, row.currency) if row else (department.annual_budget, department.currency)
    )
    try:
        return to_base_currency(amount, currency)
    except ValueError:
        return amount


def budgets_for_year(year: int) -> dict[int, DepartmentBudget]:
    """The year's budget rows by department id (one query)."""
    return {b.department_id: b for b in DepartmentBudget.objects.filter(fiscal_year=year)}


@dataclass
class BudgetLine:
    """A department's fiscal year: its budget, what is committed, what remains."""

    department: Department
    fiscal_year: int
    budget: Decimal
    committed: Decimal
    row: DepartmentBudget | None  # None: the standing annual budget applies

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.committed

    @property
    def over(self) -> bool:
        return self.committed > self.budget

    @property
    def share(self) -> float | None:
        """The committed spend as a share of the budget, in % (None without a budget)."""
        return round(float(self.committed / self.budget * 100), 1) if self.budget else None


def budget_lines(
    *,
    year: int,
    departments: list[Department] | None = None,
    committed: dict[tuple[int, int], Decimal] | None = None,
) -> list[BudgetLine]:
    """Every (active) department's budget line for fiscal year `year`: a fixed number of
    queries whatever the number of proposals."""
    if departments is None:
        departments = list(Department.objects.filter(is_active=True).order_by("code"))
    rows = budgets_for_year(year)
    if committed is None:
        committed = committed_spend(department_ids=[d.pk for d in departments])
    return [
        BudgetLine(
            department=d,
            fiscal_year=year,
            budget=budget_of(d, rows),
            committed=committed.get((d.pk, year), Decimal("0")),
            row=rows.get(d.pk),
        )
        for d in departments
    ]


def budget_line(*, department: Department, year: int) -> BudgetLine:
    """One department's line for `year` (two queries)."""
    return budget_lines(year=year, departments=[department])[0]


def over_budget_warning(proposal: Proposal, *, today: dt.date) -> tuple[BudgetLine, Decimal] | None:
    """The first fiscal year in which `proposal`, committed as it stands (starting this month
    unless decided or a renewal), would take its paying department over the budget that
    remains: (that year's line, the proposal's part in it); None when it fits every year. A
    year with no budget at all (0) is not warned about."""
    if not proposal.paying_department_id:
        return None
    if proposal.pk and proposal.status in COMMITTED_STATES:
        return None  # already counted in the committed spend
    try:
        parts = proposal_spread(proposal, today=today)
    except ValueError:  # no rate for the currency: the rules say so
        return None
    payer = proposal.paying_department
    committed = committed_spend(department_ids=[payer.pk])
    for year in sorted(parts):
        line = budget_lines(year=year, departments=[payer], committed=committed)[0]
        if line.budget and parts[year] > line.remaining:
            return line, parts[year]
    return None


@dataclass
class BudgetCard:
    """A proposal against its payer's budget for this fiscal year (the CDO's decision card):
    its part of the TCO that falls in the year, beside the year's budget and what the
    committed spend leaves of it."""

    year: str  # the fiscal year, as it reads
    part: Decimal
    line: BudgetLine

    @property
    def share(self) -> float | None:
        """The proposal's part as a share of the year's budget, in % (None without a budget)."""
        budget = self.line.budget
        return round(float(self.part / budget * 100), 1) if budget else None

    @property
    def over(self) -> bool:
        """Whether committing it would take the payer over this year's budget."""
        return bool(self.line.budget) and self.part > self.line.remaining


def budget_card(
    proposal: Proposal,
    *,
    lines: dict[int, BudgetLine] | None = None,
    today: dt.date | None = None,
) -> BudgetCard | None:
    """`proposal` against its payer's budget for this fiscal year (None without a rate for
    its currency). `lines`: this year's lines by department id, read once for many cards."""
    today = today or timezone.localdate()
    year = fiscal_year_of(today)
    try:
        part = proposal_spread(proposal, today=today).get(year, Decimal("0"))
    except ValueError:
        return None
    line = (lines or {}).get(proposal.paying_department_id)
    if line is None or line.fiscal_year != year:
        line = budget_line(department=proposal.paying_department, year=year)
    return BudgetCard(year=fiscal_year_label(year), part=part, line=line)
