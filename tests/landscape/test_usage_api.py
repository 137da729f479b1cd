"""POST /api/v1/usage/ and GET /api/v1/tools/{id}/usage/: batches of monthly figures,
idempotent per tool + month + source, with a per-item report."""

from __future__ import annotations

import datetime as dt

import pytest

from api.models import TokenScope
from audit.models import Event
from landscape.models import ToolUsage
from tests.api.conftest import session_api, token_api
from tests.factories import SolutionFactory, ToolFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC), tick=False)


URL = "/api/v1/usage/"


@pytest.fixture
def tool(org):
    return ToolFactory(owner_department=org.departments["HR"], seats=200)


def test_it_creates_then_reports_unchanged_then_updated(org, tool):
    api = session_api(org.it_reviewer)
    item = {"tool": tool.pk, "month": "2026-10", "active_users": 40, "licensed_seats": 200}
    first = api.post(URL, {"items": [item]})
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "invalid": 0}
    row = ToolUsage.objects.get()
    assert body["items"][0] == {
        "index": 0,
        "status": "created",
        "tool": tool.pk,
        "month": "2026-10",
        "source": "api",
        "id": row.pk,
        "errors": {},
    }
    again = api.post(URL, {"items": [item]}).json()
    assert again["items"][0]["status"] == "unchanged"
    assert again["items"][0]["id"] == row.pk
    changed = api.post(URL, {"items": [{**item, "active_users": 55}]}).json()
    assert changed["items"][0]["status"] == "updated"
    row.refresh_from_db()
    assert (row.active_users, row.month) == (55, dt.date(2026, 10, 1))
    assert Event.objects.filter(kind="usage.reported").count() == 2  # unchanged writes nothing


def test_bad_items_never_block_good_ones(org, tool):
    other = ToolFactory(owner_department=org.departments["FIN"])
    items = [
        {"tool": tool.pk, "month": "2026-09", "active_users": 10},
        {"tool": 999999, "month": "2026-09", "active_users": 1},
        {"tool": tool.pk, "month": "2026-13", "active_users": 1},
        {"tool": tool.pk, "month": "2027-01", "active_users": 1},
        {"tool": tool.pk, "month": "2026-08", "active_users": -3},
        {"tool": tool.pk, "month": "2026-08", "active_users": 300, "licensed_seats": 200},
        {"tool": tool.pk, "month": "2026-09", "active_users": 11},
        {"tool": other.pk, "month": "2026-09", "active_users": 1},
        {"tool": tool.pk, "month": "2026-07", "source": "Not a slug!", "active_users": 1},
        {"tool": "nobody:nothing", "month": "2026-07", "active_users": 1},
    ]
    response = session_api(org.hr_head).post(URL, {"items": items})
    assert response.status_code == 200, response.content
    report = response.json()
    statuses = [item["status"] for item in report["items"]]
    assert statuses == ["created"] + ["invalid"] * 9
    errors = [item["errors"] for item in report["items"]]
    assert "tool" in errors[1]
    assert "month" in errors[2]
    assert "month" in errors[3]
    assert errors[4] == {"active_users": ["Cannot be negative."]}
    assert errors[5] == {"active_users": ["More active users than licensed seats."]}
    assert "item 0" in errors[6]["month"][0]  # the same key twice in one batch
    assert "owners or IT Operations" in errors[7]["tool"][0]  # HR's head: not Finance's tool
    assert "source" in errors[8]
    assert "No tool is named" in errors[9]["tool"][0]
    assert report["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "invalid": 9}
    assert ToolUsage.objects.count() == 1


@pytest.mark.parametrize(
    ("item", "where"),
    [
        ("not an object", "items[1]"),
        ({"tool": 1, "month": "2026-08", "active_users": 1.5}, "items[1].active_users"),
        ({"tool": 1, "month": "2026-08", "active_users": True}, "items[1].active_users"),
        ({"tool": 1, "month": "2026-08", "active_users": "7"}, "items[1].active_users"),
        ({"tool": 1, "month": "2026-08", "active_users": 1, "colour": "red"}, "items[1].colour"),
        ({"tool": 1, "active_users": 1}, "items[1].month"),
        ({"tool": [1], "month": "2026-08", "active_users": 1}, "items[1].tool"),
    ],
)
def test_an_item_of_another_shape_refuses_the_request(org, tool, item, where):
    good = {"tool": tool.pk, "month": "2026-09", "active_users": 10}
    response = session_api(org.it_reviewer).post(URL, {"items": [good, item]})
    assert response.status_code == 400, response.content
    assert where in response.json()["errors"]
    assert not ToolUsage.objects.exists()


def test_a_tool_is_named_by_its_catalog_key(org):
    tool = ToolFactory(solution=SolutionFactory(source="acme", external_id="ats-1"))
    report = (
        session_api(org.it_reviewer)
        .post(
            URL,
            {
                "items": [
                    {"tool": "acme:ats-1", "month": "2026-11", "source": "okta", "active_users": 9}
                ]
            },
        )
        .json()
    )
    assert report["items"][0]["status"] == "created"
    assert ToolUsage.objects.get().tool == tool
    assert ToolUsage.objects.get().source == "okta"


@pytest.mark.parametrize(
    "body",
    [[], {"items": []}, {"items": "x"}, {"rows": []}, {"items": [{}] * 3}],
    ids=["list", "empty", "not-a-list", "unknown-field", "too-many"],
)
def test_whole_request_errors_are_400_and_write_nothing(org, tool, settings, body):
    settings.USAGE_BATCH_MAX = 2
    response = session_api(org.it_reviewer).post(URL, body)
    assert response.status_code == 400
    assert set(response.json()) == {"message", "errors"}
    assert not ToolUsage.objects.exists()


def test_someone_who_may_report_no_tool_is_refused(org, tool):
    response = session_api(org.requester).post(
        URL, {"items": [{"tool": tool.pk, "month": "2026-10", "active_users": 4}]}
    )
    assert response.status_code == 403
    assert not ToolUsage.objects.exists()


def test_a_usage_token_reports_usage_and_nothing_else(org, tool):
    api = token_api(org.it_reviewer, scope=TokenScope.USAGE)
    response = api.post(URL, {"items": [{"tool": tool.pk, "month": "2026-10", "active_users": 4}]})
    assert response.status_code == 200
    assert api.get(f"/api/v1/tools/{tool.pk}/usage/").status_code == 200
    refused = api.get("/api/v1/proposals/")
    assert refused.status_code == 403
    assert "usage" in refused.json()["message"]
    catalog = token_api(org.it_reviewer, scope=TokenScope.CATALOG)
    assert catalog.post(URL, {"items": []}).status_code == 403


def test_the_tools_usage_shows_its_trend_against_the_promise(org, tool):
    for month, active in (("2026-08", 150), ("2026-09", 50), ("2026-10", 40)):
        ToolUsage.objects.create(
            tool=tool, month=dt.date.fromisoformat(f"{month}-01"), source="api", active_users=active
        )
    body = session_api(org.outsider).get(f"/api/v1/tools/{tool.pk}/usage/").json()
    assert body["threshold"] == "0.3000"
    assert body["latest"] == {
        "month": "2026-10-01",
        "active_users": 40,
        "licensed_seats": None,
        "promised_users": 200,
        "adoption": "0.2000",
    }
    assert [point["active_users"] for point in body["trend"]] == [150, 50, 40]
    assert (
        session_api(org.outsider).get("/api/v1/tools/99999999999999999999/usage/").status_code
        == 404
    )


@pytest.mark.parametrize("ref", [-(2**70), -1, 0, 2**70, "²", "-5", "٣"])
def test_a_tool_reference_no_tool_can_have_is_an_items_error_not_a_500(org, tool, ref):
    """Ids beyond what the database stores, negative ones, and digits of other scripts."""
    items = [
        {"tool": ref, "month": "2026-09", "active_users": 1},
        {"tool": tool.pk, "month": "2026-09", "active_users": 5},
    ]
    response = session_api(org.hr_head).post(URL, {"items": items})
    assert response.status_code == 200, response.content
    report = response.json()
    assert [item["status"] for item in report["items"]] == ["invalid", "created"]
    assert "tool" in report["items"][0]["errors"]
