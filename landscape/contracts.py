"""A tool's contract dates, computed (pure): the next renewal date and the notice deadline.

A contract starting on S for T months renews on S + T months (the first day of the next term);
an auto-renewing contract rolls forward by whole terms, counted from S each time so that a
month end stays a month end (31 Jan + 1 month is 28/29 Feb, + 2 months is 31 Mar). The notice
deadline is the renewal date less the notice period (no notice period: the renewal date
itself). A contract without a start or a term has no renewal; a contract that ended and does
not renew automatically has no future renewal."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol


class HasContract(Protocol):
    """A tool, as far as its contract goes (read-only, so a model's fields satisfy it)."""

    @property
    def pk(self) -> Any: ...
    @property
    def contract_start(self) -> dt.date | None: ...
    @property
    def term_months(self) -> int | None: ...
    @property
    def notice_days(self) -> int | None: ...
    @property
    def auto_renews(self) -> bool: ...


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus whole months, clamped to the month's last day (29 Feb + 12 = 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class ContractDates:
    term_start: dt.date  # the start of the term that ends on the renewal date
    renewal: dt.date
    notice_deadline: dt.date
    today: dt.date

    @property
    def days_to_deadline(self) -> int:
        return (self.notice_deadline - self.today).days

    @property
    def days_to_renewal(self) -> int:
        return (self.renewal - self.today).days

    @property
    def notice_passed(self) -> bool:
        return self.notice_deadline < self.today


def contract_dates(
    *,
    contract_start: dt.date | None,
    term_months: int | None,
    notice_days: int | None,
    auto_renews: bool,
    today: dt.date,
) -> ContractDates | None:
    """The next renewal on or after `today` and its notice deadline, or None (no contract,
    no term, or ended without renewing automatically)."""
    if contract_start is None or not term_months:
        return None
    terms = 1
    if auto_renews and add_months(contract_start, term_months) < today:
        # Jump close to today, then step: whole terms from the start, never compounding.
        elapsed = (today.year - contract_start.year) * 12 + today.month - contract_start.month
        terms = max(1, elapsed // term_months)
        while add_months(contract_start, terms * term_months) < today:
            terms += 1
    renewal = add_months(contract_start, terms * term_months)
    if renewal < today:
        return None  # ended, and it does not renew by itself
    deadline = renewal - dt.timedelta(days=notice_days or 0)
    return ContractDates(
        term_start=add_months(contract_start, (terms - 1) * term_months),
        renewal=renewal,
        notice_deadline=deadline,
        today=today,
    )


def tool_contract_dates(tool: HasContract, today: dt.date) -> ContractDates | None:
    return contract_dates(
        contract_start=tool.contract_start,
        term_months=tool.term_months,
        notice_days=tool.notice_days,
        auto_renews=tool.auto_renews,
        today=today,
    )


def tools_contract_dates(tools: Iterable[HasContract], today: dt.date) -> dict[int, ContractDates]:
    """Tool id → its contract dates, for the tools that have a future renewal (lists, the
    calendar, the feed, the reminders: computed in Python from rows already read)."""
    out: dict[int, ContractDates] = {}
    for tool in tools:
        dates = tool_contract_dates(tool, today)
        if dates is not None and tool.pk is not None:
            out[tool.pk] = dates
    return out
