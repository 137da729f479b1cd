"""The departments' scoring criteria through the API: everyone signed in reads them, each head
keeps their own department's (an administrator any), with the page's rules and audit event."""

from __future__ import annotations

import pytest

from api.models import TokenScope
from audit.models import Event
from decisions.models import ScoringCriterion
from tests.api.conftest import session_api, token_api
from tests.scoring import with_criteria

pytestmark = pytest.mark.django_db
URL = "/api/v1/scoring-criteria/"


def criteria() -> dict[tuple[str, str], tuple[int, int, bool]]:
    return {
        (c.department.code, c.name): (c.weight, c.position, c.is_active)
        for c in ScoringCriterion.objects.select_related("department")
    }


@pytest.mark.parametrize("persona", ["requester", "hr_reviewer", "viewer", "outsider", "cdo"])
def test_everyone_signed_in_reads_the_criteria(org, persona):
    with_criteria(org)
    response = session_api(getattr(org, persona)).get(URL)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["department"], r["name"], r["weight"]) for r in rows] == [
        ("HR", "Fit", 3),
        ("HR", "Cost", 1),
        ("IT", "Security", 2),
    ]


def test_the_list_filters_by_department_and_by_active(org):
    made = with_criteria(org)
    ScoringCriterion.objects.filter(pk=made["cost"].pk).update(is_active=False)
    api = session_api(org.requester)
    names = lambda query: [r["name"] for r in api.get(URL + query).json()["results"]]  # noqa: E731
    assert names("?department=IT") == ["Security"]
    assert names("?department=HR&is_active=false") == ["Cost"]
    assert names("?is_active=true") == ["Fit", "Security"]
    assert names("?department=XX") == []


@pytest.mark.parametrize("query", ["?is_active=perhaps", "?department=" + "H" * 21])
def test_a_bad_filter_is_a_400_in_the_error_shape(org, query):
    response = session_api(org.requester).get(URL + query)
    assert response.status_code == 400
    assert set(response.json()) == {"message", "errors"}


def test_a_head_adds_a_criterion_to_their_department_with_an_audit_event(org):
    response = session_api(org.hr_head).post(
        URL, {"department": "HR", "name": "Works with our payroll", "weight": 4}
    )
    assert response.status_code == 201, response.content
    assert response.json() == {
        "id": response.json()["id"],
        "department": "HR",
        "name": "Works with our payroll",
        "weight": 4,
        "position": 0,
        "is_active": True,
    }
    event = Event.objects.get(kind="scoring.criterion_saved")
    assert event.actor == org.hr_head
    assert event.payload["created"] is True


def test_an_administrator_keeps_any_departments_criteria(org):
    response = session_api(org.superuser).post(
        URL, {"department": "MKT", "name": "Brand fit", "weight": 2}
    )
    assert response.status_code == 201
    assert criteria() == {("MKT", "Brand fit"): (2, 0, True)}


@pytest.mark.parametrize(
    ("persona", "department"),
    [
        ("hr_reviewer", "HR"),  # a reviewer scores; the head keeps the criteria
        ("requester", "HR"),
        ("cdo", "HR"),
        ("viewer", "FIN"),
        ("outsider", "HR"),
    ],
)
def test_no_one_but_the_head_adds_a_criterion(org, persona, department):
    response = session_api(getattr(org, persona)).post(
        URL, {"department": department, "name": "Mine", "weight": 2}
    )
    assert response.status_code == 403
    assert set(response.json()) == {"message", "errors"}
    assert criteria() == {}


def test_a_head_is_refused_another_departments_criterion(org):
    made = with_criteria(org)
    api = session_api(org.hr_head)
    assert api.post(URL, {"department": "IT", "name": "X", "weight": 2}).status_code == 403
    response = api.patch(f"{URL}{made['security'].pk}/", {"weight": 9})
    assert response.status_code == 403
    assert criteria()[("IT", "Security")] == (2, 0, True)


def test_a_change_keeps_what_it_does_not_name(org):
    made = with_criteria(org)
    response = session_api(org.hr_head).patch(f"{URL}{made['fit'].pk}/", {"weight": 5})
    assert response.status_code == 200
    assert response.json()["name"] == "Fit"
    assert criteria()[("HR", "Fit")] == (5, 0, True)
    response = session_api(org.hr_head).patch(
        f"{URL}{made['fit'].pk}/", {"is_active": False, "position": 3}
    )
    assert criteria()[("HR", "Fit")] == (5, 3, False)
    assert response.json()["is_active"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"weight": 0}, "weight"),
        ({"weight": 11}, "weight"),
        ({"weight": "3.5"}, "weight"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "Cost"}, "name"),  # HR has it already (any case)
        ({"name": "cOST"}, "name"),
        ({"name": "Two\nlines"}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": "nul\x00byte"}, "name"),
        ({"department": "IT"}, "department"),  # a criterion stays in its department
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_change_is_a_400_that_changes_nothing(org, body, field):
    made = with_criteria(org)
    before = criteria()
    response = session_api(org.hr_head).patch(f"{URL}{made['fit'].pk}/", body)
    assert response.status_code == 400, response.content
    data = response.json()
    assert set(data) == {"message", "errors"}
    assert field in data["errors"], data
    assert criteria() == before
    assert not Event.objects.filter(kind="scoring.criterion_saved").exists()


def test_an_unknown_department_is_a_400(org):
    response = session_api(org.hr_head).post(URL, {"department": "XX", "name": "A", "weight": 1})
    assert response.status_code == 400
    assert "department" in response.json()["errors"]


def test_a_full_token_acts_as_its_owner_and_other_scopes_are_refused(org):
    made = with_criteria(org)
    full = token_api(org.hr_head, scope=TokenScope.FULL)
    assert full.patch(f"{URL}{made['cost'].pk}/", {"weight": 2}).status_code == 200
    catalog = token_api(org.hr_head, scope=TokenScope.CATALOG)
    assert catalog.get(URL).status_code == 403
    assert catalog.patch(f"{URL}{made['cost'].pk}/", {"weight": 7}).status_code == 403
    assert criteria()[("HR", "Cost")] == (2, 0, True)


def test_without_credentials_the_criteria_are_not_read(org):
    from django.test import Client

    from tests.api.conftest import Api

    with_criteria(org)
    assert Api(Client()).get(URL).status_code == 401


def test_a_criterion_of_an_inactive_department_is_not_found(org):
    made = with_criteria(org)
    org.departments["IT"].is_active = False
    org.departments["IT"].save()
    api = session_api(org.superuser)
    assert api.get(f"{URL}{made['security'].pk}/").status_code == 404
    assert api.patch(f"{URL}{made['security'].pk}/", {"weight": 5}).status_code == 404


def test_the_list_pages_through_every_criterion_once(org):
    with_criteria(org)
    api = session_api(org.requester)
    seen, url = [], URL + "?page_size=1"
    while url:
        page = api.get(url)
        assert page.status_code == 200, page.content
        seen += [r["name"] for r in page.json()["results"]]
        url = page.json()["next"]
    assert sorted(seen) == ["Cost", "Fit", "Security"]
