"""The glossary in a real browser: a reviewer follows a term linked in their department's
sign-off checklist to its entry on the glossary page (HR's meaning as the tooltip); a department
head, without JavaScript, searches the glossary, writes their department's meaning and sees it
in the term's history. Screenshots of the glossary pages at 1366 and 375 px, none wider than the
phone's screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from glossary.services import term_create
from stakeholders.models import ChecklistQuestion
from tests.browser.test_screens import OVERFLOW
from tests.factories import make_proposal
from tests.glossary.helpers import user_term

pytestmark = pytest.mark.browser


@pytest.fixture
def glossary(org):
    user_term(org)
    term_create(actor=org.cdo, name="pilot", definition="A limited, time-boxed trial of a tool.")
    term_create(actor=org.cdo, name="personal data",
                definition="Any information about an identifiable living person.")  # fmt: skip
    ChecklistQuestion.objects.create(department=org.departments["HR"],
                                     text="Were the users involved in the pilot?")  # fmt: skip


def test_a_reviewer_follows_a_term_from_the_checklist_to_the_glossary(org, glossary,
                                                                       browser_for):  # fmt: skip
    proposal = make_proposal(requester=org.requester, submit=True, title="Pulse survey")
    reviewer = browser_for(org.hr_reviewer.username)
    page = reviewer.page
    page.goto(f"/proposals/{proposal.reference}/")
    checklist = page.locator("fieldset.checklist")
    link = checklist.get_by_role("link", name="users", exact=True)
    expect(link).to_have_attribute("title", "An employee.")  # HR's meaning, on HR's checklist
    expect(link).to_have_attribute("href", "/glossary/#user")
    expect(checklist.get_by_role("link", name="pilot", exact=True)).to_have_count(1)
    checklist.scroll_into_view_if_needed()
    reviewer.screenshot("1366/glossary-checklist")
    # The glossary opens beside the form: answers typed so far stay where they are.
    with reviewer.context.expect_page() as opened:
        link.click()
    glossary_page = opened.value
    glossary_page.wait_for_load_state()
    expect(glossary_page).to_have_url(re.compile(r"/glossary/#user$"))
    entry = glossary_page.locator("article#user")
    expect(entry).to_be_in_viewport()
    for text in ("A person who works with a tool.", "An employee.", "An account.",
                 "A customer or visitor."):  # fmt: skip
        expect(entry).to_contain_text(text)
    for width in (1366, 375):
        glossary_page.set_viewport_size({"width": width, "height": 768})
        glossary_page.screenshot(path=f"artifacts/screenshots/{width}/glossary.png", full_page=True)
        reviewer.check_accessibility(glossary_page, f"glossary at {width} px")
        assert not glossary_page.evaluate(OVERFLOW)
    glossary_page.close()


def test_a_head_writes_their_departments_meaning_without_javascript(org, glossary, browser_for):
    head = browser_for(org.hr_head.username, javascript=False)
    page = head.page
    page.get_by_role("link", name="Glossary").click()
    expect(page).to_have_url(re.compile(r"/glossary/$"))
    page.get_by_label("Search the glossary").fill("trial")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/glossary/\?q=trial$"))
    expect(page.locator("main article")).to_have_count(1)
    page.get_by_role("link", name="pilot", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("pilot")
    # Their own department's meaning only: HR's form, not IT's.
    expect(page.get_by_role("button", name="Save the HR meaning")).to_be_visible()
    expect(page.get_by_role("button", name="Save the IT meaning")).to_have_count(0)
    page.locator("#id_HR-text").fill("A trial with a volunteer group of employees.")
    page.get_by_role("button", name="Save the HR meaning").click()
    expect(page.get_by_role("status")).to_contain_text("What Human Resources means by it is saved.")
    history = page.locator("table.history")
    expect(history.locator("tbody tr").first).to_contain_text(org.hr_head.get_full_name())
    expect(history.locator("tbody tr").first).to_contain_text(
        "A trial with a volunteer group of employees."
    )
    for width in (1366, 375):
        page.set_viewport_size({"width": width, "height": 768})
        head.screenshot(f"{width}/glossary-term")
        assert not page.evaluate(OVERFLOW)
