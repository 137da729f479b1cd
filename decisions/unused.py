"""The CDO dashboard's "unused tools": every tool the Yammer rule flagged (Tool.shelfware_since),
with its adoption trend and yearly cost, and what they cost together in the base currency.
Four queries whatever the number of tools."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from core.money import base_currency, to_base_currency
from landscape.adoption import AdoptionPoint, Sparkline, adoption_trend_many, sparkline
from landscape.models import LIVE_LIFECYCLES, Tool


@dataclass
class UnusedTool:
    tool: Tool
    trend: list[AdoptionPoint]
    spark: Sparkline | None
    yearly_cost_base: Decimal | None

    @property
    def latest(self) -> AdoptionPoint | None:
        return self.trend[-1] if self.trend else None


@dataclass
class UnusedTools:
    rows: list[UnusedTool] = field(default_factory=list)
    total_yearly: Decimal = Decimal("0.00")
    currency: str = ""
    # Tools whose cost is unknown (no yearly cost, or a currency without a rate): not in the total.
    uncosted: int = 0


def unused_tools(*, months: int = 6) -> UnusedTools:
    tools = list(
        Tool.objects.filter(shelfware_since__isnull=False, lifecycle__in=LIVE_LIFECYCLES)
        .select_related("solution", "owner_department", "business_owner")
        .order_by("shelfware_since", "solution__name")
    )
    trends = adoption_trend_many(tools, months=months)
    result = UnusedTools(currency=base_currency())
    for tool in tools:
        cost: Decimal | None = None
        if tool.yearly_cost is not None:
            try:
                cost = to_base_currency(tool.yearly_cost, tool.currency)
            except ValueError:
                cost = None
        if cost is None:
            result.uncosted += 1
        else:
            result.total_yearly += cost
        trend = trends[tool.pk]
        result.rows.append(UnusedTool(tool, trend, sparkline(trend), cost))
    return result
