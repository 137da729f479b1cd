"""GET /api/v1/renewals/?within_days=N: what is due, soonest first, a page at a time; bad input
is a 400 in the error shape. Renewal proposals through the proposals API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from decisions.services.renewal import renewal_open
from stakeholders.models import Department
from tests.api.conftest import proposal_body, token_api
from tests.factories import ToolFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        yield


def tool_due_in(org, days, *, department="HR", notice=30, **extra):
    renewal = TODAY + dt.timedelta(days=days + notice)
    extra.setdefault("business_owner", org.requester)
    return ToolFactory(
        owner_department=Department.objects.get(code=department),
        contract_start=renewal.replace(year=renewal.year - 1),
        term_months=12,
        notice_days=notice,
        yearly_cost=Decimal("2400.50"),
        **extra,
    )


def test_it_lists_what_is_due_soonest_first(api_as, org):
    later = tool_due_in(org, 60)
    soon = tool_due_in(org, 5, department="MKT")
    tool_due_in(org, 200)  # beyond the window
    proposal = renewal_open(tool=later, actor=org.requester, action="cancel")
    response = api_as(org.outsider).get("/api/v1/renewals/?within_days=90")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["tool"]["id"] for r in rows] == [soon.pk, later.pk]
    assert rows[0] == {
        "tool": {"id": soon.pk, "name": soon.solution.name},
        "department": "MKT",
        "notice_deadline": "2026-06-06",
        "renewal_date": "2026-07-06",
        "days_to_deadline": 5,
        "auto_renews": False,
        "yearly_cost": "2400.50",
        "currency": "EUR",
        "open_renewal": None,
    }
    assert rows[1]["open_renewal"] == proposal.reference


def test_within_days_defaults_to_90_and_0_is_today(api_as, org):
    today = tool_due_in(org, 0)
    tool_due_in(org, 89)
    tool_due_in(org, 91)
    assert len(api_as(org.requester).get("/api/v1/renewals/").json()["results"]) == 2
    rows = api_as(org.requester).get("/api/v1/renewals/?within_days=0").json()["results"]
    assert [r["tool"]["id"] for r in rows] == [today.pk]


@pytest.mark.parametrize("value", ["", "abc", "-1", "3651", "1.5", "9" * 30])
def test_a_bad_within_days_is_a_400(api_as, org, value):
    response = api_as(org.requester).get(f"/api/v1/renewals/?within_days={value}")
    assert response.status_code == 400
    body = response.json()
    assert "within_days" in body["errors"]
    assert body["message"]


def test_it_pages_with_a_cursor(api_as, org):
    tools = [tool_due_in(org, days) for days in (3, 4, 5, 6, 7)]
    api = api_as(org.requester)
    first = api.get("/api/v1/renewals/?within_days=30&page_size=2").json()
    seen = [r["tool"]["id"] for r in first["results"]]
    page = first
    while page["next"]:
        page = api.get(page["next"]).json()
        seen += [r["tool"]["id"] for r in page["results"]]
    assert seen == [t.pk for t in tools]


def test_it_needs_credentials(api_as):
    assert api_as(None).get("/api/v1/renewals/").status_code == 401


def test_a_renewal_proposal_through_the_api(org):
    tool = tool_due_in(org, 40)
    body = proposal_body(
        kind="renewal",
        tool=tool.pk,
        renewal_action="renew",
        term_months=24,
        recurring_cost={"amount": "2000.00", "currency": "EUR"},
        one_off_cost={"amount": "0.00", "currency": "EUR"},
    )
    for key in ("new_vendor_name", "new_solution_name", "solution", "category"):
        body.pop(key, None)
    response = token_api(org.requester).post("/api/v1/proposals/", body)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["kind"] == "renewal"
    assert data["renewal_action"] == "renew"
    assert data["renewal_date"] == "2026-08-10"
    assert data["recurring_period"] == "yearly"


def test_a_renewal_through_the_api_is_refused_after_the_deadline(org):
    tool = tool_due_in(org, -3)
    body = proposal_body(kind="renewal", tool=tool.pk, renewal_action="cancel")
    for key in ("new_vendor_name", "new_solution_name", "solution", "category"):
        body.pop(key, None)
    response = token_api(org.requester).post("/api/v1/proposals/", body)
    assert response.status_code == 400
    assert "too late" in response.json()["errors"]["tool"][0]


def test_only_the_tool_owners_open_a_renewal_through_the_api(org):
    tool = tool_due_in(org, 40)
    body = proposal_body(kind="renewal", tool=tool.pk, renewal_action="cancel")
    for key in ("new_vendor_name", "new_solution_name", "solution", "category"):
        body.pop(key, None)
    response = token_api(org.hr_reviewer).post("/api/v1/proposals/", body)
    assert response.status_code == 403
    assert not tool.proposals.exists()


def test_a_second_renewal_of_the_same_term_is_refused_through_the_api_too(org):
    """One renewal a term, whether it was opened on the page or through the API."""
    tool = tool_due_in(org, 40)
    first = renewal_open(tool=tool, actor=org.requester, action="cancel")
    body = proposal_body(kind="renewal", tool=tool.pk, renewal_action="cancel")
    for key in ("new_vendor_name", "new_solution_name", "solution", "category"):
        body.pop(key, None)
    response = token_api(org.requester).post("/api/v1/proposals/", body)
    assert response.status_code == 400
    assert first.reference in response.json()["errors"]["tool"][0]
    assert tool.proposals.count() == 1
