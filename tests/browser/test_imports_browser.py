"""The imports in a real browser: the glossary (htmx on) with a per-row error, then the
corrected file; the catalog from Excel without JavaScript; the CDO's budgets per fiscal year."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from glossary.models import Term

pytestmark = pytest.mark.browser


def test_preview_shows_row_errors_then_a_corrected_file_imports(org, browser_for, tmp_path):
    wrong = tmp_path / "terms.csv"
    wrong.write_text(
        "Term;Definition;Meaning HR\n"
        "Onboarding;Getting a new hire started.;The first 90 days.\n"
        "Ledger;;\n",
        encoding="utf-8",
    )
    right = tmp_path / "terms-fixed.csv"
    right.write_text(
        "Term;Definition;Meaning HR\n"
        "Onboarding;Getting a new hire started.;The first 90 days.\n"
        "Ledger;The books of account.;\n",
        encoding="utf-8",
    )
    head = browser_for(org.hr_head.username)
    page = head.page
    page.goto("/imports/")
    page.get_by_role("link", name="Glossary").last.click()
    page.get_by_label("CSV or Excel file").set_input_files(str(wrong))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Not imported: some rows have errors")).to_be_visible()
    expect(page.locator("#import-rows tr.import-invalid")).to_contain_text("definition")
    expect(page.locator("#import-counts")).to_contain_text(
        "1 new, 0 changed, 0 unchanged, 1 with errors"
    )
    expect(page.locator("#confirm-import")).to_have_count(0)
    head.screenshot("import-preview-errors")

    page.get_by_label("CSV or Excel file").set_input_files(str(right))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Preview: nothing is saved yet")).to_be_visible()
    assert not Term.objects.exists()
    page.get_by_role("button", name="Import 2 rows").click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    expect(page.locator("#import-counts")).to_contain_text("2 added, 0 updated, 0 unchanged")
    head.screenshot("import-done")
    assert set(Term.objects.values_list("name", flat=True)) == {"Onboarding", "Ledger"}
    assert Term.objects.get(name="Onboarding").meanings.get().text == "The first 90 days."


def test_an_excel_catalog_import_without_javascript(org, browser_for, tmp_path):
    """The administrator imports an Excel file with JavaScript off: plain forms all the way."""
    from tests.imports.helpers import xlsx_bytes
    from vendors.models import Solution

    workbook = tmp_path / "catalog.xlsx"
    workbook.write_bytes(
        xlsx_bytes(
            ["external_id", "name", "vendor", "category", "pricing_model", "list_price"],
            ["ats-1", "Hirely ATS", "Hirely", "talent_acquisition", "per_seat", 12.5],
        )
    )
    admin = browser_for(org.superuser.username, javascript=False)
    page = admin.page
    page.goto("/imports/catalog/")
    page.get_by_label("CSV or Excel file").set_input_files(str(workbook))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#import-counts")).to_contain_text("1 new, 0 changed")
    assert not Solution.objects.exists()
    page.get_by_role("button", name="Import 1 row").click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    expect(page.locator("#recent-imports")).to_contain_text("catalog.xlsx")
    admin.screenshot("import-catalog-no-js")
    assert Solution.objects.get().source == "import"


def test_the_cdo_imports_next_years_budgets_and_finds_them_on_the_budgets_page(
    org, browser_for, tmp_path
):
    from stakeholders.models import DepartmentBudget

    budgets = tmp_path / "budgets-2031.csv"
    budgets.write_text(
        "Department;Fiscal year;Amount;Currency\nHR;2031;480000;EUR\nIT;2031;1 250 000;EUR\n",
        encoding="utf-8",
    )
    cdo = browser_for(org.cdo.username)
    page = cdo.page
    page.goto("/budgets/")
    page.get_by_role("link", name="Import budgets from a file").click()
    expect(page.get_by_role("heading", name="Import: Budgets per fiscal year")).to_be_visible()
    page.get_by_label("CSV or Excel file").set_input_files(str(budgets))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#import-counts")).to_contain_text("2 new, 0 changed, 0 unchanged")
    expect(page.locator("#import-rows")).to_contain_text("HR 2031")
    assert not DepartmentBudget.objects.exists()
    page.get_by_role("button", name="Import 2 rows").click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    cdo.screenshot("import-yearly-budgets")
    page.goto("/budgets/?year=2031")
    expect(page.locator("main")).to_contain_text("1,250,000")
