"""A file read for an import: what is refused whole, what is a row's error, what is taken."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from imports import reading
from imports.reading import FileRefused, read_table
from tests.imports.helpers import csv_bytes, xlsx_bytes

COLUMNS = {"required": ("department", "annual_budget"), "optional": ("currency",)}


def read(data: bytes, filename: str = "f.csv", **kwargs):
    return read_table(data, filename=filename, **{**COLUMNS, **kwargs})


def refusal(data: bytes, filename: str = "f.csv") -> str:
    with pytest.raises(FileRefused) as caught:
        read(data, filename)
    return caught.value.message


def test_it_reads_semicolons_commas_a_bom_and_header_spellings():
    table = read("\ufeffDepartment; Annual Budget\nHR;100\n\nIT;200\n".encode())
    assert table.columns == ["department", "annual_budget"]
    assert [(r.line, r.cells) for r in table.rows] == [
        (2, {"department": "HR", "annual_budget": "100"}),
        (4, {"department": "IT", "annual_budget": "200"}),
    ]
    assert read(csv_bytes("department,annual_budget", "HR,1")).rows[0].cells["annual_budget"] == "1"


def test_it_reads_the_first_sheet_of_an_excel_file_with_numbers_as_plain_text():
    table = read(xlsx_bytes(["department", "annual_budget"], ["HR", 1250.5], ["IT", 300]), "b.xlsx")
    assert [r.cells for r in table.rows] == [
        {"department": "HR", "annual_budget": "1250.5"},
        {"department": "IT", "annual_budget": "300"},
    ]


def test_it_refuses_an_excel_formula_in_a_cell_naming_the_column():
    table = read(xlsx_bytes(["department", "annual_budget"], ["HR", "=1+1"]), "b.xlsx")
    assert "formula" in table.rows[0].errors["annual_budget"][0]
    assert "annual_budget" not in table.rows[0].cells


def test_a_csv_formula_is_a_row_error_and_an_exported_guard_quote_is_removed():
    table = read(csv_bytes("department;annual_budget", "=HYPERLINK(1);5", "'-HR;7"))
    assert "formula" in table.rows[0].errors["department"][0]
    assert table.rows[1].cells["department"] == "-HR"
    assert not table.rows[1].errors


def test_a_cell_longer_than_the_limit_is_an_error_and_one_at_the_limit_is_taken():
    at = "x" * reading.CELL_MAX
    table = read(csv_bytes("department;annual_budget", f"{at};1", f"{at}y;1"))
    assert table.rows[0].cells["department"] == at
    assert not table.rows[0].errors
    assert "at most" in table.rows[1].errors["department"][0]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (csv_bytes("department;annual_budget"), "no rows"),
        (b"department;annual_budget\nHR\x00;1\n", "NUL"),
        ("department;annual_budget\nPersonnel é;1\n".encode("latin-1"), "UTF-8"),
        (csv_bytes("department;annual_budget;colour", "HR;1;red"), "Unknown columns: colour"),
        (csv_bytes("department;currency", "HR;EUR"), "Missing columns: annual_budget"),
        (csv_bytes("department;annual_budget;department", "HR;1;IT"), "named twice"),
        (csv_bytes("department;;annual_budget", "HR;;1"), "Unknown columns: (empty)"),
    ],
)
def test_it_refuses_a_file_it_cannot_read_with_a_clear_message(data, expected):
    assert expected in refusal(data)


def test_it_refuses_a_file_named_xlsx_that_is_not_one_and_a_broken_zip():
    assert "Excel" in refusal(csv_bytes("department;annual_budget", "HR;1"), "b.xlsx")
    assert "Excel" in refusal(reading.XLSX_MAGIC + b"garbage", "b.xlsx")


def test_it_refuses_an_excel_file_that_unpacks_to_too_much(monkeypatch):
    monkeypatch.setattr(reading, "XLSX_MAX_UNPACKED", 1000)
    assert "unpacks" in refusal(xlsx_bytes(["department", "annual_budget"], ["HR", 1]), "b.xlsx")


def test_it_refuses_a_file_over_the_size_limit_and_takes_one_at_it(monkeypatch):
    data = csv_bytes("department;annual_budget", "HR;1")
    monkeypatch.setattr(reading, "MAX_BYTES", len(data))
    assert read(data).rows
    monkeypatch.setattr(reading, "MAX_BYTES", len(data) - 1)
    assert "larger than" in refusal(data)


def test_it_takes_the_row_limit_and_refuses_one_row_more(monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 3)
    assert len(read(csv_bytes("department;annual_budget", *["HR;1"] * 3)).rows) == 3
    assert "more than 3 rows" in refusal(csv_bytes("department;annual_budget", *["HR;1"] * 4))


def test_a_row_with_more_cells_than_the_header_is_an_error():
    table = read(csv_bytes("department;annual_budget", "HR;1;surprise"))
    assert table.rows[0].errors[""]


def test_extra_columns_matching_the_pattern_are_taken():
    table = read(csv_bytes("department;annual_budget;meaning_hr", "HR;1;x"),
                 extra=re.compile(r"meaning_[a-z]+"))  # fmt: skip
    assert table.rows[0].cells["meaning_hr"] == "x"


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "Excel" in refusal(out.getvalue(), "b.xlsx")


def test_it_takes_the_column_limit_and_refuses_one_column_more(monkeypatch):
    monkeypatch.setattr(reading, "MAX_COLUMNS", 3)
    pattern = re.compile(r"meaning_[a-z]+")
    assert read(csv_bytes("department;annual_budget;meaning_a", "HR;1;x"), extra=pattern).rows
    with pytest.raises(FileRefused, match="more than 3 columns"):
        read(csv_bytes("department;annual_budget;meaning_a;meaning_b", "HR;1;x;y"), extra=pattern)


def test_a_quote_is_removed_only_before_a_formula_character():
    table = read(csv_bytes("department;annual_budget", "'HR;'@1", "'+HR;'=1"))
    assert table.rows[0].cells == {"department": "'HR", "annual_budget": "@1"}
    assert table.rows[1].cells == {"department": "+HR", "annual_budget": "=1"}


def test_excel_dates_and_whole_numbers_read_as_plain_text():
    import datetime as dt

    excel_day = dt.datetime(2026, 1, 2)  # noqa: DTZ001 - Excel's cells hold no time zone
    table = read(xlsx_bytes(["department", "annual_budget"], [excel_day, 1e3]), "b.xlsx")
    assert table.rows[0].cells == {"department": "2026-01-02", "annual_budget": "1000"}


def test_a_kind_may_allow_fewer_rows_than_the_file_limit():
    assert len(read(csv_bytes("department;annual_budget", "HR;1", "IT;2"), max_rows=2).rows) == 2
    with pytest.raises(FileRefused, match="more than 2 rows"):
        read(csv_bytes("department;annual_budget", "HR;1", "IT;2", "MKT;3"), max_rows=2)
