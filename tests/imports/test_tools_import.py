"""Tools' owners, data and contracts imported by IT Operations, through the tool edit's input
rules and service; tools are never created by an import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from audit.models import Event
from core.errors import NotAllowed
from imports.kinds import KINDS
from imports.services import import_check
from landscape.models import Tool
from tests.factories import SolutionFactory, ToolFactory
from tests.imports.helpers import csv_bytes

pytestmark = pytest.mark.django_db
TOOLS = KINDS["tools"]
HEADER = "tool;business_owner;seats;contract_start;term_months;yearly_cost;currency;auto_renews"


def run(actor, *lines, apply=False, header=HEADER):
    return import_check(kind=TOOLS, actor=actor, data=csv_bytes(header, *lines),
                        filename="tools.csv", apply=apply)  # fmt: skip


@pytest.fixture
def ats(org):
    return ToolFactory(solution=SolutionFactory(name="Hirely ATS"), seats=100)


def test_it_operations_updates_tools_by_name_or_id_with_the_tool_event(org, ats):
    other = ToolFactory(solution=SolutionFactory(name="Learnly"))
    outcome = run(
        org.it_reviewer,
        "hirely ats;henk.hrhead;250;2026-01-01;36;30000.50;USD;yes",
        f"{other.pk};;;;;;;",
        apply=True,
    )
    assert outcome.applied
    assert [r.status for r in outcome.rows] == ["updated", "unchanged"]
    ats.refresh_from_db()
    assert (ats.business_owner, ats.seats, ats.contract_start) == (
        org.hr_head,
        250,
        dt.date(2026, 1, 1),
    )
    assert (ats.term_months, ats.yearly_cost, ats.currency, ats.auto_renews) == (
        36,
        Decimal("30000.50"),
        "USD",
        True,
    )
    assert Event.objects.filter(kind="tool.updated").count() == 1
    assert run(org.it_reviewer, "hirely ats;henk.hrhead;250;;;;;", apply=True).rows[0].status == (
        "unchanged"
    )


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ("Nope;;;;;;;", "tool"),
        ("999999;;;;;;;", "tool"),
        ("99999999999999999999999;;;;;;;", "tool"),
        ("Hirely ATS;nobody;;;;;;", "business_owner"),
        ("Hirely ATS;;-1;;;;;", "seats"),
        ("Hirely ATS;;10000001;;;;;", "seats"),
        ("Hirely ATS;;;2026-13-01;;;;", "contract_start"),
        ("Hirely ATS;;;;601;;;", "term_months"),
        ("Hirely ATS;;;;;-5;;", "yearly_cost"),
        ("Hirely ATS;;;;;;EUR;", "currency"),
        ("Hirely ATS;;;;;;;perhaps", "auto_renews"),
    ],
)
def test_wrong_values_are_row_errors_naming_the_column(org, ats, line, column):
    outcome = run(org.it_reviewer, line)
    assert outcome.rows[0].status == "invalid"
    assert column in outcome.rows[0].errors, outcome.rows[0].errors


def test_the_limits_themselves_are_taken(org, ats):
    outcome = run(org.it_reviewer, "Hirely ATS;;10000000;;600;0;;no")
    assert outcome.rows[0].status == "updated", outcome.rows[0].errors


def test_two_tools_of_one_name_need_the_id(org, ats):
    ToolFactory(solution=SolutionFactory(name="Hirely ATS"))
    outcome = run(org.it_reviewer, "Hirely ATS;;5;;;;;")
    assert "id" in outcome.rows[0].errors["tool"][0]


def test_the_same_tool_twice_is_an_error_and_nothing_is_imported(org, ats):
    outcome = run(org.it_reviewer, "Hirely ATS;;5;;;;;", f"{ats.pk};;6;;;;;", apply=True)
    assert not outcome.applied
    assert outcome.rows[1].status == "invalid"
    ats.refresh_from_db()
    assert ats.seats == 100


@pytest.mark.parametrize("persona", ["hr_head", "cdo", "superuser", "requester"])
def test_only_it_operations_imports_tools(org, ats, persona):
    with pytest.raises(NotAllowed):
        run(getattr(org, persona), "Hirely ATS;;5;;;;;", apply=True)
    assert Tool.objects.get().seats == 100
