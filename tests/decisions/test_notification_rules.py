"""The notification rules one by one: read and emailed marks are set once and touch nothing
else, inactive people and administrators are not told, and what the sweeper finds again."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from decisions import notifications, services
from decisions.models import Notification, NotificationKind
from stakeholders.models import Role
from tests.factories import MembershipFactory, UserFactory, make_proposal

pytestmark = pytest.mark.django_db


def notify(users, proposal, key):
    return notifications.notifications_create(
        users=users, kind=NotificationKind.DECISION, proposal=proposal, key=key, message="m"
    )


@pytest.fixture
def proposal(org):
    return make_proposal(requester=org.requester)


def test_it_creates_one_notification_per_user_under_a_key_however_often(org, proposal):
    key = f"decision_taken:{proposal.pk}:1"
    first = notify([org.requester, org.hr_head, org.requester], proposal, key)
    again = notify([org.hr_head, org.requester], proposal, key)
    assert [n.user for n in first] == sorted([org.requester, org.hr_head], key=lambda u: u.pk)
    assert [n.pk for n in again] == [n.pk for n in first]
    assert Notification.objects.filter(dedupe_key=key).count() == 2
    assert first[0].url == f"/proposals/{proposal.reference}/"
    assert notify([], proposal, key) == []


def test_reading_a_notification_twice_keeps_the_first_read_time(org, proposal):
    (notification,) = notify([org.requester], proposal, f"decision_taken:{proposal.pk}:1")
    with time_machine.travel(dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC), tick=False):
        notifications.notification_mark_read(user=org.requester, notification_id=notification.pk)
    with time_machine.travel(dt.datetime(2026, 5, 2, 9, tzinfo=dt.UTC), tick=False):
        again = notifications.notification_mark_read(
            user=org.requester, notification_id=notification.pk
        )
    notification.refresh_from_db()
    assert notification.read_at == again.read_at == dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC)


def test_marking_all_read_counts_and_stamps_only_the_unread(org, proposal):
    first, _second = (
        notify([org.requester], proposal, f"decision_taken:{proposal.pk}:{i}")[0] for i in (1, 2)
    )
    notifications.notification_mark_read(user=org.requester, notification_id=first.pk)
    first.refresh_from_db()
    assert notifications.notifications_mark_all_read(user=org.requester) == 1
    assert notifications.notifications_mark_all_read(user=org.requester) == 0
    read_before = first.read_at
    first.refresh_from_db()
    assert first.read_at == read_before


def test_marking_emailed_touches_only_that_key_and_those_users_once(org, proposal):
    key, other = f"decision_taken:{proposal.pk}:1", f"decision_taken:{proposal.pk}:2"
    notify([org.requester, org.hr_head], proposal, key)
    notify([org.requester], proposal, other)
    assert notifications.notifications_mark_emailed(key=key, user_ids=[org.requester.pk]) == 1
    assert notifications.notifications_mark_emailed(key=key, user_ids=[org.requester.pk]) == 0
    emailed = set(
        Notification.objects.filter(emailed_at__isnull=False).values_list("dedupe_key", "user")
    )
    assert emailed == {(key, org.requester.pk)}


def test_a_user_without_an_email_address_is_told_in_the_app_only(org, proposal, mailoutbox):
    org.requester.email = ""
    org.requester.save()
    (notification,) = notify([org.requester], proposal, f"decision_taken:{proposal.pk}:1")
    assert notifications.notification_email_send(notification_id=notification.pk) is False
    assert mailoutbox == []
    # Claimed all the same: the sweeper does not try again.
    assert (
        notifications.notifications_to_sweep(now=timezone.now() + dt.timedelta(hours=3)).emails
        == []
    )


def test_an_email_uses_the_template_of_the_keys_first_part(org, proposal, mailoutbox):
    (notification,) = notify([org.requester], proposal, f"decision_needed:{proposal.pk}:1:x")
    assert notifications.notification_email_send(notification_id=notification.pk) is True
    assert notifications.notification_email_send(notification_id=notification.pk) is False
    assert [m.subject for m in mailoutbox] == [mailoutbox[0].subject]
    assert "Your decision is needed" in mailoutbox[0].subject


def test_inactive_cdos_and_heads_and_administrators_are_not_told(org, proposal):
    UserFactory(username="root", is_superuser=True, is_staff=True)
    gone_cdo = UserFactory(username="old.cdo", is_active=False)
    gone_cdo.groups.add(*org.cdo.groups.all())
    gone_head = UserFactory(username="old.head", is_active=False)
    MembershipFactory(user=gone_head, department=org.departments["IT"], role=Role.HEAD)
    assert [u.username for u in notifications.cdo_users()] == ["carla.cdo"]
    heads = notifications.department_heads(department_id=org.departments["IT"].pk)
    assert [u.username for u in heads] == ["iris.ithead"]
    assert (
        notifications.department_heads(
            department_id=org.departments["IT"].pk, exclude_user_id=org.it_head.pk
        )
        == []
    )


def test_the_decision_taken_tells_only_this_rounds_signers(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    hr, it = (proposal.signoffs.get(department__code=code) for code in ("HR", "IT"))
    services.signoff_decide(signoff=hr, actor=org.hr_reviewer, outcome="approved")
    services.signoff_decide(signoff=it, actor=org.it_reviewer, outcome="changes_requested",
                            comment="Not yet")  # fmt: skip
    proposal.refresh_from_db()
    services.proposal_submit(proposal=proposal, actor=org.requester)
    for signoff in proposal.signoffs.filter(round=2):
        services.signoff_decide(signoff=signoff, actor=org.heads[signoff.department.code],
                                outcome="approved")  # fmt: skip
    proposal.refresh_from_db()
    services.decision_take(proposal=proposal, actor=org.cdo, outcome="approved", rationale="Ok")
    # An unrelated proposal's signers are nobody here either.
    make_proposal(requester=org.requester, submit=True, title="Other")
    told = notifications.proposal_notify_decision_taken(proposal_id=proposal.pk, round_number=2)
    assert sorted(n.user.username for n in told) == sorted(
        ["rita.requester", "henk.hrhead", "iris.ithead", "max.mkthead"]
    )


def test_the_sweep_counts_what_it_found(org):
    sweep = notifications.Sweep(proposals=[("decision_taken", 1, 1)], signoffs=[2, 3], emails=[4])
    assert len(sweep) == 4


def test_the_sweep_leaves_emails_alone_until_the_grace_period_and_skips_signoff_requests(org):
    proposal = make_proposal(requester=org.requester)
    (notification,) = notify([org.requester], proposal, f"decision_taken:{proposal.pk}:1")
    notify([org.hr_head], proposal, f"signoff_requested:{proposal.pk}:1")
    now = timezone.now()
    assert notifications.notifications_to_sweep(now=now + dt.timedelta(minutes=119)).emails == []
    assert notifications.notifications_to_sweep(now=now + dt.timedelta(minutes=121)).emails == [
        notification.pk
    ]
    # Older than the sweep window (24 hours): given up.
    assert notifications.notifications_to_sweep(now=now + dt.timedelta(hours=25)).emails == []


def test_the_sweep_finds_lost_emails_oldest_first_up_to_the_limit(org):
    proposal = make_proposal(requester=org.requester)
    start = timezone.now()
    created = []
    for i in range(3):
        with time_machine.travel(start + dt.timedelta(minutes=3 - i), tick=False):
            created += notify([org.requester], proposal, f"decision_taken:{proposal.pk}:{i}")
    later = start + dt.timedelta(hours=3)
    oldest_first = [n.pk for n in reversed(created)]
    assert notifications.notifications_to_sweep(now=later).emails == oldest_first
    assert notifications.notifications_to_sweep(now=later, limit=2).emails == oldest_first[:2]


def test_a_notification_without_a_proposal_links_nowhere(org):
    (notification,) = notifications.notifications_create(
        users=[org.requester], kind=NotificationKind.DECISION, proposal=None,
        key="decision_taken:none:1", message="m",
    )  # fmt: skip
    assert notification.url == ""


def test_the_requester_is_told_the_cdo_rejected_it(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    for signoff in proposal.signoffs.all():
        services.signoff_decide(signoff=signoff, actor=org.reviewers[signoff.department.code],
                                outcome="approved")  # fmt: skip
    proposal.refresh_from_db()
    services.decision_take(proposal=proposal, actor=org.cdo, outcome="rejected",
                           rationale="Not this year.")  # fmt: skip
    told = notifications.proposal_notify_decision_taken(proposal_id=proposal.pk, round_number=1)
    assert {n.message for n in told} == {
        f"The CDO rejected {proposal.reference} “{notifications.short_title(proposal)}”: "
        "Not this year."
    }


def test_an_email_states_the_amount_in_the_base_currency(org, mailoutbox, settings):
    proposal = make_proposal(requester=org.requester, submit=True)
    (notification,) = notify([org.cdo], proposal, f"decision_needed:{proposal.pk}:1")
    notifications.notification_email_send(notification_id=notification.pk)
    assert f"{proposal.tco} {settings.BASE_CURRENCY}" in mailoutbox[-1].body
