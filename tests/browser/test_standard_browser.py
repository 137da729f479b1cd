"""The standard tool in a real browser: the CDO makes a tool the standard on its page; a
manager choosing that category in the proposal form is told "a standard tool exists for this
job" (live, beside the category and first in the duplicate check), and cannot submit a proposal
for another tool without saying why the standard does not serve."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from decisions.models import Proposal, ProposalStatus
from tests.landscape.standard_helpers import eligible_tool

pytestmark = pytest.mark.browser


def test_the_cdo_makes_a_standard_and_the_intake_form_points_to_it(org, browser_for):
    tool = eligible_tool(name="Slack", category="engagement")

    cdo = browser_for(org.cdo.username)
    page = cdo.page
    page.goto(f"/landscape/tools/{tool.pk}/")
    expect(page.locator("#standard")).to_contain_text("No tool is the standard")
    page.get_by_role("button", name="Make standard").click()
    expect(page.locator(".standard-mark")).to_contain_text(
        "Standard for Engagement and communication since"
    )
    expect(page.get_by_role("button", name="Withdraw standard")).to_be_visible()
    cdo.screenshot("standard-tool-page")

    manager = browser_for(org.requester.username)
    page = manager.page
    page.goto("/proposals/new/")
    page.get_by_label("Title").fill("Team chat for the stores")
    page.get_by_label("Problem to solve").fill("Store staff cannot reach the office.")
    page.get_by_label("New vendor", exact=True).fill("Chatterly")
    page.get_by_label("New solution", exact=True).fill("Chatterly")
    page.get_by_label("Category").select_option(label="Engagement and communication")
    notice = page.locator("#standard-notice")
    expect(notice).to_contain_text("A standard tool exists for this job:")
    expect(notice.get_by_role("link", name="Slack")).to_have_attribute(
        "href", f"/landscape/tools/{tool.pk}/"
    )
    # The duplicate check lists the standard first.
    in_use = page.locator("#preview ul:has(li.standard-first) > li")
    expect(in_use.first).to_contain_text("A standard tool exists for this job: Slack")
    page.get_by_label("Recurring cost").fill("100")
    page.get_by_label("Employees affected").fill("40")
    manager.screenshot("standard-intake-form")

    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator("#error-summary")).to_contain_text("Say why it does not serve")
    expect(page.locator("#standard-notice")).to_contain_text("A standard tool exists")
    assert not Proposal.objects.exists()
    manager.screenshot("standard-intake-refused")

    page.get_by_label("Why the standard tool does not serve").fill(
        "Store staff have no company e-mail, which Slack needs."
    )
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator("#workflow")).to_contain_text("In review")
    expect(page.locator(".dmu")).to_contain_text(re.compile("Store staff have no company e-mail"))
    assert Proposal.objects.get().status == ProposalStatus.IN_REVIEW
