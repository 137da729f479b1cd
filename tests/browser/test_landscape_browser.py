"""The landscape in a real browser: from the integration map to a tool, its retirement
proposed, and everyone whose tools depend on it signing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from decisions.models import Proposal, ProposalKind, ProposalStatus
from landscape.models import Lifecycle
from stakeholders.checklists import load_default_checklists
from stakeholders.models import Department, Role
from tests.browser.test_journeys import answer_checklist_and_approve
from tests.factories import MembershipFactory, ToolFactory, ToolIntegrationFactory, UserFactory

pytestmark = pytest.mark.browser


def test_map_to_tool_to_retirement_signed_by_the_owners_of_what_breaks(org, browser_for):
    load_default_checklists()
    finance = Department.objects.get(code="FIN")
    fin_head = UserFactory(username="fiona.finhead")
    MembershipFactory(user=fin_head, department=finance, role=Role.HEAD, approval_limit=None)
    tool = ToolFactory(owner_department=org.departments["HR"], business_owner=org.requester)
    payroll = ToolFactory(owner_department=finance)
    ToolIntegrationFactory(source=tool, target=payroll, data="Payroll changes")

    requester = browser_for(org.requester.username)
    page = requester.page
    page.goto("/landscape/map/")
    requester.screenshot("landscape-map")
    page.locator(f'svg a[href="/landscape/tools/{tool.pk}/"]').first.click()
    expect(page.get_by_role("heading", name="If this tool goes")).to_be_visible()
    expect(page.locator("#impact-h + p")).to_contain_text("Finance")
    requester.screenshot("landscape-tool")
    page.get_by_role("link", name="Propose its retirement").click()
    expect(page.get_by_role("heading", name=f"Retiring {tool.solution.name}")).to_be_visible()
    page.get_by_label("Problem to solve").fill("Replaced by the new HR suite.")
    page.get_by_label("Employees affected").fill("40")
    requester.screenshot("landscape-retirement-form")
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator("#workflow")).to_contain_text("In review")
    expect(page.locator(".dmu")).to_contain_text("What is retired?")
    proposal = Proposal.objects.get(kind=ProposalKind.RETIREMENT)
    assert sorted(proposal.signoffs.values_list("department__code", flat=True)) == [
        "FIN", "HR", "IT", "MKT"]  # fmt: skip
    requester.screenshot("landscape-retirement-proposal")

    signers = {**org.reviewers, "FIN": fin_head}
    for code, user in signers.items():
        session = browser_for(user.username)
        session.page.goto(f"/proposals/{proposal.reference}/")
        answer_checklist_and_approve(session.page, code)

    proposal.refresh_from_db()
    tool.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    assert tool.lifecycle == Lifecycle.RETIRED  # no planned day: switched off at once
    page.goto(f"/landscape/tools/{tool.pk}/")
    expect(page.locator("h1")).to_contain_text("Retired")
    expect(page.locator(".timeline")).to_contain_text(proposal.reference)
