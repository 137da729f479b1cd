"""How a round ends: the sign-offs still open close, those already given stand, and nothing of
another proposal or round moves; who may still edit the proposal."""

from __future__ import annotations

import pytest

from decisions import services
from decisions.models import ProposalStatus, SignOffStatus
from decisions.rights import can_edit
from tests.factories import make_proposal

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
