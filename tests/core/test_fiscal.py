"""Fiscal years (core.fiscal): which year a day falls in at the configured start month, where
each year starts and ends, and how it reads."""

from __future__ import annotations

import datetime as dt

import pytest

from core.fiscal import (
    fiscal_year_end,
    fiscal_year_label,
    fiscal_year_of,
    fiscal_year_start,
    start_month,
)


def test_a_calendar_fiscal_year_runs_from_january_to_december():
    assert start_month() == 1
    assert fiscal_year_of(dt.date(2025, 12, 31)) == 2025
    assert fiscal_year_of(dt.date(2026, 1, 1)) == 2026
    assert (fiscal_year_start(2026), fiscal_year_end(2026)) == (
        dt.date(2026, 1, 1), dt.date(2026, 12, 31),
    )  # fmt: skip
    assert fiscal_year_label(2026) == "2026"


def test_an_april_fiscal_year_turns_between_march_31_and_april_1(settings):
    settings.FISCAL_YEAR_START_MONTH = 4
    assert fiscal_year_of(dt.date(2026, 3, 31)) == 2025
    assert fiscal_year_of(dt.date(2026, 4, 1)) == 2026
    assert fiscal_year_of(dt.date(2027, 3, 31)) == 2026
    assert fiscal_year_of(dt.date(2026, 12, 31)) == 2026
    assert fiscal_year_start(2025) == dt.date(2025, 4, 1)
    assert fiscal_year_end(2025) == dt.date(2026, 3, 31)
    # The day after a year's end is the next year's first day.
    assert fiscal_year_end(2026) + dt.timedelta(days=1) == fiscal_year_start(2027)


def test_a_fiscal_year_starting_in_march_ends_on_the_last_day_of_february(settings):
    settings.FISCAL_YEAR_START_MONTH = 3
    assert fiscal_year_end(2027) == dt.date(2028, 2, 29)  # a leap year
    assert fiscal_year_end(2026) == dt.date(2027, 2, 28)
    assert fiscal_year_of(dt.date(2028, 2, 29)) == 2027


def test_a_fiscal_year_starting_in_december(settings):
    settings.FISCAL_YEAR_START_MONTH = 12
    assert fiscal_year_of(dt.date(2026, 11, 30)) == 2025
    assert fiscal_year_of(dt.date(2026, 12, 1)) == 2026
    assert fiscal_year_end(2026) == dt.date(2027, 11, 30)
    assert fiscal_year_label(2026) == "2026-27"


@pytest.mark.parametrize(
    ("year", "label"), [(2008, "2008-09"), (2099, "2099-00"), (2026, "2026-27")]
)
def test_a_split_fiscal_year_reads_with_two_digits_of_its_second_year(settings, year, label):
    settings.FISCAL_YEAR_START_MONTH = 7
    assert fiscal_year_label(year) == label
