"""The exports of the lists: the proposals with the list page's filters, the CDO's decisions
with the dashboard's filters, a proposal's audit trail; CSV and Excel, every matching row,
what the page shows that person and nothing more, in their language, safe to open in a
spreadsheet, and at a cost that does not grow with the rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tracemalloc
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from core.export import Column, csv_lines, field, xlsx_file
from decisions import exports, services
from decisions.models import DecisionOutcome, SignOffStatus
from tests.factories import make_proposal

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[list[str]]:
    assert response.streaming
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf"), "a byte-order mark, for Excel"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list]:
    body = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def as_dicts(rows: list[list]) -> list[dict]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def awaiting(org, **overrides):
    proposal = make_proposal(requester=org.requester, submit=True, **overrides)
    for code, reviewer in org.reviewers.items():
        services.signoff_decide(
            signoff=proposal.signoffs.get(department__code=code),
            actor=reviewer,
            outcome=SignOffStatus.APPROVED,
        )
    return proposal


# --- Proposals


def test_it_exports_every_proposal_the_filters_select_not_just_a_page(client, org):
    for i in range(55):
        make_proposal(requester=org.requester, submit=True, title=f"Payroll tool {i:02d}")
    make_proposal(requester=org.requester, submit=True, title="Learning platform")
    client.force_login(org.hr_reviewer)

    response = client.get(reverse("proposal-export", args=["csv"]), {"q": "payroll"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="proposals-{today}.csv"'
    rows = as_dicts(csv_rows(response))
    assert len(rows) == 55
    assert {r["Title"] for r in rows} == {f"Payroll tool {i:02d}" for i in range(55)}
    # Newest first, as the page lists them.
    assert rows[0]["Title"] == "Payroll tool 54"


def test_the_values_are_data_iso_dates_plain_amounts_and_a_currency(client, org):
    proposal = make_proposal(
        requester=org.requester, submit=True, currency="USD", one_off_cost=Decimal("1234.5")
    )
    client.force_login(org.requester)

    [row] = as_dicts(csv_rows(client.get(reverse("proposal-export", args=["csv"]))))

    assert row["Reference"] == proposal.reference
    assert row["Currency"] == "USD"
    assert row["One-off cost"] == "1234.50"
    assert row["Recurring cost"] == "1000.00"
    assert row["Status"] == "In review"
    assert row["Requester"] == "Rita Requester"
    assert row["Buying department"] == "HR"
    assert row["Provider"] == "Hirely ATS (Hirely)"
    assert row["TCO (EUR)"] == str(proposal.tco)
    submitted = dt.datetime.fromisoformat(row["Submitted at"])
    assert submitted.utcoffset() is not None  # local time, with its offset
    assert abs(submitted - proposal.submitted_at) < dt.timedelta(seconds=1)
    assert row["Decided at"] == ""


def test_the_sort_and_status_filter_of_the_page_apply(client, org):
    make_proposal(requester=org.requester, submit=True, title="Beta")
    make_proposal(requester=org.requester, submit=True, title="Alpha")
    make_proposal(requester=org.requester, title="Gamma draft")
    client.force_login(org.requester)

    rows = as_dicts(
        csv_rows(
            client.get(
                reverse("proposal-export", args=["csv"]),
                {"status": "in_review", "sort": "title"},
            )
        )
    )

    assert [r["Title"] for r in rows] == ["Alpha", "Beta"]


def test_a_person_exports_what_the_list_shows_them_and_not_anothers_drafts(client, org):
    make_proposal(requester=org.requester, title="Rita's draft")
    make_proposal(requester=org.requester, submit=True, title="Rita's submitted")
    make_proposal(requester=org.hr_head, submit=True, title="Henk's submitted")
    url = reverse("proposal-export", args=["csv"])

    client.force_login(org.hr_reviewer)
    seen = {r["Title"] for r in as_dicts(csv_rows(client.get(url)))}
    assert seen == {"Rita's submitted", "Henk's submitted"}

    client.force_login(org.requester)
    seen = {r["Title"] for r in as_dicts(csv_rows(client.get(url)))}
    assert seen == {"Rita's draft", "Rita's submitted", "Henk's submitted"}
    mine = {r["Title"] for r in as_dicts(csv_rows(client.get(url, {"mine": "1"})))}
    assert mine == {"Rita's draft", "Rita's submitted"}


def test_bad_filters_are_ignored_as_on_the_page_and_an_unknown_format_is_not_found(client, org):
    make_proposal(requester=org.requester, submit=True, title="Kept")
    client.force_login(org.requester)

    response = client.get(
        reverse("proposal-export", args=["csv"]),
        {"status": "nonsense", "sort": "sideways", "mine": "perhaps", "q": "x" * 500},
    )
    page = client.get(
        reverse("proposal-list"),
        {"status": "nonsense", "sort": "sideways", "mine": "perhaps", "q": "x" * 500},
    )

    assert response.status_code == page.status_code == 200
    assert [r["Title"] for r in as_dicts(csv_rows(response))] == ["Kept"]
    assert client.get("/proposals/export.pdf", follow=True).status_code == 404
    assert client.get("/proposals/export.csv?q=%00").status_code == 400
    # Bytes that are not UTF-8 read as U+FFFD, on the page as in the export: nothing matches.
    assert client.get("/proposals/?q=%ED%A0%80").status_code == 200
    assert len(xlsx_rows(client.get("/proposals/export.xlsx?q=%ED%A0%80"))) == 1
    assert client.get("/decisions/export.csv?tier=" + "9" * 40).status_code == 403  # not the CDO


def test_text_a_spreadsheet_would_run_as_a_formula_is_quoted(client, org):
    make_proposal(requester=org.requester, submit=True, title='=HYPERLINK("http://x.test","y")')
    make_proposal(requester=org.requester, submit=True, title="+31 20 555 0100")
    make_proposal(requester=org.requester, submit=True, title="@SUM(A1)")
    make_proposal(requester=org.requester, submit=True, title="-2+3")
    client.force_login(org.requester)

    titles = {r["Title"] for r in as_dicts(csv_rows(client.get("/proposals/export.csv")))}
    cells = {r["Title"] for r in as_dicts(xlsx_rows(client.get("/proposals/export.xlsx")))}

    expected = {'\'=HYPERLINK("http://x.test","y")', "'+31 20 555 0100", "'@SUM(A1)", "'-2+3"}
    assert titles == cells == expected


def test_the_neutraliser_covers_tabs_and_carriage_returns():
    columns = [Column("Text", field("text"))]
    rows = [{"text": "\tcmd"}, {"text": "\r=1"}, {"text": "plain"}, {"text": "a=b"}]
    body = b"".join(csv_lines(columns, rows)).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(body)))[1:] == [["'\tcmd"], ["'\r=1"], ["plain"], ["a=b"]]


def test_a_sheet_past_excels_row_limit_goes_on_in_another_and_control_characters_go(
    monkeypatch,
):
    monkeypatch.setattr("core.export.XLSX_ROWS", 3)  # Excel's is 1,048,576
    columns = [Column("Text", field("text")), Column("N", field("n"))]
    rows = [{"text": f"row\x07 {i}\nnext", "n": i} for i in range(5)]
    with xlsx_file(columns=columns, rows=rows, sheet="Proposals: all [x]") as output:
        workbook = openpyxl.load_workbook(output)
    assert workbook.sheetnames == [
        "Proposals  all  x",
        "Proposals  all  x (2)",
        "Proposals  all  x (3)",
    ]
    sheets = [[list(r) for r in ws.iter_rows(values_only=True)] for ws in workbook.worksheets]
    assert sheets == [
        [["Text", "N"], ["row 0\nnext", 0], ["row 1\nnext", 1]],
        [["Text", "N"], ["row 2\nnext", 2], ["row 3\nnext", 3]],
        [["Text", "N"], ["row 4\nnext", 4]],
    ]


def test_an_export_without_rows_holds_the_headers(client, org):
    client.force_login(org.requester)
    assert xlsx_rows(client.get("/proposals/export.xlsx"))[0][:2] == ["Reference", "Title"]
    assert csv_rows(client.get("/proposals/export.csv"))[0][:2] == ["Reference", "Title"]


def test_headers_and_labels_come_in_the_readers_language(client, org):
    make_proposal(requester=org.requester, submit=True)
    client.force_login(org.requester)

    nl = csv_rows(client.get("/proposals/export.csv", HTTP_ACCEPT_LANGUAGE="nl"))
    fr = xlsx_rows(client.get("/proposals/export.xlsx", HTTP_ACCEPT_LANGUAGE="fr"))

    assert nl[0][:4] == ["Referentie", "Titel", "Soort", "Status"]
    assert dict(zip(nl[0], nl[1], strict=True))["Status"] == "In beoordeling"
    assert fr[0][:2] == ["Référence", "Titre"]


def test_the_excel_file_holds_every_row_typed(client, org):
    for i in range(60):
        make_proposal(requester=org.requester, submit=True, title=f"Tool {i}")
    client.force_login(org.requester)

    response = client.get(reverse("proposal-export", args=["xlsx"]), {"sort": "oldest"})

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="proposals-{today}.xlsx"'
    rows = as_dicts(xlsx_rows(response))
    assert [r["Title"] for r in rows] == [f"Tool {i}" for i in range(60)]
    assert rows[0]["One-off cost"] == 2000
    assert isinstance(rows[0]["Submitted at"], dt.datetime)
    assert rows[0]["Decided at"] is None


@pytest.mark.parametrize("url", ["/proposals/export.csv", "/proposals/export.xlsx"])
@pytest.mark.parametrize("size", [10, 50])
def test_an_export_costs_the_same_queries_at_any_size(
    client, org, url, size, django_assert_max_num_queries
):
    for i in range(size):
        make_proposal(requester=org.requester, submit=True, title=f"Tool {i}")
    client.force_login(org.requester)
    with django_assert_max_num_queries(4):  # session, user, the rows (+ a savepoint at most)
        response = client.get(url)
        body = b"".join(response.streaming_content)
    assert body


def test_rows_are_read_in_chunks_and_written_as_they_come(client, org):
    """The proposals are read through QuerySet.iterator (a generator, chunk by chunk), and the
    CSV's first bytes leave before the query is read to the end."""
    make_proposal(requester=org.requester, submit=True)
    from decisions import selectors

    rows = exports.proposal_rows(selectors.proposals_seen_by(org.requester))
    assert iter(rows) is rows  # a generator, not a list
    client.force_login(org.requester)
    response = client.get("/proposals/export.csv")
    chunks = iter(response.streaming_content)
    assert next(chunks).startswith(b"\xef\xbb\xbfReference,")


@pytest.mark.parametrize("writer", ["csv", "xlsx"])
def test_memory_stays_flat_however_many_rows(writer):
    """Ten times the rows, the same peak: neither writer holds the rows."""
    columns = [
        Column("Reference", field("reference")),
        Column("Title", field("title")),
        Column("Amount", field("amount")),
        Column("At", field("at")),
    ]
    at = dt.datetime(2026, 12, 5, 12, tzinfo=dt.UTC)

    def rows(n):
        for i in range(n):
            yield {"reference": f"TP-2026-{i:06d}", "title": f"A title number {i} " * 3,
                   "amount": Decimal(i) / 4, "at": at}  # fmt: skip

    def peak(n):
        tracemalloc.start()
        try:
            if writer == "csv":
                for _line in csv_lines(columns, rows(n)):
                    pass
            else:
                xlsx_file(columns=columns, rows=rows(n), sheet="Test").close()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(2_000), peak(20_000)
    assert large < small * 1.5 + 256 * 1024, (small, large)


def test_the_list_page_links_to_its_exports_with_its_filters(client, org):
    client.force_login(org.requester)
    page = client.get(reverse("proposal-list"), {"status": "in_review", "q": "pay", "page": "2"})
    assert 'href="/proposals/export.csv?status=in_review&amp;q=pay"' in page.text
    assert 'href="/proposals/export.xlsx?status=in_review&amp;q=pay"' in page.text
    plain = client.get(reverse("proposal-list"))
    assert 'href="/proposals/export.csv"' in plain.text


# --- The CDO's decisions


def test_the_cdo_exports_the_decisions_with_rationale_and_who_decided(client, org):
    hr_one = awaiting(org, title="HR tool")
    services.decision_take(
        proposal=hr_one,
        actor=org.cdo,
        outcome=DecisionOutcome.APPROVED,
        rationale="=Serves the hiring goal.",
        conditions="Pilot first.",
    )
    mkt = org.departments["MKT"]
    other = make_proposal(
        requester=org.requester, title="Marketing tool", submit=False,
        paying_department=mkt,
    )  # fmt: skip
    other = services.proposal_submit(proposal=other, actor=org.requester)
    for code, reviewer in org.reviewers.items():
        services.signoff_decide(signoff=other.signoffs.get(department__code=code),
                                actor=reviewer, outcome=SignOffStatus.APPROVED)  # fmt: skip
    services.decision_take(proposal=other, actor=org.cdo, outcome=DecisionOutcome.REJECTED,
                           rationale="Not now.")  # fmt: skip
    client.force_login(org.cdo)

    rows = as_dicts(csv_rows(client.get(reverse("decision-export", args=["csv"]))))
    assert [r["Title"] for r in rows] == ["Marketing tool", "HR tool"]  # newest first
    assert rows[1]["Outcome"] == "Approved"
    assert rows[1]["Rationale"] == "'=Serves the hiring goal."
    assert rows[1]["Conditions"] == "Pilot first."
    assert rows[1]["Decided by"] == org.cdo.get_full_name()
    assert dt.datetime.fromisoformat(rows[1]["Decided at"]).utcoffset() is not None

    paid_by_mkt = client.get("/decisions/export.xlsx", {"department": "MKT"})
    assert [r["Title"] for r in as_dicts(xlsx_rows(paid_by_mkt))] == ["Marketing tool"]
    approved = client.get("/decisions/export.csv", {"status": "approved", "tier": "bogus"})
    assert [r["Title"] for r in as_dicts(csv_rows(approved))] == ["HR tool"]
    huge = client.get("/decisions/export.csv", {"tier": "9" * 40, "department": "\u00e9" * 300})
    assert len(as_dicts(csv_rows(huge))) == 2  # ignored, as the dashboard ignores them


@pytest.mark.parametrize("persona", ["requester", "hr_head", "superuser", "viewer"])
def test_only_the_cdo_exports_the_decisions(client, org, persona):
    client.force_login(getattr(org, persona))
    response = client.get("/decisions/export.csv")
    assert response.status_code == 403
    assert "Chief Digital Officer" in response.text


def test_the_dashboard_links_to_the_decisions_export_with_its_filters(client, org):
    client.force_login(org.cdo)
    page = client.get(reverse("dashboard"), {"department": "HR"})
    assert 'href="/decisions/export.csv?department=HR"' in page.text
    assert 'href="/decisions/export.xlsx?department=HR"' in page.text


@pytest.mark.parametrize("size", [2, 8])
def test_the_decisions_export_costs_the_same_at_any_size(
    client, org, size, django_assert_max_num_queries
):
    for i in range(size):
        proposal = awaiting(org, title=f"Tool {i}", new_vendor_name=f"Vendor {i}")
        services.decision_take(proposal=proposal, actor=org.cdo,
                               outcome=DecisionOutcome.APPROVED, rationale="Yes.")  # fmt: skip
    client.force_login(org.cdo)
    with django_assert_max_num_queries(5):  # session, user, is_cdo, the rows
        response = client.get("/decisions/export.xlsx")
        rows = xlsx_rows(response)
    assert len(rows) == size + 1


# --- A proposal's audit trail


def test_the_audit_trail_exports_every_event_in_order(client, org):
    proposal = make_proposal(requester=org.requester, submit=True)
    services.comment_add(proposal=proposal, actor=org.hr_reviewer, body="Who pays?")
    services.proposal_withdraw(proposal=proposal, actor=org.requester, reason="+ Budget moved")
    client.force_login(org.it_reviewer)

    response = client.get(reverse("proposal-timeline-export", args=[proposal.reference, "csv"]))

    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="audit-trail-{proposal.reference}-{today}.csv"'
    )
    rows = as_dicts(csv_rows(response))
    assert [r["Event kind"] for r in rows] == [
        "proposal.created", "proposal.submitted", "comment.added", "proposal.status_changed"
    ]  # fmt: skip
    assert [int(r["#"]) for r in rows] == sorted(int(r["#"]) for r in rows)
    assert rows[1]["What"] == "Submitted for review"
    assert rows[1]["Review round"] == "1"
    assert '"tier": "Medium"' in rows[1]["Recorded data (JSON)"]
    withdrawn = rows[-1]
    assert (withdrawn["From status"], withdrawn["To status"]) == ("In review", "Withdrawn")
    assert withdrawn["Who"] == "Rita Requester"
    assert withdrawn["Details"] == "'+ Budget moved"
    assert '"reason": "+ Budget moved"' in withdrawn["Recorded data (JSON)"]
    assert len(withdrawn["Hash"]) == 64
    assert dt.datetime.fromisoformat(withdrawn["When"]).utcoffset() is not None


def test_who_gave_a_voice_stays_hidden_in_the_export_as_on_the_page(client, org):
    proposal = make_proposal(requester=org.requester, submit=True)
    services.voice_give(proposal=proposal, actor=org.outsider, kind="concern",
                        reason="Another login.", anonymous=True)  # fmt: skip
    url = f"/proposals/{proposal.reference}/timeline/export.xlsx"

    client.force_login(org.hr_reviewer)
    voice = as_dicts(xlsx_rows(client.get(url)))[-1]
    assert voice["Event kind"] == "voice.given"
    assert voice["Who"] is None

    client.force_login(org.superuser)
    voice = as_dicts(xlsx_rows(client.get(url)))[-1]
    assert voice["Who"] == org.outsider.get_full_name()


def test_anothers_draft_has_no_audit_trail_to_export(client, org):
    draft = make_proposal(requester=org.requester)
    client.force_login(org.hr_reviewer)
    assert client.get(f"/proposals/{draft.reference}/timeline/export.csv").status_code == 404
    client.force_login(org.requester)
    assert client.get(f"/proposals/{draft.reference}/timeline/export.csv").status_code == 200


def test_the_audit_trail_page_links_to_its_exports(client, org):
    proposal = make_proposal(requester=org.requester, submit=True)
    client.force_login(org.requester)
    page = client.get(reverse("proposal-timeline", args=[proposal.reference]))
    assert f'href="/proposals/{proposal.reference}/timeline/export.csv"' in page.text
    assert f'href="/proposals/{proposal.reference}/timeline/export.xlsx"' in page.text


def test_the_exports_answer_the_same_with_debug_off(client, org, settings):
    settings.DEBUG = False
    proposal = make_proposal(requester=org.requester, submit=True, title="In production")
    client.force_login(org.requester)
    assert [r["Title"] for r in as_dicts(csv_rows(client.get("/proposals/export.csv")))] == [
        "In production"
    ]
    trail = xlsx_rows(client.get(f"/proposals/{proposal.reference}/timeline/export.xlsx"))
    assert len(trail) == 3  # the headers, created, submitted
    refused = client.get("/decisions/export.xlsx")
    assert refused.status_code == 403
    assert "Chief Digital Officer" in refused.text
