"""The life of a tool in one journey, as issue 13 tells it: a pilot ends, the employees who used
it rate it, the departments keep it, its usage comes in from the SaaS console's export, the CDO
makes it the standard for its job, and the next manager who opens the intake form for that job
is pointed to it first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from decisions.models import Proposal
from landscape.models import Lifecycle
from tests.pilots import ended_pilot

pytestmark = pytest.mark.browser


def test_pilot_ratings_keep_usage_standard_and_the_intake_form_points_to_it(
    org, browser_for, settings, tmp_path
):
    settings.STANDARD_MIN_ADOPTED_DAYS = 0  # "a configurable time adopted": here, none
    proposal = ended_pilot(org, vendor="Keepsy", participants=[org.outsider])
    url = f"/proposals/{proposal.reference}/"

    # The employee who piloted it rates it.
    employee = browser_for(org.outsider.username)
    page = employee.page
    page.goto(url)
    panel = page.locator("#pilot")
    panel.locator('input[name="recommend"][value="10"]').check()
    panel.locator('input[name^="score_"][value="5"]').check()
    panel.get_by_role("button", name="Send my rating").click()
    expect(panel).to_contain_text("Promoter score +100")

    # The owner records what was measured and opens the keep/stop review.
    owner = browser_for(org.requester.username)
    page = owner.page
    page.goto(url)
    panel = page.locator("#pilot")
    panel.get_by_label("Weekly users (%)").fill("64")
    panel.get_by_role("button", name="Record the measurements").click()
    expect(panel).to_contain_text("The measurements are recorded.")
    panel.get_by_role("button", name="Open the keep/stop review").click()
    expect(panel).to_contain_text("The keep/stop review is open")

    # HR, IT Operations and Marketing keep it: the tool is adopted.
    for code, user in (("HR", org.hr_reviewer), ("IT", org.it_reviewer), ("MKT", org.mkt_reviewer)):
        page = browser_for(user.username).page
        page.goto(url)
        verdict = page.locator(f"#verdict-{code}")
        verdict.get_by_role("radio", name="Keep").check()
        verdict.get_by_role("button", name=f"Give the verdict of {code}").click()
        expect(page.locator("#pilot")).to_contain_text("is recorded.")
    expect(page.locator("#workflow")).to_contain_text("Adopted")
    proposal.refresh_from_db()
    tool = proposal.tool
    assert tool.lifecycle == Lifecycle.ADOPTED
    tool.seats = 50
    tool.save(update_fields=["seats"])

    # Its usage arrives from the SaaS console's export, through the browser's CSV import.
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    export = tmp_path / "keepsy-users.csv"
    export.write_text(
        f"tool,month,active_users,licensed_seats\n{tool.pk},{month:%Y-%m},41,50\n",
        encoding="utf-8",
    )
    page = owner.page
    page.goto(f"/landscape/tools/{tool.pk}/")
    page.locator("#usage").get_by_role("link", name="Import usage (CSV)").click()
    page.get_by_label("CSV file").set_input_files(str(export))
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name="Import 1 valid row").click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()

    # The CDO makes it the standard for its category.
    cdo = browser_for(org.cdo.username)
    page = cdo.page
    page.goto(f"/landscape/tools/{tool.pk}/")
    page.get_by_role("button", name="Make standard").click()
    expect(page.locator(".standard-mark")).to_contain_text("Standard for")
    cdo.screenshot("tool-life-standard")

    # The next manager proposing a tool for that job is pointed to it first.
    manager = browser_for(org.requester.username)
    page = manager.page
    page.goto("/proposals/new/")
    page.get_by_label("Category").select_option(tool.solution.category)
    notice = page.locator("#standard-notice")
    expect(notice).to_contain_text("A standard tool exists for this job:")
    expect(notice.get_by_role("link", name=tool.solution.name)).to_have_attribute(
        "href", f"/landscape/tools/{tool.pk}/"
    )
    manager.screenshot("tool-life-intake-points-to-standard")
    assert Proposal.objects.count() == 1
