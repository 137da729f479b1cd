"""The standard for a category through the API: the CDO makes and withdraws it, everyone else
gets the error shape; tools say whether they are standard; /standards/ lists them by category.
Every response here is checked against the published schema (tests/schema_check.py)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.api.conftest import session_api, token_api
from tests.factories import SolutionFactory, ToolFactory
from tests.landscape.standard_helpers import eligible_tool

pytestmark = pytest.mark.django_db


def test_the_cdo_makes_a_standard_and_a_second_replaces_it(org):
    slack = eligible_tool(name="Slack")
    teams = eligible_tool(name="Teams")
    api = session_api(org.cdo)
    made = api.post(f"/api/v1/tools/{slack.pk}/standard/")
    assert made.status_code == 200, made.json()
    assert made.json()["is_standard"] is True
    assert made.json()["standard_since"]
    assert api.post(f"/api/v1/tools/{teams.pk}/standard/").status_code == 200
    assert api.get(f"/api/v1/tools/{slack.pk}/").json()["is_standard"] is False
    listed = api.get("/api/v1/standards/").json()
    assert [(s["category"], s["name"]) for s in listed] == [("engagement", "Teams")]
    assert listed[0]["tool"] == teams.pk
    only = api.get("/api/v1/tools/?standard=true").json()["results"]
    assert [t["name"] for t in only] == ["Teams"]


@pytest.mark.parametrize("who", ["superuser", "it_head", "hr_head", "requester"])
def test_others_are_refused_with_the_error_shape(org, who):
    tool = eligible_tool()
    refused = session_api(getattr(org, who)).post(f"/api/v1/tools/{tool.pk}/standard/")
    assert refused.status_code == 403
    assert set(refused.json()) == {"message", "errors"}
    assert refused.json()["message"] == (
        "Only the Chief Digital Officer can make a tool the standard."
    )
    tool.refresh_from_db()
    assert tool.standard_since is None


def test_a_token_of_someone_else_is_refused(org):
    tool = eligible_tool()
    assert token_api(org.requester).post(f"/api/v1/tools/{tool.pk}/standard/").status_code == 403


def test_an_ineligible_tool_is_refused_with_the_reasons(org):
    tool = ToolFactory(solution=SolutionFactory(category="engagement"))
    refused = session_api(org.cdo).post(f"/api/v1/tools/{tool.pk}/standard/")
    assert refused.status_code == 409
    assert "Its adoption is unknown" in refused.json()["message"]


def test_withdrawing_needs_a_reason(org):
    tool = eligible_tool(standard_since=timezone.now())
    api = session_api(org.cdo)
    assert api.delete(f"/api/v1/tools/{tool.pk}/standard/").status_code == 415  # no JSON body
    missing = api.request("DELETE", f"/api/v1/tools/{tool.pk}/standard/", {})
    assert missing.status_code == 400
    assert "reason" in missing.json()["errors"]
    done = api.request("DELETE", f"/api/v1/tools/{tool.pk}/standard/", {"reason": "Replaced."})
    assert done.status_code == 200
    assert done.json()["is_standard"] is False
    assert api.get("/api/v1/standards/").json() == []
    again = api.request("DELETE", f"/api/v1/tools/{tool.pk}/standard/", {"reason": "Again."})
    assert again.status_code == 409
