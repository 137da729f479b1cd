"""The vendor risk questionnaire in a real browser: IT Operations' reviewer adds a weighted
question on the questionnaire page; the requester answers it on their draft's assessment page
with JavaScript (the form swaps in place) and without (a plain post and a redirect), and sees
the rating move between high and low, and on the proposal page. Under the strict CSP, checked
with axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from decisions.models import RiskAnswer, RiskQuestion
from tests.factories import make_proposal

pytestmark = pytest.mark.browser


def test_it_adds_a_question_and_the_requester_answers_it(org, browser_for):
    it = browser_for(org.it_reviewer.username)
    page = it.page
    page.goto("/risk/questions/")
    expect(page.locator("main")).to_contain_text("No questions in this category.")
    page.get_by_label("Question (English)").fill("Is there a tested backup?")
    page.get_by_label("Category").select_option(value="continuity")
    page.get_by_label("Weight").fill("4")
    page.get_by_role("button", name="Add the question").click()
    expect(page.locator("main")).to_contain_text("The question is added.")
    expect(page.locator("main")).to_contain_text("Is there a tested backup?")
    question = RiskQuestion.objects.get()
    assert question.weight == 4
    it.screenshot("risk/questions-1366")

    proposal = make_proposal(requester=org.requester)
    requester = browser_for(org.requester.username)
    page = requester.page
    page.goto(f"/proposals/{proposal.reference}/")
    expect(page.locator("#risk")).to_contain_text("Vendor risk: high")
    page.locator("#risk").get_by_role("link", name=re.compile("the answers")).click()
    expect(page).to_have_url(re.compile(rf"/proposals/{proposal.reference}/risk/$"))
    group = page.get_by_role("group", name=re.compile("Is there a tested backup"))
    group.get_by_label("Yes").check()
    group.get_by_label("Note").fill("Restored every quarter")
    page.get_by_role("button", name="Save the answers").click()
    assessment = page.locator("#risk-assessment")
    expect(assessment).to_contain_text("The answers are saved.")
    expect(assessment).to_contain_text("Vendor risk: low")
    expect(assessment).to_contain_text("Restored every quarter")
    assert RiskAnswer.objects.get().answer == "yes"
    requester.screenshot("risk/assessment-1366")
    page.set_viewport_size({"width": 375, "height": 800})
    requester.screenshot("risk/assessment-375")

    # Without JavaScript: a plain post, then the page again.
    plain = browser_for(org.requester.username, javascript=False)
    page = plain.page
    page.goto(f"/proposals/{proposal.reference}/risk/")
    page.get_by_role("group", name=re.compile("Is there a tested backup")).get_by_label(
        "No", exact=True
    ).check()
    page.get_by_role("button", name="Save the answers").click()
    expect(page).to_have_url(re.compile(rf"/proposals/{proposal.reference}/risk/$"))
    expect(page.locator("main")).to_contain_text("The answers are saved.")
    expect(page.locator("main")).to_contain_text("Vendor risk: high")
    assert RiskAnswer.objects.get().answer == "no"


def test_a_requester_is_refused_the_question_form(org, browser_for):
    requester = browser_for(org.requester.username)
    requester.page.goto("/risk/questions/")
    expect(requester.page.locator("main")).not_to_contain_text("Add a question")
    response = requester.page.goto(f"/risk/questions/{_question().pk}/edit/")
    assert response is not None
    assert response.status == 403


def _question() -> RiskQuestion:
    return RiskQuestion.objects.create(text="Tested backup?", category="continuity", weight=1)
