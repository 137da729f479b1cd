"""The usage import in a real browser: from the tool page, upload a SaaS export, read the
preview (each row's result, nothing saved), confirm, and see the adoption on the tool page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from landscape.models import ToolUsage
from tests.factories import SolutionFactory, ToolFactory

pytestmark = pytest.mark.browser


def test_upload_preview_confirm_from_the_tool_page(org, browser_for, tmp_path):
    today = timezone.localdate().replace(day=1)
    last = (today - dt.timedelta(days=1)).replace(day=1)
    before = (last - dt.timedelta(days=1)).replace(day=1)
    tool = ToolFactory(
        owner_department=org.departments["HR"],
        business_owner=org.requester,
        solution=SolutionFactory(name="Pulse Survey"),
        seats=100,
    )
    export = tmp_path / "pulse-export.csv"
    export.write_text(
        "\ufeffApp Name;Month;Active Users;Licenses\n"
        f"Pulse Survey;{before:%Y-%m};80;100\n"
        f"Pulse Survey;{last:%Y-%m};20;100\n"
        f"Pulse Survey;{last:%Y-%m};-4;100\n",
        encoding="utf-8",
    )

    owner = browser_for(org.requester.username)
    page = owner.page
    page.goto(f"/landscape/tools/{tool.pk}/")
    expect(page.locator("#usage")).to_contain_text("No usage reported yet.")
    page.locator("#usage").get_by_role("link", name="Import usage (CSV)").click()
    page.get_by_label("CSV file").set_input_files(str(export))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Preview: nothing is saved yet")).to_be_visible()
    expect(page.locator("#usage-counts")).to_contain_text(
        "2 to add, 0 to update, 0 unchanged, 1 with errors"
    )
    expect(page.locator("#usage-rows tr.usage-invalid")).to_contain_text("Cannot be negative.")
    owner.screenshot("usage-import-preview")
    assert not ToolUsage.objects.exists()

    page.get_by_role("button", name="Import 2 valid rows").click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    expect(page.locator("#usage-counts")).to_contain_text("2 added")
    owner.screenshot("usage-import-done")
    assert ToolUsage.objects.count() == 2

    page.get_by_role("link", name="Pulse Survey").first.click()
    expect(page.locator("#adoption-latest")).to_contain_text("20%")
    expect(page.locator("#usage svg.sparkline")).to_have_attribute(
        "aria-label", f"Adoption by month: {before:%Y-%m} 80%, {last:%Y-%m} 20%"
    )
    owner.screenshot("usage-tool-page")
