"""The CDO dashboard's reads: figures, the sign-off matrix and spend, each a fixed number of
queries whatever the number of proposals (aggregates run in the database)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connections, transaction
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.filtering import lenient_filterset
from core.fiscal import fiscal_year_label, fiscal_year_of
from decisions import readmodels
from decisions.budgets import budget_lines, committed_spend, committed_spend_of
from decisions.filters import DashboardFilterSet
from decisions.models import (
    COMMITTED_STATES,
    DECIDED_STATES,
    IN_FLIGHT_STATES,
    OPEN_STATES,
    Proposal,
    ProposalStatus,
    SignOff,
    SignOffStatus,
)
from stakeholders.models import Department
from vendors.models import Category, PricingModel

MATRIX_ROWS = 60


class Median(Aggregate):
    """PostgreSQL's percentile_cont(0.5); other databases compute the median in Python."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def dashboard_filters(params: QueryDict | dict[str, str]) -> DashboardFilterSet:
    """The dashboard's filters from query parameters: only known values pass; anything else is
    ignored rather than an error page."""
    if not isinstance(params, QueryDict):
        query = QueryDict(mutable=True)
        query.update(params)
        params = query
    return lenient_filterset(DashboardFilterSet, params)


@dataclass
class Bar:
    label: str
    value: Decimal
    limit: Decimal | None = None  # a budget, drawn as a marker
    percent: float = 0.0
    limit_percent: float | None = None
    over: bool = False
    share_of_limit: float | None = None  # the value as a share of its budget, in %


def _scale(bars: list[Bar]) -> list[Bar]:
    top = max([b.value for b in bars] + [b.limit or 0 for b in bars] + [Decimal("1")])
    for b in bars:
        b.percent = round(float(b.value / top * 100), 1)
        if b.limit is not None:
            b.limit_percent = round(float(b.limit / top * 100), 1)
            b.over = b.value > b.limit
            b.share_of_limit = round(float(b.value / b.limit * 100)) if b.limit else None
    return bars


def _scale_to_budget(bars: list[Bar]) -> list[Bar]:
    """Each bar against its own budget: its length is the share spent (a full bar is the whole
    budget, the marker at its end), so a department's 12% reads as 12% whatever the others'
    budgets; over budget fills the bar and says so."""
    for b in bars:
        limit = b.limit or Decimal("0")
        b.over = b.value > limit
        b.share_of_limit = round(float(b.value / limit * 100)) if limit else None
        b.percent = 100.0 if b.over else round(float(b.value / limit * 100), 1) if limit else 0.0
        b.limit_percent = 100.0
    return bars


@dataclass
class Figures:
    open_proposals: int
    median_cycle_days: float | None
    decided_90d: int
    approval_rate: float | None
    overdue_by_department: list[Bar] = field(default_factory=list)
    spend_by_payer: list[Bar] = field(default_factory=list)  # this fiscal year's
    fiscal_year: str = ""
    spend_by_category: list[Bar] = field(default_factory=list)
    spend_by_pricing: list[Bar] = field(default_factory=list)


def _decided_figures(decided: QuerySet[Proposal]) -> tuple[int, int, float | None]:
    """(decided, rejected, median days from submission to decision): one scan of the window,
    from the proposal_decided_window index alone (it holds every column read here: hence
    COUNT(*), not COUNT(id)). The median sorts the window's durations in memory."""
    duration = ExpressionWrapper(F("decided_at") - F("submitted_at"), output_field=DurationField())
    counts = {
        "total": Count("*"),
        "rejected": Count("status", filter=Q(status=ProposalStatus.REJECTED)),
    }
    database = connections[decided.db]  # the primary, or a read replica (core.dbrouting)
    if database.vendor == "postgresql":
        with transaction.atomic(using=decided.db), database.cursor() as cursor:
            # ~100,000 durations sort in memory rather than through a temporary file.
            cursor.execute("SET LOCAL work_mem = '32MB'")
            row = decided.aggregate(**counts, median=Median(duration))
        median = row["median"].total_seconds() / 86400 if row["median"] is not None else None
    else:  # no percentile_cont: the median of the durations in Python
        row = decided.aggregate(**counts)
        values = [
            (d - s).total_seconds() / 86400
            for s, d in decided.values_list("submitted_at", "decided_at")
            if s is not None and d is not None
        ]
        median = statistics.median(values) if values else None
    return row["total"], row["rejected"], round(median, 1) if median is not None else None


def figures(
    *,
    filters: DashboardFilterSet,
    departments: list[Department] | None = None,
    today: dt.date | None = None,
) -> Figures:
    now = timezone.now()
    today = today or timezone.localdate()
    proposals = filters.on(Proposal.objects.all())
    if departments is None:
        departments = list(Department.objects.filter(is_active=True).order_by("code"))

    # Counts and spend from the read model (a few thousand rows), not from all proposals.
    counted = readmodels.counts(filters.counts_q())
    open_count = counted.filter(status__in=OPEN_STATES).aggregate(n=Sum("n"))["n"] or 0

    # Decided in the last 90 days: the final outcome of the proposal, withdrawals excluded.
    # Without filters, on PostgreSQL, from the DecisionDayCount read model; otherwise (or if a
    # decision landed while it was read) from the window of decisions itself.
    window = None
    if not filters.counts_q() and connections[proposals.db].vendor == "postgresql":
        window = readmodels.decided_since(now - dt.timedelta(days=90))
    if window is not None:
        decided_total, rejected, median = window
        median_days = round(median, 1) if median is not None else None
    else:
        decided_total, rejected, median_days = _decided_figures(
            proposals.filter(
                decided_at__gte=now - dt.timedelta(days=90),
                submitted_at__isnull=False,
                status__in=DECIDED_STATES,
            )
        )
    approval_rate = (
        round((decided_total - rejected) / decided_total * 100, 1) if decided_total else None
    )

    # Open sign-offs past their due date. Pending means open (of a proposal in review, at its
    # round): without filters the PendingSignOffCount read model adds them up per due date; a
    # filter on the proposals joins the open sign-offs (from the signoff_pending_due index).
    if not filters.counts_q():
        overdue_rows = readmodels.overdue_by_department(today)
    else:
        overdue_rows = dict(
            filters.on(
                SignOff.objects.filter(status=SignOffStatus.PENDING, due_on__lt=today),
                relation="proposal__",
            )
            .values_list("department_id")
            .annotate(n=Count("*"))
            .order_by()
        )
    overdue = [
        Bar(d.name, Decimal(overdue_rows.get(d.pk, 0)))
        for d in departments
        if d.signoff_required or overdue_rows.get(d.pk)
    ]

    # Spend by category and pricing model: totals from the read model, added up here (a few
    # hundred groups at most).
    by_category: dict[str, Decimal] = defaultdict(Decimal)
    by_pricing: dict[str, Decimal] = defaultdict(Decimal)
    groups = (
        counted.filter(status__in=COMMITTED_STATES)
        .values_list("category", "pricing_model")
        .annotate(total=Sum("tco"))
        .order_by()
    )
    for category, pricing, total in groups:
        by_category[category] += Decimal(total)
        by_pricing[pricing] += Decimal(total)
    # Against budgets, like with like: this fiscal year's part of the committed spend against
    # this fiscal year's budget (decisions.budgets), from its read model without filters.
    year = fiscal_year_of(today)
    if filters.counts_q():
        year_spend = committed_spend_of(filters.on(Proposal.objects.all()))
    else:
        year_spend = committed_spend(department_ids=[d.pk for d in departments])
    spend_by_payer = [
        Bar(line.department.name, line.committed, limit=line.budget)
        for line in budget_lines(year=year, departments=departments, committed=year_spend)
        if line.budget or line.committed
    ]
    labels = dict(Category.choices)
    spend_by_category = [
        Bar(str(labels.get(c, c)), t)
        for c, t in sorted(by_category.items(), key=lambda item: -item[1])
    ]
    pricing_labels = dict(PricingModel.choices)
    spend_by_pricing = [
        Bar(str(pricing_labels.get(p, p)) if p else _("New vendor (not in the catalog)"), t)
        for p, t in sorted(by_pricing.items(), key=lambda item: -item[1])
    ]
    return Figures(
        open_proposals=open_count,
        median_cycle_days=median_days,
        decided_90d=decided_total,
        approval_rate=approval_rate,
        overdue_by_department=_scale(overdue),
        spend_by_payer=_scale_to_budget(spend_by_payer),
        fiscal_year=fiscal_year_label(year),
        spend_by_category=_scale(spend_by_category),
        spend_by_pricing=_scale(spend_by_pricing),
    )


def _label_cell(s: SignOff, today: dt.date) -> None:
    """A matrix cell's texts, made here once rather than through a dozen template lookups per
    cell (60 rows by the departments: most of the page's rendering time)."""
    s.is_overdue = bool(  # type: ignore[attr-defined]
        s.status == SignOffStatus.PENDING and s.due_on and s.due_on < today
    )
    s.label = s.get_status_display()  # type: ignore[attr-defined]
    reviewer = s.reviewer.get_full_name() or s.reviewer.username if s.reviewer else ""
    s.tip = f"{s.label} — {reviewer}" if reviewer else s.label  # type: ignore[attr-defined]
    s.note = ""  # type: ignore[attr-defined]
    if s.status == SignOffStatus.PENDING:
        age = (today - timezone.localtime(s.created_at).date()).days
        note = ngettext("%(d)s day", "%(d)s days", age) % {"d": age}
        s.note = f"{note}, {_('overdue')}" if s.is_overdue else note  # type: ignore[attr-defined]


@dataclass
class MatrixRow:
    proposal: Proposal
    cells: list[tuple[Department, SignOff | None]]  # per department, in the header's order


@dataclass
class Matrix:
    rows: list[MatrixRow]
    total: int


def signoff_matrix(
    *, filters: DashboardFilterSet, departments: list[Department], limit: int = MATRIX_ROWS
) -> Matrix:
    """Proposals in review by departments: the current round's sign-offs, oldest first."""
    in_review = filters.on(Proposal.objects.filter(status__in=IN_FLIGHT_STATES))
    total = (
        readmodels.counts(filters.counts_q())
        .filter(status__in=IN_FLIGHT_STATES)
        .aggregate(n=Sum("n"))["n"]
        or 0
    )
    rows = list(
        in_review.select_related("requesting_department", "tier")
        .prefetch_related(
            Prefetch(
                "signoffs",
                queryset=SignOff.objects.select_related("reviewer"),
                to_attr="all_signoffs",
            )
        )
        .order_by("submitted_at")[:limit]
    )
    today = timezone.localdate()
    matrix = []
    for p in rows:
        by_dept = {s.department_id: s for s in p.all_signoffs if s.round == p.round}
        cells = []
        for d in departments:
            s = by_dept.get(d.pk)
            if s is not None:
                _label_cell(s, today)
            cells.append((d, s))
        matrix.append(MatrixRow(p, cells))
    return Matrix(matrix, total)
