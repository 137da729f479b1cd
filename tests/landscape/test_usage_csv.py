"""The usage import in the browser: a CSV file, a preview with each row's result (nothing
written), a confirmation that applies the valid rows. Bad files and bad rows are explained,
never a server error."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from audit.models import Event
from landscape.models import ToolUsage
from tests.factories import SolutionFactory, ToolFactory

pytestmark = pytest.mark.django_db

URL = "/landscape/usage/import/"
CONFIRM = "/landscape/usage/import/confirm/"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def tool(org):
    return ToolFactory(
        owner_department=org.departments["HR"],
        solution=SolutionFactory(name="Hirely ATS"),
        seats=200,
    )


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client, content: bytes | str, *, name="export.csv", tool=None):
    data = content.encode() if isinstance(content, str) else content
    body = {"file": SimpleUploadedFile(name, data, content_type="text/csv")}
    if tool is not None:
        body["tool"] = str(tool.pk)
    return client.post(URL, body)


def preview_token(response) -> str:
    match = re.search(r'name="preview" value="([^"]+)"', response.content.decode())
    assert match, "no confirmation form"
    return match.group(1)


def test_the_preview_writes_nothing_and_confirm_applies_the_valid_rows(org, tool):
    client = client_of(org.it_reviewer)
    csv = (
        "\ufeffApp Name;Month;Active Users;Licenses\r\n"
        "Hirely ATS;2026-09;150;200\r\n"
        "Hirely ATS;2026-10-01;40;200\r\n"
        "Nobody's tool;2026-10;4;\r\n"
        "\r\n"
    )
    preview = upload(client, csv)
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Preview: nothing is saved yet" in page
    assert "2 to add, 0 to update, 0 unchanged, 1 with errors" in page
    assert "No tool is named “Nobody&#x27;s tool”." in page
    assert not ToolUsage.objects.exists()
    assert not Event.objects.filter(kind="usage.reported").exists()

    done = client.post(CONFIRM, {"preview": preview_token(preview)})
    assert done.status_code == 200
    assert "2 added, 0 updated, 0 unchanged, 1 with errors" in done.content.decode()
    assert sorted(ToolUsage.objects.values_list("month", "active_users", "source")) == [
        (dt.date(2026, 9, 1), 150, "csv"),
        (dt.date(2026, 10, 1), 40, "csv"),
    ]
    event = Event.objects.get(kind="usage.reported")
    assert event.payload["via"] == "csv"
    assert event.payload["file"] == "export.csv"
    assert event.payload["rows"] == 3
    # Confirming again changes nothing, and says so.
    again = client.post(CONFIRM, {"preview": preview_token(preview)})
    assert "0 added, 0 updated, 2 unchanged" in again.content.decode()
    assert ToolUsage.objects.count() == 2


def test_from_the_tool_page_the_tool_column_may_be_left_out(org, tool):
    client = client_of(org.hr_head)
    assert (
        "Rows without a tool are Hirely ATS" in client.get(f"{URL}?tool={tool.pk}").content.decode()
    )
    preview = upload(client, "month,active_users,seats\n2026-11,30,200\n", tool=tool)
    assert "1 to add" in preview.content.decode()
    client.post(CONFIRM, {"preview": preview_token(preview)})
    assert ToolUsage.objects.get().tool == tool


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Hirely ATS;2026-13;5;10", "Expected a month as YYYY-MM"),
        ("Hirely ATS;October;5;10", "Expected a month as YYYY-MM"),
        ("Hirely ATS;2027-02;5;10", "a month that has not started"),
        ("Hirely ATS;2026-10;-5;10", "Cannot be negative."),
        ("Hirely ATS;2026-10;5.5;10", "Expected a whole number."),
        ("Hirely ATS;2026-10;many;10", "Expected a whole number."),
        ("Hirely ATS;2026-10;;10", "This field is required."),
        ("Hirely ATS;2026-10;50;10", "More active users than licensed seats."),
        ("Unknown;2026-10;5;10", "No tool is named"),
        ("999999;2026-10;5;10", "No tool has the id 999999."),
        ("Hirely ATS;2026-10;99999999999;", "At most 10000000."),
    ],
)
def test_each_bad_row_is_explained_on_its_line(org, tool, row, message):
    csv = f"tool;month;active_users;licensed_seats\nHirely ATS;2026-08;5;10\n{row}\n"
    response = upload(client_of(org.it_reviewer), csv)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page.replace("&#x27;", "'")
    assert "1 to add, 0 to update, 0 unchanged, 1 with errors" in page
    assert not ToolUsage.objects.exists()


def test_a_row_twice_in_the_file_names_the_first_line(org, tool):
    csv = "tool,month,active_users\nHirely ATS,2026-08,5\nHirely ATS,2026-08,6\n"
    page = upload(client_of(org.it_reviewer), csv).content.decode()
    assert "The same tool, month and source as line 2." in page


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\xef\xbb\xbf  \n", "The file is empty."),
        (b"tool;month;active_users\n", "The file has a header but no rows."),
        (b"tool;month;active\x00_users\nx;2026-01;1\n", "NUL bytes"),
        ("tool;month;active_users\nCaf\u00e9;2026-01;1\n".encode("latin-1"), "not UTF-8"),
        (b"tool;users\nx;1\n", "Missing columns: month, active_users."),
        (b"name,when,count\nx,2026-01,1\n", "Missing columns: month, active_users, tool."),
        (b"month;active_users\n2026-01;1\n", "Missing columns: tool."),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(org, tool, content, message):
    response = upload(client_of(org.it_reviewer), content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ToolUsage.objects.exists()


def test_too_many_rows_or_bytes_are_refused(org, tool, settings):
    settings.USAGE_BATCH_MAX = 3
    rows = "".join(f"Hirely ATS;2026-0{m};5\n" for m in range(1, 5))
    response = upload(client_of(org.it_reviewer), "tool;month;active_users\n" + rows)
    assert response.status_code == 400
    assert "at most 3 per upload" in response.content.decode()
    big = b"tool;month;active_users\n" + b"x" * (1024 * 1024 + 10)
    response = upload(client_of(org.it_reviewer), big)
    assert response.status_code == 400
    assert "larger than 1024 KB" in response.content.decode()


def test_an_altered_preview_or_no_file_is_refused(org, tool):
    client = client_of(org.it_reviewer)
    response = client.post(CONFIRM, {"preview": "forged:data"})
    assert response.status_code == 400
    assert "upload the file again" in response.content.decode()
    assert client.post(URL, {}).status_code == 400


def test_someone_who_keeps_no_tool_is_refused(org, tool):
    client = client_of(org.requester)
    assert client.get(URL).status_code == 403
    assert upload(client, "tool;month;active_users\nHirely ATS;2026-08;5\n").status_code == 403


def test_rows_of_tools_the_user_does_not_keep_are_refused_per_row(org, tool):
    ToolFactory(owner_department=org.departments["FIN"], solution=SolutionFactory(name="Ledger"))
    csv = "tool;month;active_users\nHirely ATS;2026-08;5\nLedger;2026-08;5\n"
    page = upload(client_of(org.hr_head), csv).content.decode()
    assert "1 to add, 0 to update, 0 unchanged, 1 with errors" in page
    assert "owners or IT Operations" in page
