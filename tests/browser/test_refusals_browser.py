"""A refused action says why in place — with DEBUG on (the demo) as with DEBUG off: the page
keeps its layout and navigation, and the message sits where the action was."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from decisions import services
from decisions.models import ProposalStatus, SignOffStatus
from stakeholders.checklists import load_default_checklists
from tests.factories import make_proposal

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("debug", [True, False], ids=["DEBUG on", "DEBUG off"])
def test_a_refused_sign_off_is_explained_in_place(org, browser_for, settings, debug):
    settings.DEBUG = debug
    load_default_checklists()
    proposal = make_proposal(requester=org.requester, submit=True)
    reviewer = browser_for(org.hr_reviewer.username)
    page = reviewer.page
    page.goto(f"/proposals/{proposal.reference}/")
    # Request changes without the comment that must say what to change: refused (400).
    page.locator("#signoff-HR").get_by_role("button", name="Request changes").click()
    workflow = page.locator("#workflow")
    expect(workflow).to_contain_text("a comment is required")
    # The page is intact: its heading, its navigation, the other departments' panels.
    expect(page.get_by_role("heading", level=1)).to_have_text(proposal.title)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.locator("#signoff-IT")).to_be_visible()
    reviewer.screenshot(f"refusal-in-place-debug-{'on' if debug else 'off'}")
    assert proposal.signoffs.get(department__code="HR").status == SignOffStatus.PENDING


def test_an_in_place_sign_off_updates_the_timeline_too(org, browser_for):
    proposal = make_proposal(requester=org.requester, submit=True)
    reviewer = browser_for(org.hr_reviewer.username)
    page = reviewer.page
    page.goto(f"/proposals/{proposal.reference}/")
    expect(page.locator("#timeline")).not_to_contain_text("Sign-off approved")
    page.get_by_role("button", name="Approve for HR").click()
    expect(page.locator("#workflow")).to_contain_text("Sign-off recorded.")
    expect(page.locator("#timeline")).to_contain_text("Sign-off approved")  # no reload


def awaiting_decision(org):
    proposal = make_proposal(requester=org.requester, submit=True, one_off_cost=50000)
    for signoff in proposal.signoffs.all():
        services.signoff_decide(
            signoff=signoff, actor=org.heads[signoff.department.code], outcome="approved"
        )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWAITING_DECISION
    return proposal


@pytest.mark.parametrize("debug", [True, False], ids=["DEBUG on", "DEBUG off"])
def test_a_refused_decision_keeps_its_card_and_what_was_typed(org, browser_for, settings, debug):
    settings.DEBUG = debug
    proposal = awaiting_decision(org)
    cdo = browser_for(org.cdo.username)
    page = cdo.page
    page.goto("/decisions/")
    card = page.locator(f"#decide-{proposal.reference}")
    # No outcome is preset: the CDO chooses one.
    expect(card.get_by_label("Decision")).to_have_value("")
    card.get_by_label("Decision").select_option(label="Rejected")
    card.get_by_label("Rationale").fill("   ")  # blank once trimmed: refused by the server
    card.get_by_label("Rationale").evaluate("el => el.removeAttribute('required')")
    card.get_by_role("button", name="Record decision").click()
    expect(card.get_by_role("alert")).to_contain_text("rationale")
    expect(card).to_contain_text(proposal.reference)  # the card, not another fragment
    expect(card).to_contain_text(proposal.title)
    expect(card.get_by_label("Decision")).to_have_value("rejected")
    cdo.screenshot(f"decision-refused-debug-{'on' if debug else 'off'}")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWAITING_DECISION


def test_back_on_a_filtered_dashboard_shows_the_filters_it_shows(org, browser_for):
    """The filters update the dashboard in place and the URL; going back and forward, the
    page shows the data and the filters of its URL (reloaded from the server, not from a
    snapshot that lost the selects' values)."""
    make_proposal(requester=org.requester, submit=True)
    cdo = browser_for(org.cdo.username)
    page = cdo.page
    page.goto("/dashboard/")
    page.get_by_label("Department", exact=True).select_option("IT")
    page.wait_for_url(re.compile(r"department=IT&.*category=$"))
    page.get_by_label("Category", exact=True).select_option("crm")
    page.wait_for_url(re.compile(r"category=crm"))
    page.go_back()
    page.wait_for_url(re.compile(r"department=IT&.*category=$"))
    expect(page.get_by_label("Department", exact=True)).to_have_value("IT")
    expect(page.get_by_label("Category", exact=True)).to_have_value("")
    page.go_forward()
    expect(page.get_by_label("Category", exact=True)).to_have_value("crm")
    expect(page.get_by_label("Department", exact=True)).to_have_value("IT")


def test_back_to_a_filtered_dashboard_after_leaving_it_shows_the_whole_page(org, browser_for):
    """Filter in place, go to another page, come back: the whole dashboard (navigation, styles,
    the filters of its URL), not the fragment htmx fetched for that URL."""
    make_proposal(requester=org.requester, submit=True)
    cdo = browser_for(org.cdo.username)
    page = cdo.page
    page.goto("/dashboard/")
    page.get_by_label("Department", exact=True).select_option("IT")
    page.wait_for_url(re.compile(r"department=IT"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Proposals").click()
    page.wait_for_url(re.compile(r"/proposals/"))
    page.go_back()
    page.wait_for_url(re.compile(r"/dashboard/\?department=IT"))
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_label("Department", exact=True)).to_have_value("IT")
    assert page.evaluate("document.styleSheets.length") >= 1


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "without JavaScript"])
@pytest.mark.parametrize("debug", [True, False], ids=["DEBUG on", "DEBUG off"])
def test_a_refused_sign_off_says_why_by_its_buttons_and_takes_the_focus(
    org, browser_for, settings, debug, javascript
):
    """Approve without the checklist: the reason appears by the buttons, not at the top of the
    panel, and the focus moves to it (htmx focuses it after the swap; without JavaScript the
    browser honours its autofocus on the page the POST answers with)."""
    settings.DEBUG = debug
    load_default_checklists()
    proposal = make_proposal(requester=org.requester, submit=True)
    reviewer = browser_for(org.hr_reviewer.username, javascript=javascript)
    page = reviewer.page
    page.goto(f"/proposals/{proposal.reference}/")
    panel = page.locator("#signoff-HR")
    panel.get_by_role("button", name="Approve for HR").click()
    alert = panel.locator("form").get_by_role("alert")
    expect(alert).to_contain_text("Answer the checklist before approving")
    expect(alert).to_be_focused()
    expect(alert).to_be_in_viewport()
    approve = panel.get_by_role("button", name="Approve for HR")
    expect(approve).to_have_accessible_description(re.compile("Answer the checklist"))
    expect(page.locator("#workflow-error")).to_have_count(0)
    # The page is whole, not replaced by a debug error page.
    expect(page.get_by_role("heading", level=1)).to_have_text(proposal.title)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    if javascript:
        assert page.url.endswith(f"/proposals/{proposal.reference}/")  # swapped in place
    reviewer.screenshot(
        f"signoff-refused-by-its-buttons-{'htmx' if javascript else 'no-js'}"
        f"-debug-{'on' if debug else 'off'}"
    )
    assert proposal.signoffs.get(department__code="HR").status == SignOffStatus.PENDING


def test_the_language_buttons_after_a_refused_plain_post_go_back_to_the_proposal(org, browser_for):
    """Without JavaScript a refused sign-off is rendered at its POST-only URL; switching the
    language from there lands on the proposal's page, in that language (not a 405)."""
    proposal = make_proposal(requester=org.requester, submit=True)
    reviewer = browser_for(org.hr_reviewer.username, javascript=False)
    page = reviewer.page
    page.goto(f"/proposals/{proposal.reference}/")
    page.locator("#signoff-HR").get_by_role("button", name="Request changes").click()
    expect(page.locator("#signoff-HR").get_by_role("alert")).to_contain_text("comment")
    assert "/signoffs/" in page.url
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="NL").click()
    assert navigation.value.status == 200
    assert page.url.endswith(f"/proposals/{proposal.reference}/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(
        page.locator("#signoff-HR").get_by_role("button", name="Wijzigingen vragen")
    ).to_be_visible()
    reviewer.screenshot("language-after-refused-post")
