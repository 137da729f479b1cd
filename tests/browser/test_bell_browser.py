"""The bell in a real browser: a request for changes reaches the requester's bell; marking it read
with HTMX updates the list and the bell in place; opening one follows its link. Under the strict
CSP (the browser_for fixture fails the test on any violation)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from decisions import services
from tests.factories import make_proposal

pytestmark = pytest.mark.browser


def test_the_requester_reads_a_request_for_changes_from_the_bell(org, browser_for):
    proposal = make_proposal(requester=org.requester, submit=True)
    services.signoff_decide(
        signoff=proposal.signoffs.get(department__code="IT"),
        actor=org.it_reviewer,
        outcome="changes_requested",
        comment="Which SSO provider?",
    )
    other = make_proposal(requester=org.requester, submit=True, title="Learning platform")
    services.signoff_decide(
        signoff=other.signoffs.get(department__code="HR"),
        actor=org.hr_reviewer,
        outcome="changes_requested",
        comment="Works council first.",
    )

    requester = browser_for(org.requester.username)
    page = requester.page
    bell = page.locator("#bell")
    expect(bell).to_have_attribute("aria-label", "Notifications, 2 unread")
    bell.click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    items = page.locator(".notification.unread")
    expect(items).to_have_count(2)
    expect(page.locator("#notifications")).to_contain_text("Which SSO provider?")
    requester.screenshot("notifications")

    # Mark one read in place (HTMX): the list and the bell change, the page does not reload.
    page.evaluate("window.__same_page = true")
    page.locator(".notification", has_text="Works council first.").get_by_role(
        "button", name="Mark as read"
    ).click()
    expect(page.locator("#notifications")).to_contain_text("Marked as read.")
    expect(items).to_have_count(1)
    expect(page.locator("#bell")).to_have_attribute("aria-label", "Notifications, 1 unread")
    assert page.evaluate("window.__same_page") is True

    # Opening the other one follows its link and marks it read.
    page.get_by_role("link", name=re.compile("Which SSO provider")).click()
    expect(page).to_have_url(re.compile(f"/proposals/{proposal.reference}/$"))
    expect(page.locator("#bell")).to_have_attribute("aria-label", "Notifications, 0 unread")
