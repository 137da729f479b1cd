"""The CDO dashboard's trends: per calendar month of the last twelve (the current one included),
how many proposals the CDO decided, how many of them were approved, and the median number of
days from submission to decision; drawn as server-rendered SVG column charts.

Counted like the dashboard's 90-day figures: a decision is the proposal's final outcome
(DECIDED_STATES, withdrawals excluded), "approved" is every decided outcome but a rejection,
and months are calendar months in the site's time zone. A month without a decision has no
median and no rate: a gap in the charts, not a zero.

Cost: two queries whatever the history (one on PostgreSQL), both reading only the twelve
months shown through the proposal_decided_window index: the counts grouped by month in the
database; the medians with percentile_cont per month on PostgreSQL, elsewhere from the
window's durations sorted in Python.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.db import connections
from django.db.models import Count, DateField, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from decisions.dashboard import Median
from decisions.filters import DashboardFilterSet
from decisions.models import DECIDED_STATES, Proposal, ProposalStatus

MONTHS = 12


@dataclass
class MonthFigures:
    month: dt.date  # its first day
    decided: int = 0
    approved: int = 0
    median_days: float | None = None  # None: nothing decided that month

    @property
    def approval_rate(self) -> float | None:
        return round(self.approved / self.decided * 100, 1) if self.decided else None


def month_starts(today: dt.date, months: int = MONTHS) -> list[dt.date]:
    """The first days of the `months` calendar months ending with `today`'s, oldest first."""
    index = today.year * 12 + today.month - 1
    return [
        dt.date((index - back) // 12, (index - back) % 12 + 1, 1)
        for back in range(months - 1, -1, -1)
    ]


def monthly_decisions(
    *, filters: DashboardFilterSet, today: dt.date | None = None
) -> list[MonthFigures]:
    """The last twelve months' decisions of the proposals the dashboard's filters select."""
    starts = month_starts(today or timezone.localdate())
    since = timezone.make_aware(dt.datetime.combine(starts[0], dt.time.min))
    # The partial index proposal_decided_window serves exactly these conditions.
    decided = filters.on(
        Proposal.objects.filter(
            decided_at__gte=since, submitted_at__isnull=False, status__in=DECIDED_STATES
        )
    ).order_by()  # (the model's default ordering would sort the window)
    by_month = {start: MonthFigures(start) for start in starts}
    duration = ExpressionWrapper(F("decided_at") - F("submitted_at"), output_field=DurationField())
    grouped = decided.annotate(month=TruncMonth("decided_at", output_field=DateField())).values(
        "month"
    )
    counts = {
        "decided": Count("*"),
        "rejected": Count("status", filter=Q(status=ProposalStatus.REJECTED)),
    }
    database = connections[decided.db]  # the primary, or a read replica (core.dbrouting)
    medians: dict[dt.date, float | None] = {}
    if database.vendor == "postgresql":
        rows = list(grouped.annotate(**counts, median=Median(duration)))
        for row in rows:
            median = row["median"]
            medians[row["month"]] = median.total_seconds() / 86400 if median is not None else None
    else:  # no percentile_cont: the durations of the twelve months, sorted here
        rows = list(grouped.annotate(**counts))
        durations: dict[dt.date, list[float]] = defaultdict(list)
        for month, submitted, decided_at in decided.annotate(
            month=TruncMonth("decided_at", output_field=DateField())
        ).values_list("month", "submitted_at", "decided_at"):
            durations[month].append((decided_at - submitted).total_seconds() / 86400)
        medians = {month: statistics.median(days) for month, days in durations.items()}
    for row in rows:
        figures = by_month.get(row["month"])
        if figures is None:  # a decision dated in the future (a clock set wrong)
            continue
        figures.decided = row["decided"]
        figures.approved = row["decided"] - row["rejected"]
        median = medians.get(row["month"])
        figures.median_days = round(median, 1) if median is not None else None
    return list(by_month.values())


# --- Drawing: the geometry of a column chart in SVG user units; the template draws it.

WIDTH, HEIGHT = 360, 184
LEFT, RIGHT, TOP, BOTTOM = 34, 4, 16, 42  # room for the axis labels and the values


@dataclass
class Column:
    figures: MonthFigures
    value: float | None
    x: float  # the column's left edge
    width: float
    y: float  # its top
    height: float
    centre: float
    label_y: float  # the value's label, above the column
    first_of_year: bool  # the axis names the year under January and the first month


@dataclass
class Gridline:
    y: float
    value: float
    label_y: float  # the value on the axis, centred on the line


@dataclass
class ColumnChart:
    columns: list[Column]
    gridlines: list[Gridline]
    top_value: float
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    baseline: int = HEIGHT - BOTTOM
    # The axis' lines of text under each column: the month, a count, the year.
    month_y: int = HEIGHT - BOTTOM + 12
    count_y: int = HEIGHT - BOTTOM + 24
    year_y: int = HEIGHT - BOTTOM + 36

    @property
    def is_empty(self) -> bool:
        return all(c.value is None for c in self.columns)


def _nice_top(value: float) -> float:
    """The axis' top: the value rounded up to 1, 2 or 5 times a power of ten (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)  # pragma: no cover (the loop always returns)


def column_chart(
    months: list[MonthFigures], values: list[float | None], *, top: float | None = None
) -> ColumnChart:
    """Columns for `values` (None: a gap) over `months`, scaled to `top` (default: a round
    number above the largest value), with gridlines at 0, half and the top."""
    top = top or _nice_top(max([v for v in values if v is not None] or [0]))
    baseline = HEIGHT - BOTTOM
    plot_height = baseline - TOP
    slot = (WIDTH - LEFT - RIGHT) / len(months)
    columns = []
    for i, (figures, value) in enumerate(zip(months, values, strict=True)):
        height = (min(value, top) / top * plot_height) if value else 0.0
        x = LEFT + i * slot
        columns.append(
            Column(
                figures=figures,
                value=value,
                x=round(x + slot * 0.18, 1),
                width=round(slot * 0.64, 1),
                y=round(baseline - height, 1),
                height=round(height, 1),
                centre=round(x + slot / 2, 1),
                label_y=round(baseline - height - 3, 1),
                first_of_year=i == 0 or figures.month.month == 1,
            )
        )
    gridlines = [
        Gridline(
            y=round(baseline - share * plot_height, 1),
            value=round(top * share, 1),
            label_y=round(baseline - share * plot_height + 3, 1),
        )
        for share in (0, 0.5, 1)
    ]
    return ColumnChart(columns=columns, gridlines=gridlines, top_value=top)


@dataclass
class Trends:
    months: list[MonthFigures]
    cycle: ColumnChart
    approval: ColumnChart

    @property
    def decided(self) -> int:
        return sum(m.decided for m in self.months)


def dashboard_trends(*, filters: DashboardFilterSet, today: dt.date | None = None) -> Trends:
    months = monthly_decisions(filters=filters, today=today)
    return Trends(
        months=months,
        cycle=column_chart(months, [m.median_days for m in months]),
        approval=column_chart(months, [m.approval_rate for m in months], top=100),
    )
