"""Who may propose, who sees a draft, and who may decide as CDO: the access rules, in the
services, the browser and the API alike."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import Event
from core.errors import NotAllowed
from decisions import services
from decisions.models import Comment, Proposal, ProposalStatus, SignOffStatus
from stakeholders.models import Role
from tests.api.conftest import proposal_body, session_api
from tests.factories import MembershipFactory, SolutionFactory, make_proposal

pytestmark = pytest.mark.django_db


# --- Who may propose for a department


@pytest.mark.parametrize("who", ["viewer", "outsider", "it_reviewer", "cdo", "superuser"], ids=str)
def test_only_a_member_of_the_buying_department_files_for_it(org, who):
    user = getattr(org, who)
    with pytest.raises(NotAllowed, match="Only a member of Human Resources") as refused:
        make_proposal(requester=user)
    assert refused.value.field == "requesting_department"
    assert not Proposal.objects.exists()
    response = session_api(user).post("/api/v1/proposals/", proposal_body())
    assert response.status_code == 403
    assert "requesting_department" in response.json()["errors"]
    assert not Proposal.objects.exists()


def test_a_viewer_of_a_department_proposes_nothing_even_for_it(org):
    with pytest.raises(NotAllowed):
        make_proposal(
            requester=org.viewer,
            requesting_department=org.departments["FIN"],
            paying_department=org.departments["FIN"],
        )


def test_the_form_offers_only_the_departments_one_works_in_and_fills_it_in(client, org):
    client.force_login(org.requester)
    page = client.get(reverse("proposal-create")).text
    buying = page[page.index('name="requesting_department"') :]
    buying = buying[: buying.index("</select>")]
    assert "Human Resources" in buying
    assert "selected" in buying
    assert "IT Operations" not in buying
    assert "Marketing" not in buying
    # A viewer (and anyone who is a member of no department) gets no form, but the reason,
    # and no "New proposal" button on any page.
    client.force_login(org.viewer)
    response = client.get(reverse("proposal-create"))
    assert response.status_code == 403
    assert "a viewer only reads" in response.text
    assert 'name="requesting_department"' not in response.text
    assert "New proposal" not in client.get(reverse("home")).text
    client.force_login(org.requester)
    assert "New proposal" in client.get(reverse("home")).text


def test_a_forged_post_for_another_department_is_refused_and_saves_nothing(client, org):
    client.force_login(org.it_reviewer)
    data = {
        "title": "Forged",
        "problem": "p",
        "requesting_department": org.departments["HR"].pk,
        "paying_department": org.departments["HR"].pk,
        "new_solution_name": "X",
        "category": "learning",
        "currency": "EUR",
        "one_off_cost": "1",
        "recurring_cost": "0",
        "recurring_period": "yearly",
        "term_months": "12",
        "employees_affected": "1",
    }
    response = client.post(reverse("proposal-create"), data)
    assert response.status_code == 400
    assert not Proposal.objects.exists()


def test_a_member_who_left_the_department_cannot_submit_its_draft(org):
    draft = make_proposal(requester=org.requester)
    org.requester.memberships.all().delete()
    with pytest.raises(NotAllowed, match="Only a member"):
        services.proposal_submit(proposal=draft, actor=org.requester)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_the_paying_department_signs_when_it_is_not_the_buyer(org):
    finance = org.departments["FIN"]  # its sign-off is not required on its own
    proposal = make_proposal(requester=org.requester, submit=True, paying_department=finance)
    assert sorted(s.department.code for s in proposal.signoffs.all()) == ["FIN", "HR", "IT", "MKT"]
    same = make_proposal(requester=org.requester, submit=True)
    assert sorted(s.department.code for s in same.signoffs.all()) == ["HR", "IT", "MKT"]


def test_the_paying_department_must_approve_before_it_is_approved(org):
    finance = org.departments["FIN"]
    fin_reviewer = MembershipFactory(department=finance, role=Role.REVIEWER).user
    proposal = make_proposal(
        requester=org.requester, submit=True, paying_department=finance, one_off_cost=500,
        recurring_cost=0,
    )  # fmt: skip
    for code in ("HR", "IT", "MKT"):
        services.signoff_decide(signoff=proposal.signoffs.get(department__code=code),
                                actor=org.reviewers[code], outcome="approved")  # fmt: skip
    proposal.refresh_from_db()
    assert proposal.status == "in_review"  # Finance still to sign
    services.signoff_decide(signoff=proposal.signoffs.get(department__code="FIN"),
                            actor=fin_reviewer, outcome="approved")  # fmt: skip
    proposal.refresh_from_db()
    assert proposal.status == "approved"


# --- Drafts are private until submitted


@pytest.fixture
def draft(org):
    return make_proposal(requester=org.requester, title="Secret plan", solution=SolutionFactory())


@pytest.mark.parametrize("who", ["hr_reviewer", "cdo", "outsider", "viewer"])
def test_anothers_draft_is_not_there(client, org, draft, who):
    client.force_login(getattr(org, who))
    ref = draft.reference
    for name in ("proposal-detail", "proposal-timeline", "proposal-edit"):
        assert client.get(reverse(name, args=[ref])).status_code == 404, name
    for name in ("proposal-submit", "proposal-withdraw", "comment-add"):
        assert client.post(reverse(name, args=[ref]), {"body": "x"}).status_code == 404, name
    assert "Secret plan" not in client.get(reverse("proposal-list")).text
    assert "Secret plan" not in client.get(reverse("proposal-list"), {"status": "draft"}).text
    assert "Secret plan" not in client.get(reverse("home")).text
    assert (
        "Secret plan" not in client.get(reverse("solution-detail", args=[draft.solution_id])).text
    )
    api = session_api(getattr(org, who))
    assert api.get(f"/api/v1/proposals/{ref}/").status_code == 404
    assert ref not in api.get("/api/v1/proposals/?search=Secret").text
    assert not Comment.objects.exists()
    with pytest.raises(NotAllowed):
        services.comment_add(proposal=draft, actor=getattr(org, who), body="Peek")


def test_the_requester_and_the_administrator_see_the_draft(client, org, draft):
    for user in (org.requester, org.superuser):
        client.force_login(user)
        assert client.get(reverse("proposal-detail", args=[draft.reference])).status_code == 200
        assert "Secret plan" in client.get(reverse("proposal-list")).text


def test_the_home_page_lists_ones_own_draft_and_not_anothers(client, org, draft):
    make_proposal(requester=org.requester, submit=True, title="Submitted one")
    client.force_login(org.hr_reviewer)
    page = client.get(reverse("home")).text
    assert "Secret plan" not in page
    client.force_login(org.requester)
    page = client.get(reverse("home")).text
    assert "Secret plan" in page
    assert "Submitted one" in page


def test_a_submitted_proposal_is_visible_to_everyone_signed_in(client, org, draft):
    services.proposal_submit(proposal=draft, actor=org.requester)
    client.force_login(org.viewer)
    assert client.get(reverse("proposal-detail", args=[draft.reference])).status_code == 200


# --- Separation of duties: who decides as CDO


def awaiting(org, **overrides):
    proposal = make_proposal(requester=org.requester, submit=True, **overrides)
    for signoff in proposal.signoffs.all():
        reviewer = org.reviewers.get(signoff.department.code)
        services.signoff_decide(signoff=signoff, actor=reviewer, outcome="approved")
    proposal.refresh_from_db()
    assert proposal.status == "awaiting_decision"
    return proposal


def test_the_superuser_is_not_the_cdo(client, org):
    proposal = awaiting(org)
    with pytest.raises(NotAllowed, match="Only the Chief Digital Officer"):
        services.decision_take(
            proposal=proposal, actor=org.superuser, outcome="approved", rationale="I can"
        )
    client.force_login(org.superuser)
    assert client.get(reverse("cdo-decisions")).status_code == 403
    assert client.get(reverse("dashboard")).status_code == 403
    page = client.get(reverse("proposal-detail", args=[proposal.reference])).text
    assert "Record decision" not in page
    response = session_api(org.superuser).post(
        f"/api/v1/proposals/{proposal.reference}/decide/",
        {"outcome": "approved", "rationale": "I can"},
    )
    assert response.status_code == 403
    assert not proposal.decisions.exists()


def test_a_cdo_who_signed_it_off_does_not_decide(client, org):
    # The CDO is also HR's head here and signed for HR.
    MembershipFactory(user=org.cdo, department=org.departments["HR"], role=Role.HEAD,
                      approval_limit=None)  # fmt: skip
    proposal = make_proposal(requester=org.requester, submit=True)
    for signoff in proposal.signoffs.all():
        code = signoff.department.code
        actor = org.cdo if code == "HR" else org.reviewers[code]
        services.signoff_decide(signoff=signoff, actor=actor, outcome="approved")
    proposal.refresh_from_db()
    with pytest.raises(NotAllowed, match="You signed this proposal off"):
        services.decision_take(proposal=proposal, actor=org.cdo, outcome="approved", rationale="x")
    response = session_api(org.cdo).post(
        f"/api/v1/proposals/{proposal.reference}/decide/",
        {"outcome": "approved", "rationale": "x"},
    )
    assert response.status_code == 403
    assert "signed this proposal off" in response.json()["message"]
    client.force_login(org.cdo)
    for page in (
        client.get(reverse("cdo-decisions")).text,
        client.get(reverse("proposal-detail", args=[proposal.reference])).text,
    ):
        assert "another CDO decides" in page
        assert f'action="{reverse("decision-take", args=[proposal.reference])}"' not in page
    assert not proposal.decisions.exists()


def test_a_cdo_who_heads_the_paying_department_does_not_decide(org):
    MembershipFactory(user=org.cdo, department=org.departments["MKT"], role=Role.HEAD,
                      approval_limit=None)  # fmt: skip
    proposal = awaiting(org, paying_department=org.departments["MKT"])
    with pytest.raises(NotAllowed, match="You head the department that pays"):
        services.decision_take(proposal=proposal, actor=org.cdo, outcome="approved", rationale="x")
    assert not Event.objects.filter(kind__startswith="decision.").exists()


def cdo_own_proposal_awaiting(org):
    """The CDO, also an HR member, filed a proposal that every department approved."""
    MembershipFactory(user=org.cdo, department=org.departments["HR"], role=Role.MEMBER)
    proposal = make_proposal(requester=org.cdo, submit=True)
    for signoff in proposal.signoffs.all():
        services.signoff_decide(signoff=signoff, actor=org.reviewers[signoff.department.code],
                                outcome=SignOffStatus.APPROVED)  # fmt: skip
    proposal.refresh_from_db()
    return proposal


def test_a_cdo_does_not_decide_on_their_own_proposal(org):
    proposal = cdo_own_proposal_awaiting(org)
    with pytest.raises(NotAllowed, match="your own proposal"):
        services.decision_take(proposal=proposal, actor=org.cdo, outcome="approved", rationale="x")


def test_a_cdo_is_refused_their_own_proposal_on_the_page_and_through_the_api(client, org):
    proposal = cdo_own_proposal_awaiting(org)
    events = Event.objects.count()
    client.force_login(org.cdo)
    url = reverse("decision-take", args=[proposal.reference])
    for data in (
        {"outcome": "approved", "rationale": "Mine, and good."},
        {"from": "decisions", "outcome": "approved", "rationale": "Mine, and good."},
    ):
        response = client.post(url, data)
        assert response.status_code == 403
        assert "You cannot decide on your own proposal." in response.text
    page = client.get(reverse("cdo-decisions")).text
    assert f'action="{url}"' not in page
    assert "You cannot decide on your own proposal." in page
    response = session_api(org.cdo).post(
        f"/api/v1/proposals/{proposal.reference}/decide/",
        {"outcome": "approved", "rationale": "Mine, and good."},
    )
    assert response.status_code == 403
    assert "your own proposal" in response.json()["message"]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWAITING_DECISION
    assert not proposal.decisions.exists()
    assert Event.objects.count() == events


def test_a_cdo_with_no_tie_to_the_proposal_decides(org):
    proposal = awaiting(org)
    decision = services.decision_take(
        proposal=proposal, actor=org.cdo, outcome="approved", rationale="Fits the goals."
    )
    assert decision.decided_by == org.cdo
