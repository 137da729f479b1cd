"""TCO by pricing model: what a proposal costs month by month over the months its total cost of
ownership counts (the contract term, never less than 12), in the proposal's currency, and the
breakdown the proposal page, the CDO's card and the API show.

A proposal priced by a model (`Proposal.cost_model`) gives that model's inputs:

- per-seat subscription: seats times price per seat per month, the seats growing by the expected
  yearly growth (whole seats, rounded up) from the second contract year on;
- on demand / usage: expected and high usage per month times unit price; the tier uses the high
  scenario, so a usage offer cannot slip under a threshold on an optimistic estimate;
- API / white-label: the integration build (one-off), the yearly run cost, and the volume per
  month times unit price (expected and, when given, high: the tier uses the high one);
- perpetual licence: the licence (one-off) plus the yearly maintenance, a percentage of it.

A proposal without a model keeps the one-off and recurring costs it always had (existing data,
API clients). This module imports no model: `decisions.models` calls it (Proposal.compute_tco),
and so can any app that needs a proposal's cost by contract month or year (budgets).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.money import CENT, money_format

# The TCO counts at least this many months of cost, whatever the term (no fixed term: 0).
FLOOR_MONTHS = 12
# The largest yearly seat growth and maintenance share a proposal may give, in percent.
MAX_GROWTH_PCT = Decimal("100")
MAX_MAINTENANCE_PCT = Decimal("100")
# The largest usage (or volume) per month a proposal may give.
MAX_USAGE = 1_000_000_000


class CostModel(models.TextChoices):
    """How the requester prices the proposal (blank: one-off and recurring costs). The values
    are the catalog's pricing models (vendors.PricingModel) that have inputs of their own."""

    PER_SEAT = "per_seat", gettext_lazy("Per-seat subscription")
    ON_DEMAND = "on_demand", gettext_lazy("On demand / usage")
    API = "api", gettext_lazy("API or white-label")
    PERPETUAL = "perpetual", gettext_lazy("Perpetual licence")


class Scenario(models.TextChoices):
    EXPECTED = "expected", gettext_lazy("Expected")
    HIGH = "high", gettext_lazy("High")


# The inputs each model asks for; the first is blamed when its TCO is too large to record.
MODEL_FIELDS: dict[str, tuple[str, ...]] = {
    CostModel.PER_SEAT: ("seat_price", "seats", "seat_growth_pct"),
    CostModel.ON_DEMAND: ("usage_high", "usage_expected", "unit_price"),
    CostModel.API: ("run_cost", "build_cost", "usage_expected", "usage_high", "unit_price"),
    CostModel.PERPETUAL: ("licence_price", "maintenance_pct"),
}
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    CostModel.PER_SEAT: ("seats", "seat_price"),
    CostModel.ON_DEMAND: ("usage_expected", "usage_high", "unit_price"),
    CostModel.API: ("build_cost", "run_cost"),
    CostModel.PERPETUAL: ("licence_price",),
}
ALL_MODEL_FIELDS = (
    "seat_price",
    "seat_growth_pct",
    "usage_expected",
    "usage_high",
    "unit_price",
    "build_cost",
    "run_cost",
    "licence_price",
    "maintenance_pct",
)


def default_cost_model(pricing_model: str | None) -> str:
    """The cost model a catalog solution's pricing model suggests ("" for free or unknown)."""
    return pricing_model if pricing_model in CostModel.values else ""


def counted_months(term_months: int | None) -> int:
    """The months the TCO counts: the term, never less than FLOOR_MONTHS."""
    return max(term_months or 0, FLOOR_MONTHS)


def _d(value: Any) -> Decimal:
    return Decimal("0") if value is None else Decimal(str(value))


def _seats_in_year(seats: Decimal, growth_pct: Decimal, year: int) -> Decimal:
    """Whole seats in contract year `year` (0 = the first): grown by `growth_pct` a year."""
    grown = seats * (1 + growth_pct / 100) ** year
    return grown.to_integral_value(rounding=ROUND_CEILING)


def monthly_costs(proposal: Any, scenario: str = Scenario.EXPECTED) -> list[Decimal]:
    """What the proposal costs in each counted month (the one-off in the first), unrounded, in
    its currency. `scenario` picks the usage: the high one falls back to the expected usage
    when no high usage is given."""
    months = counted_months(proposal.term_months)
    model = proposal.cost_model or ""
    costs = [Decimal("0")] * months
    if model == CostModel.PER_SEAT:
        seats, price = _d(proposal.seats), _d(proposal.seat_price)
        growth = _d(proposal.seat_growth_pct)
        for month in range(months):
            costs[month] = _seats_in_year(seats, growth, month // 12) * price
        return costs
    if model in (CostModel.ON_DEMAND, CostModel.API):
        usage = _d(proposal.usage_expected)
        if scenario == Scenario.HIGH and proposal.usage_high is not None:
            usage = _d(proposal.usage_high)
        monthly = usage * _d(proposal.unit_price)
        if model == CostModel.API:
            monthly += _d(proposal.run_cost) / 12
            costs[0] = _d(proposal.build_cost)
        return [cost + monthly for cost in costs]
    if model == CostModel.PERPETUAL:
        licence = _d(proposal.licence_price)
        maintenance = licence * _d(proposal.maintenance_pct) / 100 / 12
        costs = [maintenance] * months
        costs[0] += licence
        return costs
    monthly = _d(proposal.recurring_cost)
    if proposal.recurring_period == "yearly":
        monthly = monthly / 12
    costs = [monthly] * months
    costs[0] += _d(proposal.one_off_cost)
    return costs


def yearly_costs(proposal: Any, scenario: str = Scenario.EXPECTED) -> list[Decimal]:
    """The cost of each contract year (the last may be shorter), rounded to the cent: what a
    yearly budget charges the proposal in its first, second… year."""
    months = monthly_costs(proposal, scenario)
    return [sum(months[i : i + 12], Decimal("0")).quantize(CENT) for i in range(0, len(months), 12)]


def tier_scenario(proposal: Any) -> str:
    """Which scenario sets the tier: the high one for usage pricing (on demand always; API /
    white-label when a high volume is given), the expected one otherwise."""
    if proposal.cost_model == CostModel.ON_DEMAND:
        return Scenario.HIGH
    if proposal.cost_model == CostModel.API and proposal.usage_high is not None:
        return Scenario.HIGH
    return Scenario.EXPECTED


def scenario_total(proposal: Any, scenario: str) -> Decimal:
    return sum(monthly_costs(proposal, scenario), Decimal("0")).quantize(CENT)


def model_tco(proposal: Any) -> Decimal:
    """The TCO the tier is chosen on, in the proposal's currency."""
    return scenario_total(proposal, tier_scenario(proposal))


def derived_plain_costs(proposal: Any) -> tuple[Decimal, Decimal]:
    """A model's expected scenario as the one-off cost and the average yearly recurring cost,
    so that what reads the plain costs (the tool's yearly cost, exports) keeps working."""
    months = monthly_costs(proposal, Scenario.EXPECTED)
    one_off = Decimal("0")
    if proposal.cost_model == CostModel.API:
        one_off = _d(proposal.build_cost)
    elif proposal.cost_model == CostModel.PERPETUAL:
        one_off = _d(proposal.licence_price)
    recurring = sum(months, Decimal("0")) - one_off
    return one_off.quantize(CENT), (recurring * 12 / len(months)).quantize(CENT)


def input_errors(proposal: Any) -> dict[str, str]:
    """Field → message for the model's inputs: each required one given, the high usage not
    below the expected one, percentages within bounds."""
    model = proposal.cost_model or ""
    if not model:
        return {}
    errors: dict[str, str] = {}
    for name in REQUIRED_FIELDS[model]:
        if getattr(proposal, name) is None:
            errors[name] = _("Give this for the %(model)s pricing model.") % {
                "model": CostModel(model).label.lower()
            }
    for name in ALL_MODEL_FIELDS:
        value = getattr(proposal, name)
        if value is not None and value < 0:
            errors.setdefault(name, _("This cannot be negative."))
    if model == CostModel.PER_SEAT and proposal.seats is not None and proposal.seats < 1:
        errors.setdefault("seats", _("A per-seat subscription has at least one seat."))
    growth, maintenance = proposal.seat_growth_pct, proposal.maintenance_pct
    if growth is not None and growth > MAX_GROWTH_PCT:
        errors.setdefault("seat_growth_pct", _("The yearly growth is at most 100 percent."))
    if maintenance is not None and maintenance > MAX_MAINTENANCE_PCT:
        errors.setdefault("maintenance_pct", _("The yearly maintenance is at most 100 percent."))
    for name in ("usage_expected", "usage_high"):
        value = getattr(proposal, name)
        if value is not None and value > MAX_USAGE:
            errors.setdefault(name, _("At most 1,000,000,000 a month."))
    expected, high = proposal.usage_expected, proposal.usage_high
    if expected is not None and high is not None and high < expected:
        errors.setdefault("usage_high", _("The high usage cannot be below the expected usage."))
    return errors


@dataclass(frozen=True)
class TcoLine:
    label: str
    amount: Decimal
    # Blank: in every scenario; otherwise the scenario the line belongs to.
    scenario: str = ""


@dataclass(frozen=True)
class TcoBreakdown:
    """Each line of a proposal's TCO, the scenarios' totals, and the one that sets the tier."""

    cost_model: str
    currency: str
    months: int
    floor_applied: bool
    lines: list[TcoLine] = field(default_factory=list)
    expected: Decimal = Decimal("0")
    high: Decimal | None = None
    tier_scenario: str = Scenario.EXPECTED

    @property
    def tco(self) -> Decimal:
        if self.tier_scenario == Scenario.HIGH and self.high is not None:
            return self.high
        return self.expected

    @property
    def cost_model_label(self) -> str:
        if not self.cost_model:
            return _("One-off and recurring costs")
        return str(CostModel(self.cost_model).label)

    @property
    def tier_scenario_label(self) -> str:
        return str(Scenario(self.tier_scenario).label)


def _money(amount: Any, currency: str) -> str:
    return money_format(_d(amount), currency, decimals=2)


def _number(amount: Any, *, at_least: int = 0) -> str:
    """A number as the active language writes it, without trailing zeros (20, 12.5, 0.0025)
    but with at least `at_least` decimals."""
    exponent = _d(amount).normalize().as_tuple().exponent
    places = max(-exponent if isinstance(exponent, int) else 0, at_least)
    return number_format(_d(amount), places, force_grouping=True)


def _unit_price(amount: Any, currency: str) -> str:
    """A unit price keeps its fractions of a cent (0.0025 EUR a call)."""
    return f"{_number(amount, at_least=2)} {currency}"


def _plain_lines(proposal: Any, months: int, currency: str) -> list[TcoLine]:
    monthly = monthly_costs(proposal)
    one_off = _d(proposal.one_off_cost)
    recurring = sum(monthly, Decimal("0")) - one_off
    return [
        TcoLine(_("One-off cost"), one_off.quantize(CENT)),
        TcoLine(
            _("Recurring cost over %(months)s months") % {"months": months},
            recurring.quantize(CENT),
        ),
    ]


def _seat_lines(proposal: Any, months: int, currency: str) -> list[TcoLine]:
    monthly = monthly_costs(proposal)
    lines = []
    for year, start in enumerate(range(0, months, 12)):
        chunk = monthly[start : start + 12]
        seats = _seats_in_year(_d(proposal.seats), _d(proposal.seat_growth_pct), year)
        label = _("Year %(year)s: %(seats)s seats at %(price)s a month for %(months)s months") % {
            "year": year + 1,
            "seats": seats,
            "price": _money(proposal.seat_price, currency),
            "months": len(chunk),
        }
        lines.append(TcoLine(label, sum(chunk, Decimal("0")).quantize(CENT)))
    return lines


def _usage_lines(proposal: Any, months: int, currency: str) -> list[TcoLine]:
    lines = []
    scenarios = [(Scenario.EXPECTED, proposal.usage_expected)]
    if proposal.usage_high is not None:
        scenarios.append((Scenario.HIGH, proposal.usage_high))
    for scenario, usage in scenarios:
        if usage is None:
            continue
        if scenario == Scenario.HIGH:
            text = _("High usage: %(usage)s a month at %(price)s for %(months)s months")
        else:
            text = _("Expected usage: %(usage)s a month at %(price)s for %(months)s months")
        label = text % {
            "usage": number_format(usage, 0, force_grouping=True),
            "price": _unit_price(proposal.unit_price, currency),
            "months": months,
        }
        amount = (_d(usage) * _d(proposal.unit_price) * months).quantize(CENT)
        lines.append(TcoLine(label, amount, scenario))
    return lines


def _api_lines(proposal: Any, months: int, currency: str) -> list[TcoLine]:
    run = (_d(proposal.run_cost) * months / 12).quantize(CENT)
    return [
        TcoLine(_("Integration build"), _d(proposal.build_cost).quantize(CENT)),
        TcoLine(
            _("Run cost: %(price)s a year over %(months)s months")
            % {"price": _money(proposal.run_cost, currency), "months": months},
            run,
        ),
        *_usage_lines(proposal, months, currency),
    ]


def _perpetual_lines(proposal: Any, months: int, currency: str) -> list[TcoLine]:
    licence = _d(proposal.licence_price)
    maintenance = licence * _d(proposal.maintenance_pct) / 100 * months / 12
    return [
        TcoLine(_("Licence"), licence.quantize(CENT)),
        TcoLine(
            _("Maintenance: %(pct)s%% of the licence a year over %(months)s months")
            % {"pct": _number(proposal.maintenance_pct), "months": months},
            maintenance.quantize(CENT),
        ),
    ]


LINES = {
    "": _plain_lines,
    CostModel.PER_SEAT: _seat_lines,
    CostModel.ON_DEMAND: _usage_lines,
    CostModel.API: _api_lines,
    CostModel.PERPETUAL: _perpetual_lines,
}


def tco_breakdown(proposal: Any) -> TcoBreakdown:
    """The proposal's TCO line by line (in its currency, in the active language)."""
    months = counted_months(proposal.term_months)
    model = proposal.cost_model or ""
    scenario = tier_scenario(proposal)
    has_high = model == CostModel.ON_DEMAND or (
        model == CostModel.API and proposal.usage_high is not None
    )
    return TcoBreakdown(
        cost_model=model,
        currency=proposal.currency,
        months=months,
        floor_applied=(proposal.term_months or 0) < FLOOR_MONTHS,
        lines=LINES[model](proposal, months, proposal.currency),
        expected=scenario_total(proposal, Scenario.EXPECTED),
        high=scenario_total(proposal, Scenario.HIGH) if has_high else None,
        tier_scenario=scenario,
    )
