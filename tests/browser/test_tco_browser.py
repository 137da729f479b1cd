"""TCO by pricing model in a real browser: a manager prices a usage offer by its expected and
high usage, the live preview shows the breakdown and that the high scenario sets the tier, and
the submitted proposal's page shows the same lines."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from decisions.models import Proposal, ProposalStatus
from tests.factories import SolutionFactory

pytestmark = pytest.mark.browser


def test_a_usage_offer_is_priced_on_its_high_scenario(org, browser_for):
    manager = browser_for(org.requester.username)
    page = manager.page
    page.goto("/proposals/new/")
    page.get_by_label("Title").fill("CV parsing for the careers site")
    page.get_by_label("Problem to solve").fill("Recruiters retype every CV.")
    page.get_by_label("New vendor", exact=True).fill("Parsely")
    page.get_by_label("New solution", exact=True).fill("Parsely API")
    page.get_by_label("Category").select_option(label="Talent acquisition")
    page.get_by_label("Employees affected").fill("12")
    # Only the chosen model's inputs show (all of them without JavaScript).
    expect(page.get_by_label("Price per seat per month")).to_be_hidden()
    page.get_by_label("Priced as").select_option(label="On demand / usage")
    expect(page.get_by_label("Licence price")).to_be_hidden()
    page.get_by_label("Expected usage per month").fill("1000")
    page.get_by_label("High usage per month").fill("4000")
    page.get_by_label("Price per unit").fill("0.25")

    preview = page.locator("#preview")
    expect(preview).to_contain_text("High usage: 4,000 a month at 0.25 EUR for 12 months")
    expect(preview).to_contain_text("The high scenario set the tier.")
    expect(preview).to_contain_text("Medium")  # 12,000.00 EUR; the expected 3,000 is Small
    manager.screenshot("tco-preview")

    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator("#workflow")).to_contain_text("In review")
    breakdown = page.locator(".tco-breakdown")
    expect(breakdown).to_contain_text("Expected usage: 1,000 a month at 0.25 EUR for 12 months")
    expect(breakdown).to_contain_text("TCO, high scenario")
    expect(breakdown).to_contain_text("The high scenario set the tier.")
    manager.screenshot("tco-proposal-page")
    proposal = Proposal.objects.get()
    assert proposal.status == ProposalStatus.IN_REVIEW
    assert proposal.tier.name == "Medium"
    assert proposal.tco == 12000


def test_picking_a_catalog_solution_chooses_its_pricing_model(org, browser_for):
    seatly = SolutionFactory(name="Seatly", pricing_model="per_seat", list_price="12.00",
                             price_unit="per seat per month")  # fmt: skip
    manager = browser_for(org.requester.username)
    page = manager.page
    page.goto("/proposals/new/")
    page.get_by_label("Catalog solution").fill(f"Seatly ({seatly.vendor.name})")
    expect(page.get_by_label("Priced as")).to_have_value("per_seat")
    expect(page.get_by_label("Price per seat per month")).to_be_visible()
    page.get_by_label("Seats").fill("10")
    page.get_by_label("Price per seat per month").fill("12")
    expect(page.locator("#preview")).to_contain_text(
        "The catalog lists it as per-seat subscription at 12.00 EUR per seat per month"
    )
    expect(page.locator("#preview")).to_contain_text("Year 1: 10 seats at 12.00 EUR a month")
    manager.screenshot("tco-catalog-pick")
