"""Browser journeys beyond the thin path: a second round, and a user without rights."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from decisions.models import ProposalStatus
from stakeholders.checklists import load_default_checklists
from tests.factories import SolutionFactory, make_proposal

pytestmark = pytest.mark.browser


def answer_checklist_and_approve(page, code: str) -> None:
    checklist = page.locator(".checklist")
    for radio in checklist.get_by_role("radio", name="Yes").all():
        radio.check()
    page.get_by_role("button", name=f"Approve for {code}").click()
    expect(page.locator(f"#signoff-{code}")).to_contain_text("Approved")


def test_changes_requested_then_resubmitted_and_the_new_round_completes(org, browser_for):
    load_default_checklists()
    proposal = make_proposal(requester=org.requester, submit=True, one_off_cost=0,
                             recurring_cost=300)  # fmt: skip
    assert proposal.tier.name == "Small"

    mkt = browser_for(org.mkt_reviewer.username)
    mkt.page.goto(f"/proposals/{proposal.reference}/")
    mkt.page.get_by_label("Comment", exact=True).fill("Add the candidate-facing branding plan.")
    mkt.page.get_by_role("button", name="Request changes").click()
    expect(mkt.page.locator("#workflow")).to_contain_text("Changes requested")

    requester = browser_for(org.requester.username)
    requester.page.goto(f"/proposals/{proposal.reference}/")
    expect(requester.page.locator("#signoff-MKT")).to_contain_text("branding plan")
    requester.page.get_by_role("link", name="Edit").click()
    requester.page.get_by_label("Why this tool").fill(
        "Branding plan: candidate pages in our style."
    )
    requester.page.get_by_role("button", name="Save and submit for review").click()
    expect(requester.page.locator("#workflow")).to_contain_text("round 2")
    expect(requester.page.locator("#workflow")).to_contain_text("In review")
    expect(requester.page.get_by_role("heading", name="Earlier rounds")).to_be_visible()
    requester.screenshot("proposal-round-2")

    for code, reviewer in org.reviewers.items():
        session = browser_for(reviewer.username)
        session.page.goto(f"/proposals/{proposal.reference}/")
        answer_checklist_and_approve(session.page, code)

    proposal.refresh_from_db()
    assert proposal.round == 2
    assert proposal.status == ProposalStatus.APPROVED
    requester.page.reload()
    expect(requester.page.locator("#workflow")).to_contain_text("Approved")


def test_a_user_without_rights_sees_no_actions_and_a_forged_post_is_refused(org, browser_for):
    proposal = make_proposal(requester=org.requester, submit=True)
    outsider = browser_for(org.outsider.username)
    page = outsider.page
    page.goto(f"/proposals/{proposal.reference}/")
    expect(page.locator("#workflow")).to_contain_text("In review")
    expect(
        page.get_by_role("button", name=re.compile("^(Approve|Reject|Request changes)"))
    ).to_have_count(0)
    expect(page.get_by_role("button", name="Withdraw")).to_have_count(0)
    expect(page.get_by_role("button", name="Record decision")).to_have_count(0)

    # A forged sign-off from the outsider's own session, with a valid CSRF token.
    signoff = proposal.signoffs.get(department__code="HR")
    token = page.context.cookies()
    csrf = next(c["value"] for c in token if c["name"] == "csrftoken")
    response = page.request.post(
        f"/signoffs/{signoff.pk}/decide/",
        form={f"s{signoff.pk}-outcome": "approved"},
        headers={"X-CSRFToken": csrf, "Referer": page.url},
    )
    assert response.status == 403
    assert "You may not sign for Human Resources" in response.text()
    # Without the token, CSRF protection refuses it before any rights are checked.
    response = page.request.post(f"/signoffs/{signoff.pk}/decide/",
                                 form={f"s{signoff.pk}-outcome": "approved"})  # fmt: skip
    assert response.status == 403
    signoff.refresh_from_db()
    assert signoff.status == "pending"
    response = page.request.get("/dashboard/")
    assert response.status == 403


def test_main_pages_render_for_screenshots(org, browser_for):
    load_default_checklists()
    for i in range(4):
        make_proposal(requester=org.requester, submit=True, title=f"Proposal {i}",
                      solution=SolutionFactory(in_use=i % 2 == 0))  # fmt: skip
    cdo = browser_for(org.cdo.username)
    for path, name in [("/dashboard/", "dashboard"), ("/catalog/", "catalog"),
                       ("/proposals/", "proposal-list"), ("/", "home-cdo")]:  # fmt: skip
        cdo.page.goto(path)
        expect(cdo.page.get_by_role("heading", level=1)).to_be_visible()
        cdo.screenshot(name)
    reviewer = browser_for(org.it_reviewer.username)
    reviewer.page.goto("/queue/")
    expect(reviewer.page.get_by_role("link", name=re.compile("Proposal 0"))).to_be_visible()
    reviewer.screenshot("queue")
    requester = browser_for(org.requester.username)
    requester.page.goto("/proposals/new/")
    requester.page.get_by_label("Category").select_option(label="Talent acquisition")
    requester.page.get_by_label("Recurring cost").fill("2500")
    requester.page.get_by_label("Recurring period").select_option(label="per month")
    expect(requester.page.locator("#preview")).to_contain_text("Medium")
    requester.screenshot("proposal-form-preview")
