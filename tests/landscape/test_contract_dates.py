"""landscape.contracts: the next renewal and its notice deadline, at the edges."""

from __future__ import annotations

import datetime as dt

import pytest

from landscape.contracts import add_months, contract_dates

D = dt.date
JUNE_1 = D(2026, 6, 1)


def dates(start, term, notice=None, auto=False, today=JUNE_1):
    return contract_dates(
        contract_start=start, term_months=term, notice_days=notice, auto_renews=auto, today=today
    )


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2026, 1, 31), 2, D(2026, 3, 31)),
        (D(2028, 2, 29), 12, D(2029, 2, 28)),
        (D(2028, 2, 29), 48, D(2032, 2, 29)),
        (D(2026, 11, 15), 3, D(2027, 2, 15)),
    ],
)
def test_it_adds_months_clamped_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_it_renews_at_the_end_of_the_term_less_the_notice():
    got = dates(D(2026, 1, 1), 12, notice=90)
    assert got.renewal == D(2027, 1, 1)
    assert got.notice_deadline == D(2026, 10, 3)
    assert got.term_start == D(2026, 1, 1)
    assert got.days_to_deadline == (D(2026, 10, 3) - D(2026, 6, 1)).days


def test_it_takes_the_renewal_date_as_deadline_without_notice():
    got = dates(D(2026, 1, 1), 12, notice=None)
    assert got.notice_deadline == got.renewal == D(2027, 1, 1)
    assert dates(D(2026, 1, 1), 12, notice=0).notice_deadline == D(2027, 1, 1)


def test_it_has_no_renewal_without_a_start_or_a_term():
    assert dates(None, 12) is None
    assert dates(D(2026, 1, 1), None) is None
    assert dates(D(2026, 1, 1), 0) is None


def test_it_has_no_future_renewal_for_an_ended_contract_that_does_not_renew():
    assert dates(D(2024, 1, 1), 12, auto=False) is None


def test_it_rolls_an_auto_renewing_contract_forward_by_whole_terms():
    got = dates(D(2023, 1, 31), 1, notice=10, auto=True, today=D(2026, 3, 5))
    assert got.renewal == D(2026, 3, 31)  # counted from the start: the month end stays
    assert got.term_start == D(2026, 2, 28)
    assert got.notice_deadline == D(2026, 3, 21)
    yearly = dates(D(2020, 2, 29), 12, notice=30, auto=True, today=D(2026, 6, 1))
    assert yearly.renewal == D(2027, 2, 28)
    assert yearly.term_start == D(2026, 2, 28)


def test_it_keeps_a_renewal_falling_today():
    got = dates(D(2025, 6, 1), 12, notice=30, auto=True, today=D(2026, 6, 1))
    assert got.renewal == D(2026, 6, 1)
    assert got.notice_passed
    assert got.days_to_renewal == 0
    nxt = dates(D(2025, 6, 1), 12, notice=30, auto=True, today=D(2026, 6, 2))
    assert nxt.renewal == D(2027, 6, 1)


def test_it_keeps_the_first_term_for_a_contract_not_started_yet():
    got = dates(D(2026, 9, 1), 24, notice=60, auto=True, today=D(2026, 6, 1))
    assert got.renewal == D(2028, 9, 1)
    assert got.term_start == D(2026, 9, 1)


def test_it_counts_a_leap_day_deadline():
    got = dates(D(2027, 3, 30), 12, notice=30, today=D(2027, 6, 1))
    assert got.renewal == D(2028, 3, 30)
    assert got.notice_deadline == D(2028, 2, 29)
