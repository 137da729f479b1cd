"""A pilot's end in the browser: a participant rates it, the owner records what was measured
and opens the review, the departments give their verdicts (a stop without its reason refused in
place, DEBUG on), and keep by all three adopts the tool."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from decisions.models import ProposalStatus
from landscape.models import Lifecycle
from tests.pilots import ended_pilot

pytestmark = pytest.mark.browser


def test_a_pilot_is_rated_reviewed_and_kept(org, browser_for, settings):
    settings.DEBUG = True
    proposal = ended_pilot(org, vendor="Keepsy", participants=[org.outsider])
    url = f"/proposals/{proposal.reference}/"

    # A participant rates it: 9 out of 10, 4 out of 5 for the criterion.
    employee = browser_for(org.outsider.username)
    page = employee.page
    page.goto(url)
    panel = page.locator("#pilot")
    expect(panel).to_contain_text("No rating yet.")
    panel.locator('input[name="recommend"][value="9"]').check()
    panel.locator('input[name^="score_"][value="4"]').check()
    panel.get_by_label("Anything to add (optional)").fill("Quick to learn.")
    panel.get_by_role("button", name="Send my rating").click()
    expect(panel).to_contain_text("Thank you: your rating is recorded.")
    expect(panel).to_contain_text("You rated this round: 9 out of 10.")
    expect(panel).to_contain_text("Promoter score +100")
    expect(panel).to_contain_text("1 answer:")
    employee.screenshot("pilot-rated")

    # The owner records the measurement and opens the review.
    owner = browser_for(org.requester.username)
    page = owner.page
    page.goto(url)
    panel = page.locator("#pilot")
    panel.get_by_label("Weekly users (%)").fill("47")
    panel.get_by_role("button", name="Record the measurements").click()
    expect(panel).to_contain_text("The measurements are recorded.")
    expect(panel).to_contain_text("met")
    panel.get_by_role("button", name="Open the keep/stop review").click()
    expect(panel).to_contain_text("The keep/stop review is open")

    # HR's reviewer tries to stop it without a reason: refused in place, the page intact.
    for code, user in (("HR", org.hr_reviewer), ("IT", org.it_reviewer), ("MKT", org.mkt_reviewer)):
        reviewer = browser_for(user.username)
        page = reviewer.page
        page.goto(url)
        verdict = page.locator(f"#verdict-{code}")
        if code == "HR":
            verdict.get_by_role("radio", name="Stop").check()
            verdict.get_by_role("button", name=f"Give the verdict of {code}").click()
            panel = page.locator("#pilot")
            expect(panel.get_by_role("alert")).to_contain_text("Say why")
            expect(page.get_by_role("heading", level=1)).to_have_text(proposal.title)
            expect(page.get_by_role("navigation", name="Main")).to_be_visible()
            expect(page.locator("#workflow")).to_be_visible()
            reviewer.screenshot("pilot-verdict-refused-debug-on")
            verdict = page.locator(f"#verdict-{code}")
        verdict.get_by_role("radio", name="Keep").check()
        verdict.get_by_role("button", name=f"Give the verdict of {code}").click()
        expect(page.locator("#pilot")).to_contain_text("is recorded.")
    expect(page.locator("#pilot")).to_contain_text("The departments agreed: Keep.")
    expect(page.locator("#workflow")).to_contain_text("Adopted")  # out of band, no reload
    reviewer.screenshot("pilot-kept")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ADOPTED
    assert proposal.tool.lifecycle == Lifecycle.ADOPTED
