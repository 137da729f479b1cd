"""The fleet's rules: who may change a tool and its integrations, lifecycle moves, and what a
retirement proposal asks and does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import Event
from core.errors import DomainError, InvalidTransition, NotAllowed
from decisions import services as workflow
from decisions.models import ProposalKind, ProposalStatus
from landscape import services
from landscape.models import Lifecycle
from landscape.services import IntegrationInput
from stakeholders.models import Department
from tests.factories import ToolFactory, ToolIntegrationFactory, make_proposal

pytestmark = pytest.mark.django_db


def dept(code):
    return Department.objects.get(code=code)


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("it_reviewer", True), ("it_head", True), ("hr_head", True), ("requester", True),
     ("mkt_head", False), ("hr_reviewer", False), ("outsider", False), ("viewer", False),
     ("superuser", False), ("cdo", False)],
)  # fmt: skip
def test_who_may_connect_two_tools(org, persona, allowed):
    # The requester owns one end; the HR head heads its owner department.
    source = ToolFactory(business_owner=org.requester, owner_department=dept("HR"))
    target = ToolFactory(owner_department=dept("FIN"))
    spec = IntegrationInput(source=source, target=target, data="Employees")
    actor = getattr(org, persona)
    if allowed:
        created = services.integration_create(actor=actor, spec=spec)
        assert created.source == source
        assert Event.objects.filter(kind="integration.created").count() == 1
    else:
        with pytest.raises(NotAllowed):
            services.integration_create(actor=actor, spec=spec)
        assert not source.flows_out.exists()


def test_an_integration_is_refused_with_its_field_when_it_makes_no_sense(org):
    tool = ToolFactory()
    other = ToolFactory()
    retired = ToolFactory(lifecycle=Lifecycle.RETIRED)
    cases = [
        (IntegrationInput(source=tool, target=tool, data="x"), "target"),
        (IntegrationInput(source=tool, target=retired, data="x"), "target"),
        (IntegrationInput(source=tool, target=other, data="   "), "data"),
        (IntegrationInput(source=tool, target=other, data="a\nb"), "data"),
        (IntegrationInput(source=tool, target=other, data="x", method="pigeon"), "method"),
    ]
    for spec, field in cases:
        with pytest.raises(DomainError) as refused:
            services.integration_create(actor=org.it_reviewer, spec=spec)
        assert refused.value.field == field
    services.integration_create(actor=org.it_reviewer, spec=IntegrationInput(tool, other, "Pay"))
    with pytest.raises(DomainError, match="already exchange"):
        services.integration_create(
            actor=org.it_reviewer, spec=IntegrationInput(tool, other, " Pay ")
        )


def test_a_removed_integration_can_be_added_again_and_keeps_its_history(org):
    flow = ToolIntegrationFactory(data="Pay")
    services.integration_remove(integration=flow, actor=org.it_head, reason="Replaced")
    again = services.integration_create(
        actor=org.it_head, spec=IntegrationInput(flow.source, flow.target, "Pay")
    )
    assert again.pk != flow.pk
    flow.refresh_from_db()
    assert flow.removed_at is not None


@pytest.mark.parametrize(
    ("start", "to", "persona", "outcome"),
    [
        (Lifecycle.PILOT, Lifecycle.ADOPTED, "requester", "ok"),
        (Lifecycle.PILOT, Lifecycle.RETIRED, "hr_head", "ok"),
        (Lifecycle.PILOT, Lifecycle.ADOPTED, "mkt_head", NotAllowed),
        (Lifecycle.ADOPTED, Lifecycle.STANDARD, "it_reviewer", "ok"),
        (Lifecycle.ADOPTED, Lifecycle.STANDARD, "requester", NotAllowed),
        (Lifecycle.ADOPTED, Lifecycle.SUNSET, "it_head", NotAllowed),
        (Lifecycle.ADOPTED, Lifecycle.RETIRED, "it_head", InvalidTransition),
        (Lifecycle.SUNSET, Lifecycle.RETIRED, "it_head", "ok"),
        (Lifecycle.RETIRED, Lifecycle.ADOPTED, "it_head", NotAllowed),
    ],
)
def test_lifecycle_moves_by_hand(org, start, to, persona, outcome):
    tool = ToolFactory(lifecycle=start, business_owner=org.requester)
    actor = getattr(org, persona)
    if outcome == "ok":
        services.tool_move(tool=tool, actor=actor, to=to, reason="Because")
        tool.refresh_from_db()
        assert tool.lifecycle == to
        change = tool.lifecycle_changes.get()
        assert (change.from_lifecycle, change.to_lifecycle, change.actor, change.reason) == (
            start, to, actor, "Because")  # fmt: skip
    else:
        with pytest.raises(outcome):
            services.tool_move(tool=tool, actor=actor, to=to, reason="Because")
        tool.refresh_from_db()
        assert tool.lifecycle == start


def test_a_lifecycle_move_needs_a_reason(org):
    tool = ToolFactory(lifecycle=Lifecycle.PILOT, business_owner=org.requester)
    with pytest.raises(DomainError, match="why"):
        services.tool_move(tool=tool, actor=org.requester, to=Lifecycle.ADOPTED, reason="  ")


def test_a_retired_tool_leaves_the_catalogs_in_use_and_its_integrations_end(org):
    tool = ToolFactory(lifecycle=Lifecycle.PILOT, business_owner=org.requester)
    tool.solution.in_use = True
    tool.solution.save()
    flow = ToolIntegrationFactory(source=tool)
    services.tool_move(tool=tool, actor=org.requester, to=Lifecycle.RETIRED, reason="Stopped")
    flow.refresh_from_db()
    tool.solution.refresh_from_db()
    assert flow.removed_at is not None
    assert not tool.solution.in_use
    event = Event.objects.get(kind="tool.lifecycle_changed")
    assert event.payload["integrations_removed"] == [flow.pk]


def retirement(org, tool, **overrides):
    data = {"kind": ProposalKind.RETIREMENT, "tool": tool, "title": f"Retire {tool.solution.name}",
            "one_off_cost": 0, "recurring_cost": 0, "new_vendor_name": "",
            "new_solution_name": "", **overrides}  # fmt: skip
    return make_proposal(requester=org.requester, **data)


def test_a_retirement_is_signed_by_the_owners_of_every_tool_that_breaks(org):
    # HR's tool feeds a Finance tool, which feeds a Marketing one; FIN signs nothing usually.
    tool = ToolFactory(owner_department=dept("HR"))
    payroll = ToolFactory(owner_department=dept("FIN"))
    ToolIntegrationFactory(source=tool, target=payroll)
    ToolIntegrationFactory(source=payroll, target=ToolFactory(owner_department=dept("MKT")))
    proposal = retirement(org, tool)
    assert proposal.solution == tool.solution
    workflow.proposal_submit(proposal=proposal, actor=org.requester)
    assert sorted(proposal.signoffs.values_list("department__code", flat=True)) == [
        "FIN", "HR", "IT", "MKT"]  # fmt: skip
    # A new tool's proposal is not signed by Finance.
    plain = make_proposal(requester=org.requester, submit=True)
    assert "FIN" not in set(plain.signoffs.values_list("department__code", flat=True))


def test_a_retirement_needs_a_running_tool(org):
    with pytest.raises(DomainError) as refused:
        make_proposal(requester=org.requester, kind=ProposalKind.RETIREMENT)
    assert refused.value.field == "tool"
    with pytest.raises(DomainError, match="retired already"):
        retirement(org, ToolFactory(lifecycle=Lifecycle.RETIRED))
    with pytest.raises(DomainError, match="in the past"):
        retirement(org, ToolFactory(), retire_on=timezone.localdate() - dt.timedelta(days=1))


def approve_all(org, proposal):
    for signoff in proposal.signoffs.filter(status="pending"):
        actor = org.reviewers.get(signoff.department.code) or org.superuser
        if signoff.department.code == "FIN":
            pytest.fail("no FIN signer in this test")
        workflow.signoff_decide(signoff=signoff, actor=actor, outcome="approved")
    proposal.refresh_from_db()


def test_an_approved_retirement_sunsets_the_tool_then_retires_it_on_the_day(org):
    today = timezone.localdate()
    new = make_proposal(requester=org.requester, submit=True, one_off_cost=0,
                        recurring_cost=100)  # fmt: skip
    approve_all(org, new)
    workflow.proposal_advance(proposal=new, actor=org.requester, action="adopt")
    new.refresh_from_db()
    tool = new.tool
    flow = ToolIntegrationFactory(source=tool, target=ToolFactory(owner_department=dept("MKT")))
    proposal = retirement(org, tool, retire_on=today + dt.timedelta(days=30))
    workflow.proposal_submit(proposal=proposal, actor=org.requester)
    approve_all(org, proposal)
    assert proposal.status == ProposalStatus.APPROVED
    tool.refresh_from_db()
    assert (tool.lifecycle, tool.retire_on) == (Lifecycle.SUNSET, today + dt.timedelta(days=30))
    assert workflow.tools_retire_due(today=today + dt.timedelta(days=29)) == []
    assert workflow.tools_retire_due(today=today + dt.timedelta(days=30)) == [tool.pk]
    tool.refresh_from_db()
    flow.refresh_from_db()
    new.refresh_from_db()
    assert tool.lifecycle == Lifecycle.RETIRED
    assert flow.removed_at is not None
    assert new.status == ProposalStatus.RETIRED
    assert [c.to_lifecycle for c in tool.lifecycle_changes.order_by("pk")] == [
        "adopted", "sunset", "retired"]  # fmt: skip
    # Twice is harmless.
    assert workflow.tools_retire_due(today=today + dt.timedelta(days=31)) == []


def test_a_retirement_without_a_date_retires_at_once(org):
    tool = ToolFactory()
    proposal = retirement(org, tool)
    workflow.proposal_submit(proposal=proposal, actor=org.requester)
    approve_all(org, proposal)
    tool.refresh_from_db()
    assert tool.lifecycle == Lifecycle.RETIRED


def test_a_retirement_does_not_add_to_the_vendors_spend(org):
    tool = ToolFactory()
    proposal = retirement(org, tool, one_off_cost=5000)
    workflow.proposal_submit(proposal=proposal, actor=org.requester)
    later = make_proposal(requester=org.requester, solution=tool.solution, submit=True,
                          new_vendor_name="", new_solution_name="")  # fmt: skip
    assert later.tier_basis == later.tco


@pytest.mark.django_db(transaction=True)
def test_the_impact_kept_in_memory_follows_every_committed_change(departments, tiers):
    from landscape.selectors import live_landscape, tool_impact

    a = ToolFactory(owner_department=departments["HR"])
    b = ToolFactory(owner_department=departments["FIN"])
    assert tool_impact(a).direct == []
    first = live_landscape()
    assert live_landscape() is first  # nothing changed: read once
    ToolIntegrationFactory(source=a, target=b)
    assert [item.tool.id for item in tool_impact(a).direct] == [b.pk]
    b.lifecycle = Lifecycle.RETIRED
    b.save()
    assert tool_impact(a).direct == []


def test_a_second_approved_retirement_of_the_same_tool_changes_nothing_more(org):
    tool = ToolFactory()
    later = timezone.localdate() + dt.timedelta(days=10)
    first = retirement(org, tool, retire_on=later)
    second = retirement(org, tool, retire_on=later + dt.timedelta(days=5), title="Again")
    workflow.proposal_submit(proposal=first, actor=org.requester)
    workflow.proposal_submit(proposal=second, actor=org.requester)
    approve_all(org, first)
    approve_all(org, second)  # not blocked: the tool is on its way out already
    tool.refresh_from_db()
    assert (tool.lifecycle, tool.retire_on) == (Lifecycle.SUNSET, later)
    assert second.status == ProposalStatus.APPROVED
