"""Proposals filed on someone's behalf: an assistant files for a manager. The proposal is the
manager's (its requester); the assistant is who filed it (filed_by). Both see the draft, edit,
submit and withdraw it; rights follow the person it is for (a member of the buying department),
the filer must be one too; neither of them signs it, not even as a delegate, and neither decides
on it as the CDO."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from audit.models import Event
from core.errors import NotAllowed
from decisions import services
from decisions.models import (
    DecisionOutcome,
    Notification,
    NotificationKind,
    Proposal,
    ProposalStatus,
    SignOffStatus,
)
from decisions.rights import can_edit, can_see, cdo_conflict, on_behalf_refusal, signing_right
from decisions.selectors import proposal_list, signoffs_actionable_by
from stakeholders.models import Delegation, Department, Role
from stakeholders.selectors import people_proposable_for
from tests.api.conftest import proposal_body, session_api
from tests.factories import MembershipFactory, UserFactory, cdo_group, make_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def assistant(org):
    """Anna assists HR's head (Henk): an HR member who signs nothing herself."""
    user = UserFactory(username="anna.assistant", first_name="Anna", last_name="Assistant")
    MembershipFactory(user=user, department=org.departments["HR"], role=Role.MEMBER)
    return user


def file_for(person, *, by, submit=False, **overrides) -> Proposal:
    """A proposal `by` files for `person` through the service (for HR, unless told)."""
    hr = Department.objects.get(code="HR")
    data = {
        "title": "Leadership coaching platform",
        "problem": "Managers get no coaching between reviews.",
        "requesting_department": hr,
        "paying_department": hr,
        "new_vendor_name": "Coachly",
        "new_solution_name": "Coachly Teams",
        "category": "learning",
        "one_off_cost": Decimal("2000"),
        "recurring_cost": Decimal("1000"),
        "recurring_period": "monthly",
        "term_months": 12,
        **overrides,
    }
    proposal = services.proposal_create(requester=by, data=data, on_behalf_of=person)
    if submit:
        proposal = services.proposal_submit(proposal=proposal, actor=by)
    return proposal


# --- Filing -----------------------------------------------------------------------------------


def test_an_assistant_files_a_draft_that_is_the_managers(org, assistant):
    proposal = file_for(org.hr_head, by=assistant)

    assert proposal.requester == org.hr_head
    assert proposal.filed_by == assistant
    event = Event.objects.get(kind="proposal.created", proposal_id=proposal.pk)
    assert event.actor_id == assistant.pk
    assert event.payload["requester"] == "henk.hrhead"
    assert event.payload["filed_by"] == "anna.assistant"


def test_a_proposal_filed_by_its_requester_names_no_filer(org):
    proposal = make_proposal(requester=org.requester)

    assert proposal.filed_by is None
    event = Event.objects.get(kind="proposal.created", proposal_id=proposal.pk)
    assert "requester" not in event.payload  # the actor is the requester
    assert "filed_by" not in event.payload


def test_it_refuses_filing_for_someone_outside_the_buying_department(org, assistant):
    before = Proposal.objects.count()
    with pytest.raises(NotAllowed, match="is not a member of Human Resources"):
        file_for(org.it_reviewer, by=assistant)
    assert Proposal.objects.count() == before


def test_it_refuses_a_filer_outside_the_buying_department(org):
    # IT's reviewer may file for IT, not for HR, even for an HR colleague.
    with pytest.raises(NotAllowed, match="Only a member of Human Resources can file"):
        file_for(org.hr_head, by=org.it_reviewer)
    assert not Proposal.objects.exists()


def test_it_refuses_filing_for_a_viewer_of_the_department(org, assistant):
    # A viewer reads: rights follow the person it is for, and a viewer proposes nothing.
    reader = UserFactory(username="rob.reader")
    MembershipFactory(user=reader, department=org.departments["HR"], role=Role.VIEWER)
    assert (
        on_behalf_refusal(filer=assistant, requester=reader, department=org.departments["HR"])
        is not None
    )
    with pytest.raises(NotAllowed, match="not a member of Human Resources"):
        file_for(reader, by=assistant)


def test_a_member_of_the_department_is_enough_for_the_person_it_is_for(org, assistant):
    # The lowest role that proposes (member) is enough: the boundary of "not a viewer".
    assert (
        on_behalf_refusal(
            filer=assistant, requester=org.hr_member, department=org.departments["HR"]
        )
        is None
    )
    assert (
        on_behalf_refusal(
            filer=org.hr_member, requester=assistant, department=org.departments["HR"]
        )
        is None
    )


def test_it_refuses_a_viewer_filing_for_a_colleague(org, assistant):
    reader = UserFactory(username="rob.reader")
    MembershipFactory(user=reader, department=org.departments["HR"], role=Role.VIEWER)
    assert "Only a member of Human Resources" in on_behalf_refusal(
        filer=reader, requester=assistant, department=org.departments["HR"]
    )


def test_it_refuses_filing_for_someone_who_can_no_longer_sign_in(org, assistant):
    org.hr_head.is_active = False
    org.hr_head.save()
    with pytest.raises(NotAllowed, match="can no longer sign in"):
        file_for(org.hr_head, by=assistant)


def test_it_refuses_naming_oneself_as_the_person_it_is_for(org, assistant):
    with pytest.raises(NotAllowed, match="without naming yourself"):
        file_for(assistant, by=assistant)
    assert (
        on_behalf_refusal(filer=assistant, requester=assistant, department=org.departments["HR"])
        is not None
    )


def test_the_form_offers_the_people_of_the_filers_departments(org, assistant):
    people = set(people_proposable_for(filer=assistant))

    assert {org.requester, org.hr_reviewer, org.hr_head, org.hr_member} <= people
    assert assistant not in people  # never oneself
    assert org.it_reviewer not in people  # another department
    assert org.viewer not in people  # a viewer proposes nothing
    assert not people_proposable_for(filer=org.outsider).exists()
    assert not people_proposable_for(filer=org.viewer).exists()


def test_submitting_checks_again_that_the_person_it_is_for_is_a_member(org, assistant):
    proposal = file_for(org.hr_head, by=assistant)
    org.hr_head.memberships.filter(department__code="HR").delete()

    with pytest.raises(NotAllowed, match="not a member of Human Resources"):
        services.proposal_submit(proposal=proposal, actor=assistant)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT
    assert not proposal.signoffs.exists()


# --- Who sees and moves it ----------------------------------------------------------------------


def test_both_see_the_draft_and_nobody_else_does(org, assistant):
    proposal = file_for(org.hr_head, by=assistant)

    assert can_see(user=org.hr_head, proposal=proposal)
    assert can_see(user=assistant, proposal=proposal)
    assert not can_see(user=org.hr_reviewer, proposal=proposal)
    for who in (org.hr_head, assistant):
        assert proposal in proposal_list(user=who)
        assert proposal in proposal_list(user=who, requester=who)  # "my proposals"
    assert proposal not in proposal_list(user=org.hr_reviewer)


def test_both_edit_and_submit_it(org, assistant):
    proposal = file_for(org.hr_head, by=assistant)
    assert can_edit(user=assistant, proposal=proposal)
    assert can_edit(user=org.hr_head, proposal=proposal)

    services.proposal_update(proposal=proposal, actor=org.hr_head, data={"title": "Coaching"})
    proposal = services.proposal_submit(proposal=proposal, actor=assistant)

    assert proposal.status == ProposalStatus.IN_REVIEW
    assert proposal.title == "Coaching"
    signoff = proposal.signoffs.get(department__code="HR")
    assert signoff.proposal_requester_id == org.hr_head.pk
    assert signoff.proposal_filed_by_id == assistant.pk
    event = Event.objects.get(kind="proposal.submitted", proposal_id=proposal.pk)
    assert event.payload["filed_by"] == "anna.assistant"


def test_the_filer_withdraws_it(org, assistant):
    proposal = file_for(org.hr_head, by=assistant, submit=True)

    services.proposal_withdraw(proposal=proposal, actor=assistant, reason="Budget moved.")

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN


@pytest.mark.parametrize(
    "action",
    [
        lambda p, who: services.proposal_update(proposal=p, actor=who, data={"title": "Mine"}),
        lambda p, who: services.proposal_submit(proposal=p, actor=who),
        lambda p, who: services.proposal_withdraw(proposal=p, actor=who),
    ],
    ids=["edit", "submit", "withdraw"],
)
def test_a_colleague_who_neither_filed_it_nor_is_it_for_cannot_move_it(org, assistant, action):
    proposal = file_for(org.hr_head, by=assistant)
    events = Event.objects.count()

    with pytest.raises(NotAllowed, match="Only the requester, or who filed it for them"):
        action(proposal, org.hr_member)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.title) == (
        ProposalStatus.DRAFT,
        "Leadership coaching platform",
    )
    assert Event.objects.count() == events


def test_the_person_it_is_for_cannot_be_changed_through_an_edit(org, assistant):
    proposal = file_for(org.hr_head, by=assistant)
    services.proposal_update(
        proposal=proposal, actor=assistant, data={"requester": org.hr_member, "title": "T"}
    )
    proposal.refresh_from_db()
    assert proposal.requester == org.hr_head


# --- Neither signs it ------------------------------------------------------------------------


def test_the_filer_cannot_sign_it_off_though_a_reviewer_of_that_department(org, assistant):
    MembershipFactory(user=assistant, department=org.departments["IT"], role=Role.REVIEWER)
    proposal = file_for(org.hr_head, by=assistant, submit=True)
    signoff = proposal.signoffs.get(department__code="IT")

    assert signing_right(user=assistant, signoff=signoff) is None
    assert signoff not in signoffs_actionable_by(user=assistant)
    with pytest.raises(NotAllowed, match="You filed this proposal on someone's behalf"):
        services.signoff_decide(signoff=signoff, actor=assistant, outcome=SignOffStatus.APPROVED)
    signoff.refresh_from_db()
    assert signoff.status == SignOffStatus.PENDING


def test_the_person_it_is_for_cannot_sign_it_off(org, assistant):
    proposal = file_for(org.hr_head, by=assistant, submit=True)
    signoff = proposal.signoffs.get(department__code="HR")

    assert signing_right(user=org.hr_head, signoff=signoff) is None
    assert signoff not in signoffs_actionable_by(user=org.hr_head)
    with pytest.raises(NotAllowed, match="You cannot sign off your own proposal"):
        services.signoff_decide(signoff=signoff, actor=org.hr_head, outcome=SignOffStatus.APPROVED)
    # HR's reviewer, neither of them, signs it.
    assert signing_right(user=org.hr_reviewer, signoff=signoff) is not None


def test_a_delegate_cannot_sign_for_the_filer(org, assistant):
    # Anna also reviews for IT, and hands her rights to an IT colleague while away.
    MembershipFactory(user=assistant, department=org.departments["IT"], role=Role.REVIEWER)
    colleague = UserFactory(username="igor.itmember")
    MembershipFactory(user=colleague, department=org.departments["IT"], role=Role.MEMBER)
    today = timezone.localdate()
    Delegation.objects.create(
        delegator=assistant, delegate=colleague, starts_on=today, ends_on=today + dt.timedelta(1)
    )
    proposal = file_for(org.hr_head, by=assistant, submit=True)
    signoff = proposal.signoffs.get(department__code="IT")

    assert signing_right(user=colleague, signoff=signoff) is None
    assert signoff not in signoffs_actionable_by(user=colleague)
    # The same delegation signs a proposal Anna has nothing to do with.
    other = make_proposal(requester=org.requester, submit=True)
    right = signing_right(user=colleague, signoff=other.signoffs.get(department__code="IT"))
    assert right is not None
    assert right.on_behalf_of == assistant


def test_a_delegate_cannot_sign_for_the_person_it_is_for(org, assistant):
    today = timezone.localdate()
    Delegation.objects.create(
        delegator=org.hr_head, delegate=org.hr_member, starts_on=today, ends_on=today
    )
    proposal = file_for(org.hr_head, by=assistant, submit=True)
    signoff = proposal.signoffs.get(department__code="HR")

    assert signing_right(user=org.hr_member, signoff=signoff) is None
    assert signoff not in signoffs_actionable_by(user=org.hr_member)


# --- Nor decides on it ------------------------------------------------------------------------


def awaiting(proposal, org):
    for code, reviewer in org.reviewers.items():
        services.signoff_decide(
            signoff=proposal.signoffs.get(department__code=code),
            actor=reviewer,
            outcome=SignOffStatus.APPROVED,
        )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWAITING_DECISION
    return proposal


def test_a_cdo_who_filed_it_for_someone_cannot_decide_on_it(
    org, django_capture_on_commit_callbacks
):
    MembershipFactory(user=org.cdo, department=org.departments["HR"], role=Role.MEMBER)
    other = UserFactory(username="chris.cdo")
    other.groups.add(cdo_group())
    with django_capture_on_commit_callbacks(execute=True):
        proposal = awaiting(file_for(org.hr_member, by=org.cdo, submit=True), org)

    assert "You filed this proposal on someone's behalf" in cdo_conflict(
        user=org.cdo, proposal=proposal
    )
    with pytest.raises(NotAllowed, match="another CDO decides"):
        services.decision_take(
            proposal=proposal, actor=org.cdo, outcome=DecisionOutcome.APPROVED, rationale="Go."
        )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWAITING_DECISION
    # Another CDO is told it waits for them, and decides.
    told = Notification.objects.filter(proposal=proposal, kind=NotificationKind.DECISION_NEEDED)
    assert set(told.values_list("user__username", flat=True)) == {"chris.cdo"}
    assert cdo_conflict(user=other, proposal=proposal) is None


def test_a_cdo_cannot_decide_on_a_proposal_filed_for_them(org, assistant):
    MembershipFactory(user=org.cdo, department=org.departments["HR"], role=Role.MEMBER)
    proposal = awaiting(file_for(org.cdo, by=assistant, submit=True), org)

    assert (
        cdo_conflict(user=org.cdo, proposal=proposal) == "You cannot decide on your own proposal."
    )


# --- Both are told ----------------------------------------------------------------------------


def test_both_are_told_when_changes_are_asked(org, assistant, django_capture_on_commit_callbacks):
    proposal = file_for(org.hr_head, by=assistant, submit=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.signoff_decide(
            signoff=proposal.signoffs.get(department__code="IT"),
            actor=org.it_reviewer,
            outcome=SignOffStatus.CHANGES_REQUESTED,
            comment="Add the SSO plan.",
        )
    told = Notification.objects.filter(proposal=proposal, kind=NotificationKind.CHANGES_REQUESTED)
    assert set(told.values_list("user__username", flat=True)) == {
        "henk.hrhead",
        "anna.assistant",
    }


# --- The pages --------------------------------------------------------------------------------


def form_data(org, **extra) -> dict:
    hr = org.departments["HR"].pk
    return {
        "title": "Pulse survey", "problem": "No feedback loop.",
        "requesting_department": hr, "paying_department": hr,
        "new_vendor_name": "Pulse Inc", "new_solution_name": "Pulse", "category": "engagement",
        "currency": "EUR", "one_off_cost": "0", "recurring_cost": "100",
        "recurring_period": "monthly", "term_months": "12", "employees_affected": "10",
        **extra,
    }  # fmt: skip


def test_the_form_files_on_behalf_and_the_page_shows_both_names(client, org, assistant):
    client.force_login(assistant)
    form = client.get(reverse("proposal-create"))
    assert "On behalf of" in form.text
    assert escape(org.hr_head.get_full_name()) in form.text

    response = client.post(reverse("proposal-create"), form_data(org, on_behalf_of=org.hr_head.pk))

    assert response.status_code == 302
    proposal = Proposal.objects.get(title="Pulse survey")
    assert (proposal.requester, proposal.filed_by) == (org.hr_head, assistant)
    page = client.get(reverse("proposal-detail", args=[proposal.reference])).text
    assert "filed by Anna Assistant" in page
    # The person it is for finds it among their proposals, with both names.
    client.force_login(org.hr_head)
    home = client.get("/").text
    assert proposal.reference in home
    assert "filed by Anna Assistant" in home


def test_the_form_refuses_someone_of_another_department(client, org, assistant):
    client.force_login(assistant)
    response = client.post(
        reverse("proposal-create"), form_data(org, on_behalf_of=org.it_reviewer.pk)
    )
    assert response.status_code == 400
    assert not Proposal.objects.exists()


def test_the_edit_form_does_not_offer_to_change_the_person(client, org, assistant):
    proposal = file_for(org.hr_head, by=assistant)
    client.force_login(assistant)
    response = client.get(reverse("proposal-edit", args=[proposal.reference]))
    assert response.status_code == 200
    assert "On behalf of" not in response.text


def test_the_decision_card_names_both(client, org, assistant):
    proposal = awaiting(file_for(org.hr_head, by=assistant, submit=True), org)
    client.force_login(org.cdo)
    page = client.get(reverse("cdo-decisions")).text
    assert proposal.reference in page
    assert "filed by Anna Assistant" in page


def test_the_list_page_costs_the_same_queries_with_more_proposals_filed_for_someone(
    client, org, assistant
):
    client.force_login(assistant)
    file_for(org.hr_head, by=assistant)
    client.get("/proposals/")  # warm the caches
    with CaptureQueriesContext(connection) as one:
        assert client.get("/proposals/").status_code == 200
    for person in (org.requester, org.hr_member, org.hr_reviewer, org.hr_head):
        file_for(person, by=assistant)
    with CaptureQueriesContext(connection) as five:
        page = client.get("/proposals/")
    assert page.text.count("filed by Anna Assistant") == 5
    assert len(five) == len(one)


# --- The API ----------------------------------------------------------------------------------


def test_the_api_files_on_behalf_and_shows_both(org, assistant):
    api = session_api(assistant)
    response = api.post("/api/v1/proposals/", proposal_body(on_behalf_of="henk.hrhead"))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["requester"]["username"] == "henk.hrhead"
    assert body["filed_by"]["username"] == "anna.assistant"
    listed = session_api(org.hr_head).get("/api/v1/proposals/?mine=true").json()["results"]
    assert [p["reference"] for p in listed] == [body["reference"]]
    assert listed[0]["filed_by"]["full_name"] == "Anna Assistant"
    mine = api.get("/api/v1/proposals/?mine=true").json()["results"]
    assert [p["reference"] for p in mine] == [body["reference"]]


def test_the_api_refuses_filing_for_someone_of_another_department(org, assistant):
    response = session_api(assistant).post(
        "/api/v1/proposals/", proposal_body(on_behalf_of="ivan.it")
    )
    assert response.status_code == 403
    assert "not a member of Human Resources" in response.json()["message"]
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    "name", ["nobody.here", "henk\x00hrhead", "henk\ud800", "9" * 5000, 12345678901234567890]
)
def test_the_api_refuses_an_unknown_or_malformed_person(org, assistant, name):
    response = session_api(assistant).post("/api/v1/proposals/", proposal_body(on_behalf_of=name))
    assert response.status_code == 400
    assert "on_behalf_of" in response.json()["errors"]
    assert not Proposal.objects.exists()


def test_the_api_refuses_changing_the_person_it_is_for(org, assistant):
    proposal = file_for(org.hr_head, by=assistant)
    response = session_api(assistant).patch(
        f"/api/v1/proposals/{proposal.reference}/", {"on_behalf_of": "hugo.hrmember"}
    )
    assert response.status_code == 400
    assert "on_behalf_of" in response.json()["errors"]
    proposal.refresh_from_db()
    assert proposal.requester == org.hr_head


def test_the_api_lets_the_filer_edit_and_refuses_a_colleague(org, assistant):
    proposal = file_for(org.hr_head, by=assistant)
    ok = session_api(assistant).patch(
        f"/api/v1/proposals/{proposal.reference}/", {"title": "Coaching"}
    )
    assert ok.status_code == 200
    refused = session_api(org.hr_member).patch(
        f"/api/v1/proposals/{proposal.reference}/", {"title": "Hijacked"}
    )
    assert refused.status_code == 404  # another's draft does not exist for them
    proposal.refresh_from_db()
    assert proposal.title == "Coaching"


def test_the_audit_trail_names_whom_it_was_filed_for(client, org, assistant):
    proposal = file_for(org.hr_head, by=assistant, submit=True)
    client.force_login(org.hr_reviewer)
    page = client.get(reverse("proposal-timeline", args=[proposal.reference])).text
    assert "on behalf of henk.hrhead" in page
    assert "Anna Assistant" in page


def test_the_audit_trail_says_nothing_of_behalf_when_the_requester_acts(client, org, assistant):
    proposal = file_for(org.hr_head, by=assistant)
    services.proposal_submit(proposal=proposal, actor=org.hr_head)
    client.force_login(org.hr_head)
    page = client.get(reverse("proposal-timeline", args=[proposal.reference])).text
    assert page.count("on behalf of henk.hrhead") == 1  # the creation only, not the submission
