"""Each person is told in their own language: the notification in the bell and its email (subject,
body, dates and amounts) follow the recipient's stored language, never the language of the
request, task or beat that caused them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from decisions import notifications, services, tasks
from decisions.models import Notification, NotificationKind, SignOffStatus
from decisions.sla import signoff_sla_step
from stakeholders.models import Preference
from tests.factories import UserFactory, make_proposal

pytestmark = pytest.mark.django_db


def prefer(user, language):
    Preference.objects.update_or_create(user=user, defaults={"language": language})


def row(prefix, user):
    return Notification.objects.get(dedupe_key__startswith=f"{prefix}:", user=user)


def mail_to(user, outbox):
    (message,) = [m for m in outbox if user.email in m.to]
    return message


def test_a_dutch_reviewer_and_a_french_cdo_are_told_in_their_language(
    client, org, mailoutbox, django_capture_on_commit_callbacks
):
    prefer(org.requester, "en")
    prefer(org.it_reviewer, "nl")
    prefer(org.cdo, "fr")
    proposal = make_proposal(requester=org.requester)
    client.force_login(org.requester)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("proposal-submit", args=[proposal.reference]), HTTP_ACCEPT_LANGUAGE="en"
        )
    assert answer.status_code == 302
    signoff = proposal.signoffs.get(department__code="IT")
    with translation.override("nl"):
        due_nl = date_format(signoff.due_on)

    # The Dutch reviewer: the bell and the email in Dutch, the date and the amount too.
    assert row("signoff_requested", org.it_reviewer).message == (
        f"{proposal.reference} “{proposal.title}” wacht op het akkoord van IT Operations, "
        f"uiterlijk {due_nl}."
    )
    dutch = mail_to(org.it_reviewer, mailoutbox)
    assert dutch.to == [org.it_reviewer.email]  # not in one email with the English head
    assert dutch.subject == f"[{proposal.reference}] Akkoord gevraagd van IT Operations"
    assert "Totale eigendomskosten: €\xa014.000,00" in dutch.body
    assert f"Uiterlijk op: {due_nl}" in dutch.body
    # The IT head chose nothing: English, the site's language.
    head_row = row("signoff_requested", org.it_head)
    assert "waits for the sign-off of IT Operations" in head_row.message
    english = mail_to(org.it_head, mailoutbox)
    assert english.subject == f"[{proposal.reference}] Sign-off requested from IT Operations"
    assert "Total cost of ownership: 14,000.00 EUR" in english.body

    # Every department approves (in a Dutch request, say): the French CDO reads French.
    mailoutbox.clear()
    with translation.override("nl"), django_capture_on_commit_callbacks(execute=True):
        for s in proposal.signoffs.filter(status=SignOffStatus.PENDING):
            services.signoff_decide(
                signoff=s, actor=org.reviewers[s.department.code], outcome="approved"
            )
    assert row("decision_needed", org.cdo).message.startswith(
        f"Tous les départements ont approuvé {proposal.reference}"
    )
    french = mail_to(org.cdo, mailoutbox)
    assert french.subject == (
        f"[{proposal.reference}] Votre décision est requise : {proposal.title}"
    )
    assert french.body.startswith("Bonjour Carla")
    assert "Coût total de possession : 14\u202f000,00\xa0€" in french.body


def test_a_dutch_request_does_not_write_to_an_english_requester_in_dutch(
    org, mailoutbox, django_capture_on_commit_callbacks
):
    prefer(org.it_reviewer, "nl")
    proposal = make_proposal(requester=org.requester, submit=True)
    signoff = proposal.signoffs.get(department__code="IT")
    with translation.override("nl"), django_capture_on_commit_callbacks(execute=True):
        services.signoff_decide(
            signoff=signoff, actor=org.it_reviewer, outcome="changes_requested", comment="SSO?"
        )
    assert row("changes_requested", org.requester).message.startswith(
        "IT Operations asked for changes to"
    )
    email = mail_to(org.requester, mailoutbox)
    assert email.subject.startswith(f"[{proposal.reference}] Changes requested")
    assert email.body.startswith("Hello Rita Requester")


def test_the_sla_step_run_by_beat_writes_in_each_reviewers_language(
    org, mailoutbox, django_capture_on_commit_callbacks
):
    prefer(org.hr_reviewer, "fr")
    proposal = make_proposal(requester=org.requester, submit=True)
    signoff = proposal.signoffs.get(department__code="HR")
    signoff.due_on = signoff.created_at.date()
    signoff.save(update_fields=["due_on"])
    later = timezone.now() + dt.timedelta(days=30)
    result = signoff_sla_step(signoff_id=signoff.pk, step="remind", now=later)
    assert result is not None
    by_user = {n.user_id: n.message for n in result.notifications}
    assert by_user[org.hr_reviewer.pk].startswith("En retard depuis")
    assert by_user[org.hr_head.pk].startswith("Overdue since")


def test_a_message_is_written_once_per_language_and_the_queries_stay_flat(
    org, django_assert_max_num_queries
):
    proposal = make_proposal(requester=org.requester)
    people = [UserFactory() for _ in range(24)]
    for person, language in zip(people, ["nl", "fr", "en", ""] * 6, strict=True):
        prefer(person, language)
    written: list[str | None] = []

    def message() -> str:
        written.append(translation.get_language())
        return str(translation.gettext("Conditions:"))

    for n, key in ((3, "decision_taken:1:1"), (24, "decision_taken:1:2")):
        with django_assert_max_num_queries(3):
            rows = notifications.notifications_create(
                users=people[:n],
                kind=NotificationKind.DECISION,
                proposal=proposal,
                key=key,
                message=message,
            )
        assert len(rows) == n
    assert written == ["nl", "fr", "en", "nl", "fr", "en"]  # per language, not per person
    texts = {r.user_id: r.message for r in rows}
    assert texts[people[0].pk] == "Voorwaarden:"
    assert texts[people[1].pk] == "Conditions :"
    assert texts[people[2].pk] == texts[people[3].pk] == "Conditions:"


def test_an_email_costs_the_same_queries_in_any_language(org, django_assert_max_num_queries):
    prefer(org.cdo, "fr")
    proposal = make_proposal(requester=org.requester, submit=True)
    (notification,) = notifications.notifications_create(
        users=[org.cdo],
        kind=NotificationKind.DECISION_NEEDED,
        proposal=proposal,
        key=f"decision_needed:{proposal.pk}:1",
        message="x",
    )
    mail.outbox.clear()
    with django_assert_max_num_queries(2):  # the claim, the notification with its reader
        assert notifications.notification_email_send(notification_id=notification.pk)
    assert mail.outbox[0].subject.startswith(f"[{proposal.reference}] Votre décision")


def test_a_retry_does_not_email_again_a_language_already_sent(
    org, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    prefer(org.it_reviewer, "nl")  # the IT head reads English: two emails for IT
    proposal = make_proposal(requester=org.requester, submit=True)  # tasks not run
    signoff = proposal.signoffs.get(department__code="IT")
    real_send = tasks.send_mail
    calls = []

    def fails_on_the_second(**kwargs):
        calls.append(kwargs["recipient_list"])
        if len(calls) == 2:
            raise ConnectionRefusedError("mail server away")
        return real_send(**kwargs)

    monkeypatch.setattr(tasks, "send_mail", fails_on_the_second)
    with pytest.raises(ConnectionRefusedError):
        tasks.notify_signoff_requested(signoff.pk)
    assert [m.to for m in mailoutbox] == [[org.it_reviewer.email]]
    signoff.refresh_from_db()
    assert signoff.notified_at is None  # released: the retry sends the rest

    assert tasks.notify_signoff_requested(signoff.pk) == 1
    assert [m.to for m in mailoutbox] == [[org.it_reviewer.email], [org.it_head.email]]
    assert tasks.notify_signoff_requested(signoff.pk) == 0
    assert len(mailoutbox) == 2
