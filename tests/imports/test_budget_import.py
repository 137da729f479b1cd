"""Departments' annual budgets imported: the amount's rules at their edges, who may, and all
or nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from audit.models import Event
from core.errors import NotAllowed
from imports.kinds import KINDS
from imports.models import ImportRun
from imports.services import import_check
from stakeholders.annual_budget import BUDGET_MAX
from tests.imports.helpers import csv_bytes

pytestmark = pytest.mark.django_db
BUDGETS = KINDS["budgets"]


def run(org, *lines, apply=False, actor=None):
    data = csv_bytes("department;annual_budget;currency", *lines)
    return import_check(kind=BUDGETS, actor=actor or org.superuser, data=data,
                        filename="budgets.csv", apply=apply)  # fmt: skip


def test_it_previews_without_saving_then_imports_with_an_audit_event(org):
    preview = run(org, "HR;450000;EUR", "IT;500000;")
    assert [r.status for r in preview.rows] == ["updated", "unchanged"]
    assert preview.signed
    assert not preview.applied
    org.departments["HR"].refresh_from_db()
    assert org.departments["HR"].annual_budget == Decimal("500000")
    assert not Event.objects.filter(kind="department.budget_changed").exists()

    done = run(org, "HR;450000;EUR", "IT;500000;", apply=True)
    assert done.applied
    org.departments["HR"].refresh_from_db()
    assert org.departments["HR"].annual_budget == Decimal("450000")
    event = Event.objects.get(kind="department.budget_changed")
    assert event.payload["old"]["amount"] == "500000.00"
    assert event.payload["new"] == {"amount": "450000.00", "currency": "EUR"}
    run_row = ImportRun.objects.get()
    assert (run_row.kind, run_row.rows, run_row.updated, run_row.unchanged) == ("budgets", 2, 1, 1)
    assert Event.objects.filter(kind="import.applied").count() == 1


def test_the_same_file_again_changes_nothing(org):
    run(org, "HR;450000;EUR", apply=True)
    again = run(org, "HR;450000;EUR", apply=True)
    assert [r.status for r in again.rows] == ["unchanged"]
    assert Event.objects.filter(kind="department.budget_changed").count() == 1


@pytest.mark.parametrize(
    ("amount", "ok"),
    [
        ("0", True),
        ("0.01", True),
        ("-0.01", False),
        (f"{BUDGET_MAX:f}", True),
        (f"{BUDGET_MAX + Decimal('0.01'):f}", False),
        ("1.25", True),
        ("1.255", False),
        ("1 250 000", True),
        ("abc", False),
        ("NaN", False),
        ("Infinity", False),
        ("9" * 400, False),
        ("", False),
    ],
)
def test_the_budget_amount_rule_at_its_edges(org, amount, ok):
    outcome = run(org, f"HR;{amount};EUR")
    row = outcome.rows[0]
    assert (row.status != "invalid") is ok, row.errors
    if not ok:
        assert "annual_budget" in row.errors


def test_an_unknown_department_a_duplicate_and_a_wrong_currency_are_row_errors(org):
    outcome = run(org, "XX;1;EUR", "HR;1;EUR", "HR;2;EUR", "IT;3;DOGE")
    assert [r.status for r in outcome.rows] == ["invalid", "updated", "invalid", "invalid"]
    assert "XX" in outcome.rows[0].errors["department"][0]
    assert "line 3" in outcome.rows[2].errors["department"][0]
    assert "currency" in outcome.rows[3].errors


def test_one_wrong_row_imports_nothing(org):
    outcome = run(org, "HR;1;EUR", "IT;-5;EUR", apply=True)
    assert not outcome.applied
    assert outcome.counts["invalid"] == 1
    org.departments["HR"].refresh_from_db()
    assert org.departments["HR"].annual_budget == Decimal("500000")
    assert not ImportRun.objects.exists()
    assert not Event.objects.exists()


@pytest.mark.parametrize("persona", ["cdo", "hr_head", "it_reviewer", "requester"])
def test_only_an_administrator_imports_budgets(org, persona):
    with pytest.raises(NotAllowed):
        run(org, "HR;1;EUR", actor=getattr(org, persona), apply=True)
    org.departments["HR"].refresh_from_db()
    assert org.departments["HR"].annual_budget == Decimal("500000")


def test_a_department_code_is_matched_in_any_case(org):
    assert run(org, "hr;1;eur").rows[0].status == "updated"
