"""The state machine: every transition, allowed and refused, with each persona."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import Event
from core.errors import DomainError, InvalidTransition, NotAllowed
from decisions import services
from decisions.models import ALLOWED_TRANSITIONS, ProposalStatus
from landscape.models import Lifecycle, Tool
from tests.factories import SolutionFactory, make_proposal

pytestmark = pytest.mark.django_db


def approved_proposal(org, **overrides):
    proposal = make_proposal(requester=org.requester, submit=True, one_off_cost=0,
                             recurring_cost=100, **overrides)  # fmt: skip
    for signoff in proposal.signoffs.all():
        services.signoff_decide(signoff=signoff, actor=org.reviewers[signoff.department.code],
                                outcome="approved")  # fmt: skip
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    return proposal


def test_every_status_has_its_transitions_declared():
    assert set(ALLOWED_TRANSITIONS) == set(ProposalStatus.values)
    for targets in ALLOWED_TRANSITIONS.values():
        assert targets <= set(ProposalStatus.values)


def test_an_approved_tool_is_piloted_then_adopted_into_the_fleet(org):
    solution = SolutionFactory()
    proposal = approved_proposal(org, solution=solution)
    services.proposal_advance(proposal=proposal, actor=org.requester, action="start_pilot")
    tool = Tool.objects.get(solution=solution)
    assert (tool.lifecycle, tool.owner_department, tool.business_owner) == (
        Lifecycle.PILOT, proposal.requesting_department, org.requester)  # fmt: skip
    services.proposal_advance(proposal=proposal, actor=org.cdo, action="adopt")
    solution.refresh_from_db()
    tool.refresh_from_db()
    proposal.refresh_from_db()
    assert solution.in_use
    assert tool.lifecycle == Lifecycle.ADOPTED
    assert proposal.tool == tool
    assert [(c.from_lifecycle, c.to_lifecycle, c.proposal_reference) for c in
            tool.lifecycle_changes.order_by("pk")] == [
        ("", "pilot", proposal.reference), ("pilot", "adopted", proposal.reference)]  # fmt: skip
    changes = Event.objects.filter(proposal_id=proposal.pk, kind="proposal.status_changed")
    assert [e.payload.get("to") for e in changes][-2:] == ["piloting", "adopted"]


def test_a_stopped_pilot_retires_the_tool(org):
    solution = SolutionFactory()
    proposal = approved_proposal(org, solution=solution)
    services.proposal_advance(proposal=proposal, actor=org.requester, action="start_pilot")
    services.proposal_advance(proposal=proposal, actor=org.requester, action="retire",
                              note="Nobody used it")  # fmt: skip
    proposal.refresh_from_db()
    solution.refresh_from_db()
    tool = Tool.objects.get(solution=solution)
    assert proposal.status == ProposalStatus.RETIRED
    assert tool.lifecycle == Lifecycle.RETIRED
    assert tool.lifecycle_changes.first().reason == "Nobody used it"
    assert not solution.in_use


def test_an_adopted_tool_is_not_retired_in_one_click(org):
    proposal = approved_proposal(org, solution=SolutionFactory())
    services.proposal_advance(proposal=proposal, actor=org.requester, action="adopt")
    with pytest.raises(DomainError, match="retirement proposal"):
        services.proposal_advance(proposal=proposal, actor=org.requester, action="retire")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ADOPTED
    assert proposal.tool.lifecycle == Lifecycle.ADOPTED


def test_adopting_a_tool_the_catalog_did_not_list_enters_it(org):
    proposal = approved_proposal(org, solution=None, new_vendor_name="Acme",
                                 new_solution_name="Acme Pulse", category="engagement")  # fmt: skip
    services.proposal_advance(proposal=proposal, actor=org.requester, action="adopt")
    proposal.refresh_from_db()
    assert proposal.solution.name == "Acme Pulse"
    assert proposal.solution.vendor.name == "Acme"
    assert proposal.solution.source == ""
    assert proposal.tool.solution == proposal.solution


def adopted(org, solution, **overrides):
    proposal = approved_proposal(org, solution=solution, **overrides)
    services.proposal_advance(proposal=proposal, actor=org.requester, action="adopt")
    return proposal


def test_a_tool_stays_in_use_while_another_adoption_of_it_stands(org):
    tool, other_tool = SolutionFactory(), SolutionFactory()
    adopted(org, tool)
    adopted(org, other_tool, title="Another tool")
    # Another department pilots the same tool, then stops its pilot: the adopted tool stays.
    second = approved_proposal(org, solution=tool, title="Second site")
    services.proposal_advance(proposal=second, actor=org.requester, action="start_pilot")
    services.proposal_advance(proposal=second, actor=org.requester, action="retire")
    tool.refresh_from_db()
    other_tool.refresh_from_db()
    assert (tool.in_use, other_tool.in_use) == (True, True)
    assert Tool.objects.get(solution=tool).lifecycle == Lifecycle.ADOPTED
    second.refresh_from_db()
    assert second.status == ProposalStatus.RETIRED


def test_a_lifecycle_step_is_recorded_with_who_and_the_note(org):
    proposal = approved_proposal(org)
    services.proposal_advance(
        proposal=proposal, actor=org.cdo, action="start_pilot", note="Two teams first"
    )
    services.proposal_advance(proposal=proposal, actor=org.requester, action="adopt")
    steps = Event.objects.filter(proposal_id=proposal.pk, kind="proposal.status_changed").order_by(
        "-seq"
    )[:2]
    assert [(e.actor, e.payload["to"], e.payload["note"]) for e in reversed(steps)] == [
        (org.cdo, ProposalStatus.PILOTING, "Two teams first"),
        (org.requester, ProposalStatus.ADOPTED, ""),
    ]


@pytest.mark.parametrize("persona", ["hr_reviewer", "it_head", "outsider"])
def test_only_the_requester_or_the_cdo_steer_the_lifecycle(org, persona):
    proposal = approved_proposal(org)
    with pytest.raises(NotAllowed):
        services.proposal_advance(proposal=proposal, actor=getattr(org, persona), action="adopt")


@pytest.mark.parametrize(
    ("action", "status"),
    [("start_pilot", ProposalStatus.IN_REVIEW), ("retire", ProposalStatus.APPROVED),
     ("adopt", ProposalStatus.IN_REVIEW)],
)  # fmt: skip
def test_it_refuses_lifecycle_steps_out_of_order(org, action, status):
    if status == ProposalStatus.APPROVED:
        proposal = approved_proposal(org)
    else:
        proposal = make_proposal(requester=org.requester, submit=True)
    with pytest.raises(InvalidTransition, match="cannot go from"):
        services.proposal_advance(proposal=proposal, actor=org.requester, action=action)


def test_it_refuses_an_unknown_action(org):
    with pytest.raises(DomainError):
        services.proposal_advance(proposal=approved_proposal(org), actor=org.requester,
                                  action="teleport")  # fmt: skip


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("requester", True), ("hr_reviewer", False), ("cdo", False), ("outsider", False)],
)
def test_submit_is_the_requesters(org, persona, allowed):
    proposal = make_proposal(requester=org.requester)
    actor = getattr(org, persona)
    if allowed:
        services.proposal_submit(proposal=proposal, actor=actor)
    else:
        with pytest.raises(NotAllowed):
            services.proposal_submit(proposal=proposal, actor=actor)


@pytest.mark.parametrize(
    "status_after",
    ["rejected", "approved", "withdrawn"],
)
def test_closed_proposals_cannot_be_resubmitted_or_withdrawn(org, status_after):
    if status_after == "approved":
        proposal = approved_proposal(org)
    else:
        proposal = make_proposal(requester=org.requester, submit=True)
        if status_after == "rejected":
            signoff = proposal.signoffs.get(department__code="IT")
            services.signoff_decide(signoff=signoff, actor=org.it_reviewer, outcome="rejected",
                                    comment="No")  # fmt: skip
        else:
            services.proposal_withdraw(proposal=proposal, actor=org.requester)
    with pytest.raises(InvalidTransition):
        services.proposal_submit(proposal=proposal, actor=org.requester)
    if status_after != "approved":
        with pytest.raises(InvalidTransition):
            services.proposal_withdraw(proposal=proposal, actor=org.requester)


def test_the_lifecycle_buttons_work_from_the_page(client, org):
    proposal = approved_proposal(org)
    client.force_login(org.requester)
    page = client.get(reverse("proposal-detail", args=[proposal.reference]))
    assert "Start the pilot" in page.text
    response = client.post(
        reverse("proposal-advance", args=[proposal.reference]),
        {"action": "start_pilot"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Piloting" in response.text
    client.force_login(org.hr_reviewer)
    response = client.post(reverse("proposal-advance", args=[proposal.reference]),
                           {"action": "adopt"})  # fmt: skip
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PILOTING
