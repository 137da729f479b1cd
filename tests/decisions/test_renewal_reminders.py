"""Renewal reminders at 90, 30 and 7 days before the notice deadline: to the business owner and
the owner department's heads, in the app and by email, with a webhook and an audit event, each
sent once however often the schedule runs."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from audit.models import Event
from decisions.models import Notification, NotificationKind, RenewalReminder
from decisions.services import schedule
from decisions.services.renewal import renewal_open
from decisions.services.renewal_reminders import reminder_threshold, renewal_reminders_send
from decisions.services.signoffs import signoff_decide
from landscape.models import Lifecycle
from stakeholders.models import Department
from tests.factories import ToolFactory
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db

DEADLINE = dt.date(2026, 9, 30)


def tool_with_deadline(org, deadline=DEADLINE, **extra):
    """An HR tool whose notice deadline is `deadline` (30 days' notice, yearly term)."""
    renewal = deadline + dt.timedelta(days=30)
    defaults = {
        "business_owner": org.requester,
        "owner_department": Department.objects.get(code="HR"),
        "contract_start": renewal.replace(year=renewal.year - 1),
        "term_months": 12,
        "notice_days": 30,
        "yearly_cost": Decimal("1200"),
    }
    defaults.update(extra)
    return ToolFactory(**defaults)


def day(days_before: int) -> dt.date:
    return DEADLINE - dt.timedelta(days=days_before)


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [(120, None), (91, None), (90, 90), (31, 90), (30, 30), (8, 30), (7, 7), (0, 7), (-1, None)],
)
def test_the_tightest_threshold_reached(days_left, expected):
    assert reminder_threshold(days_left) == expected


def test_it_reminds_the_owner_and_the_department_heads_once_per_threshold(
    org, django_capture_on_commit_callbacks
):
    tool = tool_with_deadline(org)
    with django_capture_on_commit_callbacks(execute=True):
        assert renewal_reminders_send(day(91)) == 0
        assert renewal_reminders_send(day(90)) == 1
        assert renewal_reminders_send(day(90)) == 0  # the same day again
        assert renewal_reminders_send(day(60)) == 0  # still the 90-day reminder
        assert renewal_reminders_send(day(30)) == 1
        assert renewal_reminders_send(day(7)) == 1
        assert renewal_reminders_send(day(3)) == 0
        assert renewal_reminders_send(day(-1)) == 0  # the deadline passed
    sent = RenewalReminder.objects.filter(tool=tool).order_by("-days_before")
    assert [r.days_before for r in sent] == [90, 30, 7]
    notified = Notification.objects.filter(kind=NotificationKind.RENEWAL)
    assert {n.user for n in notified} == {org.requester, org.hr_head}
    assert notified.count() == 6
    note = notified.filter(user=org.requester).order_by("created_at").first()
    assert tool.solution.name in note.message
    assert note.url == f"/landscape/tools/{tool.pk}/"
    assert {m.to[0] for m in mail.outbox} == {org.requester.email, org.hr_head.email}
    assert len(mail.outbox) == 6
    assert f"/landscape/tools/{tool.pk}/" in mail.outbox[0].body
    assert "notice deadline" in mail.outbox[0].subject.lower()
    assert Event.objects.filter(kind="renewal.reminded").count() == 3


def test_a_run_that_missed_days_sends_the_due_reminder_once(org):
    tool_with_deadline(org)
    # Nothing ran at 90 or 30 days: 20 days before, the 30-day reminder goes, once.
    assert renewal_reminders_send(day(20)) == 1
    assert list(RenewalReminder.objects.values_list("days_before", flat=True)) == [30]
    assert renewal_reminders_send(day(19)) == 0
    assert renewal_reminders_send(day(7)) == 1


def test_no_reminder_once_the_renewal_is_decided_for_that_term(org):
    tool = tool_with_deadline(org, deadline=dt.date(2026, 6, 20))
    with time_machine.travel(dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC), tick=False):
        proposal = renewal_open(tool=tool, actor=org.requester, action="cancel")
        for signoff in proposal.signoffs.all():
            signoff_decide(
                signoff=signoff, actor=org.heads[signoff.department.code], outcome="approved"
            )
        tool.refresh_from_db()
        assert tool.lifecycle == Lifecycle.SUNSET
        assert renewal_reminders_send(dt.date(2026, 6, 13)) == 0


def test_a_renewal_still_in_review_does_not_stop_the_reminders(org):
    tool = tool_with_deadline(org, deadline=dt.date(2026, 6, 20))
    with time_machine.travel(dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC), tick=False):
        renewal_open(tool=tool, actor=org.requester, action="cancel")
        assert renewal_reminders_send(dt.date(2026, 6, 13)) == 1


def test_retired_and_sunset_tools_and_tools_without_contract_are_not_reminded(org):
    tool_with_deadline(org, lifecycle=Lifecycle.RETIRED)
    tool_with_deadline(org, lifecycle=Lifecycle.SUNSET)
    ToolFactory(business_owner=org.requester)
    assert renewal_reminders_send(day(7)) == 0


def test_the_renewal_due_webhook(org):
    WebhookSubscription.objects.create(
        name="calendar", url="https://example.com/hook", secret="s" * 32, events=["renewal.due"]
    )
    tool = tool_with_deadline(org)
    renewal_reminders_send(day(30))
    delivery = WebhookDelivery.objects.get(kind="renewal.due")
    data = delivery.payload.get("data", delivery.payload)
    assert data["tool"]["id"] == tool.pk
    assert data["notice_deadline"] == "2026-09-30"
    assert data["renewal_date"] == "2026-10-30"
    assert data["days_left"] == 30
    assert data["days_before"] == 30


def test_run_lifecycle_sends_the_reminders_once_a_day(org, django_capture_on_commit_callbacks):
    tool_with_deadline(org)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_lifecycle", "--today", str(day(7)), stdout=out)
        assert "renewal reminders: 1" in out.getvalue()
        assert schedule.run_lifecycle(today=day(7))["renewal reminders"] == 0
        with time_machine.travel(dt.datetime.combine(day(7), dt.time(10), tzinfo=dt.UTC)):
            assert schedule.run_lifecycle()["renewal reminders"] == 0
    assert len(mail.outbox) == 2
