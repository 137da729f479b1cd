"""Fiscal years: which one a day falls in, and where one starts and ends.

A fiscal year starts on the first day of settings.FISCAL_YEAR_START_MONTH and is named by the
calendar year it starts in: with April, fiscal year 2026 runs from 1 April 2026 to 31 March
2027; with January (the default) it is the calendar year."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

# The fiscal years a budget may be set for (a typing mistake such as 20226 is refused).
FIRST_FISCAL_YEAR = 2000
LAST_FISCAL_YEAR = 2100


def start_month() -> int:
    return int(settings.FISCAL_YEAR_START_MONTH)


def fiscal_year_of(day: dt.date) -> int:
    """The fiscal year `day` falls in."""
    return day.year if day.month >= start_month() else day.year - 1


def fiscal_year_start(year: int) -> dt.date:
    """The first day of fiscal year `year`."""
    return dt.date(year, start_month(), 1)


def fiscal_year_end(year: int) -> dt.date:
    """The last day of fiscal year `year`."""
    return fiscal_year_start(year + 1) - dt.timedelta(days=1)


def fiscal_year_label(year: int) -> str:
    """How a fiscal year reads: "2026", or "2026-27" when it spans two calendar years."""
    if start_month() == 1:
        return str(year)
    return f"{year}-{(year + 1) % 100:02d}"
