"""The CDO's decisions page without JavaScript (plain form posts): a refusal shows the page
again with the reason on that proposal's card and what was typed; a decision returns to the
page with a confirmation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from decisions import services
from decisions.models import ProposalStatus
from tests.factories import make_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def awaiting(org):
    proposal = make_proposal(requester=org.requester, submit=True, one_off_cost=50000)
    for signoff in proposal.signoffs.all():
        services.signoff_decide(
            signoff=signoff, actor=org.heads[signoff.department.code], outcome="approved"
        )
    proposal.refresh_from_db()
    return proposal


def test_a_refused_decision_comes_back_on_its_card(client, org, awaiting):
    client.force_login(org.cdo)
    response = client.post(
        reverse("decision-take", args=[awaiting.reference]),
        {"from": "decisions", "outcome": "rejected", "rationale": "", "conditions": "If cheaper"},
    )
    assert response.status_code == 400
    page = response.text
    card = page[page.index(f'id="decide-{awaiting.reference}"') :]
    assert "Choose a decision and write its rationale." in card
    assert '<option value="rejected" selected>' in card
    assert "If cheaper" in card
    awaiting.refresh_from_db()
    assert awaiting.status == ProposalStatus.AWAITING_DECISION


def test_a_decision_returns_to_the_page_with_a_confirmation(client, org, awaiting):
    client.force_login(org.cdo)
    response = client.post(
        reverse("decision-take", args=[awaiting.reference]),
        {"from": "decisions", "outcome": "approved", "rationale": "Fits the goal."},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("cdo-decisions")
    assert f"{awaiting.reference}: Approved" in response.text
    assert "No proposal waits for your decision." in response.text


def test_nothing_is_preselected(client, org, awaiting):
    client.force_login(org.cdo)
    page = client.get(reverse("cdo-decisions")).text
    assert '<option value="" selected>' in page
    assert '<option value="approved" selected>' not in page
