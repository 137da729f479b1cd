"""POST /api/v1/imports/{kind}/: dry run and import, refusals in the error shape."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest

from imports.models import ImportRun
from tests.api.conftest import session_api
from tests.imports.helpers import csv_bytes

pytestmark = pytest.mark.django_db


def body(*lines: str, dry_run: bool | None = None, content: str | None = None) -> dict:
    data = csv_bytes("department;annual_budget", *lines)
    payload = {"filename": "b.csv", "content": content or base64.b64encode(data).decode()}
    if dry_run is not None:
        payload["dry_run"] = dry_run
    return payload


def test_a_dry_run_reports_each_row_and_keeps_nothing(org):
    response = session_api(org.superuser).request("POST", "/api/v1/imports/budgets/", body("HR;7"))
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["dry_run"], data["applied"]) == (True, False)
    assert data["rows"] == [{"line": 2, "key": "HR", "status": "updated", "errors": {}}]
    org.departments["HR"].refresh_from_db()
    assert org.departments["HR"].annual_budget == Decimal("500000")


def test_an_import_keeps_the_rows(org):
    api = session_api(org.superuser)
    response = api.request("POST", "/api/v1/imports/budgets/", body("HR;7", dry_run=False))
    assert response.status_code == 200
    assert response.json()["applied"] is True
    org.departments["HR"].refresh_from_db()
    assert org.departments["HR"].annual_budget == Decimal("7")


def test_an_import_with_a_wrong_row_is_a_400_naming_the_line_and_column(org):
    api = session_api(org.superuser)
    response = api.request("POST", "/api/v1/imports/budgets/",
                           body("HR;7", "IT;-1", dry_run=False))  # fmt: skip
    assert response.status_code == 400
    data = response.json()
    assert set(data) == {"message", "errors"}
    assert "line 3.annual_budget" in data["errors"]
    assert not ImportRun.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"filename": "b.csv", "content": "not base64!"},
        {"filename": "b.csv", "content": base64.b64encode(b"\x00\x01").decode()},
        {"filename": "b.csv", "content": base64.b64encode("é".encode("latin-1")).decode()},
        {"filename": "b\x00.csv", "content": "QQ=="},
        {"filename": "b.csv", "content": "QQ==", "extra": 1},
        {"filename": "b.csv", "content": "QQ==", "dry_run": "perhaps"},
        {"filename": "b.csv", "content": 10**400},
    ],
)
def test_bad_input_is_a_clean_400(org, payload):
    response = session_api(org.superuser).request("POST", "/api/v1/imports/budgets/", payload)
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"message", "errors"}


def test_refusals_are_403_and_404_in_the_error_shape(org):
    response = session_api(org.cdo).request("POST", "/api/v1/imports/budgets/", body("HR;7"))
    assert response.status_code == 403
    assert response.json()["message"]
    response = session_api(org.superuser).request("POST", "/api/v1/imports/nothing/", body("HR;7"))
    assert response.status_code == 404
    assert set(response.json()) == {"message", "errors"}
