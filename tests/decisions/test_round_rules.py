"""How a round ends: the sign-offs still open close, those already given stand, and nothing of
another proposal or round moves; who may still edit the proposal."""

from __future__ import annotations

import pytest

from audit.models import Event
from core.errors import NotAllowed
from decisions import services
from decisions.models import ProposalStatus, SignOffStatus
from decisions.rights import can_edit
from stakeholders.models import Role
from tests.factories import GoalFactory, MembershipFactory, SolutionFactory, make_proposal

pytestmark = pytest.mark.django_db


def statuses(proposal) -> dict[str, str]:
    return {s.department.code: s.status for s in proposal.signoffs.filter(round=proposal.round)}


def test_a_rejection_closes_the_open_signoffs_and_keeps_those_given(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    other = make_proposal(requester=org.requester, submit=True, title="Another")
    services.signoff_decide(signoff=proposal.signoffs.get(department__code="HR"),
                            actor=org.hr_reviewer, outcome="approved")  # fmt: skip
    services.signoff_decide(signoff=proposal.signoffs.get(department__code="IT"),
                            actor=org.it_reviewer, outcome="rejected", comment="No")  # fmt: skip
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    assert statuses(proposal) == {
        "HR": SignOffStatus.APPROVED,
        "IT": SignOffStatus.REJECTED,
        "MKT": SignOffStatus.CANCELLED,
    }
    # The same round number of another proposal is another round.
    assert set(statuses(other).values()) == {SignOffStatus.PENDING}


def test_a_request_for_changes_closes_only_this_round(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    services.signoff_decide(signoff=proposal.signoffs.get(department__code="HR"),
                            actor=org.hr_reviewer, outcome="changes_requested",
                            comment="Costs?")  # fmt: skip
    proposal.refresh_from_db()
    services.proposal_submit(proposal=proposal, actor=org.requester)
    proposal.refresh_from_db()
    services.signoff_decide(signoff=proposal.signoffs.get(department__code="IT", round=2),
                            actor=org.it_reviewer, outcome="changes_requested",
                            comment="Again")  # fmt: skip
    round_one = {s.department.code: s.status for s in proposal.signoffs.filter(round=1)}
    assert round_one == {
        "HR": SignOffStatus.CHANGES_REQUESTED,
        "IT": SignOffStatus.CANCELLED,
        "MKT": SignOffStatus.CANCELLED,
    }
    proposal.refresh_from_db()
    assert statuses(proposal) == {
        "HR": SignOffStatus.CANCELLED,
        "IT": SignOffStatus.CHANGES_REQUESTED,
        "MKT": SignOffStatus.CANCELLED,
    }


def test_only_the_requester_edits_and_only_while_the_proposal_is_editable(org):
    proposal = make_proposal(requester=org.requester)
    assert can_edit(user=org.requester, proposal=proposal)
    assert not can_edit(user=org.hr_head, proposal=proposal)
    proposal = services.proposal_submit(proposal=proposal, actor=org.requester)
    assert not can_edit(user=org.requester, proposal=proposal)
    assert not can_edit(user=org.hr_head, proposal=proposal)


def test_an_edit_may_not_move_the_proposal_to_a_department_the_requester_is_not_in(org):
    proposal = make_proposal(requester=org.requester)
    with pytest.raises(NotAllowed) as refused:
        services.proposal_update(
            proposal=proposal,
            actor=org.requester,
            data={"requesting_department": org.departments["IT"]},
        )
    assert refused.value.field == "requesting_department"
    proposal.refresh_from_db()
    assert proposal.requesting_department == org.departments["HR"]
    assert not Event.objects.filter(kind="proposal.updated").exists()
    # A member of both files for either.
    MembershipFactory(user=org.requester, department=org.departments["IT"], role=Role.MEMBER)
    services.proposal_update(
        proposal=proposal,
        actor=org.requester,
        data={"requesting_department": org.departments["IT"]},
    )
    proposal.refresh_from_db()
    assert proposal.requesting_department == org.departments["IT"]


def test_an_edit_is_recorded_with_who_which_proposal_and_only_the_fields_that_changed(org):
    proposal = make_proposal(requester=org.requester)
    services.proposal_update(
        proposal=proposal,
        actor=org.requester,
        data={"title": "Payroll bridge", "problem": proposal.problem},
    )
    event = Event.objects.get(kind="proposal.updated")
    assert (event.actor, event.proposal_id) == (org.requester, proposal.pk)
    assert event.payload["fields"] == ["title"]


def test_an_edit_replaces_the_goals_and_integrations_it_is_given_and_keeps_the_others(org):
    first_goal, second_goal = GoalFactory(), GoalFactory()
    first_tool, second_tool = SolutionFactory(), SolutionFactory()
    proposal = make_proposal(requester=org.requester)
    services.proposal_update(
        proposal=proposal,
        actor=org.requester,
        data={},
        goals={first_goal: "Faster hiring"},
        integrates_with=[first_tool],
    )
    assert [g.goal for g in proposal.goal_links.all()] == [first_goal]
    services.proposal_update(
        proposal=proposal, actor=org.requester, data={}, goals={second_goal: "Fewer spreadsheets"}
    )
    assert [(g.goal, g.note) for g in proposal.goal_links.all()] == [
        (second_goal, "Fewer spreadsheets")
    ]
    assert list(proposal.integrates_with.all()) == [first_tool]
    services.proposal_update(
        proposal=proposal, actor=org.requester, data={}, integrates_with=[second_tool]
    )
    assert list(proposal.integrates_with.all()) == [second_tool]
    assert [g.goal for g in proposal.goal_links.all()] == [second_goal]
