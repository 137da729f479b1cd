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


def test_the_card_shows_what_the_cdo_decides_on(client, org):
    """The five questions, the TCO's share of the payer's budget, each department's sign-off
    with its comment, and the checklist questions answered "no" flagged."""
    from stakeholders.models import AnswerKind, ChecklistQuestion

    it = org.departments["IT"]
    question = ChecklistQuestion.objects.create(
        department=it, text="Does it support single sign-on?", kind=AnswerKind.YES_NO
    )
    proposal = make_proposal(
        requester=org.requester, submit=True, one_off_cost=50000,
        processes_personal_data=True, personal_data_notes="Names and e-mail addresses",
        alternatives="Keep the spreadsheet",
    )  # fmt: skip
    for signoff in proposal.signoffs.all():
        services.signoff_decide(
            signoff=signoff, actor=org.heads[signoff.department.code], outcome="approved",
            comment=f"{signoff.department.code} is fine with it.",
            answers={str(question.pk): "no"} if signoff.department == it else None,
        )  # fmt: skip
    client.force_login(org.cdo)
    page = client.get(reverse("cdo-decisions")).text
    card = page[page.index(f'id="decide-{proposal.reference}"') :]
    assert "Names and e-mail addresses" in card
    assert "Keep the spreadsheet" in card
    for code in ("HR", "IT", "MKT"):
        assert f"{code} is fine with it." in card
    assert "Answered no: Does it support single sign-on?" in card
    proposal.refresh_from_db()
    # This fiscal year's part of the TCO against this year's budget (tests/decisions/
    # test_budgets.py checks the amounts).
    assert "of it in fiscal year" in card
    assert "% of that year's budget" in card


def test_the_page_is_paged_oldest_first(client, org):
    from decisions.views.workflow import DECISIONS_PAGE_SIZE

    references = []
    for _ in range(DECISIONS_PAGE_SIZE + 2):
        proposal = make_proposal(requester=org.requester, submit=True, one_off_cost=50000)
        for signoff in proposal.signoffs.all():
            services.signoff_decide(
                signoff=signoff, actor=org.heads[signoff.department.code], outcome="approved"
            )
        references.append(proposal.reference)
    client.force_login(org.cdo)
    first = client.get(reverse("cdo-decisions")).text
    second = client.get(reverse("cdo-decisions"), {"page": 2}).text
    assert f'id="decide-{references[0]}"' in first
    assert f'id="decide-{references[-1]}"' not in first
    assert f'id="decide-{references[-1]}"' in second
    assert f"Page 1 of 2 ({DECISIONS_PAGE_SIZE + 2} waiting)" in first
