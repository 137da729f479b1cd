"""Who may file a proposal (decisions.services.proposals): a refusal names the input at fault, so
that the API points at it, whether the proposal is filed on someone's behalf or is a renewal of
a tool the filer does not own."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from core.errors import NotAllowed
from decisions.models import Proposal, ProposalKind
from decisions.services import proposals
from stakeholders.models import Department, Role
from tests.api.conftest import proposal_body, session_api
from tests.factories import MembershipFactory, ToolFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def assistant(org):
    """Anna assists HR's head: an HR member who signs nothing herself."""
    user = UserFactory(username="anna.assistant", first_name="Anna", last_name="Assistant")
    MembershipFactory(user=user, department=org.departments["HR"], role=Role.MEMBER)
    return user


def test_the_api_points_a_refused_filing_on_someones_behalf_at_the_buying_department(
    org, assistant
):
    response = session_api(assistant).post(
        "/api/v1/proposals/", proposal_body(on_behalf_of="ivan.it")
    )
    assert response.status_code == 403
    errors = response.json()["errors"]
    assert list(errors) == ["requesting_department"]
    assert "not a member of Human Resources" in errors["requesting_department"][0]
    assert not Proposal.objects.exists()


def hr_tool(org):
    """An HR tool owned by the requester, its notice deadline 40 days away."""
    renewal = TODAY + dt.timedelta(days=70)
    return ToolFactory(
        business_owner=org.requester,
        owner_department=Department.objects.get(code="HR"),
        contract_start=renewal.replace(year=renewal.year - 1),
        term_months=12,
        notice_days=30,
        yearly_cost=Decimal("6000"),
    )


def renewal_data(tool) -> dict:
    hr = Department.objects.get(code="HR")
    return {
        "kind": ProposalKind.RENEWAL,
        "tool": tool,
        "renewal_action": "cancel",
        "title": "Cancel the tool",
        "problem": "Nobody uses it any more.",
        "requesting_department": hr,
        "paying_department": hr,
    }


def test_a_renewal_filed_as_a_proposal_is_refused_to_a_colleague_who_does_not_own_the_tool(org):
    tool = hr_tool(org)
    # HR's reviewer may propose for HR, but the tool is the requester's.
    with pytest.raises(NotAllowed, match="Only the tool's owners or IT Operations") as refused:
        proposals.proposal_create(requester=org.hr_reviewer, data=renewal_data(tool))
    assert refused.value.field == "tool"
    assert not tool.proposals.exists()
    # Its owner files the same renewal.
    proposal = proposals.proposal_create(requester=org.requester, data=renewal_data(tool))
    assert proposal.kind == ProposalKind.RENEWAL
    assert proposal.tool == tool
