"""Renewals in a real browser: the calendar filtered by department without JavaScript, and the
owner opening a renewal from the calendar."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from decisions.models import Proposal, ProposalKind, ProposalStatus
from landscape.contracts import add_months
from tests.factories import ToolFactory

pytestmark = pytest.mark.browser


def contract_tool(org, department: str, days_to_deadline: int):
    renewal = timezone.localdate() + dt.timedelta(days=days_to_deadline + 30)
    return ToolFactory(
        owner_department=org.departments[department],
        business_owner=org.requester if department == "HR" else None,
        contract_start=add_months(renewal, -12),
        term_months=12,
        notice_days=30,
        yearly_cost=Decimal("12000"),
    )


def test_the_calendar_filters_without_javascript(org, browser_for):
    hr_tool = contract_tool(org, "HR", 20)
    mkt_tool = contract_tool(org, "MKT", 40)
    page = browser_for(org.outsider.username, javascript=False).page
    page.get_by_role("link", name="Renewals").click()
    expect(page.get_by_role("heading", name="Renewal calendar")).to_be_visible()
    expect(page.locator("main")).to_contain_text(hr_tool.solution.name)
    expect(page.locator("main")).to_contain_text(mkt_tool.solution.name)
    page.get_by_label("Department").select_option("MKT")
    page.get_by_role("button", name="Show").click()
    assert "department=MKT" in page.url
    expect(page.locator("main")).to_contain_text(mkt_tool.solution.name)
    expect(page.locator("main")).not_to_contain_text(hr_tool.solution.name)


def test_the_owner_opens_a_renewal_from_the_calendar(org, browser_for):
    tool = contract_tool(org, "HR", 25)
    requester = browser_for(org.requester.username)
    page = requester.page
    page.goto("/renewals/")
    requester.screenshot("renewals-calendar")
    row = page.locator("tr", has_text=tool.solution.name).filter(has_text="Notice deadline")
    row.get_by_role("link", name="Open a renewal").click()
    expect(page.get_by_role("heading", name=f"Renewal of {tool.solution.name}")).to_be_visible()
    page.get_by_label("Renegotiate").check()
    page.get_by_label("New term (months)").fill("24")
    page.get_by_label("New yearly cost").fill("9000")
    page.get_by_label("Why").fill("Half the seats are unused; renegotiate for fewer.")
    requester.screenshot("renewals-open")
    page.get_by_role("button", name="Open the renewal and submit it for review").click()
    expect(page.locator("#workflow")).to_contain_text("In review")
    expect(page.locator(".dmu")).to_contain_text("What is renewed?")
    expect(page.locator(".dmu")).to_contain_text("No usage reported yet.")
    requester.screenshot("renewals-proposal")
    proposal = Proposal.objects.get(kind=ProposalKind.RENEWAL)
    assert proposal.status == ProposalStatus.IN_REVIEW
    assert proposal.renewal_action == "renegotiate"
    page.goto("/renewals/")
    expect(page.locator("tr", has_text=tool.solution.name).first).to_contain_text(
        proposal.reference
    )
