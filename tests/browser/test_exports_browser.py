"""The export links as a person uses them: filter the list (HTMX swaps it in place), then take
the file, which holds what the filters select; the CDO's decisions after a dashboard filter;
a proposal's audit trail without JavaScript."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from decisions import services
from decisions.models import DecisionOutcome
from tests.factories import make_proposal

pytestmark = pytest.mark.browser


def read_csv(path: str | Path) -> list[dict]:
    text = Path(path).read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_proposal_export_takes_the_filters_chosen_on_the_page(org, browser_for):
    make_proposal(requester=org.requester, submit=True, title="Reviewed tool")
    make_proposal(requester=org.requester, title="Drafted tool")
    session = browser_for(org.requester.username)
    page = session.page
    page.goto("/proposals/")
    page.get_by_label("Status").select_option("draft")
    link = page.get_by_role("link", name="Export CSV")
    expect(link).to_have_attribute("href", re.compile(r"^/proposals/export\.csv\?.*status=draft"))

    with page.expect_download() as info:
        link.click()
    download = info.value

    today = timezone.localdate().isoformat()
    assert download.suggested_filename == f"proposals-{today}.csv"
    assert [r["Title"] for r in read_csv(download.path())] == ["Drafted tool"]
    session.screenshot("exports-proposals")


def test_the_cdo_takes_the_decisions_of_one_department_as_excel(org, browser_for):
    for title, payer in (("HR pays", "HR"), ("Marketing pays", "MKT")):
        proposal = make_proposal(
            requester=org.requester,
            submit=True,
            title=title,
            new_vendor_name=title,
            paying_department=org.departments[payer],
        )
        for signoff in proposal.signoffs.all():
            services.signoff_decide(
                signoff=signoff, actor=org.heads[signoff.department.code], outcome="approved"
            )
        services.decision_take(
            proposal=proposal, actor=org.cdo, outcome=DecisionOutcome.APPROVED, rationale="Yes."
        )
    session = browser_for(org.cdo.username)
    page = session.page
    page.goto("/dashboard/")
    page.get_by_label("Department", exact=True).select_option("MKT")
    link = page.get_by_role("link", name="Export Excel")
    expect(link).to_have_attribute("href", "/decisions/export.xlsx?department=MKT")

    with page.expect_download() as info:
        link.click()

    assert info.value.suggested_filename == f"decisions-{timezone.localdate().isoformat()}.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Reference", "Title", "Review round", "Outcome")
    assert [row[1] for row in rows[1:]] == ["Marketing pays"]


def test_the_audit_trail_exports_without_javascript(org, browser_for):
    proposal = make_proposal(requester=org.requester, submit=True)
    session = browser_for(org.viewer.username, javascript=False)
    page = session.page
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"/proposals/{proposal.reference}/timeline/")
    session.screenshot("exports-audit-trail-375")

    with page.expect_download() as info:
        page.get_by_role("link", name="Export CSV").click()

    rows = read_csv(info.value.path())
    assert [r["Event kind"] for r in rows] == ["proposal.created", "proposal.submitted"]
