"""TCO by pricing model (decisions.tco) at its edges: seat growth in whole seats, the high
scenario year by year, how unit prices and usage read, and a volume given only as a high one."""

from __future__ import annotations

from decimal import Decimal

from decisions.models import Proposal
from decisions.tco import input_errors, model_tco, tco_breakdown, yearly_costs

D = Decimal


def priced(model: str, **fields) -> Proposal:
    return Proposal(**({"currency": "EUR", "term_months": 12, "cost_model": model} | fields))


def test_seats_grow_by_the_full_percentage_each_year():
    # 1,000 seats at 1.00 a month, +20% a year: 1,000 then 1,200 then 1,440 seats.
    proposal = priced("per_seat", seats=1000, seat_price=D("1"), seat_growth_pct=D("20"),
                      term_months=36)  # fmt: skip
    assert yearly_costs(proposal) == [D("12000.00"), D("14400.00"), D("17280.00")]
    labels = [line.label for line in tco_breakdown(proposal).lines]
    assert labels[2] == "Year 3: 1440 seats at 1.00 EUR a month for 12 months"


def test_a_fraction_of_a_seat_is_a_whole_seat():
    # 10 seats, +15%: 11.5 → 12 seats, then 13.225 → 14 seats.
    proposal = priced("per_seat", seats=10, seat_price=D("1"), seat_growth_pct=D("15"),
                      term_months=36)  # fmt: skip
    assert yearly_costs(proposal) == [D("120.00"), D("144.00"), D("168.00")]
    # The smallest growth still adds a seat in the second year.
    tiny = priced("per_seat", seats=1, seat_price=D("10"), seat_growth_pct=D("0.01"),
                  term_months=24)  # fmt: skip
    assert yearly_costs(tiny) == [D("120.00"), D("240.00")]


def test_the_high_scenario_is_costed_year_by_year():
    # 1,000 expected and 3,000 high calls a month at 0.05 over 13 months.
    proposal = priced("on_demand", usage_expected=1000, usage_high=3000, unit_price=D("0.05"),
                      term_months=13)  # fmt: skip
    assert yearly_costs(proposal, "expected") == [D("600.00"), D("50.00")]
    assert yearly_costs(proposal, "high") == [D("1800.00"), D("150.00")]
    assert yearly_costs(proposal) == [D("600.00"), D("50.00")]  # expected unless asked


def test_a_unit_price_reads_with_at_least_two_decimals_and_grouped_thousands():
    proposal = priced("on_demand", usage_expected=1000, usage_high=2500, unit_price=D("2"))
    labels = [line.label for line in tco_breakdown(proposal).lines]
    assert labels == [
        "Expected usage: 1,000 a month at 2.00 EUR for 12 months",
        "High usage: 2,500 a month at 2.00 EUR for 12 months",
    ]
    dear = priced("on_demand", usage_expected=1, usage_high=1, unit_price=D("1500.5"),
                  currency="USD")  # fmt: skip
    assert tco_breakdown(dear).lines[0].label == (
        "Expected usage: 1 a month at 1,500.50 USD for 12 months"
    )


def test_an_api_deal_with_only_a_high_volume_shows_that_volume():
    proposal = priced("api", build_cost=D("1000"), run_cost=D("1200"), usage_high=5000,
                      unit_price=D("0.01"))  # fmt: skip
    assert input_errors(proposal) == {}
    breakdown = tco_breakdown(proposal)
    assert [(line.label, line.amount, line.scenario) for line in breakdown.lines] == [
        ("Integration build", D("1000.00"), ""),
        ("Run cost: 1,200.00 EUR a year over 12 months", D("1200.00"), ""),
        ("High usage: 5,000 a month at 0.01 EUR for 12 months", D("600.00"), "high"),
    ]
    assert (breakdown.expected, breakdown.high, breakdown.tco) == (
        D("2200.00"), D("2800.00"), D("2800.00"),
    )  # fmt: skip
    assert model_tco(proposal) == D("2800.00")


def test_the_plain_costs_and_a_perpetual_licence_read_line_by_line():
    plain = priced("", one_off_cost=D("2000"), recurring_cost=D("1000"),
                   recurring_period="monthly", term_months=13)  # fmt: skip
    assert [(line.label, line.amount) for line in tco_breakdown(plain).lines] == [
        ("One-off cost", D("2000.00")),
        ("Recurring cost over 13 months", D("13000.00")),
    ]
    licence = priced("perpetual", licence_price=D("12345.67"), maintenance_pct=D("15"),
                     term_months=30, currency="GBP")  # fmt: skip
    breakdown = tco_breakdown(licence)
    assert [(line.label, line.amount) for line in breakdown.lines] == [
        ("Licence", D("12345.67")),
        ("Maintenance: 15% of the licence a year over 30 months", D("4629.63")),
    ]
    assert (breakdown.currency, breakdown.months, breakdown.floor_applied) == ("GBP", 30, False)
    assert breakdown.tco == D("16975.30")
