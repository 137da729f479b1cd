"""TCO by pricing model (decisions.tco): each model's arithmetic at its edges, the scenario that
sets the tier, the 12-month floor, the inputs each model needs, and what submission does with
them (the tier, the same vendor's total, the cost blamed for a TCO too large)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import DomainError
from core.money import MAX_AMOUNT
from decisions import services
from decisions.models import Proposal
from decisions.pricing import proposal_tco_limit_field
from decisions.rules import proposal_errors
from decisions.tco import (
    MAX_USAGE,
    counted_months,
    default_cost_model,
    derived_plain_costs,
    input_errors,
    model_tco,
    tco_breakdown,
    tier_scenario,
    yearly_costs,
)
from tests.factories import make_proposal

D = Decimal


def priced(model: str = "", **fields) -> Proposal:
    data = {"currency": "EUR", "term_months": 12, "cost_model": model} | fields
    return Proposal(**data)


def seats(**fields) -> Proposal:
    return priced("per_seat", **({"seats": 10, "seat_price": D("5.00")} | fields))


def usage(**fields) -> Proposal:
    inputs = {"usage_expected": 1000, "usage_high": 3000, "unit_price": D("0.05")}
    return priced("on_demand", **(inputs | fields))


def api(**fields) -> Proposal:
    inputs = {"build_cost": D("5000"), "run_cost": D("1200"), "term_months": 24}
    return priced("api", **(inputs | fields))


def perpetual(**fields) -> Proposal:
    return priced("perpetual", **({"licence_price": D("10000")} | fields))


# --- The months counted


@pytest.mark.parametrize(
    ("term", "months"), [(None, 12), (0, 12), (11, 12), (12, 12), (13, 13), (36, 36)]
)
def test_the_tco_counts_the_term_but_never_less_than_12_months(term, months):
    assert counted_months(term) == months


def test_the_breakdown_says_when_the_12_month_floor_applied():
    assert tco_breakdown(seats(term_months=11)).floor_applied
    assert not tco_breakdown(seats(term_months=12)).floor_applied
    assert tco_breakdown(seats(term_months=0)).months == 12


# --- Per-seat subscription


def test_a_per_seat_subscription_is_seats_times_price_times_months():
    assert model_tco(seats()) == D("600.00")
    assert model_tco(seats(term_months=24)) == D("1200.00")
    assert model_tco(seats(term_months=6)) == D("600.00")  # the floor


def test_seats_grow_each_contract_year_by_the_expected_growth_in_whole_seats():
    # 10 seats, +10% a year: 10, 11, then 12.1 rounded up to 13.
    proposal = seats(term_months=36, seat_growth_pct=D("10"))
    assert yearly_costs(proposal) == [D("600.00"), D("660.00"), D("780.00")]
    assert model_tco(proposal) == D("2040.00")
    # 10.5 seats are 11 seats; 12 exactly stays 12.
    assert yearly_costs(seats(term_months=24, seat_growth_pct=D("5")))[1] == D("660.00")
    assert yearly_costs(seats(term_months=24, seat_growth_pct=D("20")))[1] == D("720.00")
    assert yearly_costs(seats(term_months=24, seat_growth_pct=D("0")))[1] == D("600.00")


def test_the_growth_starts_in_the_13th_month_and_a_short_last_year_counts_its_months():
    proposal = seats(term_months=18, seat_growth_pct=D("10"))
    assert yearly_costs(proposal) == [D("600.00"), D("330.00")]  # 11 seats for 6 months
    lines = tco_breakdown(proposal).lines
    assert [line.amount for line in lines] == [D("600.00"), D("330.00")]
    assert lines[1].label.startswith("Year 2: 11 seats at")
    assert lines[1].label.endswith("for 6 months")


# --- On demand / usage


def test_usage_pricing_is_usage_times_unit_price_and_the_high_scenario_sets_the_tier():
    proposal = usage()
    breakdown = tco_breakdown(proposal)
    assert breakdown.expected == D("600.00")
    assert breakdown.high == D("1800.00")
    assert breakdown.tier_scenario == "high" == tier_scenario(proposal)
    assert breakdown.tco == D("1800.00") == proposal.compute_tco()
    assert [line.scenario for line in breakdown.lines] == ["expected", "high"]


def test_usage_pricing_counts_at_least_12_months():
    assert model_tco(usage(term_months=3)) == D("1800.00")
    assert model_tco(usage(term_months=13)) == D("1950.00")


def test_a_unit_price_keeps_its_fractions_of_a_cent():
    proposal = usage(usage_expected=100000, usage_high=100000, unit_price=D("0.0025"))
    assert model_tco(proposal) == D("3000.00")
    assert "0.0025 EUR" in tco_breakdown(proposal).lines[0].label


# --- API / white-label


def test_an_api_deal_is_build_plus_run_cost_plus_volume():
    proposal = api(usage_expected=10000, unit_price=D("0.01"))
    breakdown = tco_breakdown(proposal)
    # 5,000 build + 1,200 a year for 2 years + 10,000 a month at 0.01 for 24 months.
    assert breakdown.expected == D("9800.00")
    assert breakdown.high is None
    assert breakdown.tier_scenario == "expected"
    assert [line.amount for line in breakdown.lines] == [D("5000.00"), D("2400.00"), D("2400.00")]


def test_an_api_deal_with_a_high_volume_is_tiered_on_it():
    proposal = api(usage_expected=10000, usage_high=20000, unit_price=D("0.01"))
    breakdown = tco_breakdown(proposal)
    assert (breakdown.expected, breakdown.high) == (D("9800.00"), D("12200.00"))
    assert breakdown.tier_scenario == "high"
    assert proposal.compute_tco() == D("12200.00")


def test_an_api_deal_without_volume_is_build_and_run_cost():
    assert model_tco(api(term_months=6)) == D("6200.00")


# --- Perpetual licence


def test_a_perpetual_licence_is_the_licence_plus_yearly_maintenance():
    assert model_tco(perpetual(maintenance_pct=D("20"), term_months=36)) == D("16000.00")
    assert model_tco(perpetual(maintenance_pct=D("20"), term_months=0)) == D("12000.00")
    assert model_tco(perpetual()) == D("10000.00")  # no maintenance


def test_the_plain_costs_follow_from_a_model_in_the_expected_scenario():
    proposal = api(usage_expected=10000, usage_high=20000, unit_price=D("0.01"))
    assert derived_plain_costs(proposal) == (D("5000.00"), D("2400.00"))
    assert derived_plain_costs(perpetual(maintenance_pct=D("20"))) == (D("10000.00"), D("2000.00"))
    assert derived_plain_costs(seats(term_months=24, seat_growth_pct=D("10"))) == (
        D("0.00"),
        D("630.00"),  # the average year
    )


# --- Without a model: the one-off and recurring costs, as always


def test_a_proposal_without_a_model_keeps_its_one_off_and_recurring_costs():
    proposal = priced(one_off_cost=D("2000"), recurring_cost=D("1000"), recurring_period="monthly")
    assert proposal.compute_tco() == D("14000.00")
    assert yearly_costs(proposal) == [D("14000.00")]
    yearly = priced(one_off_cost=D("0"), recurring_cost=D("600"), recurring_period="yearly",
                    term_months=18)  # fmt: skip
    assert yearly_costs(yearly) == [D("600.00"), D("300.00")]
    breakdown = tco_breakdown(yearly)
    assert breakdown.cost_model == ""
    assert breakdown.tier_scenario == "expected"
    assert [line.amount for line in breakdown.lines] == [D("0.00"), D("900.00")]


def test_the_catalog_pricing_model_suggests_the_cost_model():
    assert default_cost_model("per_seat") == "per_seat"
    assert default_cost_model("on_demand") == "on_demand"
    assert default_cost_model("free") == ""
    assert default_cost_model(None) == ""


# --- The inputs each model needs


@pytest.mark.parametrize(
    ("model", "required"),
    [("per_seat", {"seats", "seat_price"}),
     ("on_demand", {"usage_expected", "usage_high", "unit_price"}),
     ("api", {"build_cost", "run_cost"}),
     ("perpetual", {"licence_price"})],
)  # fmt: skip
def test_each_model_asks_for_its_own_inputs(model, required):
    assert set(input_errors(priced(model))) == required
    assert input_errors(priced("")) == {}


def test_the_high_usage_may_equal_but_not_undercut_the_expected_usage():
    assert input_errors(usage(usage_high=1000)) == {}
    assert set(input_errors(usage(usage_high=999))) == {"usage_high"}
    assert set(input_errors(api(usage_expected=10, usage_high=9))) == {"usage_high"}


def test_percentages_and_usage_have_bounds():
    assert input_errors(seats(seat_growth_pct=D("100"))) == {}
    assert set(input_errors(seats(seat_growth_pct=D("100.01")))) == {"seat_growth_pct"}
    assert input_errors(perpetual(maintenance_pct=D("100"))) == {}
    assert set(input_errors(perpetual(maintenance_pct=D("100.01")))) == {"maintenance_pct"}
    assert input_errors(usage(usage_expected=MAX_USAGE, usage_high=MAX_USAGE)) == {}
    assert "usage_high" in input_errors(usage(usage_high=MAX_USAGE + 1))
    assert "usage_expected" in input_errors(
        usage(usage_expected=MAX_USAGE + 1, usage_high=MAX_USAGE + 1)
    )


def test_a_per_seat_subscription_has_at_least_one_seat_and_no_negative_input():
    assert input_errors(seats(seats=1)) == {}
    assert set(input_errors(seats(seats=0))) == {"seats"}
    assert set(input_errors(seats(seat_price=D("-1")))) == {"seat_price"}
    assert set(input_errors(api(run_cost=D("-0.01")))) == {"run_cost"}
    assert input_errors(api(run_cost=D("0"))) == {}


# --- Submission: the tier, the vendor's total, the limit


@pytest.mark.django_db
@pytest.mark.parametrize(("high", "tier"), [(3333, "Small"), (3334, "Medium")])
def test_usage_pricing_is_tiered_on_the_high_scenario_at_the_threshold(org, high, tier):
    # 3,333 a month at 0.25 for 12 months is 9,999.00 (Small); 3,334 is 10,002.00 (Medium),
    # while the expected usage alone stays far under the threshold.
    proposal = make_proposal(requester=org.requester, submit=True, cost_model="on_demand",
                             usage_expected=100, usage_high=high,
                             unit_price=D("0.25"))  # fmt: skip
    assert proposal.tier.name == tier
    assert proposal.tco == proposal.tier_basis == D(high) * D("0.25") * 12
    # The plain costs follow from the expected scenario.
    assert (proposal.one_off_cost, proposal.recurring_cost) == (D("0.00"), D("300.00"))
    assert proposal.recurring_period == "yearly"


@pytest.mark.django_db
def test_a_priced_proposal_adds_up_with_the_same_vendor_in_12_months(org):
    make_proposal(requester=org.requester, submit=True, new_vendor_name="Splitco",
                  cost_model="perpetual", licence_price=D("6000"))  # fmt: skip
    second = make_proposal(requester=org.requester, submit=True, new_vendor_name="splitco",
                           cost_model="per_seat", seats=10, seat_price=D("40"))  # fmt: skip
    assert second.tco == D("4800.00")
    assert second.tier_basis == D("10800.00")
    assert second.tier.name == "Medium"


@pytest.mark.django_db
def test_a_model_tco_too_large_is_blamed_on_the_model_input_and_nothing_is_saved(org):
    huge = seats(seats=10_000_000, seat_price=MAX_AMOUNT)
    assert proposal_tco_limit_field(proposal=huge) == "seat_price"
    assert proposal_tco_limit_field(proposal=seats()) is None
    assert proposal_tco_limit_field(proposal=usage(unit_price=MAX_AMOUNT)) == "usage_high"
    with pytest.raises(DomainError) as refused:
        make_proposal(requester=org.requester, cost_model="per_seat", seats=10_000_000,
                      seat_price=MAX_AMOUNT)  # fmt: skip
    assert refused.value.field == "seat_price"
    assert not Proposal.objects.exists()


@pytest.mark.django_db
def test_missing_inputs_are_refused_by_the_service(org):
    with pytest.raises(DomainError) as refused:
        make_proposal(requester=org.requester, cost_model="on_demand", usage_expected=10)
    assert refused.value.field in {"usage_high", "unit_price"}
    assert not Proposal.objects.exists()


@pytest.mark.django_db
def test_a_renewal_is_priced_by_its_new_yearly_cost_not_a_model(org):
    proposal = Proposal(kind="renewal", cost_model="per_seat", seats=5, seat_price=D("1"),
                        currency="EUR", recurring_cost=D("100"),
                        recurring_period="monthly")  # fmt: skip
    proposal_errors(proposal)
    assert proposal.cost_model == ""
    assert proposal.recurring_period == "yearly"


@pytest.mark.django_db
def test_editing_a_draft_to_plain_costs_keeps_the_costs_given(org):
    proposal = make_proposal(requester=org.requester, cost_model="perpetual",
                             licence_price=D("6000"))  # fmt: skip
    assert proposal.one_off_cost == D("6000.00")
    services.proposal_update(proposal=proposal, actor=org.requester,
                             data={"cost_model": "", "one_off_cost": D("100"),
                                   "recurring_cost": D("0")})  # fmt: skip
    proposal.refresh_from_db()
    assert proposal.compute_tco() == D("100.00")


def test_an_api_deal_without_a_high_volume_costs_the_same_in_both_scenarios():
    proposal = api(usage_expected=10000, unit_price=D("0.01"))
    assert yearly_costs(proposal, "high") == yearly_costs(proposal, "expected")
    assert yearly_costs(proposal) == [D("7400.00"), D("2400.00")]  # the build in year 1
    lines = tco_breakdown(api()).lines
    assert [line.label for line in lines] == [
        "Integration build",
        "Run cost: 1,200.00 EUR a year over 24 months",
    ]


def test_only_usage_pricing_is_tiered_on_a_high_scenario():
    assert tier_scenario(seats()) == "expected"
    assert tier_scenario(perpetual()) == "expected"
    assert tier_scenario(priced("")) == "expected"
    assert tier_scenario(api()) == "expected"
    assert tier_scenario(api(usage_high=0)) == "high"
    assert tco_breakdown(perpetual()).high is None


def test_the_breakdown_names_the_model():
    assert tco_breakdown(priced("")).cost_model_label == "One-off and recurring costs"
    assert tco_breakdown(usage()).cost_model_label == "On demand / usage"
    assert tco_breakdown(usage()).tier_scenario_label == "High"
    line = tco_breakdown(perpetual(maintenance_pct=D("12.5"))).lines[1]
    assert line.label == "Maintenance: 12.5% of the licence a year over 12 months"
    assert line.amount == D("1250.00")


@pytest.mark.django_db
def test_a_model_with_missing_inputs_leaves_the_costs_given_and_says_what_is_missing():
    proposal = priced("perpetual", one_off_cost=D("7"), recurring_cost=D("3"),
                      new_solution_name="X", category="learning")  # fmt: skip
    errors = proposal_errors(proposal)
    assert set(errors) == {"licence_price"}
    assert errors["licence_price"] == "Give this for the perpetual licence pricing model."
    assert (proposal.one_off_cost, proposal.recurring_cost) == (D("7"), D("3"))
