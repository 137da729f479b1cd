"""Notifications: who is told what (in the app and by email), once however often a task runs; and
the bell's page, where people see and mark only their own."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from decisions import notifications, services, tasks
from decisions.models import Notification, NotificationKind, Proposal, SignOff, SignOffStatus
from hrtech_gov.celery import app as celery_app
from tests.factories import UserFactory, make_proposal

pytestmark = pytest.mark.django_db


def approve_all(org, proposal):
    for signoff in proposal.signoffs.filter(round=proposal.round, status=SignOffStatus.PENDING):
        services.signoff_decide(
            signoff=signoff, actor=org.reviewers[signoff.department.code], outcome="approved"
        )


def keyed(prefix: str):
    return Notification.objects.filter(dedupe_key__startswith=f"{prefix}:")


def users_of(queryset) -> set[str]:
    return set(queryset.values_list("user__username", flat=True))


def mails_to(address: str, outbox) -> list:
    return [m for m in outbox if address in m.to]


# --- Who is told what -------------------------------------------------------------------------


def test_it_notifies_each_departments_reviewers_in_the_app_when_a_signoff_is_requested(
    org, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = make_proposal(requester=org.requester, submit=True)
    rows = keyed("signoff_requested")
    assert users_of(rows) == {
        "hanna.hr", "henk.hrhead", "ivan.it", "iris.ithead", "mia.mkt", "max.mkthead"
    }  # fmt: skip
    assert {n.kind for n in rows} == {NotificationKind.SIGNOFF_REQUESTED}
    it_row = rows.get(user=org.it_reviewer)
    assert proposal.reference in it_row.message
    assert "IT Operations" in it_row.message
    assert it_row.url == reverse("proposal-detail", args=[proposal.reference])
    # The email still goes to each department at once, and the rows record that it did.
    assert len(mailoutbox) == 3
    assert not rows.filter(emailed_at__isnull=True).exists()


def test_it_creates_the_signoff_request_once_when_the_task_runs_twice(
    org, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = make_proposal(requester=org.requester, submit=True)
    signoff = proposal.signoffs.get(department__code="HR")
    assert tasks.notify_signoff_requested.delay(signoff.pk).get() == 0
    assert len(mailoutbox) == 3
    assert keyed("signoff_requested").count() == 6


def test_it_tells_nobody_about_a_signoff_decided_before_the_task_ran(org, mailoutbox):
    proposal = make_proposal(requester=org.requester, submit=True)  # callbacks not run
    signoff = proposal.signoffs.get(department__code="HR")
    services.signoff_decide(signoff=signoff, actor=org.hr_reviewer, outcome="approved")
    assert tasks.notify_signoff_requested(signoff.pk) == 0
    assert not keyed(f"signoff_requested:{signoff.pk}").exists()
    assert mailoutbox == []


def test_it_tells_the_requester_once_that_a_department_asked_for_changes(
    org, mailoutbox, django_capture_on_commit_callbacks
):
    proposal = make_proposal(requester=org.requester, submit=True)
    signoff = proposal.signoffs.get(department__code="IT")
    with django_capture_on_commit_callbacks(execute=True):
        services.signoff_decide(
            signoff=signoff,
            actor=org.it_reviewer,
            outcome="changes_requested",
            comment="Which SSO provider & which data centre?",
        )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.notify_changes_requested.delay(proposal.pk, proposal.round)  # a redelivery
    rows = keyed("changes_requested")
    assert users_of(rows) == {"rita.requester"}
    row = rows.get()
    assert row.kind == NotificationKind.CHANGES_REQUESTED
    assert "IT Operations asked for changes" in row.message
    assert "Which SSO provider & which data centre?" in row.message
    assert [m.to for m in mailoutbox] == [[org.requester.email]]
    email = mailoutbox[0]
    assert f"[{proposal.reference}] Changes requested" in email.subject
    assert "Which SSO provider & which data centre?" in email.body  # not HTML-escaped
    assert (
        "http://127.0.0.1:8000" + reverse("proposal-detail", args=[proposal.reference])
        in email.body
    )
    assert "Hello Rita Requester" in email.body


def test_it_tells_the_requester_that_the_cdo_returned_the_proposal(
    org, mailoutbox, django_capture_on_commit_callbacks
):
    proposal = make_proposal(requester=org.requester, submit=True)
    approve_all(org, proposal)
    with django_capture_on_commit_callbacks(execute=True):
        services.decision_take(
            proposal=proposal, actor=org.cdo, outcome="returned", rationale="Add a pilot plan."
        )
    row = keyed("changes_requested").get()
    assert row.user == org.requester
    assert "The CDO returned" in row.message
    assert "Add a pilot plan." in row.message
    assert len(mails_to(org.requester.email, mailoutbox)) == 1


def test_it_asks_every_cdo_and_nobody_else_for_the_decision(
    org, mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(username="root", is_superuser=True, is_staff=True)  # not the CDO's inbox
    second_cdo = UserFactory(username="carl.cdo")
    second_cdo.groups.add(*org.cdo.groups.all())
    proposal = make_proposal(requester=org.requester, submit=True)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approve_all(org, proposal)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.notify_decision_needed.delay(proposal.pk, proposal.round)  # a redelivery
    rows = keyed("decision_needed")
    assert users_of(rows) == {"carla.cdo", "carl.cdo"}
    assert "waits for your decision" in rows.first().message
    assert {row.kind for row in rows} == {NotificationKind.DECISION_NEEDED}
    assert sorted(m.to[0] for m in mailoutbox) == sorted([org.cdo.email, second_cdo.email])
    assert all("Your decision is needed" in m.subject for m in mailoutbox)


def test_it_tells_the_requester_and_the_signers_the_cdos_decision(
    org, mailoutbox, django_capture_on_commit_callbacks
):
    proposal = make_proposal(requester=org.requester, submit=True)
    approve_all(org, proposal)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.decision_take(
            proposal=proposal,
            actor=org.cdo,
            outcome="approved",
            rationale="Fits the hiring goal.",
            conditions="Review after six months.",
        )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.notify_decision_taken.delay(proposal.pk, proposal.round)  # a redelivery
    rows = keyed("decision_taken")
    assert users_of(rows) == {"rita.requester", "hanna.hr", "ivan.it", "mia.mkt"}
    message = rows.first().message
    assert "The CDO approved" in message
    assert "Review after six months." in message
    assert len(mailoutbox) == 4
    assert {m.to[0] for m in mailoutbox} == {
        org.requester.email, org.hr_reviewer.email, org.it_reviewer.email, org.mkt_reviewer.email
    }  # fmt: skip
    assert not mails_to(org.cdo.email, mailoutbox)
    assert not mails_to(org.hr_head.email, mailoutbox)


def test_it_tells_the_requester_and_the_rejecting_department_of_a_rejection(
    org, mailoutbox, django_capture_on_commit_callbacks
):
    proposal = make_proposal(requester=org.requester, submit=True)
    mailoutbox.clear()
    signoff = proposal.signoffs.get(department__code="MKT")
    with django_capture_on_commit_callbacks(execute=True):
        services.signoff_decide(
            signoff=signoff, actor=org.mkt_reviewer, outcome="rejected", comment="Off brand."
        )
    row = keyed("decision_taken").get(user=org.requester)
    assert "Marketing rejected" in row.message
    assert "Off brand." in row.message
    assert users_of(keyed("decision_taken")) == {"rita.requester", "mia.mkt"}
    assert len(mailoutbox) == 2


def test_it_announces_a_small_proposal_approved_by_the_departments_alone(
    org, mailoutbox, django_capture_on_commit_callbacks
):
    proposal = make_proposal(
        requester=org.requester, submit=True, one_off_cost=Decimal("0"), recurring_cost=100
    )
    assert proposal.tier.name == "Small"
    with django_capture_on_commit_callbacks(execute=True):
        approve_all(org, proposal)
    assert not keyed("decision_needed").exists()
    row = keyed("decision_taken").get(user=org.requester)
    assert "is approved: every department signed it off" in row.message


class FlakyBackend(EmailBackend):
    """The mail server refuses the first `failures` messages, as an SMTP outage would."""

    failures = 0
    attempts = 0

    def send_messages(self, messages):
        FlakyBackend.attempts += 1
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise ConnectionRefusedError("mail server down")
        return super().send_messages(messages)


@pytest.fixture
def flaky_mail(settings):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FlakyBackend"}}
    FlakyBackend.failures, FlakyBackend.attempts = 0, 0
    return FlakyBackend


@pytest.fixture
def eager_retries():
    """Let eagerly run tasks retry as a worker would (in-process, without the countdown) instead
    of raising Retry at the caller."""
    previous = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = previous


def test_it_retries_a_failed_email_and_sends_it_once(
    org, flaky_mail, eager_retries, django_capture_on_commit_callbacks
):
    proposal = make_proposal(requester=org.requester, submit=True)
    signoff = proposal.signoffs.get(department__code="IT")
    mail.outbox.clear()
    flaky_mail.failures = 2
    with django_capture_on_commit_callbacks(execute=True):
        services.signoff_decide(
            signoff=signoff, actor=org.it_reviewer, outcome="changes_requested", comment="SSO?"
        )
    # Two refusals, retried with backoff (at once, as Celery runs eagerly here), then sent.
    assert flaky_mail.attempts == 3
    assert [m.to for m in mail.outbox] == [[org.requester.email]]
    row = keyed("changes_requested").get()
    assert row.emailed_at is not None
    # The task and the email task run again (a redelivery): nothing more is sent.
    with django_capture_on_commit_callbacks(execute=True):
        tasks.notify_changes_requested.delay(proposal.pk, proposal.round)
    tasks.send_notification_email.delay(row.pk)
    assert len(mail.outbox) == 1


def test_it_releases_the_claim_when_sending_fails_so_a_later_run_sends_it(org, flaky_mail):
    proposal = make_proposal(requester=org.requester)
    [row] = notifications.notifications_create(
        users=[org.requester],
        kind=NotificationKind.CHANGES_REQUESTED,
        proposal=proposal,
        key=f"changes_requested:{proposal.pk}:1",
        message="Please add a pilot plan.",
    )
    flaky_mail.failures = 1
    with pytest.raises(ConnectionRefusedError):
        notifications.notification_email_send(notification_id=row.pk)
    row.refresh_from_db()
    assert row.emailed_at is None
    assert mail.outbox == []
    assert notifications.notification_email_send(notification_id=row.pk) is True
    assert notifications.notification_email_send(notification_id=row.pk) is False
    assert len(mail.outbox) == 1


def test_it_gives_up_after_the_last_retry(org, flaky_mail, eager_retries):
    proposal = make_proposal(requester=org.requester)
    [row] = notifications.notifications_create(
        users=[org.requester],
        kind=NotificationKind.CHANGES_REQUESTED,
        proposal=proposal,
        key=f"changes_requested:{proposal.pk}:1",
        message="Please add a pilot plan.",
    )
    flaky_mail.failures = 100
    result = tasks.send_notification_email.delay(row.pk)
    assert result.failed()
    assert isinstance(result.result, ConnectionRefusedError)
    assert flaky_mail.attempts == tasks.RETRY["max_retries"] + 1
    row.refresh_from_db()
    assert row.emailed_at is None  # left for a later attempt, not marked as sent


def test_it_refuses_a_key_without_an_email_template(org):
    with pytest.raises(ValueError, match="No email template"):
        notifications.notifications_create(
            users=[org.requester], kind="reminder", proposal=None, key="nonsense:1", message="x"
        )


# --- The bell and its page --------------------------------------------------------------------


def notify(user, proposal, n: int = 1, prefix: str = "decision_taken") -> list[Notification]:
    created = []
    for i in range(n):
        created += notifications.notifications_create(
            users=[user],
            kind=NotificationKind.DECISION,
            proposal=proposal,
            key=f"{prefix}:{proposal.pk}:{i}",
            message=f"Message {i} about {proposal.reference}",
        )
    return created


@pytest.fixture
def proposal(org):
    return make_proposal(requester=org.requester)


def test_it_shows_the_unread_count_on_the_bell(client, org, proposal):
    notify(org.requester, proposal, 3)
    notify(org.outsider, proposal, 5)
    client.force_login(org.requester)
    page = client.get(reverse("home"))
    assert 'id="bell"' in page.text
    assert "Notifications, 3 unread" in page.text
    assert '<span class="count">3</span>' in page.text
    Notification.objects.filter(user=org.requester).update(read_at="2026-01-01T00:00Z")
    page = client.get(reverse("home"))
    assert "Notifications, 0 unread" in page.text


def test_it_lists_only_my_notifications_newest_first(client, org, proposal):
    mine = notify(org.requester, proposal, 2)
    notify(org.outsider, proposal, 1, prefix="decision_needed")
    Notification.objects.filter(user=org.outsider).update(message="Someone else's news")
    client.force_login(org.requester)
    page = client.get(reverse("notifications"))
    assert page.status_code == 200
    assert page.text.index("Message 1") < page.text.index("Message 0")
    assert "Someone else" not in page.text
    assert reverse("notification-open", args=[mine[0].pk]) in page.text
    assert "2 unread" in page.text
    assert " style=" not in page.text
    assert "<style" not in page.text
    assert "Content-Security-Policy" in page.headers


def test_it_marks_one_notification_read_with_a_plain_form(client, org, proposal):
    first, second = notify(org.requester, proposal, 2)
    client.force_login(org.requester)
    response = client.post(reverse("notification-read", args=[first.pk]), {"page": "1"})
    assert response.status_code == 302
    assert response.url == reverse("notifications") + "?page=1"
    first.refresh_from_db(), second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None
    read_at = first.read_at
    client.post(reverse("notification-read", args=[first.pk]))
    first.refresh_from_db()
    assert first.read_at == read_at  # the first read time stays


def test_it_marks_read_in_place_with_htmx_and_updates_the_bell(client, org, proposal):
    first, _second = notify(org.requester, proposal, 2)
    client.force_login(org.requester)
    response = client.post(
        reverse("notification-read", args=[first.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="notifications"')
    assert "Marked as read." in response.text
    assert 'id="bell"' in response.text
    assert 'hx-swap-oob="true"' in response.text
    assert "Notifications, 1 unread" in response.text
    assert "<html" not in response.text


def test_it_marks_all_my_notifications_read_and_nobody_elses(client, org, proposal):
    notify(org.requester, proposal, 3)
    [theirs] = notify(org.outsider, proposal, 1)
    client.force_login(org.requester)
    response = client.post(reverse("notifications-read-all"), headers={"HX-Request": "true"})
    assert "3 notifications marked as read." in response.text
    assert not Notification.objects.filter(user=org.requester, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_it_answers_404_for_someone_elses_notification(client, org, proposal):
    [theirs] = notify(org.outsider, proposal, 1)
    client.force_login(org.requester)
    assert client.post(reverse("notification-read", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("notification-open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notification-read", args=[999999])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_it_marks_a_notification_read_when_its_link_is_opened(client, org, proposal):
    [row] = notify(org.requester, proposal, 1)
    client.force_login(org.requester)
    response = client.get(reverse("notification-open", args=[row.pk]))
    assert response.status_code == 302
    assert response.url == reverse("proposal-detail", args=[proposal.reference])
    row.refresh_from_db()
    assert row.read_at is not None


def test_it_never_redirects_off_site_from_a_notification(client, org, proposal):
    [row] = notify(org.requester, proposal, 1)
    Notification.objects.filter(pk=row.pk).update(url="//evil.example/phish")
    client.force_login(org.requester)
    response = client.get(reverse("notification-open", args=[row.pk]))
    assert response.url == reverse("notifications")


def test_it_sends_anonymous_visitors_to_sign_in(client, org, proposal):
    [row] = notify(org.requester, proposal, 1)
    for response in (
        client.get(reverse("notifications")),
        client.post(reverse("notification-read", args=[row.pk])),
        client.post(reverse("notifications-read-all")),
        client.get(reverse("notification-open", args=[row.pk])),
    ):
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    row.refresh_from_db()
    assert row.read_at is None


def test_it_refuses_to_mark_read_with_a_get_or_without_csrf(client, org, proposal):
    [row] = notify(org.requester, proposal, 1)
    client.force_login(org.requester)
    assert client.get(reverse("notification-read", args=[row.pk])).status_code == 405
    strict = client.__class__(enforce_csrf_checks=True)
    strict.force_login(org.requester)
    assert strict.post(reverse("notification-read", args=[row.pk])).status_code == 403
    row.refresh_from_db()
    assert row.read_at is None


def test_it_pages_through_many_notifications(client, org, proposal):
    notify(org.requester, proposal, 30)
    client.force_login(org.requester)
    first = client.get(reverse("notifications"))
    assert "Page 1 of 2" in first.text
    assert "Message 29 " in first.text
    assert "Message 0 " not in first.text
    second = client.get(reverse("notifications"), {"page": 2}, headers={"HX-Request": "true"})
    assert second.text.lstrip().startswith('<section id="notifications"')
    assert "Message 0 " in second.text


@pytest.mark.parametrize("size", [2, 25])
def test_the_notifications_page_costs_the_same_at_any_size(
    client, org, proposal, size, django_assert_max_num_queries
):
    notify(org.requester, proposal, size)
    client.force_login(org.requester)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("notifications"))
    assert response.text.count('class="notification unread"') == size


# --- The sweeper: notifications whose task was lost -------------------------------------------


@pytest.fixture
def broker_down_once(monkeypatch):
    """Make queueing the given task fail once, as it does when the broker is away at commit
    (robust on_commit only logs that); later calls queue it as usual."""

    def break_(task):
        real = task.delay
        calls = {"failed": 0}

        def delay(*args, **kwargs):
            if not calls["failed"]:
                calls["failed"] += 1
                raise KombuOperationalError("Error 111 connecting to 127.0.0.1:6379.")
            return real(*args, **kwargs)

        monkeypatch.setattr(task, "delay", delay)
        return calls

    return break_


def settle(proposal, minutes: int = 15) -> None:
    """As if the status had changed `minutes` ago: past the time a queued task has to act."""
    earlier = timezone.now() - timedelta(minutes=minutes)
    Proposal.objects.filter(pk=proposal.pk).update(updated_at=earlier)
    SignOff.objects.filter(proposal=proposal).update(created_at=earlier)


def ask_changes(org, proposal):
    services.signoff_decide(
        signoff=proposal.signoffs.get(department__code="IT"),
        actor=org.it_reviewer,
        outcome="changes_requested",
        comment="Which SSO provider?",
    )


def reject(org, proposal):
    services.signoff_decide(
        signoff=proposal.signoffs.get(department__code="IT"),
        actor=org.it_reviewer,
        outcome="rejected",
        comment="Not on our stack.",
    )


@pytest.mark.parametrize(
    ("act", "task_name", "prefix", "who"),
    [
        (ask_changes, "notify_changes_requested", "changes_requested", "rita.requester"),
        (approve_all, "notify_decision_needed", "decision_needed", "carla.cdo"),
        (reject, "notify_decision_taken", "decision_taken", "rita.requester"),
    ],
)
def test_it_sends_again_a_notification_whose_task_the_broker_lost(
    org, mailoutbox, broker_down_once, django_capture_on_commit_callbacks, act, task_name,
    prefix, who,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        proposal = make_proposal(requester=org.requester, submit=True)
    mailoutbox.clear()
    lost = broker_down_once(getattr(tasks, task_name))
    with django_capture_on_commit_callbacks(execute=True):
        act(org, proposal)
    assert lost["failed"] == 1
    assert not keyed(prefix).exists()
    assert mailoutbox == []
    # A task queued a moment ago may still be on its way: the sweeper leaves it alone.
    assert tasks.sweep_notifications.delay().get() == 0

    settle(proposal)
    with django_capture_on_commit_callbacks(execute=True):  # the emails go after its commit
        assert tasks.sweep_notifications.delay().get() == 1

    assert who in users_of(keyed(prefix))
    assert not keyed(prefix).filter(emailed_at__isnull=True).exists()
    sent = len(mailoutbox)
    assert sent >= 1
    # Recovered: the next runs find nothing to do and send nothing more.
    assert tasks.sweep_notifications.delay().get() == 0
    assert len(mailoutbox) == sent


def test_it_sends_again_a_signoff_request_whose_task_the_broker_lost(
    org, mailoutbox, broker_down_once, django_capture_on_commit_callbacks
):
    broker_down_once(tasks.notify_signoff_requested)
    with django_capture_on_commit_callbacks(execute=True):
        proposal = make_proposal(requester=org.requester, submit=True)
    assert len(mailoutbox) == 2  # one department's request was lost
    [lost] = proposal.signoffs.filter(notified_at__isnull=True)
    settle(proposal)

    assert tasks.sweep_notifications.delay().get() == 1

    lost.refresh_from_db()
    assert lost.notified_at is not None
    assert len(mailoutbox) == 3
    # Its reviewer and its head, in the app too.
    assert Notification.objects.filter(dedupe_key=f"signoff_requested:{lost.pk}").count() == 2
    assert tasks.sweep_notifications.delay().get() == 0


def test_it_emails_again_what_failed_through_every_retry_after_a_grace_period(
    org, flaky_mail, settings
):
    settings.NOTIFICATION_EMAIL_GRACE_MINUTES = 60
    proposal = make_proposal(requester=org.requester)

    def note(key, *, minutes_ago):
        [row] = notifications.notifications_create(
            users=[org.requester],
            kind=NotificationKind.DECISION,
            proposal=proposal,
            key=key,
            message="Decided.",
        )
        Notification.objects.filter(pk=row.pk).update(
            created_at=timezone.now() - timedelta(minutes=minutes_ago)
        )
        return row

    failed = note(f"decision_taken:{proposal.pk}:1", minutes_ago=90)
    recent = note(f"decision_taken:{proposal.pk}:2", minutes_ago=5)  # its retries still run
    note(f"decision_taken:{proposal.pk}:3", minutes_ago=60 * 48)  # beyond the sweep window
    # Sent to the whole department at once: the sign-off sweep covers those.
    note(f"signoff_requested:{proposal.pk}", minutes_ago=90)

    assert tasks.sweep_notifications.delay().get() == 1

    assert [m.to for m in mail.outbox] == [[org.requester.email]]
    failed.refresh_from_db()
    recent.refresh_from_db()
    assert failed.emailed_at is not None
    assert recent.emailed_at is None
    assert tasks.sweep_notifications.delay().get() == 0


def test_a_sweep_goes_on_when_one_task_fails_and_finds_it_again_next_time(org, flaky_mail):
    proposal = make_proposal(requester=org.requester)
    rows = notifications.notifications_create(
        users=[org.requester, org.cdo],
        kind=NotificationKind.DECISION,
        proposal=proposal,
        key=f"decision_taken:{proposal.pk}:1",
        message="Decided.",
    )
    Notification.objects.filter(pk__in=[r.pk for r in rows]).update(
        created_at=timezone.now() - timedelta(hours=3)
    )
    flaky_mail.failures = 1  # run eagerly, the first email fails (errors propagate)

    assert tasks.sweep_notifications.delay().get() == 1
    assert len(mail.outbox) == 1
    assert tasks.sweep_notifications.delay().get() == 1
    assert len(mail.outbox) == 2
    assert tasks.sweep_notifications.delay().get() == 0


def assigned_task(org, *, actor=None, assignee=None, minutes_ago: int = 15, lost: bool = True):
    """One of HR's onboarding tasks given to `assignee` (HR's reviewer) by `actor` (HR's head)
    `minutes_ago`; with `lost`, the notice's task never ran (the broker was away)."""
    from decisions.models import OnboardingTask
    from decisions.services.handoff import onboarding_task_assign
    from tests.handoff import approved_with_checklist

    proposal = approved_with_checklist(org)
    task = proposal.onboarding_tasks.filter(department__code="HR").first()
    onboarding_task_assign(
        task=task, actor=actor or org.hr_head, assignee=assignee or org.hr_reviewer
    )
    # The notice's task runs after the commit, which a test's transaction never reaches: it is
    # lost unless it is run here.
    if not lost:
        notifications.onboarding_notify_assigned(task_id=task.pk)
    earlier = timezone.now() - timedelta(minutes=minutes_ago)
    OnboardingTask.objects.filter(pk=task.pk).update(assigned_at=earlier)
    return task


def test_it_tells_again_an_onboarding_assignee_whose_notice_was_lost(
    org, mailoutbox, django_capture_on_commit_callbacks
):
    task = assigned_task(org, minutes_ago=2)
    mailoutbox.clear()
    # A moment ago: its task may still be queued.
    assert tasks.sweep_notifications.delay().get() == 0
    settled = timezone.now() - timedelta(minutes=15)
    type(task).objects.filter(pk=task.pk).update(assigned_at=settled)

    with django_capture_on_commit_callbacks(execute=True):  # the email goes after its commit
        assert tasks.sweep_notifications.delay().get() == 1
    notice = keyed("onboarding_assigned").get()
    assert notice.user == org.hr_reviewer
    assert notice.dedupe_key == f"onboarding_assigned:{task.pk}:{org.hr_reviewer.pk}"
    assert mails_to(org.hr_reviewer.email, mailoutbox)
    # Told: the next runs find nothing.
    assert tasks.sweep_notifications.delay().get() == 0


@pytest.mark.parametrize(
    "case",
    ["told", "took it themselves", "done", "unassigned", "beyond the window"],
)
def test_the_sweep_leaves_an_onboarding_task_that_needs_no_notice(org, case):
    from decisions.services.handoff import onboarding_task_assign, onboarding_task_complete

    if case == "told":
        assigned_task(org, lost=False)
    elif case == "took it themselves":
        assigned_task(org, actor=org.hr_reviewer)
    elif case == "done":
        task = assigned_task(org)
        onboarding_task_complete(task=task, actor=org.hr_reviewer)
    elif case == "unassigned":
        task = assigned_task(org)
        onboarding_task_assign(task=task, actor=org.hr_head, assignee=None)
    else:
        assigned_task(org, minutes_ago=60 * (settings.NOTIFICATION_SWEEP_HOURS + 1))
    assert notifications.notifications_to_sweep().onboarding == []


def test_a_new_assignee_whose_notice_was_lost_is_told_though_the_last_one_was(org):
    from decisions.services.handoff import onboarding_task_assign

    task = assigned_task(org, lost=False)
    onboarding_task_assign(task=task, actor=org.hr_head, assignee=org.hr_member)
    type(task).objects.filter(pk=task.pk).update(assigned_at=timezone.now() - timedelta(minutes=15))
    Notification.objects.filter(user=org.hr_member).delete()
    assert notifications.notifications_to_sweep().onboarding == [task.pk]


def test_the_sweep_finds_a_lost_notice_behind_any_number_of_told_ones(org):
    told = [assigned_task(org, lost=False, minutes_ago=30 - i) for i in range(3)]
    lost = assigned_task(org, minutes_ago=15)
    assert notifications.notifications_to_sweep(limit=1).onboarding == [lost.pk]
    assert all(task.pk != lost.pk for task in told)


def test_an_assignee_is_told_of_their_task_in_four_queries(org, django_assert_num_queries):
    task = assigned_task(org)
    # The task with its proposal and assignee, the language, the insert, the read back.
    with django_assert_num_queries(4):
        (notice,) = notifications.onboarding_notify_assigned(task_id=task.pk)
    assert notice.user == org.hr_reviewer
    assert notice.url == f"/proposals/{task.proposal.reference}/handoff/#task-{task.pk}"
    assert f"“{task.title}” for {task.proposal.reference}" in notice.message


def test_the_sweep_tells_the_oldest_assignments_first(org):
    later = assigned_task(org, minutes_ago=20)
    earlier = assigned_task(org, minutes_ago=40)  # made after, assigned before
    assert notifications.notifications_to_sweep(limit=1).onboarding == [earlier.pk]
    assert notifications.notifications_to_sweep(limit=2).onboarding == [earlier.pk, later.pk]


def test_the_sweep_costs_the_same_at_any_size(org, django_assert_max_num_queries):
    for _ in range(6):
        proposal = make_proposal(requester=org.requester, submit=True)
        reject(org, proposal)  # callbacks not run: every decision_taken task is "lost"
        settle(proposal)
        notifications.notifications_create(
            users=[org.requester],
            kind=NotificationKind.CHANGES_REQUESTED,
            proposal=proposal,
            key=f"changes_requested:{proposal.pk}:1",
            message="Changes.",
        )
    Notification.objects.update(created_at=timezone.now() - timedelta(hours=3))

    for _ in range(5):
        assigned_task(org)

    with django_assert_max_num_queries(5):
        sweep = notifications.notifications_to_sweep(limit=4)

    assert len(sweep.proposals) == 4
    assert len(sweep.emails) == 4
    assert {template for template, _pk, _round in sweep.proposals} == {"decision_taken"}
    assert sweep.signoffs == []
    assert len(sweep.onboarding) == 4
    assert len(sweep) == 4 + 4 + 4  # what run_sla reports as lost


def test_beat_sweeps_the_notifications_every_ten_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-notifications"]
    assert entry["schedule"] == 10 * 60
    assert entry["task"] == tasks.sweep_notifications.name


@pytest.mark.django_db(transaction=True)  # tasks run at the real commit, in the request
def test_in_the_demo_email_links_point_where_the_user_is(client, org, mailoutbox, settings):
    """SITE_URL unset (make run on any port): links carry the address of the request that
    caused the email (the demo runs its tasks in the request)."""
    settings.SITE_URL = ""
    proposal = make_proposal(requester=org.requester)
    client.force_login(org.requester)
    response = client.post(
        reverse("proposal-submit", args=[proposal.reference]), HTTP_HOST="localhost:8123"
    )
    assert response.status_code == 302
    bodies = [m.body for m in mailoutbox]
    assert bodies, "the reviewers were told"
    link = "http://localhost:8123" + reverse("proposal-detail", args=[proposal.reference])
    assert all(link in body for body in bodies), bodies[0]
