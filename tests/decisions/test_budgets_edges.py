"""Budgets at their edges (decisions.budgets): the month a contract starts in UTC whatever row
dates it has, a term over three fiscal years to the cent, an April fiscal year, budgets and
proposals in other currencies, and the warning of the proposal form at its boundaries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from decisions.budgets import (
    budget_card,
    budget_line,
    committed_spend,
    committed_spend_of,
    contract_start,
    months_by_fiscal_year,
    over_budget_warning,
    proposal_spread,
    spread,
)
from decisions.models import CommittedSpendCount, Proposal, ProposalStatus
from stakeholders.models import DepartmentBudget
from tests.factories import make_proposal

pytestmark = pytest.mark.django_db

D = Decimal
UTC = dt.UTC


def approved(org, **dates) -> Proposal:
    """A submitted proposal (2,000 one-off, 1,000 a month for 12 months) approved, its dates
    written directly (the read model follows any write)."""
    proposal = make_proposal(requester=org.requester, submit=True)
    fields = {"decided_at": None, "submitted_at": None} | dates
    Proposal.objects.filter(pk=proposal.pk).update(status=ProposalStatus.APPROVED, **fields)
    proposal.refresh_from_db()
    return proposal


def both_counts(org) -> dict[tuple[int, int], Decimal]:
    """The committed spend as the read model and a filtered recount both give it."""
    spend = committed_spend()
    assert committed_spend_of(Proposal.objects.all()) == spend
    return spend


# --- The month a contract starts, from whichever date the row has


def test_a_decision_late_on_the_last_day_of_the_year_counts_from_december_utc(org):
    # 23:30 UTC on 31 December is already 1 January in Amsterdam.
    approved(org, decided_at=dt.datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    hr = org.departments["HR"].pk
    assert both_counts(org) == {(hr, 2026): D("3000.00"), (hr, 2027): D("11000.00")}


def test_without_a_decision_the_contract_starts_in_the_month_of_submission_utc(org):
    proposal = approved(org, submitted_at=dt.datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    Proposal.objects.filter(pk=proposal.pk).update(created_at=dt.datetime(2026, 1, 5, tzinfo=UTC))
    hr = org.departments["HR"].pk
    # November and December of 2026, 10 months of 2027.
    assert both_counts(org) == {(hr, 2026): D("4000.00"), (hr, 2027): D("10000.00")}
    proposal.refresh_from_db()
    assert contract_start(proposal) == dt.date(2026, 11, 1)


def test_without_a_decision_or_submission_it_starts_in_the_month_of_creation_utc(org):
    proposal = approved(org)
    Proposal.objects.filter(pk=proposal.pk).update(
        created_at=dt.datetime(2026, 10, 31, 23, 30, tzinfo=UTC)
    )
    hr = org.departments["HR"].pk
    assert both_counts(org) == {(hr, 2026): D("5000.00"), (hr, 2027): D("9000.00")}
    proposal.refresh_from_db()
    assert contract_start(proposal) == dt.date(2026, 10, 1)
    # A decision, once taken, wins over a `today`.
    proposal.decided_at = dt.datetime(2026, 3, 2, tzinfo=UTC)
    assert contract_start(proposal, today=dt.date(2027, 6, 1)) == dt.date(2026, 3, 1)


def test_an_unsaved_proposal_without_a_today_starts_this_month_in_utc():
    with time_machine.travel(dt.datetime(2026, 5, 31, 23, 30, tzinfo=UTC)):
        assert contract_start(Proposal()) == dt.date(2026, 5, 1)


def test_a_committed_proposal_without_a_fixed_tco_commits_nothing(org):
    proposal = approved(org, decided_at=dt.datetime(2026, 2, 1, tzinfo=UTC))
    Proposal.objects.filter(pk=proposal.pk).update(tco=None)
    hr = org.departments["HR"].pk
    assert both_counts(org) == {(hr, 2026): D("0"), (hr, 2027): D("0")}


# --- Spreading to the cent


def test_a_term_over_three_fiscal_years_adds_up_to_the_cent_with_the_last_year_rounding():
    # 14 months from December: 1 month in 2026, 12 in 2027, 1 in 2028.
    assert months_by_fiscal_year(dt.date(2026, 12, 1), 14) == [(2026, 1), (2027, 12), (2028, 1)]
    parts = spread(start=dt.date(2026, 12, 1), term_months=14, one_off=D("0"), tco=D("100"))
    assert parts == {2026: D("7.14"), 2027: D("85.71"), 2028: D("7.15")}
    parts = spread(start=dt.date(2026, 12, 1), term_months=14, one_off=D("30"), tco=D("100"))
    assert parts == {2026: D("35.00"), 2027: D("60.00"), 2028: D("5.00")}


def test_a_thirteen_month_term_from_march_splits_at_an_april_fiscal_year(settings):
    settings.FISCAL_YEAR_START_MONTH = 4
    parts = spread(start=dt.date(2026, 3, 1), term_months=13, one_off=D("50"), tco=D("1350"))
    assert parts == {2025: D("150.00"), 2026: D("1200.00")}
    parts = spread(start=dt.date(2026, 4, 1), term_months=13, one_off=D("0"), tco=D("1300"))
    assert parts == {2026: D("1200.00"), 2027: D("100.00")}


def test_a_decision_on_the_evening_of_march_31_counts_in_the_year_ending_then(org, settings):
    settings.FISCAL_YEAR_START_MONTH = 4
    approved(org, decided_at=dt.datetime(2026, 3, 31, 22, 30, tzinfo=UTC))
    hr = org.departments["HR"].pk
    # March 2026 is the last month of fiscal year 2025: 2,000 + 1,000 there, 11,000 in 2026.
    assert both_counts(org) == {(hr, 2025): D("3000.00"), (hr, 2026): D("11000.00")}


def test_a_negative_one_off_cost_is_spread_as_nothing_and_no_term_has_no_months():
    parts = spread(start=dt.date(2026, 12, 1), term_months=12, one_off=D("-100"), tco=D("1200"))
    assert parts == {2026: D("100.00"), 2027: D("1100.00")}
    assert months_by_fiscal_year(dt.date(2026, 1, 1), 0) == []
    assert months_by_fiscal_year(dt.date(2026, 1, 1), -3) == []


def test_a_submitted_proposal_in_another_currency_spreads_its_fixed_tco_in_the_base(org):
    proposal = make_proposal(requester=org.requester, submit=True, currency="USD")
    assert proposal.tco == D("12880.00")  # 14,000 USD at 0.92
    # From November: 1,840 one-off and 2 of the 12 months of the 11,040 recurring.
    parts = proposal_spread(proposal, today=dt.date(2026, 11, 20))
    assert parts == {2026: D("3680.00"), 2027: D("9200.00")}


# --- Budgets in other currencies, shares


def test_a_standing_budget_in_another_currency_is_compared_in_the_base(org):
    hr = org.departments["HR"]
    hr.annual_budget, hr.currency = D("10000"), "GBP"
    hr.save()
    assert budget_line(department=hr, year=2026).budget == D("11700.00")


def test_a_budget_in_a_currency_without_a_rate_is_taken_as_it_is(org, settings):
    hr = org.departments["HR"]
    DepartmentBudget.objects.create(department=hr, fiscal_year=2026, amount=1000, currency="SEK")
    assert budget_line(department=hr, year=2026).budget == D("88.00")
    settings.FX_RATES = {k: v for k, v in settings.FX_RATES.items() if k != "SEK"}
    assert budget_line(department=hr, year=2026).budget == D("1000")


def test_the_share_of_a_budget_reads_to_one_decimal_and_none_without_a_budget(org):
    hr = org.departments["HR"]
    approved(org, decided_at=dt.datetime(2026, 1, 5, tzinfo=UTC))  # 14,000 in 2026
    DepartmentBudget.objects.create(department=hr, fiscal_year=2026, amount=30000)
    line = budget_line(department=hr, year=2026)
    assert (line.share, line.remaining, line.over) == (46.7, D("16000.00"), False)
    DepartmentBudget.objects.update(amount=0)
    line = budget_line(department=hr, year=2026)
    assert (line.share, line.over) == (None, True)


# --- The warning of the proposal form


def _budget(org, amount, year=2026):
    DepartmentBudget.objects.create(
        department=org.departments["HR"], fiscal_year=year, amount=amount
    )


def test_the_warning_compares_a_foreign_currency_proposal_in_the_base(org):
    # 14,000 USD is 12,880.00 EUR.
    _budget(org, D("12880"))
    proposal = make_proposal(requester=org.requester, currency="USD")
    assert over_budget_warning(proposal, today=dt.date(2026, 1, 20)) is None
    DepartmentBudget.objects.update(amount=D("12879.99"))
    line, part = over_budget_warning(proposal, today=dt.date(2026, 1, 20))
    assert (line.fiscal_year, part, line.remaining) == (2026, D("12880.00"), D("12879.99"))


def test_a_year_without_a_budget_is_passed_over_for_the_next(org):
    _budget(org, 0)
    _budget(org, 1, year=2027)
    proposal = make_proposal(requester=org.requester)
    line, part = over_budget_warning(proposal, today=dt.date(2026, 7, 1))
    assert (line.fiscal_year, part, line.budget) == (2027, D("6000.00"), D("1.00"))


def test_no_warning_without_a_payer_or_without_a_rate(org, settings):
    _budget(org, 1)
    proposal = make_proposal(requester=org.requester, currency="CHF")
    assert over_budget_warning(proposal, today=dt.date(2026, 1, 20)) is not None
    settings.FX_RATES = {k: v for k, v in settings.FX_RATES.items() if k != "CHF"}
    assert over_budget_warning(proposal, today=dt.date(2026, 1, 20)) is None
    nobody = Proposal(currency="EUR", recurring_cost=D("1000"), recurring_period="monthly")
    assert over_budget_warning(nobody, today=dt.date(2026, 1, 20)) is None


def test_the_warning_reads_the_committed_spend_once_however_many_years_it_spans(org):
    approved(org, decided_at=dt.datetime(2026, 1, 5, tzinfo=UTC))
    proposal = make_proposal(requester=org.requester, term_months=36)
    table = CommittedSpendCount._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        assert over_budget_warning(proposal, today=dt.date(2026, 7, 1)) is None  # 4 years
    assert sum(table in q["sql"] for q in queries.captured_queries) == 1


# --- The CDO's card


def test_the_card_of_a_proposal_without_a_rate_or_budget(org, settings):
    proposal = make_proposal(requester=org.requester, submit=True, currency="GBP")
    _budget(org, 0)
    card = budget_card(proposal, today=dt.date(2026, 1, 2))
    assert (card.part, card.share, card.over) == (D("16380.00"), None, False)
    settings.FX_RATES = {k: v for k, v in settings.FX_RATES.items() if k != "GBP"}
    assert budget_card(proposal, today=dt.date(2026, 1, 2)) is None


def test_the_card_reuses_this_years_lines_and_rereads_another_years(org):
    _budget(org, 28000)
    proposal = make_proposal(requester=org.requester, submit=True)
    hr = org.departments["HR"]
    line = budget_line(department=hr, year=2026)
    with CaptureQueriesContext(connection) as queries:
        card = budget_card(proposal, lines={hr.pk: line}, today=dt.date(2026, 10, 2))
    assert card.line is line
    assert not any("budget" in q["sql"].lower() for q in queries.captured_queries)
    stale = budget_line(department=hr, year=2025)
    card = budget_card(proposal, lines={hr.pk: stale}, today=dt.date(2026, 10, 2))
    assert (card.line.fiscal_year, card.line.budget, card.year) == (2026, D("28000.00"), "2026")
