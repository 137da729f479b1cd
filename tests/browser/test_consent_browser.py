"""Consent mode in a real browser: the reviewer's queue says when the consent is presumed, an
objection lands in the dissent log in place (htmx) or after a reload (no JavaScript), and the CDO
finds the dissent on the decision card. axe-core checks every page on the way."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from decisions import services
from decisions.models import ProposalStatus
from tests.factories import make_proposal

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no JavaScript"])
def test_an_objection_goes_to_the_dissent_log_and_the_cdo_breaks_the_tie(
    org, browser_for, javascript
):
    for tier in org.tiers.values():
        tier.consent_mode = True
        tier.save()
    proposal = make_proposal(requester=org.requester, submit=True)

    it = browser_for(org.it_reviewer.username, javascript=javascript)
    page = it.page
    page.goto("/queue/")
    expect(page.locator("table.queue")).to_contain_text("unless you object")
    page.get_by_role("link", name=proposal.reference).first.click()
    expect(page.locator("#dmu-h").locator("..")).to_contain_text("Consent mode")
    panel = page.locator("#signoff-IT")
    expect(panel).to_contain_text("unless the department objects")
    panel.get_by_label("Comment").fill("No single sign-on: we cannot support it.")
    panel.get_by_role("button", name="Reject").click()
    dissent = page.locator("#dissent")
    expect(dissent).to_contain_text("No single sign-on: we cannot support it.")
    expect(page.locator("#workflow h2")).to_contain_text("In review")  # the round goes on
    it.screenshot(f"consent-dissent-{'htmx' if javascript else 'plain'}")

    for code in ("HR", "MKT"):
        services.signoff_decide(
            signoff=proposal.signoffs.get(department__code=code),
            actor=org.reviewers[code],
            outcome="approved",
        )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWAITING_DECISION

    cdo = browser_for(org.cdo.username, javascript=javascript)
    cdo.page.goto("/decisions/")
    card = cdo.page.locator(f"#decide-{proposal.reference}")
    expect(card).to_contain_text("Consent mode: you break the tie")
    expect(card.locator(".dissent-log")).to_contain_text("No single sign-on")
