"""Filing on someone's behalf in a real browser, without JavaScript: an assistant files a
proposal for HR's head; the head finds it among their own, with both names, and may not sign it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from decisions.models import Proposal, ProposalStatus
from stakeholders.models import Role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.browser


def test_an_assistant_files_for_the_head_who_then_cannot_sign_it(org, browser_for):
    assistant = UserFactory(username="anna.assistant", first_name="Anna", last_name="Assistant")
    MembershipFactory(user=assistant, department=org.departments["HR"], role=Role.MEMBER)
    head = org.hr_head.get_full_name()

    session = browser_for(assistant.username, javascript=False)
    page = session.page
    page.get_by_role("link", name="New proposal").click()
    page.get_by_label("On behalf of").select_option(label=head)
    page.get_by_label("Title").fill("Leadership coaching for new managers")
    page.get_by_label("Problem to solve").fill("New managers get no coaching between reviews.")
    page.get_by_label("Paying department").select_option(label="Human Resources (HR)")
    page.get_by_label("New vendor").fill("Coachly")
    page.get_by_label("New solution").fill("Coachly Teams")
    page.get_by_label("Category").select_option(label="Learning")
    page.get_by_label("One-off cost").fill("0")
    page.get_by_label("Recurring cost").fill("500")
    session.screenshot("proposal-form-on-behalf")
    page.get_by_role("button", name="Save and submit for review").click()

    proposal = Proposal.objects.get()
    assert (proposal.requester, proposal.filed_by) == (org.hr_head, assistant)
    assert proposal.status == ProposalStatus.IN_REVIEW
    expect(page.locator(".filed-by")).to_have_text("(filed by Anna Assistant)")
    # Neither the filer nor the person it is for signs it.
    expect(page.get_by_role("button", name=re.compile("^Approve"))).to_have_count(0)

    manager = browser_for(org.hr_head.username)
    expect(manager.page.get_by_text("filed by Anna Assistant").first).to_be_visible()
    manager.page.get_by_role("link", name=proposal.reference).first.click()
    expect(manager.page.get_by_role("heading", level=1)).to_have_text(proposal.title)
    expect(manager.page.get_by_role("button", name="Approve for HR")).to_have_count(0)
    manager.screenshot("proposal-filed-on-behalf")
