"""Renewals: opening a renewal before the notice deadline (and not after), what an approved
renewal does to the tool, the shelfware rule, the calendar page and the iCalendar feed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from audit.models import Event
from core.errors import DomainError, NotAllowed
from decisions import services
from decisions.models import ProposalKind, ProposalStatus
from decisions.services.renewal import renewal_open
from landscape.models import CalendarFeed, Lifecycle, ToolUsage
from stakeholders.models import Department
from tests.factories import ToolFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        yield


def contract_tool(org, *, days_to_deadline=40, notice=30, **extra):
    """An HR tool owned by the requester whose notice deadline is `days_to_deadline` away."""
    renewal = TODAY + dt.timedelta(days=days_to_deadline + notice)
    start = renewal.replace(year=renewal.year - 1)
    defaults = {
        "business_owner": org.requester,
        "owner_department": Department.objects.get(code="HR"),
        "contract_start": start,
        "term_months": 12,
        "notice_days": notice,
        "yearly_cost": Decimal("6000"),
    }
    defaults.update(extra)
    return ToolFactory(**defaults)


def approve_all(org, proposal):
    for signoff in proposal.signoffs.filter(round=proposal.round, status="pending"):
        services.signoff_decide(
            signoff=signoff, actor=org.heads[signoff.department.code], outcome="approved"
        )
    proposal.refresh_from_db()
    return proposal


def test_the_owner_opens_a_renewal_that_goes_to_review(org):
    tool = contract_tool(org)
    proposal = renewal_open(
        tool=tool, actor=org.requester, action="renew", term_months=24, yearly_cost=Decimal("5000")
    )
    assert proposal.kind == ProposalKind.RENEWAL
    assert proposal.status == ProposalStatus.IN_REVIEW
    assert proposal.renewal_action == "renew"
    assert proposal.renewal_date == TODAY + dt.timedelta(days=70)
    assert proposal.recurring_period == "yearly"
    # The tier follows the new cost: 24 months at 5,000 a year.
    assert proposal.tco == Decimal("10000.00")
    assert proposal.tier.name == "Medium"
    assert proposal.paying_department.code == "HR"


def test_a_renewal_is_refused_after_the_notice_deadline(org):
    tool = contract_tool(org, days_to_deadline=-1)
    with pytest.raises(DomainError, match=r"notice deadline of .* passed"):
        renewal_open(
            tool=tool, actor=org.requester, action="renew", term_months=12, yearly_cost=1000
        )
    assert not tool.proposals.exists()


def test_a_renewal_is_open_on_the_day_of_the_deadline(org):
    tool = contract_tool(org, days_to_deadline=0)
    assert renewal_open(tool=tool, actor=org.requester, action="cancel").status == "in_review"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"action": "renew", "term_months": 12}, "recurring_cost"),
        ({"action": "renegotiate", "yearly_cost": 10}, "term_months"),
        ({"action": "extend"}, "renewal_action"),
    ],
)
def test_a_renewal_says_what_it_asks(org, kwargs, field):
    tool = contract_tool(org)
    with pytest.raises(DomainError) as error:
        renewal_open(tool=tool, actor=org.requester, **kwargs)
    assert error.value.field == field
    assert not tool.proposals.exists()


def test_a_tool_without_a_contract_has_nothing_to_renew(org):
    tool = ToolFactory(business_owner=org.requester)
    with pytest.raises(DomainError, match="no contract"):
        renewal_open(tool=tool, actor=org.requester, action="cancel")


@pytest.mark.parametrize("persona", ["mkt_head", "hr_reviewer", "outsider", "viewer", "cdo"])
def test_only_the_owners_or_it_open_a_renewal(org, persona):
    tool = contract_tool(org)
    with pytest.raises(NotAllowed):
        renewal_open(tool=tool, actor=getattr(org, persona), action="cancel")
    assert not tool.proposals.exists()


def test_a_second_renewal_for_the_same_term_is_refused(org):
    tool = contract_tool(org)
    first = renewal_open(tool=tool, actor=org.requester, action="cancel")
    with pytest.raises(DomainError, match=first.reference):
        renewal_open(tool=tool, actor=org.hr_head, action="cancel")


def test_an_approved_renewal_starts_the_new_term(org):
    tool = contract_tool(org)
    old_renewal = TODAY + dt.timedelta(days=70)
    proposal = renewal_open(
        tool=tool, actor=org.requester, action="renegotiate", term_months=6, yearly_cost=800
    )
    approve_all(org, proposal)
    assert proposal.status == ProposalStatus.APPROVED
    tool.refresh_from_db()
    assert (tool.contract_start, tool.term_months, tool.yearly_cost) == (
        old_renewal,
        6,
        Decimal("800.00"),
    )
    event = Event.objects.get(kind="tool.contract_renewed")
    assert event.payload["proposal"] == proposal.reference


def test_an_approved_cancellation_retires_the_tool_on_the_renewal_date(org):
    tool = contract_tool(org)
    proposal = approve_all(org, renewal_open(tool=tool, actor=org.requester, action="cancel"))
    assert proposal.status == ProposalStatus.APPROVED
    tool.refresh_from_db()
    assert tool.lifecycle == Lifecycle.SUNSET
    assert tool.retire_on == TODAY + dt.timedelta(days=70)


def test_a_shelfware_tool_is_not_renewed_without_the_cdo(org):
    tool = contract_tool(org, shelfware_since=TODAY - dt.timedelta(days=10))
    # Small tier: no CDO decision by the tier.
    proposal = renewal_open(
        tool=tool, actor=org.requester, action="renew", term_months=12, yearly_cost=100
    )
    assert not proposal.tier.cdo_decision_required
    proposal = approve_all(org, proposal)
    assert proposal.status == ProposalStatus.AWAITING_DECISION
    tool.refresh_from_db()
    assert tool.term_months == 12
    assert tool.yearly_cost == Decimal("6000")
    services.decision_take(
        proposal=proposal, actor=org.cdo, outcome="approved", rationale="One more year."
    )
    tool.refresh_from_db()
    assert tool.yearly_cost == Decimal("100.00")


def test_the_cdo_sees_the_renewal_on_the_decision_card(client, org):
    tool = contract_tool(org, shelfware_since=TODAY - dt.timedelta(days=10))
    proposal = renewal_open(
        tool=tool, actor=org.requester, action="renew", term_months=12, yearly_cost=4321
    )
    approve_all(org, proposal)
    client.force_login(org.cdo)
    page = client.get(reverse("cdo-decisions")).content.decode()
    assert proposal.reference in page
    assert "What is renewed?" in page
    assert "4,321.00" in page
    assert "the CDO decides its renewal" in page


def test_cancelling_a_shelfware_tool_needs_no_cdo(org):
    tool = contract_tool(org, shelfware_since=TODAY - dt.timedelta(days=10))
    proposal = approve_all(org, renewal_open(tool=tool, actor=org.requester, action="cancel"))
    assert proposal.status == ProposalStatus.APPROVED


def test_a_small_renewal_of_a_used_tool_needs_no_cdo(org):
    tool = contract_tool(org)
    proposal = renewal_open(
        tool=tool, actor=org.requester, action="renew", term_months=12, yearly_cost=100
    )
    assert approve_all(org, proposal).status == ProposalStatus.APPROVED


# --- Pages -----------------------------------------------------------------------------------


def test_the_calendar_lists_deadlines_and_renewals_by_month(client, org):
    tool = contract_tool(org, days_to_deadline=40)
    other = contract_tool(org, owner_department=Department.objects.get(code="MKT"))
    proposal = renewal_open(tool=tool, actor=org.requester, action="cancel")
    client.force_login(org.outsider)
    page = client.get(reverse("renewal-calendar")).content.decode()
    assert tool.solution.name in page
    assert other.solution.name in page
    assert "July 2026" in page
    assert "August 2026" in page
    assert proposal.reference in page
    # Only the owners are offered to open a renewal.
    assert reverse("renewal-open", args=[other.pk]) not in page
    filtered = client.get(reverse("renewal-calendar"), {"department": "MKT"}).content.decode()
    assert other.solution.name in filtered
    assert tool.solution.name not in filtered


def test_the_calendar_drops_what_it_cannot_read(client, org):
    contract_tool(org)
    client.force_login(org.viewer)
    for query in (
        {"from": "garbage"},
        {"months": "-3"},
        {"department": "NOPE"},
        {"from": "1999-01"},
    ):
        assert client.get(reverse("renewal-calendar"), query).status_code == 200


def test_the_calendar_pages_by_months(client, org):
    tool = contract_tool(org, days_to_deadline=400)  # next year
    client.force_login(org.requester)
    first = client.get(reverse("renewal-calendar"), {"months": "3"}).content.decode()
    assert tool.solution.name not in first
    later = client.get(reverse("renewal-calendar"), {"from": "2027-07", "months": "3"})
    assert tool.solution.name in later.content.decode()


def test_the_calendar_needs_a_sign_in(client):
    response = client.get(reverse("renewal-calendar"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "path", ["/renewals/", "/renewals/?department=HR", "/api/v1/renewals/?within_days=365"]
)
def test_the_query_count_does_not_grow_with_tools(client, org, path):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(org.requester)

    def queries() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    def grow(n):
        for i in range(n):
            tool = contract_tool(org, days_to_deadline=10 + i)
            renewal_open(tool=tool, actor=org.requester, action="cancel")
            contract_tool(org, days_to_deadline=20 + i, auto_renews=True, term_months=1)

    grow(1)
    queries()  # the first request of a session writes it
    small = queries()
    grow(5)
    assert queries() == small


def test_the_tool_page_links_the_calendar_and_opens_a_renewal(client, org):
    tool = contract_tool(org)
    client.force_login(org.requester)
    page = client.get(reverse("tool-detail", args=[tool.pk])).content.decode()
    assert reverse("renewal-open", args=[tool.pk]) in page
    assert reverse("renewal-calendar") in page
    client.force_login(org.outsider)
    page = client.get(reverse("tool-detail", args=[tool.pk])).content.decode()
    assert reverse("renewal-open", args=[tool.pk]) not in page


def test_opening_a_renewal_in_the_browser(client, org):
    tool = contract_tool(org)
    client.force_login(org.requester)
    url = reverse("renewal-open", args=[tool.pk])
    assert client.get(url).status_code == 200
    missing = client.post(url, {"renewal_action": "renew", "term_months": "12"})
    assert missing.status_code == 400
    assert "Give the new yearly cost" in missing.content.decode()
    response = client.post(
        url, {"renewal_action": "renew", "term_months": "12", "yearly_cost": "5500"}
    )
    proposal = tool.proposals.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("proposal-detail", args=[proposal.reference])
    page = client.get(response["Location"]).content.decode()
    assert "What is renewed?" in page
    assert "6,000.00" in page
    assert "5,500.00" in page
    assert "No usage reported yet." in page
    assert "No ratings." in page


def test_opening_a_renewal_after_the_deadline_says_why(client, org):
    tool = contract_tool(org, days_to_deadline=-2)
    client.force_login(org.requester)
    response = client.post(reverse("renewal-open", args=[tool.pk]), {"renewal_action": "cancel"})
    assert response.status_code == 400
    assert "too late to open a renewal" in response.content.decode()


def test_a_stranger_may_not_open_the_renewal_page(client, org):
    tool = contract_tool(org)
    client.force_login(org.outsider)
    assert client.get(reverse("renewal-open", args=[tool.pk])).status_code == 403
    assert (
        client.post(
            reverse("renewal-open", args=[tool.pk]), {"renewal_action": "cancel"}
        ).status_code
        == 403
    )
    assert not tool.proposals.exists()


# --- The feed --------------------------------------------------------------------------------


def _feed_url(client, user):
    client.force_login(user)
    response = client.post(reverse("renewal-feed-create"))
    assert response.status_code == 200
    return response.context["feed_url"]


def test_the_feed_is_a_calendar_of_deadlines_and_renewals(client, org):
    tool = contract_tool(org, days_to_deadline=40)
    url = _feed_url(client, org.requester)
    client.logout()
    response = client.get(_path(url))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    deadline = f"renewal-deadline-{tool.pk}-2026-07-11@hrtech-gov"
    renewal = f"renewal-renewal-{tool.pk}-2026-08-10@hrtech-gov"
    assert deadline in events
    assert renewal in events
    assert events[deadline].decoded("DTSTART") == dt.date(2026, 7, 11)
    assert tool.solution.name in str(events[deadline]["SUMMARY"])
    # Stable: the same UIDs on the next read.
    again = Calendar.from_ical(client.get(response.request["PATH_INFO"]).content)
    assert set(events) <= {str(e["UID"]) for e in again.walk("VEVENT")}
    assert CalendarFeed.objects.get(user=org.requester).last_used_at is not None


def _path(url):
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_the_feed_token_is_stored_hashed_and_rotates(client, org):
    first = _feed_url(client, org.requester)
    feed = CalendarFeed.objects.get(user=org.requester)
    assert first.rsplit("/", 1)[1].removesuffix(".ics") not in feed.token_hash
    second = _feed_url(client, org.requester)
    assert client.get(_path(first)).status_code == 404
    assert client.get(_path(second)).status_code == 200
    assert Event.objects.filter(kind="calendar_feed.created").count() == 2


def test_a_revoked_or_unknown_feed_is_not_found(client, org):
    url = _feed_url(client, org.requester)
    assert client.post(reverse("renewal-feed-revoke")).status_code == 302
    client.logout()
    assert client.get(_path(url)).status_code == 404
    assert client.get("/renewals/feed/hgf_nothing.ics").status_code == 404
    assert client.get("/renewals/feed/nothing.ics").status_code == 404


def test_a_renewal_shows_the_tools_adoption_against_its_promise(client, org):
    """The owner decides on the numbers: how many use it of those the tool was bought for."""
    tool = contract_tool(org, seats=200)
    last_month = (TODAY.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    ToolUsage.objects.create(tool=tool, month=last_month, source="okta", active_users=46)
    client.force_login(org.requester)
    response = client.post(
        reverse("renewal-open", args=[tool.pk]),
        {"renewal_action": "renew", "term_months": "12", "yearly_cost": "5500"},
    )
    page = client.get(response["Location"]).content.decode()
    assert "46 active users of 200 promised (23%)" in page
    assert "No usage reported yet." not in page
