"""Scoring alternatives in the browser: the requester adds a named alternative, HR's reviewer
scores both options without JavaScript, and the comparison (with how it is computed) shows on
the scoring page and on the proposal page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from decisions.models import AlternativeScore
from tests.scoring import scored_proposal

pytestmark = pytest.mark.browser


def test_alternatives_are_added_scored_and_compared(org, browser_for):
    proposal, _alternative, criteria = scored_proposal(org)
    url = f"/proposals/{proposal.reference}/scoring/"

    requester = browser_for(org.requester.username)
    page = requester.page
    page.goto(url)
    form = page.locator("form", has=page.get_by_role("button", name="Add the alternative"))
    form.get_by_label("Named solution").fill("Recruitee")
    form.get_by_label("Vendor").fill("Recruitee BV")
    form.get_by_role("button", name="Add the alternative").click()
    expect(page.locator("body")).to_contain_text("“Recruitee (Recruitee BV)” added.")
    expect(page.locator("#score-HR")).to_have_count(0)  # never their own proposal

    reviewer = browser_for(org.hr_reviewer.username, javascript=False)
    page = reviewer.page
    page.goto(url)
    scores = page.locator("#score-HR")
    for label, value in [
        ("Fit: Hirely ATS (Hirely)", "5"),
        ("Cost: Hirely ATS (Hirely)", "1"),
        ("Fit: Other ATS (Acme)", "2"),
        ("Cost: Other ATS (Acme)", "5"),
        ("Fit: Recruitee (Recruitee BV)", "3"),
        ("Cost: Recruitee (Recruitee BV)", "3"),
    ]:
        scores.get_by_label(label, exact=True).select_option(value)
    scores.get_by_role("button", name="Save the scores").click()
    comparison = page.locator("#comparison")
    expect(comparison).to_contain_text("Human Resources's total")
    expect(comparison).to_contain_text("4.00")
    expect(comparison).to_contain_text("The proposed solution ranks first.")
    reviewer.screenshot("scoring-comparison")
    assert AlternativeScore.objects.filter(criterion=criteria["fit"]).count() == 3

    page.goto(f"/proposals/{proposal.reference}/")
    expect(page.locator("#scoring")).to_contain_text("Σ(weight * score)")
