"""A notification opened in two tabs at once, on PostgreSQL: the first read time stays.

The other tab's write is held open (its transaction keeps the row locked) while this tab reads
the notification unread and writes its own read time; the other tab then commits. The write
that finds the row read already must leave it alone, so the notification keeps the time it was
first read."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from decisions import notifications
from decisions.models import Notification, NotificationKind
from tests.factories import make_proposal
from tests.services import need_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    need_postgres()


def test_two_tabs_opening_a_notification_at_once_keep_the_first_read_time(org):
    proposal = make_proposal(requester=org.requester)
    (notification,) = notifications.notifications_create(
        users=[org.requester],
        kind=NotificationKind.DECISION,
        proposal=proposal,
        key=f"decision_taken:{proposal.pk}:1",
        message="m",
    )
    first_read = timezone.now() - dt.timedelta(seconds=30)
    written, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def other_tab() -> None:
        try:
            with transaction.atomic():
                Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
                    read_at=first_read
                )
                written.set()
                release.wait(10)  # committed only once this tab's write waits for the row
        except BaseException as error:  # reported by the main thread
            failures.append(error)
        finally:
            connection.close()

    tab = threading.Thread(target=other_tab)
    tab.start()
    assert written.wait(10)
    # This tab reads the notification unread (the other tab has not committed), then its write
    # waits on the row's lock until the other tab commits, half a second from now.
    threading.Timer(0.5, release.set).start()
    notifications.notification_mark_read(user=org.requester, notification_id=notification.pk)
    tab.join(10)

    assert not failures, failures
    notification.refresh_from_db()
    assert notification.read_at == first_read
