"""The tech radar is generated from the data: rings, quadrants, what is new or moved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from decisions import services
from decisions.radar import radar_blips
from landscape import services as landscape
from landscape.models import Lifecycle, ToolLifecycleChange
from tests.api.conftest import session_api
from tests.factories import SolutionFactory, ToolFactory, make_proposal
from vendors.models import Category

pytestmark = pytest.mark.django_db


def rings():
    return {b.entry.name: (b.entry.ring, b.entry.quadrant, b.status) for b in radar_blips()}


def age(tool, days):
    ToolLifecycleChange.objects.filter(tool=tool).update(
        changed_at=timezone.now() - dt.timedelta(days=days)
    )


def test_rings_come_from_the_landscape_and_the_proposals(org):
    ToolFactory(lifecycle=Lifecycle.STANDARD,
                           solution=SolutionFactory(name="Std", category=Category.CRM))  # fmt: skip
    ToolFactory(lifecycle=Lifecycle.PILOT, solution=SolutionFactory(name="Pilot"))
    ToolFactory(lifecycle=Lifecycle.SUNSET, solution=SolutionFactory(name="Sunset"))
    ToolFactory(lifecycle=Lifecycle.ADOPTED, solution=SolutionFactory(name="Adopted"))
    ToolFactory(lifecycle=Lifecycle.RETIRED, solution=SolutionFactory(name="Gone"))
    make_proposal(requester=org.requester, submit=True, new_solution_name="Newbie")
    rejected = make_proposal(requester=org.requester, submit=True, new_solution_name="Nope")
    services.signoff_decide(signoff=rejected.signoffs.get(department__code="IT"),
                            actor=org.it_reviewer, outcome="rejected", comment="No")  # fmt: skip
    make_proposal(requester=org.requester, new_solution_name="Draft only")
    found = rings()
    assert {name: ring for name, (ring, _q, _s) in found.items()} == {
        "Std": "Adopt", "Pilot": "Trial", "Sunset": "Hold", "Newbie": "Assess",
        "Nope": "Hold"}  # fmt: skip
    assert found["Std"][1] == "Customers"
    assert found["Pilot"][1] == "People"


def test_what_moved_since_last_quarter_is_marked(org):
    old = ToolFactory(lifecycle=Lifecycle.PILOT, solution=SolutionFactory(name="Old pilot"))
    ToolLifecycleChange.objects.create(tool=old, to_lifecycle="pilot")
    age(old, 200)
    promoted = ToolFactory(lifecycle=Lifecycle.PILOT, solution=SolutionFactory(name="Promoted"))
    ToolLifecycleChange.objects.create(tool=promoted, to_lifecycle="pilot")
    age(promoted, 200)
    landscape.tool_move(tool=promoted, actor=org.it_reviewer, to=Lifecycle.ADOPTED, reason="ok")
    landscape.tool_move(tool=promoted, actor=org.it_reviewer, to=Lifecycle.STANDARD, reason="ok")
    fresh = ToolFactory(lifecycle=Lifecycle.PILOT, solution=SolutionFactory(name="Fresh"))
    ToolLifecycleChange.objects.create(tool=fresh, to_lifecycle="pilot")
    found = rings()
    assert found["Old pilot"][2] == "No Change"
    assert found["Promoted"][0] == "Adopt"
    assert found["Promoted"][2] == "Moved In"  # from Trial a quarter ago
    assert found["Fresh"][2] == "New"


def test_the_page_and_the_byor_json(client, org):
    ToolFactory(lifecycle=Lifecycle.STANDARD, solution=SolutionFactory(name="Std <b>"))
    client.force_login(org.viewer)
    page = client.get("/radar/")
    assert page.status_code == 200
    assert "<svg" in page.text
    assert "Std &lt;b&gt;" in page.text
    entries = session_api(org.viewer).get("/api/v1/radar/").json()
    assert entries == [{"name": "Std <b>", "ring": "Adopt", "quadrant": "People",
                        "isNew": False, "status": "No Change",
                        "description": entries[0]["description"]}]  # fmt: skip
