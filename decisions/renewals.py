"""Reading the renewals: the calendar's entries by month, what is due within N days (the API),
and the iCalendar feed. Contract dates come from landscape.contracts, computed in Python from
one query of tools; the open renewal proposals are one more query, whatever the number of tools.
Everyone signed in reads the landscape (landscape.rights), so everyone reads its renewals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from decisions.models import Proposal, ProposalKind
from decisions.rights import proposals_visible_to
from decisions.services.renewal import RENEWABLE_LIFECYCLES, RENEWAL_OPEN_STATES
from landscape.contracts import ContractDates, add_months, tool_contract_dates
from landscape.models import Tool

# A monthly contract over two years renews 24 times: a bound on the terms one window lists.
MAX_TERMS_PER_TOOL = 40


@dataclass
class RenewalEntry:
    """One term of one tool's contract: its notice deadline and renewal date."""

    tool: Tool
    dates: ContractDates
    today: dt.date
    open_renewal: Proposal | None = None  # a renewal proposal still being decided

    @property
    def days_to_deadline(self) -> int:
        return (self.dates.notice_deadline - self.today).days

    @property
    def days_to_renewal(self) -> int:
        return (self.dates.renewal - self.today).days

    @property
    def notice_passed(self) -> bool:
        return self.dates.notice_deadline < self.today

    @property
    def is_current_term(self) -> bool:
        """The term whose renewal comes next: the one a renewal can be opened for."""
        return self.dates.renewal == getattr(self.tool, "_next_renewal", None)


@dataclass
class CalendarEvent:
    day: dt.date
    kind: str  # "deadline" or "renewal"
    entry: RenewalEntry

    @property
    def label(self) -> str:
        return _("Notice deadline") if self.kind == "deadline" else _("Renewal")


@dataclass
class CalendarMonth:
    first_day: dt.date
    events: list[CalendarEvent] = field(default_factory=list)


def renewable_tools(*, department: str = "") -> QuerySet[Tool]:
    """Live tools with a contract (start and term): those that can come up for renewal."""
    tools = Tool.objects.filter(
        lifecycle__in=RENEWABLE_LIFECYCLES, contract_start__isnull=False, term_months__gt=0
    ).select_related("solution__vendor", "owner_department", "business_owner")
    if department:
        tools = tools.filter(owner_department__code=department)
    return tools.order_by("solution__name", "pk")


def _terms(tool: Tool, *, start: dt.date, end: dt.date) -> list[ContractDates]:
    """The tool's terms whose notice deadline or renewal date falls on or before `end`, from
    the first renewal on or after `start`."""
    out: list[ContractDates] = []
    dates = tool_contract_dates(tool, start)
    while dates is not None and len(out) < MAX_TERMS_PER_TOOL:
        if dates.notice_deadline > end and dates.renewal > end:
            break
        out.append(dates)
        dates = tool_contract_dates(tool, dates.renewal + dt.timedelta(days=1))
    return out


def open_renewals(*, user: Any, tool_ids: Iterable[int]) -> dict[tuple[int, Any], Proposal]:
    """(tool id, renewal date) → the renewal proposal still being decided that `user` may see.
    One query."""
    found: dict[tuple[int, Any], Proposal] = {}
    rows = (
        Proposal.objects.filter(proposals_visible_to(user))
        .filter(kind=ProposalKind.RENEWAL, status__in=RENEWAL_OPEN_STATES, tool_id__in=tool_ids)
        .only("pk", "reference", "status", "tool_id", "renewal_date", "renewal_action")
        .order_by("created_at")
    )
    for proposal in rows:
        found.setdefault((proposal.tool_id or 0, proposal.renewal_date), proposal)
    return found


def renewal_entries(
    *, user: Any, start: dt.date, end: dt.date, department: str = "", today: dt.date | None = None
) -> list[RenewalEntry]:
    """Every term of every renewable tool with a notice deadline or renewal date in
    [start, end], soonest deadline first. Two queries."""
    today = today or timezone.localdate()
    start = max(start, today)
    entries: list[RenewalEntry] = []
    for tool in renewable_tools(department=department):
        upcoming = tool_contract_dates(tool, today)
        tool._next_renewal = upcoming.renewal if upcoming else None  # type: ignore[attr-defined]
        entries.extend(
            RenewalEntry(tool=tool, dates=dates, today=today)
            for dates in _terms(tool, start=start, end=end)
        )
    proposals = open_renewals(user=user, tool_ids={e.tool.pk for e in entries})
    for entry in entries:
        entry.open_renewal = proposals.get((entry.tool.pk, entry.dates.renewal))
    entries.sort(key=lambda e: (e.dates.notice_deadline, e.tool.solution.name, e.tool.pk))
    return entries


def renewal_calendar(
    *, user: Any, first_month: dt.date, months: int, department: str = ""
) -> list[CalendarMonth]:
    """`months` months from `first_month` (a first day), each with the notice deadlines and
    renewal dates falling in it, by day."""
    end = add_months(first_month, months) - dt.timedelta(days=1)
    entries = renewal_entries(user=user, start=first_month, end=end, department=department)
    calendar = [CalendarMonth(first_day=add_months(first_month, i)) for i in range(months)]
    for entry in entries:
        for kind, day in (
            ("deadline", entry.dates.notice_deadline),
            ("renewal", entry.dates.renewal),
        ):
            if first_month <= day <= end:
                index = (day.year - first_month.year) * 12 + day.month - first_month.month
                calendar[index].events.append(CalendarEvent(day=day, kind=kind, entry=entry))
    for month in calendar:
        month.events.sort(key=lambda e: (e.day, e.kind, e.entry.tool.solution.name))
    return calendar


def renewals_due(
    *, user: Any, within_days: int, today: dt.date | None = None
) -> list[RenewalEntry]:
    """The contracts whose next notice deadline is within `within_days` days (and not passed):
    what the API lists. Two queries."""
    today = today or timezone.localdate()
    entries = [
        e
        for e in renewal_entries(
            user=user, start=today, end=today + dt.timedelta(days=within_days), today=today
        )
        if e.is_current_term and 0 <= e.days_to_deadline <= within_days
    ]
    return entries


# --- The iCalendar feed ----------------------------------------------------------------------

FEED_MONTHS = 24


def renewal_feed_ics(*, user: Any, base_url: str, today: dt.date | None = None) -> bytes:
    """The person's renewal feed: an all-day event for each notice deadline and renewal date
    of the next FEED_MONTHS months. UIDs are stable (tool, kind, date), so calendar apps update
    events instead of duplicating them."""
    from icalendar import Calendar, Event

    today = today or timezone.localdate()
    end = add_months(today, FEED_MONTHS)
    calendar = Calendar()
    calendar.add("prodid", "-//hrtech-gov//renewals//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Contract renewals"))
    stamp = timezone.now()
    for entry in renewal_entries(user=user, start=today, end=end, today=today):
        tool = entry.tool
        url = base_url + reverse("tool-detail", args=[tool.pk])
        cost = (
            f"{tool.yearly_cost} {tool.currency}" if tool.yearly_cost is not None else _("unknown")
        )
        description = _(
            "%(tool)s (%(dept)s): notice deadline %(deadline)s, renewal %(renewal)s, yearly cost "
            "%(cost)s."
        ) % {
            "tool": tool.solution.name,
            "dept": tool.owner_department.name,
            "deadline": date_format(entry.dates.notice_deadline),
            "renewal": date_format(entry.dates.renewal),
            "cost": cost,
        }
        for kind, day, summary in (
            ("deadline", entry.dates.notice_deadline, _("Notice deadline: %(tool)s")),
            ("renewal", entry.dates.renewal, _("Contract renewal: %(tool)s")),
        ):
            if not today <= day <= end:
                continue
            event = Event()
            event.add("uid", f"renewal-{kind}-{tool.pk}-{day.isoformat()}@hrtech-gov")
            event.add("dtstamp", stamp)
            event.add("dtstart", day)
            event.add("dtend", day + dt.timedelta(days=1))
            event.add("summary", summary % {"tool": tool.solution.name})
            event.add("description", description)
            event.add("url", url)
            event.add("categories", [tool.owner_department.code])
            calendar.add_component(event)
    return calendar.to_ical()
