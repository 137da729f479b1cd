"""The onboarding checklist in the browser: HR's reviewer gives a task to a colleague with a
due date and ticks another off in place (HTMX), IT Operations' head ticks one off without
JavaScript, and the progress follows; the requester reads it without a single form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from decisions.models import OnboardingTask
from tests.handoff import approved_with_checklist

pytestmark = pytest.mark.browser


def test_tasks_are_assigned_and_ticked_off_with_and_without_javascript(org, browser_for):
    proposal = approved_with_checklist(org)
    url = f"/proposals/{proposal.reference}/handoff/"
    due = timezone.localdate() + dt.timedelta(days=5)

    # HR's reviewer: the training to Hugo, due in five days; the works council done.
    reviewer = browser_for(org.hr_reviewer.username)
    page = reviewer.page
    page.goto(url)
    checklist = page.locator("#checklist")
    expect(checklist).to_contain_text("0 of 6 onboarding tasks done")
    training = OnboardingTask.objects.get(proposal=proposal, title="Plan and give the training")
    row = page.locator(f"#task-{training.pk}")
    row.get_by_label("Assignee").select_option(org.hr_member.username)
    row.get_by_label("Due on").fill(due.isoformat())
    row.get_by_role("button", name="Save").click()
    expect(checklist).to_contain_text("“Plan and give the training” saved.")
    page.get_by_role("button", name="Mark “Inform or consult the works council” done").click()
    expect(checklist).to_contain_text("is done.")
    expect(checklist).to_contain_text("1 of 6 onboarding tasks done")
    expect(page.get_by_role("heading", level=1)).to_have_text("Onboarding checklist")
    reviewer.screenshot("handoff-checklist")
    training.refresh_from_db()
    assert (training.assignee, training.due_on) == (org.hr_member, due)

    # IT Operations' head, without JavaScript: a plain form, then the page again.
    it_head = browser_for(org.it_head.username, javascript=False)
    page = it_head.page
    page.goto(url)
    page.get_by_role("button", name="Mark “Set up single sign-on” done").click()
    expect(page.locator("#checklist")).to_contain_text("2 of 6 onboarding tasks done")
    sso = OnboardingTask.objects.get(proposal=proposal, title="Set up single sign-on")
    assert sso.done_by == org.it_head

    # The requester reads the checklist and the progress on the proposal page: no forms.
    requester = browser_for(org.requester.username)
    page = requester.page
    page.goto(url)
    expect(page.locator("#checklist form")).to_have_count(0)
    page.goto(f"/proposals/{proposal.reference}/")
    expect(page.locator("#onboarding")).to_contain_text("2 of 6 onboarding tasks done")

    # Hugo's list holds his task.
    hugo = browser_for(org.hr_member.username)
    hugo.page.goto("/handoff/mine/")
    expect(hugo.page.locator("#my-tasks")).to_contain_text("Plan and give the training")


def test_a_head_adds_an_onboarding_template(org, browser_for):
    from decisions.handoff import load_default_templates
    from decisions.models import OnboardingTemplate

    load_default_templates()
    head = browser_for(org.hr_head.username, javascript=False)
    page = head.page
    page.goto("/handoff/templates/")
    form = page.locator("form", has=page.get_by_role("button", name="Add the task"))
    form.get_by_label("Title (English)").fill("Update the HR handbook")
    form.get_by_label("Title (Dutch)").fill("Het personeelshandboek bijwerken")
    form.get_by_label("Due after (days)").fill("30")
    form.get_by_role("button", name="Add the task").click()
    expect(page.locator("body")).to_contain_text("“Update the HR handbook” saved.")
    head.screenshot("onboarding-template-added")
    template = OnboardingTemplate.objects.get(title_en="Update the HR handbook")
    assert template.title_nl == "Het personeelshandboek bijwerken"
    assert template.title_fr is None  # left blank: reads as the English
