"""The landscape in the browser (plain forms, no JavaScript needed) and through the API."""

from __future__ import annotations

import itertools

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from decisions.models import Proposal, ProposalKind
from landscape.models import Integration, Lifecycle
from stakeholders.models import Department
from tests.api.conftest import proposal_body, session_api
from tests.factories import ToolFactory, ToolIntegrationFactory

pytestmark = pytest.mark.django_db


def dept(code):
    return Department.objects.get(code=code)


def fleet(n: int):
    """n HR tools in a chain, each feeding the next, and one Finance tool at the end."""
    tools = [ToolFactory(owner_department=dept("HR")) for _ in range(n)]
    for a, b in itertools.pairwise(tools):
        ToolIntegrationFactory(source=a, target=b)
    end = ToolFactory(owner_department=dept("FIN"))
    ToolIntegrationFactory(source=tools[-1], target=end)
    return tools, end


def count(client, path) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("path", ["/landscape/", "/landscape/map/", "/api/v1/tools/",
                                  "/api/v1/integrations/"])  # fmt: skip
def test_the_list_map_and_api_cost_the_same_with_more_tools(client, org, path):
    client.force_login(org.requester)
    fleet(3)
    small = count(client, path)
    fleet(12)
    assert count(client, path) == small


def test_the_tool_page_and_its_impact_cost_the_same_with_a_longer_chain(client, org):
    client.force_login(org.requester)
    short, _ = fleet(2)
    long_chain, _ = fleet(10)
    assert count(client, f"/landscape/tools/{short[0].pk}/") == count(
        client, f"/landscape/tools/{long_chain[0].pk}/"
    )


def test_the_list_filters_sorts_and_pages(client, org):
    tools, end = fleet(3)
    ToolFactory(owner_department=dept("MKT"), lifecycle=Lifecycle.PILOT)
    client.force_login(org.requester)
    page = client.get(reverse("tool-list"), {"department": "FIN"})
    assert end.solution.name in page.text
    assert tools[0].solution.name not in page.text
    page = client.get(reverse("tool-list"), {"lifecycle": "pilot"})
    assert page.text.count('href="/landscape/tools/') == 1
    by_links = client.get(reverse("tool-list"), {"sort": "connections"}).text
    middle = tools[1].solution.name  # two flows: the most connected
    assert by_links.index(middle) < by_links.index(end.solution.name)
    # A bookmarked URL with a bad value shows the list, unfiltered by it.
    assert client.get(reverse("tool-list"), {"lifecycle": "nope", "page": "x"}).status_code == 200


@pytest.mark.parametrize("debug", [True, False])
def test_a_refused_lifecycle_move_shows_the_page_again_with_the_reason(client, org, debug):
    tool = ToolFactory(lifecycle=Lifecycle.ADOPTED)
    client.force_login(org.requester)
    with override_settings(DEBUG=debug):
        response = client.post(
            reverse("tool-move", args=[tool.pk]), {"to": "standard", "reason": "Popular"}
        )
    assert response.status_code == 403
    assert "Only IT Operations" in response.text
    assert "<nav" in response.text  # the whole page, not a fragment
    tool.refresh_from_db()
    assert tool.lifecycle == Lifecycle.ADOPTED


def test_an_owner_connects_and_disconnects_tools_without_javascript(client, org):
    tool = ToolFactory(owner_department=dept("HR"), business_owner=org.requester)
    other = ToolFactory(owner_department=dept("FIN"))
    client.force_login(org.requester)
    response = client.post(
        reverse("integration-add", args=[tool.pk]),
        {"direction": "out", "other": other.pk, "what": "Payroll changes", "method": "file",
         "criticality": "critical"},
    )  # fmt: skip
    assert response.status_code == 302
    flow = Integration.objects.get(source=tool, target=other)
    assert (flow.data, flow.method, flow.criticality, flow.owner) == (
        "Payroll changes", "file", "critical", org.requester)  # fmt: skip
    page = client.get(reverse("tool-detail", args=[tool.pk]))
    assert "Payroll changes" in page.text
    assert "If this tool goes" in page.text
    assert other.solution.name in page.text
    again = client.post(
        reverse("integration-add", args=[tool.pk]),
        {"direction": "out", "other": other.pk, "what": "Payroll changes", "method": "file",
         "criticality": "critical"},
    )  # fmt: skip
    assert again.status_code == 400
    assert "already exchange" in again.text
    client.post(reverse("integration-remove", args=[tool.pk, flow.pk]), {"reason": "Replaced"})
    flow.refresh_from_db()
    assert flow.removed_at is not None


def test_the_map_links_every_tool_and_filters_by_department(client, org):
    tools, end = fleet(3)
    ToolFactory(owner_department=dept("MKT"))
    client.force_login(org.requester)
    page = client.get(reverse("landscape-map"))
    assert page.text.count('<a href="/landscape/tools/') >= 5
    assert "<svg" in page.text
    finance = client.get(reverse("landscape-map"), {"department": "FIN"})
    # Finance's tool and the one feeding it; not the rest.
    assert f'href="/landscape/tools/{end.pk}/"' in finance.text
    assert f'href="/landscape/tools/{tools[-1].pk}/"' in finance.text
    assert f'href="/landscape/tools/{tools[0].pk}/"' not in finance.text


def test_a_retirement_is_proposed_from_the_tool_page(client, org):
    tool = ToolFactory(owner_department=dept("HR"))
    ToolIntegrationFactory(source=tool, target=ToolFactory(owner_department=dept("FIN")))
    client.force_login(org.requester)
    form = client.get(reverse("proposal-create"), {"retire": tool.pk})
    assert f"Retiring {tool.solution.name}" in form.text
    hr = dept("HR").pk
    response = client.post(
        reverse("proposal-create"),
        {"kind": "retirement", "tool": tool.pk, "title": "Retire it", "problem": "Replaced.",
         "requesting_department": hr, "paying_department": hr, "currency": "EUR",
         "one_off_cost": "0", "recurring_cost": "0", "recurring_period": "monthly",
         "term_months": "0", "employees_affected": "3", "submit": "1"},
    )  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    proposal = Proposal.objects.get(title="Retire it")
    assert (proposal.kind, proposal.tool, proposal.solution) == (
        ProposalKind.RETIREMENT, tool, tool.solution)  # fmt: skip
    page = client.get(reverse("proposal-detail", args=[proposal.reference]))
    assert "What is retired?" in page.text
    # An unknown or retired tool in the link is a plain new proposal.
    assert "Retiring" not in client.get(reverse("proposal-create"), {"retire": "99999"}).text


def test_the_api_reports_the_impact_and_filters_proposals_by_kind(org):
    tools, end = fleet(3)
    api = session_api(org.requester)
    impact = api.get(f"/api/v1/tools/{tools[0].pk}/impact/").json()
    assert [t["tool"]["id"] for t in impact["direct"]] == [tools[1].pk]
    assert [t["tool"]["id"] for t in impact["transitive"]] == [tools[2].pk, end.pk]
    assert [d["code"] for d in impact["departments"]] == ["FIN", "HR"]
    assert {i["how"] for i in impact["integrations"]} == {"direct", "transitive"}
    assert api.get("/api/v1/proposals/?kind=retirement").json()["results"] == []
    assert api.get("/api/v1/proposals/?kind=nonsense").status_code == 400


def test_a_bulk_import_takes_the_good_items_and_reports_the_bad(org):
    a, b = ToolFactory(), ToolFactory()
    api = session_api(org.it_reviewer)
    report = api.post("/api/v1/integrations/bulk/", {"items": [
        {"source": a.pk, "target": b.pk, "data": "Hires"},
        {"source": a.pk, "target": a.pk, "data": "Itself"},
        {"source": a.pk, "target": 999999, "data": "Nowhere"},
        {"source": b.pk, "target": a.pk, "data": "x\u0000y"},
    ]}).json()  # fmt: skip
    assert len(report["created"]) == 1
    assert set(report["errors"]) == {"1", "2", "3"}
    assert "target" in report["errors"]["1"]
    assert Integration.objects.count() == 1


def test_a_retirement_through_the_api_lists_the_owners_who_sign(org):
    tools, _end = fleet(2)
    api = session_api(org.requester)
    body = proposal_body(kind="retirement", tool=tools[0].pk, title="Retire the first",
                         new_vendor_name="", new_solution_name="", retire_on=None)  # fmt: skip
    del body["category"]  # the retired tool's
    created = api.post("/api/v1/proposals/", body)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["kind"], body["tool"], body["solution"]["id"]) == (
        "retirement", tools[0].pk, tools[0].solution_id)  # fmt: skip
    submitted = api.post(f"/api/v1/proposals/{body['reference']}/submit/").json()
    assert sorted(s["department"]["code"] for s in submitted["signoffs"]) == [
        "FIN", "HR", "IT", "MKT"]  # fmt: skip
    listed = api.get("/api/v1/proposals/?kind=retirement").json()["results"]
    assert [p["reference"] for p in listed] == [body["reference"]]
    gone = api.post("/api/v1/proposals/", proposal_body(kind="retirement", tool=None))
    assert gone.status_code == 400
    assert "tool" in gone.json()["errors"]
