"""TCO by pricing model through the API: a client prices a draft by a model and reads the
breakdown back; clients that send one-off and recurring costs work as before; bad inputs are
answered 400 naming the field, with nothing written."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import Event
from decisions.models import Proposal
from tests.api.conftest import proposal_body, session_api
from tests.factories import make_proposal

pytestmark = pytest.mark.django_db

ON_DEMAND = {
    "cost_model": "on_demand",
    "usage_expected": 2000,
    "usage_high": 5000,
    "unit_price": "0.2500",
    "term_months": 12,
}


def test_a_usage_priced_draft_is_tiered_on_its_high_scenario_and_shows_the_breakdown(org):
    api = session_api(org.requester)
    response = api.post("/api/v1/proposals/", proposal_body(**ON_DEMAND))
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["cost_model"] == "on_demand"
    assert data["unit_price"] == "0.2500"
    # 5,000 a month at 0.25 for 12 months: 15,000 (the expected 2,000 would give 6,000).
    assert data["estimated_tco"] == {"amount": "15000.00", "currency": "EUR"}
    assert data["who_decides"]["tier"]["name"] == "Medium"
    # The plain costs follow from the expected scenario, a year at a time.
    assert data["one_off_cost"] == {"amount": "0.00", "currency": "EUR"}
    assert data["recurring_cost"] == {"amount": "6000.00", "currency": "EUR"}
    assert data["recurring_period"] == "yearly"
    breakdown = data["tco_breakdown"]
    assert breakdown["cost_model"] == "on_demand"
    assert breakdown["months"] == 12
    assert breakdown["floor_applied"] is False
    assert breakdown["expected"] == {"amount": "6000.00", "currency": "EUR"}
    assert breakdown["high"] == {"amount": "15000.00", "currency": "EUR"}
    assert breakdown["tier_scenario"] == "high"
    assert [line["scenario"] for line in breakdown["lines"]] == ["expected", "high"]
    assert breakdown["lines"][1]["text"].startswith("High usage: 5,000 a month")


def test_the_breakdown_is_in_english_whatever_the_request_language(org):
    draft = make_proposal(requester=org.requester, cost_model="perpetual", licence_price=9000)
    response = session_api(org.requester).get(
        f"/api/v1/proposals/{draft.reference}/", HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert response.json()["tco_breakdown"]["lines"][0]["text"] == "Licence"


def test_a_client_sending_one_off_and_recurring_costs_works_as_before(org):
    response = session_api(org.requester).post("/api/v1/proposals/", proposal_body())
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["cost_model"] == ""
    assert data["estimated_tco"] == {"amount": "8700.00", "currency": "EUR"}
    breakdown = data["tco_breakdown"]
    assert breakdown["high"] is None
    assert breakdown["tier_scenario"] == "expected"
    assert [line["amount"]["amount"] for line in breakdown["lines"]] == ["1500.00", "7200.00"]


def test_patching_a_draft_to_a_per_seat_subscription_reprices_it(org):
    draft = make_proposal(requester=org.requester)
    api = session_api(org.requester)
    body = {"cost_model": "per_seat", "seats": 20, "seat_price": "30.00",
            "seat_growth_pct": "50", "term_months": 24}  # fmt: skip
    response = api.patch(f"/api/v1/proposals/{draft.reference}/", body)
    assert response.status_code == 200, response.json()
    # 20 seats at 30 for 12 months, then 30 seats: 7,200 + 10,800.
    assert response.json()["estimated_tco"]["amount"] == "18000.00"
    draft.refresh_from_db()
    assert draft.compute_tco() == 18000
    event = Event.objects.filter(proposal_id=draft.pk, kind="proposal.updated").latest("id")
    assert "cost_model" in event.payload["fields"]


def test_only_the_requester_reprices_a_draft(org):
    draft = make_proposal(requester=org.requester)
    response = session_api(org.hr_reviewer).patch(
        f"/api/v1/proposals/{draft.reference}/", {"cost_model": "perpetual", "licence_price": "1"}
    )
    assert response.status_code in (403, 404)
    assert set(response.json()) == {"message", "errors"}
    draft.refresh_from_db()
    assert draft.cost_model == ""


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"cost_model": "astrology"}, "cost_model"),
        ({"cost_model": "per_seat\x00"}, "cost_model"),
        ({"unit_price": "1e400"}, "unit_price"),
        ({"unit_price": "-0.01"}, "unit_price"),
        ({"unit_price": "0.00001"}, "unit_price"),  # more than 4 decimals
        ({"usage_high": 10**12}, "usage_high"),
        ({"usage_high": 1999}, "usage_high"),  # below the expected usage
        ({"usage_high": None}, "usage_high"),  # required on demand
        (
            {"seat_growth_pct": "100.01", "cost_model": "per_seat", "seats": 1, "seat_price": "1"},
            "seat_growth_pct",
        ),
        ({"maintenance_pct": "101"}, "maintenance_pct"),
        ({"build_cost": "9" * 30}, "build_cost"),
        (
            {"cost_model": "per_seat", "seats": 10_000_000, "seat_price": "999999999999.99"},
            "seat_price",
        ),
        ({"cost_model": "per_seat", "seats": 0, "seat_price": "5"}, "seats"),
    ],
)
def test_bad_pricing_input_is_answered_400_naming_the_field(org, change, field):
    response = session_api(org.requester).post(
        "/api/v1/proposals/", proposal_body(**(ON_DEMAND | change))
    )
    assert response.status_code == 400, response.content
    data = response.json()
    assert set(data) == {"message", "errors"}
    assert field in data["errors"], data
    assert not Proposal.objects.exists()


def test_a_lone_surrogate_in_the_cost_model_is_answered_400(org):
    raw = '{"cost_model": "\\ud800", "title": "x"}'
    response = session_api(org.requester).post("/api/v1/proposals/", raw=raw)
    assert response.status_code == 400
    assert not Proposal.objects.exists()


def test_the_list_costs_the_same_with_more_priced_proposals(org):
    api = session_api(org.requester)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/proposals/").status_code == 200
        return len(queries)

    make_proposal(requester=org.requester, cost_model="perpetual", licence_price=100)
    few = count()
    for model, inputs in [
        ("per_seat", {"seats": 3, "seat_price": 9}),
        ("api", {"build_cost": 1, "run_cost": 2, "usage_expected": 3, "unit_price": 1}),
        ("on_demand", {"usage_expected": 1, "usage_high": 2, "unit_price": 1}),
        ("perpetual", {"licence_price": 5, "maintenance_pct": 20}),
    ]:
        make_proposal(requester=org.requester, submit=True, cost_model=model, **inputs)
    assert count() <= few
