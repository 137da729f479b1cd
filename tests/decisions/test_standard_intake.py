"""The intake form points to the category's standard tool first, and a proposal for another
tool of that category must say why the standard does not serve: in the form, the API and the
services alike (no path skips it)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from decisions import services
from decisions.models import Proposal, ProposalStatus
from tests.api.conftest import proposal_body, session_api
from tests.factories import SolutionFactory, ToolFactory, VendorFactory, make_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def standard(org):
    """Slack, the standard for engagement and communication."""
    solution = SolutionFactory(
        name="Slack", vendor=VendorFactory(name="Salesforce"), category="engagement", in_use=True
    )
    return ToolFactory(solution=solution, standard_since=timezone.now())


def form_data(org, **overrides):
    data = {
        "title": "Team chat for the stores",
        "problem": "Store staff cannot reach the office.",
        "requesting_department": org.departments["HR"].pk,
        "paying_department": org.departments["HR"].pk,
        "new_vendor_name": "Chatterly",
        "new_solution_name": "Chatterly",
        "category": "engagement",
        "currency": "EUR",
        "one_off_cost": "0",
        "recurring_cost": "100",
        "recurring_period": "monthly",
        "term_months": "12",
        "employees_affected": "40",
        "proprietary_integrations": "0",
    }
    data.update(overrides)
    return data


def test_the_form_shows_the_standard_and_requires_why_not(client, org, standard):
    client.force_login(org.requester)
    page = client.post(reverse("proposal-create"), form_data(org))
    assert page.status_code == 400
    text = page.text
    assert "A standard tool exists for this job:" in text
    assert reverse("tool-detail", args=[standard.pk]) in text
    assert "A standard tool exists for this job: Slack. Say why it does not serve." in text
    assert not Proposal.objects.exists()
    saved = client.post(
        reverse("proposal-create"),
        form_data(org, standard_why_not="Store staff have no company e-mail for Slack."),
    )
    assert saved.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.standard_why_not == "Store staff have no company e-mail for Slack."
    detail = client.get(reverse("proposal-detail", args=[proposal.reference]))
    assert "Why not the standard tool?" in detail.text
    assert "Store staff have no company e-mail for Slack." in detail.text


def test_no_why_not_is_asked_without_a_standard_or_for_the_standard_itself(client, org, standard):
    client.force_login(org.requester)
    other = client.post(reverse("proposal-create"), form_data(org, category="learning"))
    assert other.status_code == 302
    assert "A standard tool exists" not in client.get(other.url).text
    same = client.post(
        reverse("proposal-create"),
        form_data(org, solution=str(standard.solution.pk), new_vendor_name="",
                  new_solution_name="", category=""),
    )  # fmt: skip
    assert same.status_code == 302, same.text


def test_the_duplicate_check_lists_the_standard_first(client, org, standard):
    SolutionFactory(name="Aardvark Chat", in_use=True, category="engagement")
    client.force_login(org.requester)
    page = client.post(reverse("proposal-preview"), {"category": "engagement"})
    text = page.text
    assert "A standard tool exists for this job:" in text
    assert text.index("Slack") < text.index("Aardvark Chat")
    assert text.count(">Slack<") == 2  # first in the list, and in the notice by the field
    assert 'id="standard-notice"' in text
    assert 'hx-swap-oob="true"' in text
    # A catalog solution of the category is pointed to the standard too (its category).
    other = SolutionFactory(name="Rocket Chat", category="engagement")
    picked = client.post(reverse("proposal-preview"), {"solution": str(other.pk)}).text
    assert "A standard tool exists for this job:" in picked
    # Not for another category, and not when the standard itself is chosen.
    assert (
        "A standard tool exists"
        not in client.post(reverse("proposal-preview"), {"category": "learning"}).text
    )
    assert (
        "A standard tool exists"
        not in client.post(
            reverse("proposal-preview"), {"solution": str(standard.solution.pk)}
        ).text
    )


def test_the_api_requires_why_not(org, standard):
    api = session_api(org.requester)
    refused = api.post("/api/v1/proposals/", proposal_body())
    assert refused.status_code == 400
    assert refused.json()["errors"]["standard_why_not"] == [
        "A standard tool exists for this job: Slack. Say why it does not serve."
    ]
    created = api.post("/api/v1/proposals/", proposal_body(standard_why_not="Needs offline use."))
    assert created.status_code == 201, created.json()
    assert created.json()["standard_why_not"] == "Needs offline use."
    # The API points to the standard too.
    assert created.json()["category_standard"]["tool"] == standard.pk
    assert created.json()["category_standard"]["name"] == "Slack"
    ref = created.json()["reference"]
    proposal = Proposal.objects.get(reference=ref)
    cleared = api.patch(
        f"/api/v1/proposals/{ref}/",
        {"standard_why_not": ""},
        HTTP_IF_MATCH=created.headers["ETag"],
    )
    assert cleared.status_code == 400
    proposal.refresh_from_db()
    assert proposal.standard_why_not == "Needs offline use."


def test_submitting_a_draft_older_than_the_standard_needs_why_not(org):
    draft = make_proposal(requester=org.requester, category="engagement")
    solution = SolutionFactory(name="Slack", category="engagement", in_use=True)
    ToolFactory(solution=solution, standard_since=timezone.now())
    with pytest.raises(DomainError, match="A standard tool exists for this job: Slack"):
        services.proposal_submit(proposal=draft, actor=org.requester)
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.DRAFT
    services.proposal_update(
        proposal=draft, actor=org.requester, data={"standard_why_not": "Offline stores."}
    )
    submitted = services.proposal_submit(proposal=draft, actor=org.requester)
    assert submitted.status == ProposalStatus.IN_REVIEW


def test_the_service_refuses_a_draft_without_why_not(org, standard):
    with pytest.raises(DomainError, match="Say why it does not serve"):
        make_proposal(requester=org.requester, category="engagement")


def test_the_cdo_reads_why_not_on_the_decision_card(client, org, standard):
    proposal = make_proposal(
        requester=org.requester,
        submit=True,
        one_off_cost=50000,
        category="engagement",
        standard_why_not="Slack cannot host 300 external store workers.",
    )
    for signoff in proposal.signoffs.all():
        services.signoff_decide(
            signoff=signoff, actor=org.heads[signoff.department.code], outcome="approved"
        )
    client.force_login(org.cdo)
    page = client.get(reverse("cdo-decisions")).text
    assert "Why not the standard tool?" in page
    assert "Slack cannot host 300 external store workers." in page
