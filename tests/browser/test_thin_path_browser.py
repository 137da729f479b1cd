"""The walking skeleton in a real browser: submit, three sign-offs, the CDO's decision."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from decisions.models import Proposal, ProposalStatus

pytestmark = pytest.mark.browser


def test_a_proposal_goes_from_submission_to_approval_in_the_browser(org, browser_for):
    requester = browser_for(org.requester.username)
    page = requester.page
    page.get_by_role("link", name="New proposal").click()
    page.get_by_label("Title").fill("Learning platform for frontline staff")
    page.get_by_label("Problem to solve").fill("Frontline staff cannot reach training on shift.")
    page.get_by_label("Why this tool").fill("Mobile-first microlearning.")
    page.get_by_label("Buying department").select_option(label="Human Resources (HR)")
    page.get_by_label("Paying department").select_option(label="Human Resources (HR)")
    page.get_by_label("New vendor").fill("Learnly")
    page.get_by_label("New solution").fill("Learnly Go")
    page.get_by_label("Category").select_option(label="Learning")
    page.get_by_label("One-off cost").fill("4000")
    page.get_by_label("Recurring cost").fill("30000")
    page.get_by_label("Recurring period").select_option(label="per year")
    requester.screenshot("proposal-form")
    page.get_by_role("button", name="Save and submit for review").click()

    expect(page.locator("#workflow")).to_contain_text("In review")
    proposal = Proposal.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text(proposal.title)
    requester.screenshot("proposal-in-review")
    # The requester sees no sign-off buttons on their own proposal.
    expect(page.get_by_role("button", name=re.compile("^Approve"))).to_have_count(0)

    for code, reviewer in org.reviewers.items():
        session = browser_for(reviewer.username)
        session.page.get_by_role("link", name=re.compile("My queue")).click()
        session.page.get_by_role("link", name=re.compile(proposal.reference)).click()
        if code == "HR":
            session.screenshot("proposal-reviewer-view")
        session.page.get_by_role("button", name=f"Approve for {code}").click()
        # HTMX swapped the panel in place: the same page, the new state.
        expect(session.page.locator("#workflow")).to_contain_text("Sign-off recorded.")
        expect(session.page.locator(f"#signoff-{code}")).to_contain_text("Approved")
        expect(session.page.get_by_role("button", name=f"Approve for {code}")).to_have_count(0)

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWAITING_DECISION

    cdo = browser_for(org.cdo.username)
    cdo.page.get_by_role("link", name="Decisions", exact=True).click()
    card = cdo.page.locator(f"#decide-{proposal.reference}")
    expect(card).to_contain_text(proposal.title)
    cdo.screenshot("cdo-decisions")
    card.get_by_label("Decision").select_option(label="Approved")
    card.get_by_label("Rationale").fill("Serves the learning goal at a fair price.")
    card.get_by_role("button", name="Record decision").click()
    expect(cdo.page.get_by_text("No proposal waits for your decision.")).to_be_visible()
    expect(cdo.page.get_by_role("status")).to_contain_text(f"{proposal.reference}: Approved")

    requester.page.reload()
    expect(requester.page.locator("#workflow")).to_contain_text("Approved")
    expect(requester.page.locator("#workflow")).to_contain_text("Serves the learning goal")
    requester.screenshot("proposal-approved")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED


def test_the_catalog_picker_by_keyboard_alone(org, browser_for):
    """One box: typing narrows its suggestions (HTMX fills the datalist from the whole
    catalog); the picked label is the solution, its category follows."""
    from tests.factories import SolutionFactory

    SolutionFactory(name="Docebo Learn", category="learning")
    greenhouse = SolutionFactory(name="Greenhouse Recruiting", category="talent_acquisition")
    requester = browser_for(org.requester.username)
    page = requester.page
    page.goto("/proposals/new/")
    page.get_by_label("Title").focus()
    page.keyboard.type("One applicant tracking system")
    page.keyboard.press("Tab")
    page.get_by_label("Problem to solve").type("Three spreadsheets, lost candidates.")
    box = page.get_by_role("combobox", name="Catalog solution")
    box.focus()
    page.keyboard.type("greenh")
    suggestions = page.locator("#solution-options option")
    expect(suggestions).to_have_count(1)
    label = suggestions.first.get_attribute("value")
    assert label == f"Greenhouse Recruiting ({greenhouse.vendor.name})"
    box.fill("")
    page.keyboard.type(label)
    page.keyboard.press("Tab")
    # The catalog's solutions are per-seat subscriptions: picking one asks for its seats.
    page.get_by_label("Seats", exact=True).fill("10")
    page.get_by_label("Price per seat per month").fill("8")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("h1")).to_have_text("One applicant tracking system")
    proposal = Proposal.objects.get()
    assert proposal.solution == greenhouse
    assert proposal.category == "talent_acquisition"


def test_picking_a_catalog_solution_sets_its_category_at_once(org, browser_for):
    """The category follows the picked solution before the box is left (and the live "who
    decides" panel with it); a category chosen by hand afterwards stays."""
    from tests.factories import SolutionFactory

    greenhouse = SolutionFactory(
        name="Greenhouse Recruiting", category="talent_acquisition", in_use=True
    )
    requester = browser_for(org.requester.username)
    page = requester.page
    page.goto("/proposals/new/")
    category = page.get_by_label("Category", exact=True)
    expect(category).to_have_value("")
    box = page.get_by_role("combobox", name="Catalog solution")
    box.focus()
    page.keyboard.type("greenh")
    suggestion = page.locator("#solution-options option")
    expect(suggestion).to_have_count(1)
    box.fill(suggestion.first.get_attribute("value") or "")  # what picking it does
    expect(category).to_have_value("talent_acquisition")
    expect(box).to_be_focused()  # at once: not on leaving the box
    expect(page.locator("#preview")).to_contain_text("Greenhouse")
    requester.screenshot("proposal-form-category-from-solution")
    category.select_option("engagement")
    page.get_by_label("Title").fill("One applicant tracking system")
    page.get_by_label("Problem to solve").fill("Three spreadsheets.")
    page.get_by_label("Seats", exact=True).fill("10")
    page.get_by_label("Price per seat per month").fill("8")
    expect(category).to_have_value("engagement")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("h1")).to_have_text("One applicant tracking system")
    proposal = Proposal.objects.get()
    assert proposal.solution == greenhouse
    assert proposal.category == "engagement"
