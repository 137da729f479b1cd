"""Wrong actors get a clear refusal and change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import Event
from core.errors import InvalidTransition, NotAllowed
from decisions import services
from decisions.models import ProposalStatus, SignOff, SignOffStatus
from tests.factories import MembershipFactory, make_proposal

pytestmark = pytest.mark.django_db


def approve_url(signoff):
    return reverse("signoff-decide", args=[signoff.pk])


def approve_data(signoff):
    return {f"s{signoff.pk}-outcome": "approved"}


@pytest.fixture
def proposal(org):
    return make_proposal(requester=org.requester, submit=True)


def test_it_refuses_the_requester_signing_their_own_proposal(client, org, proposal):
    # The requester is also an HR reviewer here: still refused.
    MembershipFactory(user=org.requester, department=org.departments["IT"])
    signoff = proposal.signoffs.get(department__code="IT")
    client.force_login(org.requester)
    events = Event.objects.count()
    response = client.post(approve_url(signoff), approve_data(signoff))
    assert response.status_code == 403
    assert "You cannot sign off your own proposal." in response.text
    signoff.refresh_from_db()
    assert signoff.status == SignOffStatus.PENDING
    assert Event.objects.count() == events


def test_it_refuses_a_member_of_another_department(client, org, proposal):
    signoff = proposal.signoffs.get(department__code="HR")
    client.force_login(org.it_reviewer)
    response = client.post(approve_url(signoff), approve_data(signoff))
    assert response.status_code == 403
    assert "You may not sign for Human Resources" in response.text
    signoff.refresh_from_db()
    assert signoff.status == SignOffStatus.PENDING


def test_it_refuses_an_htmx_signoff_in_place_with_the_reason(client, org, proposal):
    signoff = proposal.signoffs.get(department__code="HR")
    client.force_login(org.outsider)
    response = client.post(
        approve_url(signoff), approve_data(signoff), headers={"HX-Request": "true"}
    )
    assert response.status_code == 403
    assert 'id="workflow"' in response.text
    assert "You may not sign for Human Resources" in response.text


def test_it_sends_anonymous_users_to_sign_in_and_changes_nothing(client, proposal):
    signoff = proposal.signoffs.get(department__code="HR")
    response = client.post(approve_url(signoff), approve_data(signoff))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    signoff.refresh_from_db()
    assert signoff.status == SignOffStatus.PENDING


def test_it_refuses_a_second_signoff_for_the_same_department(client, org, proposal):
    signoff = proposal.signoffs.get(department__code="HR")
    client.force_login(org.hr_reviewer)
    assert client.post(approve_url(signoff), approve_data(signoff)).status_code == 302
    client.force_login(org.hr_head)
    response = client.post(
        approve_url(signoff), {f"s{signoff.pk}-outcome": "rejected", f"s{signoff.pk}-comment": "no"}
    )
    assert response.status_code == 409
    assert "Human Resources has already signed: approved by" in response.text
    signoff.refresh_from_db()
    assert signoff.status == SignOffStatus.APPROVED
    assert signoff.reviewer == org.hr_reviewer
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IN_REVIEW


def test_the_database_refuses_two_signoffs_for_one_department_and_round(org, proposal):
    from django.db import IntegrityError

    existing = proposal.signoffs.get(department__code="HR")
    with pytest.raises(IntegrityError):
        SignOff.objects.create(
            proposal=proposal,
            department=existing.department,
            round=existing.round,
            required_role=existing.required_role,
        )


def test_it_refuses_a_reviewer_whose_limit_is_below_the_tco(org):
    proposal = make_proposal(
        requester=org.requester, submit=True, one_off_cost="150000", recurring_cost="0"
    )
    assert proposal.tier.name == "Large"
    signoff = proposal.signoffs.get(department__code="HR")
    with pytest.raises(NotAllowed):
        services.signoff_decide(signoff=signoff, actor=org.hr_reviewer, outcome="approved")
    services.signoff_decide(signoff=signoff, actor=org.hr_head, outcome="approved")


def test_it_refuses_the_decision_to_anyone_but_the_cdo(client, org, proposal):
    for signoff in proposal.signoffs.all():
        services.signoff_decide(
            signoff=signoff, actor=org.reviewers[signoff.department.code], outcome="approved"
        )
    client.force_login(org.hr_head)
    url = reverse("decision-take", args=[proposal.reference])
    response = client.post(url, {"outcome": "approved", "rationale": "Looks fine"})
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWAITING_DECISION
    client.force_login(org.outsider)
    assert client.get(reverse("cdo-decisions")).status_code == 403


def test_it_refuses_a_decision_before_the_departments_signed(client, org, proposal):
    client.force_login(org.cdo)
    url = reverse("decision-take", args=[proposal.reference])
    response = client.post(url, {"outcome": "approved", "rationale": "Hurry"})
    assert response.status_code == 409
    assert "not waiting for a decision" in response.text


def test_it_requires_a_rationale_for_a_decision(org, proposal):
    for signoff in proposal.signoffs.all():
        services.signoff_decide(
            signoff=signoff, actor=org.reviewers[signoff.department.code], outcome="approved"
        )
    with pytest.raises(Exception, match="rationale is required"):
        services.decision_take(proposal=proposal, actor=org.cdo, outcome="approved", rationale=" ")


def test_it_refuses_editing_by_anyone_but_the_requester(client, org):
    proposal = make_proposal(requester=org.requester)
    client.force_login(org.hr_reviewer)
    response = client.post(
        reverse("proposal-edit", args=[proposal.reference]), {"title": "Hijacked"}
    )
    assert response.status_code == 404  # another's draft is private
    proposal.refresh_from_db()
    assert proposal.title != "Hijacked"
    with pytest.raises(NotAllowed):
        services.proposal_update(proposal=proposal, actor=org.hr_reviewer, data={"title": "x"})


def test_it_refuses_editing_a_proposal_under_review(org, proposal):
    with pytest.raises(InvalidTransition):
        services.proposal_update(proposal=proposal, actor=org.requester, data={"title": "x"})


def test_it_refuses_withdrawal_by_another_user(client, org, proposal):
    client.force_login(org.hr_head)
    response = client.post(reverse("proposal-withdraw", args=[proposal.reference]))
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IN_REVIEW


def test_it_requires_csrf_on_signoffs(org, proposal):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(org.hr_reviewer)
    signoff = proposal.signoffs.get(department__code="HR")
    response = csrf_client.post(approve_url(signoff), approve_data(signoff))
    assert response.status_code == 403
    signoff.refresh_from_db()
    assert signoff.status == SignOffStatus.PENDING


def test_it_refuses_get_on_actions(client, org, proposal):
    signoff = proposal.signoffs.get(department__code="HR")
    client.force_login(org.hr_reviewer)
    assert client.get(approve_url(signoff)).status_code == 405
