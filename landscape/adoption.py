"""Adoption against promise: how many people use a tool each month (ToolUsage) against how many
its proposal promised would.

The rules, in one place:
- **Promised users** of a tool: from its latest approved proposal for a new tool (a proposal whose
  `tool` is this tool, of kind `new`, approved, piloting, adopted or retired), the seats it
  bought if it named seats, else the employees it said were affected; without such a proposal (a
  tool entered in the landscape directly) the tool's own seats. Without any of these, the seats
  licensed that month as reported with the usage. No figure at all: no ratio (not judged).
- **Several sources for one month** (an SSO log and the SaaS console count the same people, so
  adding them would count people twice): the month's active users are the largest figure any
  source reports, and its licensed seats the largest reported.
- **Adoption** of a month = active users ÷ promised users, a Decimal rounded to 4 places (0.2500
  is 25%); above 1 when more people use the tool than promised.

The landscape sits below the workflow: the proposals are read through the relation the workflow
declares on Tool (`Tool.proposals`), never imported.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Max, OuterRef, Subquery

from landscape.models import Tool, ToolUsage

# decisions.models.COMMITTED_STATES and RETIRED: the proposal was approved (the test
# tests/landscape/test_adoption.py checks that the two lists agree).
PROMISE_STATES = ("approved", "piloting", "adopted", "retired")
PROMISE_KIND = "new"
RATIO_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class AdoptionPoint:
    month: dt.date
    active_users: int
    licensed_seats: int | None
    promised_users: int | None
    ratio: Decimal | None

    @property
    def percent(self) -> int | None:
        """The ratio as a whole percentage, for pages."""
        if self.ratio is None:
            return None
        return int((self.ratio * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def shelfware_threshold() -> Decimal:
    """SHELFWARE_THRESHOLD as a Decimal ratio (0.3000), compared with AdoptionPoint.ratio."""
    return Decimal(str(settings.SHELFWARE_THRESHOLD)).quantize(RATIO_PLACES)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_add(month: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or before, negative) `month`'s."""
    index = month.year * 12 + (month.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _proposal_model() -> Any:
    # The workflow's Proposal, through the relation it declares on Tool: not imported.
    return Tool._meta.get_field("proposals").related_model


def _promises(tools: list[Tool]) -> dict[int, int | None]:
    """Promised users per tool (without the month's licensed seats fallback): one query."""
    promised: dict[int, int | None] = {tool.pk: tool.seats or None for tool in tools}
    if not tools:
        return promised
    rows = (
        _proposal_model()
        .objects.filter(
            tool__in=[tool.pk for tool in tools], kind=PROMISE_KIND, status__in=PROMISE_STATES
        )
        .order_by("tool_id", "-pk")
        .values_list("tool_id", "seats", "employees_affected")
    )
    seen: set[int] = set()
    for tool_id, seats, employees in rows:
        if tool_id in seen:
            continue  # an older proposal for the same tool: the latest one's promise counts
        seen.add(tool_id)
        promised[tool_id] = seats or employees or promised[tool_id]
    return promised


def promised_users_many(tools: Iterable[Tool]) -> dict[int, int | None]:
    """promised_users of each tool, in one query."""
    return _promises(list(tools))


def promised_users(tool: Tool) -> int | None:
    """The users the tool's approved proposal promised (see the module's rules)."""
    return _promises([tool])[tool.pk]


def _point(month: dt.date, active: int, seats: int | None, promised: int | None) -> AdoptionPoint:
    promised = promised or seats or None
    ratio = None
    if promised:
        ratio = (Decimal(active) / Decimal(promised)).quantize(RATIO_PLACES, ROUND_HALF_UP)
    return AdoptionPoint(
        month=month,
        active_users=active,
        licensed_seats=seats,
        promised_users=promised,
        ratio=ratio,
    )


def _monthly(queryset: Any) -> Any:
    """One row per tool and month: the largest figures any source reports."""
    return (
        queryset.order_by()
        .values("tool_id", "month")
        .annotate(active=Max("active_users"), seats=Max("licensed_seats"))
        .order_by("tool_id", "month")
    )


def adoption_latest_many(tools: Iterable[Tool]) -> dict[int, AdoptionPoint]:
    """The latest month with usage of each tool, with its adoption: two queries whatever the
    number of tools. Tools without usage are absent from the answer."""
    tools = list(tools)
    if not tools:
        return {}
    latest = ToolUsage.objects.filter(tool=OuterRef("tool")).order_by("-month").values("month")[:1]
    rows = _monthly(
        ToolUsage.objects.filter(tool__in=[tool.pk for tool in tools], month=Subquery(latest))
    )
    promised = _promises(tools)
    return {
        row["tool_id"]: _point(row["month"], row["active"], row["seats"], promised[row["tool_id"]])
        for row in rows
    }


def adoption_latest(tool: Tool) -> AdoptionPoint | None:
    return adoption_latest_many([tool]).get(tool.pk)


def adoption_trend_many(tools: Iterable[Tool], months: int = 12) -> dict[int, list[AdoptionPoint]]:
    """Each tool's months with usage, oldest first, within the `months` calendar months that
    end with its latest reported month (months without a report are absent: the caller sees
    the gap). Two queries whatever the number of tools."""
    tools = list(tools)
    if not tools:
        return {}
    rows = _monthly(ToolUsage.objects.filter(tool__in=[tool.pk for tool in tools]))
    promised = _promises(tools)
    by_tool: dict[int, list[AdoptionPoint]] = defaultdict(list)
    newest: dict[int, dt.date] = {}
    for row in rows:
        by_tool[row["tool_id"]].append(
            _point(row["month"], row["active"], row["seats"], promised[row["tool_id"]])
        )
        newest[row["tool_id"]] = row["month"]  # ordered by month: the last one is the latest
    trends: dict[int, list[AdoptionPoint]] = {tool.pk: [] for tool in tools}
    for tool_id, points in by_tool.items():
        start = month_add(newest[tool_id], -(months - 1))
        trends[tool_id] = [point for point in points if point.month >= start]
    return trends


def adoption_trend(tool: Tool, months: int = 12) -> list[AdoptionPoint]:
    return adoption_trend_many([tool], months)[tool.pk]


@dataclass(frozen=True)
class Sparkline:
    """An adoption trend drawn as an inline SVG polyline (landscape/_sparkline.html), with the
    threshold as a line, and the same figures as text for screen readers."""

    width: int
    height: int
    points: str
    threshold_y: float
    label: str


def sparkline(
    trend: list[AdoptionPoint], *, width: int = 120, height: int = 28
) -> Sparkline | None:
    judged = [point for point in trend if point.ratio is not None]
    if not judged:
        return None
    threshold = shelfware_threshold()
    top = max([Decimal(1), threshold, *(point.ratio or Decimal(0) for point in judged)])
    step = width / max(len(judged) - 1, 1)

    def y(ratio: Decimal) -> float:
        return round(height - 2 - float(ratio / top) * (height - 4), 1)

    points = " ".join(
        f"{round(index * step, 1)},{y(point.ratio or Decimal(0))}"
        for index, point in enumerate(judged)
    )
    label = ", ".join(f"{point.month:%Y-%m} {point.percent}%" for point in judged)
    return Sparkline(width, height, points, y(threshold), label)
