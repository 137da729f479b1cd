"""Departments' budgets per fiscal year imported: new, changed and unchanged years, the rules at
their edges (through the budgets page's service), who may, and all or nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from audit.models import Event
from core.errors import NotAllowed
from core.money import MAX_AMOUNT
from imports.kinds import KINDS
from imports.models import ImportRun
from imports.services import import_check
from stakeholders.models import DepartmentBudget
from stakeholders.services import department_budget_set
from tests.imports.helpers import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db
YEARLY = KINDS["yearly_budgets"]
HEADER = "department;fiscal_year;amount;currency"


def run(org, *lines, apply=False, actor=None, header=HEADER):
    data = csv_bytes(header, *lines)
    return import_check(kind=YEARLY, actor=actor or org.cdo, data=data,
                        filename="years.csv", apply=apply)  # fmt: skip


def budgets() -> dict[tuple[str, int], tuple[Decimal, str]]:
    return {
        (b.department.code, b.fiscal_year): (b.amount, b.currency)
        for b in DepartmentBudget.objects.select_related("department")
    }


@pytest.fixture
def hr_2027(org):
    budget, _created = department_budget_set(
        actor=org.cdo, department=org.departments["HR"], fiscal_year=2027,
        amount=Decimal("400000"), currency="USD",
    )  # fmt: skip
    return budget


def test_the_preview_says_new_changed_and_unchanged_and_keeps_nothing(org, hr_2027):
    preview = run(org, "HR;2027;400000;USD", "HR;2028;450000;EUR", "IT;2027;500000;EUR")
    assert [(r.key, r.status) for r in preview.rows] == [
        ("HR 2027", "unchanged"),
        ("HR 2028", "created"),
        ("IT 2027", "created"),
    ]
    assert preview.signed
    assert not preview.applied
    assert budgets() == {("HR", 2027): (Decimal("400000.00"), "USD")}
    assert Event.objects.filter(kind="budget.created").count() == 1  # the fixture's only


def test_the_import_sets_each_year_with_the_services_events(org, hr_2027):
    done = run(org, "HR;2027;420000;USD", "HR;2028;450000;EUR", apply=True)
    assert done.applied
    assert [r.status for r in done.rows] == ["updated", "created"]
    assert budgets() == {
        ("HR", 2027): (Decimal("420000.00"), "USD"),
        ("HR", 2028): (Decimal("450000.00"), "EUR"),
    }
    changed = Event.objects.get(kind="budget.changed")
    assert changed.actor == org.cdo
    assert changed.payload["previous_amount"] == "400000.00"
    assert Event.objects.filter(kind="budget.created").count() == 2  # the fixture's and 2028
    run_row = ImportRun.objects.get()
    assert (run_row.kind, run_row.rows, run_row.created, run_row.updated) == (
        "yearly_budgets",
        2,
        1,
        1,
    )


def test_the_same_file_again_changes_nothing(org):
    run(org, "HR;2027;450000;EUR", apply=True)
    events = Event.objects.count()
    again = run(org, "HR;2027;450000;EUR", apply=True)
    assert [r.status for r in again.rows] == ["unchanged"]
    # Only the second import's own record.
    assert Event.objects.count() == events + 1


def test_without_a_currency_a_year_keeps_its_own_or_takes_the_departments(org, hr_2027):
    org.departments["IT"].currency = "GBP"
    org.departments["IT"].save()
    run(org, "HR;2027;1000;", "IT;2027;2000;", apply=True)
    assert budgets()[("HR", 2027)] == (Decimal("1000.00"), "USD")
    assert budgets()[("IT", 2027)] == (Decimal("2000.00"), "GBP")


def test_a_file_without_the_currency_column_imports(org):
    done = run(org, "HR;2030;1000", header="department;fiscal_year;amount", apply=True)
    assert done.applied
    assert budgets()[("HR", 2030)] == (Decimal("1000.00"), org.departments["HR"].currency)


@pytest.mark.parametrize(
    ("year", "ok"),
    [
        ("1999", False),
        ("2000", True),
        ("2100", True),
        ("2101", False),
        ("27", False),
        ("2027.0", False),
        ("FY2027", False),
        ("", False),
        ("\uff12\uff10\uff12\uff17", False),  # full-width digits are not a year here
    ],
)
def test_the_fiscal_year_rule_at_its_edges(org, year, ok):
    row = run(org, f"HR;{year};1000;EUR").rows[0]
    assert (row.status != "invalid") is ok, row.errors
    if not ok:
        assert list(row.errors) == ["fiscal_year"]


@pytest.mark.parametrize(
    ("amount", "ok"),
    [
        ("0", True),
        ("-0.01", False),
        ("1.255", False),
        ("1 250 000", True),
        (f"{MAX_AMOUNT:f}", True),
        (f"{MAX_AMOUNT + Decimal('0.01'):f}", False),
        ("NaN", False),
        ("abc", False),
        ("", False),
    ],
)
def test_the_amount_rule_at_its_edges(org, amount, ok):
    row = run(org, f"HR;2027;{amount};EUR").rows[0]
    assert (row.status != "invalid") is ok, row.errors
    if not ok:
        assert list(row.errors) == ["amount"]


def test_each_row_says_what_is_wrong_with_it(org):
    outcome = run(
        org,
        "XX;2027;1;EUR",
        "HR;2027;1;EUR",
        "hr;2027;2;EUR",
        "IT;2027;3;DOGE",
        "MKT;2026;-1;DOGE",
        "MKT;2027;1;EUR",
    )
    statuses = [r.status for r in outcome.rows]
    assert statuses == ["invalid", "created", "invalid", "invalid", "invalid", "created"]
    assert "XX" in outcome.rows[0].errors["department"][0]
    assert "line 3" in outcome.rows[2].errors["fiscal_year"][0]  # HR 2027 twice (any case)
    assert set(outcome.rows[3].errors) == {"currency"}
    assert set(outcome.rows[4].errors) == {"amount", "currency"}  # both said at once


def test_one_wrong_row_imports_nothing(org, hr_2027):
    events = Event.objects.count()
    outcome = run(org, "HR;2027;1;USD", "IT;2027;-5;EUR", apply=True)
    assert not outcome.applied
    assert outcome.counts["invalid"] == 1
    assert budgets() == {("HR", 2027): (Decimal("400000.00"), "USD")}
    assert not ImportRun.objects.exists()
    assert Event.objects.count() == events


def test_an_excel_file_imports_like_a_csv(org):
    data = xlsx_bytes(["department", "fiscal_year", "amount"], ["HR", 2027, 1234.5])
    done = import_check(kind=YEARLY, actor=org.cdo, data=data, filename="y.xlsx", apply=True)
    assert done.applied, [r.errors for r in done.rows]
    assert budgets()[("HR", 2027)][0] == Decimal("1234.50")


@pytest.mark.parametrize("persona", ["cdo", "superuser"])
def test_the_cdo_and_an_administrator_import_yearly_budgets(org, persona):
    assert run(org, "HR;2027;1;EUR", actor=getattr(org, persona), apply=True).applied
    assert ("HR", 2027) in budgets()


@pytest.mark.parametrize("persona", ["hr_head", "it_reviewer", "requester", "viewer", "outsider"])
def test_no_one_else_imports_yearly_budgets(org, persona):
    with pytest.raises(NotAllowed):
        run(org, "HR;2027;1;EUR", actor=getattr(org, persona), apply=True)
    assert budgets() == {}


def test_the_demo_file_to_try_previews_without_an_error(org):
    from demo.imports import FILES

    name = "yearly-budgets-import.csv"
    data = (FILES / name).read_bytes()
    preview = import_check(kind=YEARLY, actor=org.cdo, data=data, filename=name, apply=False)
    assert preview.counts["invalid"] == 0, [r.errors for r in preview.rows]
    assert preview.counts["created"] == 6
