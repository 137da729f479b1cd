"""TCO by pricing model on the pages, without JavaScript: the form takes a model's inputs (the
catalog solution's model when none is picked), the live preview and the proposal page show the
breakdown, and the CDO's card says which scenario set the tier."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from decisions import services
from decisions.models import Proposal
from tests.factories import SolutionFactory, make_proposal

pytestmark = pytest.mark.django_db


def form_data(org, **fields) -> dict:
    hr = org.departments["HR"].pk
    data = {
        "title": "Sourcing assistant", "problem": "Recruiters search by hand.",
        "requesting_department": hr, "paying_department": hr,
        "new_solution_name": "Sourcer", "new_vendor_name": "Sourceco",
        "category": "talent_acquisition", "currency": "EUR", "recurring_period": "monthly",
        "term_months": "12", "employees_affected": "10",
    }  # fmt: skip
    return data | fields


def test_the_form_prices_a_per_seat_subscription_from_its_inputs(client, org):
    client.force_login(org.requester)
    response = client.post(
        reverse("proposal-create"),
        form_data(
            org,
            cost_model="per_seat",
            seats="40",
            seat_price="25",
            seat_growth_pct="10",
            term_months="24",
        ),
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    # 40 seats at 25 for 12 months, then 44: 12,000 + 13,200.
    assert proposal.compute_tco() == Decimal("25200.00")
    assert proposal.recurring_cost == Decimal("12600.00")  # the average year
    page = client.get(reverse("proposal-detail", args=[proposal.reference])).text
    assert "Year 2: 44 seats at 25.00 EUR a month for 12 months" in page
    assert "13,200.00 EUR" in page
    assert "The expected scenario set the tier." in page


def test_the_form_takes_the_catalog_solutions_model_when_none_is_picked(client, org):
    solution = SolutionFactory(pricing_model="on_demand", category="talent_acquisition")
    client.force_login(org.requester)
    data = form_data(org, solution=solution.pk, new_solution_name="", new_vendor_name="",
                     usage_expected="100", usage_high="400", unit_price="2.5")  # fmt: skip
    assert client.post(reverse("proposal-create"), data).status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.cost_model == "on_demand"
    assert proposal.compute_tco() == Decimal("12000.00")


def test_the_form_asks_for_the_costs_only_without_a_model(client, org):
    client.force_login(org.requester)
    response = client.post(reverse("proposal-create"), form_data(org))
    assert response.status_code == 400
    assert "Please correct these 2 fields" in response.text
    assert not Proposal.objects.exists()


def test_the_form_refuses_a_high_usage_below_the_expected_one(client, org):
    client.force_login(org.requester)
    response = client.post(
        reverse("proposal-create"),
        form_data(
            org, cost_model="on_demand", usage_expected="500", usage_high="499", unit_price="1"
        ),
    )
    assert response.status_code == 400
    assert "The high usage cannot be below the expected usage." in response.text
    assert not Proposal.objects.exists()


def test_the_form_refuses_huge_and_hostile_input_cleanly(client, org):
    client.force_login(org.requester)
    for bad in ({"unit_price": "9" * 40}, {"usage_high": "1e400"}, {"cost_model": "x\x00"},
                {"unit_price": "NaN"}, {"usage_expected": "Infinity"}):  # fmt: skip
        data = form_data(org, cost_model="on_demand", usage_expected="5", usage_high="6",
                         unit_price="1") | bad  # fmt: skip
        response = client.post(reverse("proposal-create"), data)
        assert response.status_code == 400, bad
    assert not Proposal.objects.exists()


def test_the_preview_shows_the_breakdown_the_catalog_hint_and_the_tier_scenario(client, org):
    solution = SolutionFactory(pricing_model="on_demand", list_price=Decimal("3.00"),
                               price_unit="per 1,000 calls")  # fmt: skip
    client.force_login(org.requester)
    page = client.post(
        reverse("proposal-preview"),
        {"currency": "EUR", "solution": solution.pk, "cost_model": "on_demand",
         "usage_expected": "1000", "usage_high": "4000", "unit_price": "0.25", "term_months": "6"},
    ).text  # fmt: skip
    assert "The catalog lists it as on demand / usage at 3.00 EUR per 1,000 calls" in page
    assert "High usage: 4,000 a month at 0.25 EUR for 12 months" in page
    assert "the TCO counts at least 12 months" in page
    assert "12,000.00 EUR" in page  # the high scenario: Medium, not Small
    assert "Medium" in page
    assert "The high scenario set the tier." in page


def test_the_cdo_card_shows_the_breakdown_and_the_scenario_that_set_the_tier(client, org):
    proposal = make_proposal(requester=org.requester, submit=True, cost_model="api",
                             build_cost=40000, run_cost=12000, usage_expected=1000,
                             usage_high=5000, unit_price=1)  # fmt: skip
    for signoff in proposal.signoffs.all():
        services.signoff_decide(
            signoff=signoff, actor=org.heads[signoff.department.code], outcome="approved"
        )
    client.force_login(org.cdo)
    page = client.get(reverse("cdo-decisions")).text
    card = page[page.index(f'id="decide-{proposal.reference}"') :]
    assert "Integration build" in card
    assert "Run cost: 12,000.00 EUR a year over 12 months" in card
    assert "TCO, expected scenario" in card
    assert "64,000.00 EUR" in card
    assert "TCO, high scenario" in card
    assert "112,000.00 EUR" in card
    assert "The high scenario set the tier." in card


@pytest.mark.parametrize("count", [1, 4])
def test_the_cdo_page_costs_the_same_with_more_priced_proposals(
    client, org, count, django_assert_max_num_queries
):
    for _ in range(count):
        proposal = make_proposal(requester=org.requester, submit=True, cost_model="perpetual",
                                 licence_price=60000, maintenance_pct=20)  # fmt: skip
        for signoff in proposal.signoffs.all():
            services.signoff_decide(
                signoff=signoff, actor=org.heads[signoff.department.code], outcome="approved"
            )
    client.force_login(org.cdo)
    with django_assert_max_num_queries(40):
        response = client.get(reverse("cdo-decisions"))
    assert response.text.count("Maintenance: 20% of the licence a year") == count


def test_the_breakdown_reads_in_the_readers_language(client, org):
    proposal = make_proposal(requester=org.requester, cost_model="on_demand", usage_expected=1000,
                             usage_high=4000, unit_price=Decimal("0.25"))  # fmt: skip
    client.force_login(org.requester)
    client.post(reverse("set_language"), {"language": "nl", "next": "/"})
    page = client.get(reverse("proposal-detail", args=[proposal.reference])).text
    assert "Hoog gebruik: 4.000 per maand aan 0,25 EUR gedurende 12 maanden" in page
    assert "Het hoge scenario bepaalde het niveau." in page
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    page = client.get(reverse("proposal-detail", args=[proposal.reference])).text
    assert "Le scénario élevé a fixé le palier." in page


def test_a_new_vendor_priced_on_demand_is_asked_about_lock_in(org):
    from decisions.lockin import lock_in_applies

    priced = make_proposal(requester=org.requester, cost_model="api", build_cost=1, run_cost=1)
    assert lock_in_applies(priced)
    assert not lock_in_applies(make_proposal(requester=org.requester))
    assert not lock_in_applies(
        make_proposal(requester=org.requester, cost_model="perpetual", licence_price=1)
    )
