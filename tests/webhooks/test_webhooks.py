"""Outgoing webhooks: signed JSON POSTs to a real local HTTP server, retried with backoff, sent
once however often a task runs, only to the subscriptions that want the event, and only after
the action that caused it commits. Never sent anywhere but 127.0.0.1/localhost here."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from werkzeug import Response

from core.errors import DomainError, InvalidTransition
from decisions import services
from decisions.models import SignOffStatus
from hrtech_gov.celery import app as celery_app
from tests.decisions import test_celery_worker
from tests.factories import UserFactory, make_proposal
from tests.services import need_postgres
from webhooks import services as webhooks
from webhooks import tasks
from webhooks.models import WebhookDelivery, WebhookDeliveryStatus, WebhookSubscription

worker = test_celery_worker.worker  # the real-worker fixture, shared

pytestmark = pytest.mark.django_db

HOOK = "/hook"


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    # Eagerly run, the delivery task makes one attempt and leaves retries to send_webhooks (the
    # backoff of 0 makes them due at once); errors do not propagate, as robust on_commit
    # swallows them in the request: no real sleeping, a short timeout, few tries.
    settings.WEBHOOK_RETRY_BACKOFF_SECONDS = 0
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    settings.WEBHOOK_MAX_RETRIES = 3
    previous = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = previous


@pytest.fixture
def receiver(httpserver):
    """The local receiver; every test answers its requests as it needs."""
    assert httpserver.host in ("localhost", "127.0.0.1")
    return httpserver


def subscribe(receiver, *, name="Procurement", events=(), is_active=True, path=HOOK):
    return WebhookSubscription.objects.create(
        name=name, url=receiver.url_for(path), events=list(events), is_active=is_active
    )


def posted(receiver) -> list:
    return [request for request, _response in receiver.log]


def expected_signature(secret: str, request) -> str:
    signed = request.headers["X-Hrtech-Timestamp"].encode() + b"." + request.get_data()
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def queue_and_send(captured, *, kind="catalog.synced", payload=None) -> None:
    with captured(execute=True):
        webhooks.webhook_event_queue(kind=kind, payload=payload or {"source": "feed"})


# --- What is sent ------------------------------------------------------------------------------


def test_it_signs_the_body_with_the_subscriptions_secret(
    receiver, django_capture_on_commit_callbacks
):
    subscription = subscribe(receiver)
    receiver.expect_request(HOOK, method="POST").respond_with_data("ok")

    queue_and_send(
        django_capture_on_commit_callbacks,
        payload={"source": "feed", "created": 3, "amount": Decimal("1.50")},
    )

    [request] = posted(receiver)
    delivery = WebhookDelivery.objects.get()
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Hrtech-Event"] == "catalog.synced"
    assert request.headers["X-Hrtech-Delivery"] == str(delivery.pk)
    assert abs(int(request.headers["X-Hrtech-Timestamp"]) - time.time()) < 60
    assert request.headers["X-Hrtech-Signature"] == expected_signature(subscription.secret, request)
    # A receiver with another secret, or a tampered body, would not match.
    assert request.headers["X-Hrtech-Signature"] != expected_signature("not-the-secret", request)
    body = json.loads(request.get_data())
    assert body == {
        "id": str(delivery.event_id),
        "kind": "catalog.synced",
        "created_at": delivery.created_at.isoformat(),
        "data": {"source": "feed", "created": 3, "amount": "1.50"},
    }
    assert delivery.status == WebhookDeliveryStatus.SUCCEEDED
    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (1, 200, "")
    assert delivery.delivered_at is not None


def test_it_generates_a_different_long_secret_for_each_subscription(receiver):
    one, two = subscribe(receiver, name="One"), subscribe(receiver, name="Two")
    assert one.secret != two.secret
    assert len(one.secret) >= 40


def test_it_signs_with_the_documented_recipe():
    # The README's verification snippet computes exactly this.
    body, secret = b'{"id":"x"}', "s3cret"
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert webhooks.webhook_sign(secret=secret, timestamp="1700000000", body=body) == (
        f"sha256={expected}"
    )


# --- Retries -----------------------------------------------------------------------------------


def send_webhooks(*args: str) -> str:
    out = StringIO()
    call_command("send_webhooks", *args, stdout=out)
    return out.getvalue()


def test_it_retries_a_failing_delivery_until_it_succeeds(
    receiver, django_capture_on_commit_callbacks
):
    subscription = subscribe(receiver)
    receiver.expect_ordered_request(HOOK).respond_with_data("down for a moment", status=500)
    receiver.expect_ordered_request(HOOK).respond_with_data("ok")

    queue_and_send(django_capture_on_commit_callbacks)
    assert len(posted(receiver)) == 1  # the first try; the retry is send_webhooks' job here
    assert "1 sent, 0 to retry later, 0 failed" in send_webhooks()

    first, second = posted(receiver)
    receiver.check_assertions()
    # The same event, byte for byte; each attempt signed afresh.
    assert first.get_data() == second.get_data()
    assert first.headers["X-Hrtech-Delivery"] == second.headers["X-Hrtech-Delivery"]
    for request in (first, second):
        assert request.headers["X-Hrtech-Signature"] == expected_signature(
            subscription.secret, request
        )
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDeliveryStatus.SUCCEEDED
    assert (delivery.attempts, delivery.last_status_code) == (2, 200)


def test_it_logs_each_attempt_and_schedules_the_next(receiver):
    subscribe(receiver)
    with transaction.atomic():
        webhooks.webhook_event_queue(kind="catalog.synced", payload={})
    delivery = WebhookDelivery.objects.get()
    receiver.expect_ordered_request(HOOK).respond_with_data("nope", status=502)
    receiver.expect_ordered_request(HOOK).respond_with_data("ok", status=204)

    attempt = webhooks.webhook_delivery_attempt(delivery_id=delivery.pk, next_in=120)

    assert attempt.sent
    assert not attempt.succeeded
    assert attempt.status_code == 502
    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.PENDING
    assert (delivery.attempts, delivery.last_status_code) == (1, 502)
    assert "502" in delivery.last_error
    assert "nope" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=100)
    assert delivery.locked_at is None

    attempt = webhooks.webhook_delivery_attempt(delivery_id=delivery.pk)

    assert attempt.succeeded
    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.SUCCEEDED
    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (2, 204, "")
    assert delivery.next_attempt_at is None


def test_it_marks_a_delivery_failed_after_the_last_retry(
    receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_RETRIES = 2
    subscribe(receiver)
    receiver.expect_request(HOOK).respond_with_data("maintenance", status=503)

    queue_and_send(django_capture_on_commit_callbacks)
    assert "0 sent, 1 to retry later" in send_webhooks()
    assert "0 sent, 0 to retry later, 1 failed" in send_webhooks()
    assert "0 sent, 0 to retry later, 0 failed, 0 skipped" in send_webhooks()

    assert len(posted(receiver)) == 3  # the first try and two retries
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDeliveryStatus.FAILED
    assert (delivery.attempts, delivery.last_status_code) == (3, 503)
    assert "maintenance" in delivery.last_error
    assert delivery.delivered_at is None
    # Failed is final: the task run again sends nothing.
    assert tasks.deliver_webhook.apply(args=[delivery.pk]).get() == "skipped"
    assert len(posted(receiver)) == 3


def test_it_gives_up_on_a_receiver_that_does_not_answer_in_time(receiver, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    subscribe(receiver)
    with transaction.atomic():
        webhooks.webhook_event_queue(kind="catalog.synced", payload={})
    delivery = WebhookDelivery.objects.get()

    def slow(request):
        time.sleep(1)
        return Response("too late")

    receiver.expect_request(HOOK).respond_with_handler(slow)
    started = time.monotonic()

    attempt = webhooks.webhook_delivery_attempt(delivery_id=delivery.pk)

    assert time.monotonic() - started < 0.9
    assert not attempt.succeeded
    assert attempt.status_code is None
    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.PENDING
    assert "timed out" in delivery.last_error.lower()
    assert delivery.attempts == 1
    # Let the slow answer finish here, not in the next test's request log.
    deadline = time.monotonic() + 5
    while not receiver.log and time.monotonic() < deadline:
        time.sleep(0.05)


def test_it_does_not_follow_a_redirect(receiver):
    subscribe(receiver)
    receiver.expect_request(HOOK).respond_with_response(
        Response(status=302, headers={"Location": receiver.url_for("/elsewhere")})
    )
    receiver.expect_request("/elsewhere").respond_with_data("ok")
    with transaction.atomic():
        webhooks.webhook_event_queue(kind="catalog.synced", payload={})
    delivery = WebhookDelivery.objects.get()

    attempt = webhooks.webhook_delivery_attempt(delivery_id=delivery.pk)

    assert not attempt.succeeded
    assert attempt.status_code == 302
    assert [r.path for r in posted(receiver)] == [HOOK]


def test_it_counts_a_refused_connection_as_a_failed_attempt(receiver):
    subscription = subscribe(receiver)
    with transaction.atomic():
        webhooks.webhook_event_queue(kind="catalog.synced", payload={})
    # A port nobody listens on: the receiver's own, after it stopped.
    WebhookSubscription.objects.filter(pk=subscription.pk).update(url="http://127.0.0.1:9/hook")
    delivery = WebhookDelivery.objects.get()

    attempt = webhooks.webhook_delivery_attempt(delivery_id=delivery.pk, final=True)

    assert not attempt.succeeded
    assert attempt.status_code is None
    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.FAILED
    assert delivery.last_error


def test_it_spreads_retries_out_exponentially_with_jitter(settings):
    settings.WEBHOOK_RETRY_BACKOFF_SECONDS = 30
    settings.WEBHOOK_RETRY_BACKOFF_MAX_SECONDS = 3600
    delays = [webhooks.webhook_backoff(n) for n in range(10)]
    for n, delay in enumerate(delays):
        ceiling = min(3600, 30 * 2**n)
        assert ceiling / 2 <= delay <= ceiling
    assert len({webhooks.webhook_backoff(3) for _ in range(20)}) > 1  # jitter


# --- Once, however often it runs ---------------------------------------------------------------


def test_it_posts_a_delivery_once_when_the_task_runs_twice(receiver):
    subscribe(receiver)
    receiver.expect_request(HOOK).respond_with_data("ok")
    with transaction.atomic():
        webhooks.webhook_event_queue(kind="catalog.synced", payload={})
    delivery = WebhookDelivery.objects.get()

    assert tasks.deliver_webhook.apply(args=[delivery.pk]).get() == "succeeded"
    assert tasks.deliver_webhook.apply(args=[delivery.pk]).get() == "skipped"

    assert len(posted(receiver)) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_it_leaves_a_delivery_to_the_worker_that_claimed_it(receiver):
    subscribe(receiver)
    receiver.expect_request(HOOK).respond_with_data("ok")
    with transaction.atomic():
        webhooks.webhook_event_queue(kind="catalog.synced", payload={})
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(locked_at=timezone.now())

    attempt = webhooks.webhook_delivery_attempt(delivery_id=delivery.pk)

    assert not attempt.sent
    assert attempt.busy
    assert posted(receiver) == []
    # A claim far older than any POST was left by a worker that died: it is taken over.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        locked_at=timezone.now() - timedelta(hours=1)
    )
    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk).succeeded
    assert len(posted(receiver)) == 1


def test_it_sends_again_the_deliveries_whose_task_was_lost(receiver):
    subscription = subscribe(receiver)
    receiver.expect_request(HOOK).respond_with_data("ok")
    now, hour = timezone.now(), timedelta(hours=1)

    def delivery(n, **fields):
        made = WebhookDelivery.objects.create(
            subscription=subscription, event_id=uuid.uuid4(), kind="ping", payload={"n": n}
        )
        WebhookDelivery.objects.filter(pk=made.pk).update(**fields)
        return made

    never_queued = delivery(1, created_at=now - hour)
    retry_overdue = delivery(2, created_at=now - 3 * hour, next_attempt_at=now - hour)
    worker_died = delivery(3, created_at=now - hour, locked_at=now - hour)
    delivery(4)  # just queued: its task is on the way
    delivery(5, created_at=now - hour, next_attempt_at=now + hour)  # waiting for its retry
    delivery(6, created_at=now - hour, locked_at=now)  # being sent right now
    delivery(7, created_at=now - hour, status=WebhookDeliveryStatus.FAILED)
    delivery(8, created_at=now - hour, status=WebhookDeliveryStatus.SUCCEEDED)

    assert tasks.requeue_stalled_webhooks.apply().get() == 3

    sent = sorted(json.loads(r.get_data())["data"]["n"] for r in posted(receiver))
    assert sent == [1, 2, 3]
    for d in (never_queued, retry_overdue, worker_died):
        d.refresh_from_db()
        assert d.status == WebhookDeliveryStatus.SUCCEEDED


def test_it_skips_a_delivery_that_no_longer_exists():
    attempt = webhooks.webhook_delivery_attempt(delivery_id=987654)
    assert not attempt.sent
    assert not attempt.busy


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_delivery_post_it_once(receiver):
    need_postgres()
    subscription = subscribe(receiver)

    def slow_ok(request):
        time.sleep(0.3)  # both workers are past their claim while the first POST is in flight
        return Response("ok")

    receiver.expect_request(HOOK).respond_with_handler(slow_ok)
    # Made directly: through webhook_event_queue it would commit and be sent by eager Celery.
    delivery = WebhookDelivery.objects.create(
        subscription=subscription, event_id=uuid.uuid4(), kind="catalog.synced"
    )
    barrier = threading.Barrier(4)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(webhooks.webhook_delivery_attempt(delivery_id=delivery.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(posted(receiver)) == 1
    assert sum(r.sent for r in results) == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.SUCCEEDED
    assert delivery.attempts == 1


# --- Who receives what, and when --------------------------------------------------------------


def test_it_sends_each_subscription_only_the_kinds_it_asked_for(receiver):
    everything = subscribe(receiver, name="Everything")
    decisions = subscribe(receiver, name="Decisions", events=["decision.taken"])
    catalog = subscribe(receiver, name="Catalog", events=["catalog.synced", "signoff.decided"])

    with transaction.atomic():
        webhooks.webhook_event_queue(kind="catalog.synced", payload={"n": 1})
        webhooks.webhook_event_queue(kind="decision.taken", payload={"n": 2})

    received = set(WebhookDelivery.objects.values_list("subscription__name", "kind"))
    assert received == {
        (everything.name, "catalog.synced"),
        (everything.name, "decision.taken"),
        (catalog.name, "catalog.synced"),
        (decisions.name, "decision.taken"),
    }
    # One event, one id, whoever receives it.
    assert len({d.event_id for d in WebhookDelivery.objects.filter(kind="catalog.synced")}) == 1


def test_it_sends_nothing_to_an_inactive_subscription(receiver):
    subscribe(receiver, name="Paused", is_active=False)
    with transaction.atomic():
        webhooks.webhook_event_queue(kind="catalog.synced", payload={})
    assert not WebhookDelivery.objects.exists()


def test_it_does_not_send_what_was_queued_before_a_subscription_was_switched_off(receiver):
    subscription = subscribe(receiver)
    with transaction.atomic():
        webhooks.webhook_event_queue(kind="catalog.synced", payload={})
    WebhookSubscription.objects.filter(pk=subscription.pk).update(is_active=False)
    delivery = WebhookDelivery.objects.get()

    assert tasks.deliver_webhook.apply(args=[delivery.pk]).get() == "skipped"

    assert posted(receiver) == []
    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.FAILED
    assert "deactivated" in delivery.last_error


def test_it_sends_only_after_the_transaction_commits(receiver, django_capture_on_commit_callbacks):
    subscribe(receiver)
    receiver.expect_request(HOOK).respond_with_data("ok")

    with django_capture_on_commit_callbacks() as callbacks:
        webhooks.webhook_event_queue(kind="catalog.synced", payload={})
        assert posted(receiver) == []

    assert len(callbacks) == 1
    assert posted(receiver) == []  # not committed yet: nothing sent
    assert WebhookDelivery.objects.get().status == WebhookDeliveryStatus.PENDING
    callbacks[0]()
    assert len(posted(receiver)) == 1


def test_it_sends_nothing_when_the_action_rolls_back(receiver, django_capture_on_commit_callbacks):
    subscribe(receiver)

    def failing_action():
        with transaction.atomic():
            webhooks.webhook_event_queue(kind="catalog.synced", payload={})
            raise RuntimeError("the caller's action failed")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        failing_action()
    assert callbacks == []
    assert not WebhookDelivery.objects.exists()
    assert posted(receiver) == []


def test_it_refuses_an_unknown_kind(receiver):
    subscribe(receiver)
    with pytest.raises(DomainError):
        webhooks.webhook_event_queue(kind="proposal.exploded", payload={})
    assert not WebhookDelivery.objects.exists()


def test_it_queues_an_event_in_a_constant_number_of_queries(
    receiver, django_assert_max_num_queries
):
    for n in range(8):
        subscribe(receiver, name=f"Receiver {n}")
    with django_assert_max_num_queries(2):  # the subscriptions, one insert
        webhooks.webhook_event_queue(kind="catalog.synced", payload={})
    assert WebhookDelivery.objects.count() == 8


# --- Subscriptions -----------------------------------------------------------------------------


def test_it_refuses_unknown_event_kinds_and_other_url_schemes():
    subscription = WebhookSubscription(
        name="Bad", url="ftp://example.test/hook", events=["proposal.submitted", "nonsense"]
    )
    with pytest.raises(ValidationError) as refused:
        subscription.full_clean()
    assert set(refused.value.message_dict) == {"url", "events"}
    assert "nonsense" in str(refused.value.message_dict["events"])


# --- The workflow's events ---------------------------------------------------------------------


def deliveries(kind: str) -> list[dict]:
    return [d.payload for d in WebhookDelivery.objects.filter(kind=kind).order_by("id")]


def approve_all(org, proposal):
    for signoff in proposal.signoffs.filter(round=proposal.round, status=SignOffStatus.PENDING):
        services.signoff_decide(
            signoff=signoff, actor=org.reviewers[signoff.department.code], outcome="approved"
        )


def test_submitting_a_proposal_sends_proposal_submitted(org, receiver, settings):
    settings.SITE_URL = "https://hrtech.example"
    subscribe(receiver)

    proposal = make_proposal(requester=org.requester, submit=True)

    [payload] = deliveries("proposal.submitted")
    assert payload["reference"] == proposal.reference
    assert payload["title"] == proposal.title
    assert payload["status"] == "in_review"
    assert payload["round"] == 1
    assert payload["tier"] == "Medium"
    assert payload["tco"] == {"amount": "14000.00", "currency": "EUR"}
    assert payload["department"] == "HR"
    assert payload["actor"] == "rita.requester"
    assert sorted(payload["departments"]) == ["HR", "IT", "MKT"]
    assert payload["url"] == (
        "https://hrtech.example" + reverse("proposal-detail", args=[proposal.reference])
    )


def test_a_small_purchase_approved_by_every_department_sends_the_decision(org, receiver):
    subscribe(receiver)
    proposal = make_proposal(requester=org.requester, submit=True, recurring_cost=Decimal("100"))
    assert proposal.tier.name == "Small"

    approve_all(org, proposal)

    signed = deliveries("signoff.decided")
    assert len(signed) == 3
    assert {p["signoff"]["department"] for p in signed} == {"HR", "IT", "MKT"}
    assert {p["outcome"] for p in signed} == {"approved"}
    assert signed[-1]["status"] == "approved"  # the last one decided it
    [decision] = deliveries("decision.taken")
    assert decision["outcome"] == "approved"
    assert decision["decided_by"] == "signoff"
    assert decision["status"] == "approved"
    assert decision["reference"] == proposal.reference


def test_a_departments_rejection_sends_the_decision(org, receiver):
    subscribe(receiver, events=["decision.taken"])
    proposal = make_proposal(requester=org.requester, submit=True)
    signoff = proposal.signoffs.get(department__code="IT")

    services.signoff_decide(
        signoff=signoff, actor=org.it_reviewer, outcome="rejected", comment="No SSO support."
    )

    assert deliveries("signoff.decided") == []  # not subscribed
    [decision] = deliveries("decision.taken")
    assert decision["outcome"] == "rejected"
    assert decision["status"] == "rejected"
    assert decision["rationale"] == "No SSO support."
    assert decision["signoff"] == {"department": "IT", "status": "rejected"}
    assert decision["actor"] == "ivan.it"


def test_a_request_for_changes_sends_a_returned_decision(org, receiver):
    subscribe(receiver)
    proposal = make_proposal(requester=org.requester, submit=True)
    signoff = proposal.signoffs.get(department__code="MKT")

    services.signoff_decide(
        signoff=signoff, actor=org.mkt_reviewer, outcome="changes_requested", comment="Add SLA."
    )

    [signed] = deliveries("signoff.decided")
    assert signed["signoff"]["comment"] == "Add SLA."
    [decision] = deliveries("decision.taken")
    assert (decision["outcome"], decision["status"]) == ("returned", "changes_requested")


def test_the_cdos_decision_sends_the_rationale_and_conditions(org, receiver):
    subscribe(receiver)
    proposal = make_proposal(requester=org.requester, submit=True)
    approve_all(org, proposal)
    proposal.refresh_from_db()
    assert proposal.status == "awaiting_decision"
    assert deliveries("decision.taken") == []  # all signed, but the CDO decides this tier

    services.decision_take(
        proposal=proposal,
        actor=org.cdo,
        outcome="approved",
        rationale="Saves two weeks per hire.",
        conditions="Review after the pilot.",
    )

    [decision] = deliveries("decision.taken")
    assert decision["outcome"] == "approved"
    assert decision["decided_by"] == "cdo"
    assert decision["actor"] == "carla.cdo"
    assert decision["rationale"] == "Saves two weeks per hire."
    assert decision["conditions"] == "Review after the pilot."
    assert decision["status"] == "approved"


def test_a_refused_action_sends_nothing(org, receiver):
    subscribe(receiver)
    proposal = make_proposal(requester=org.requester, submit=True)
    WebhookDelivery.objects.all().delete()
    signoff = proposal.signoffs.get(department__code="IT")

    with pytest.raises(DomainError):
        services.signoff_decide(signoff=signoff, actor=org.outsider, outcome="approved")

    assert not WebhookDelivery.objects.exists()


def test_the_workflow_reaches_the_receiver_after_commit(
    org, receiver, django_capture_on_commit_callbacks
):
    subscription = subscribe(receiver, events=["proposal.submitted"])
    receiver.expect_request(HOOK).respond_with_data("ok")

    with django_capture_on_commit_callbacks(execute=True):
        proposal = make_proposal(requester=org.requester, submit=True)

    [request] = posted(receiver)
    assert request.headers["X-Hrtech-Event"] == "proposal.submitted"
    assert request.headers["X-Hrtech-Signature"] == expected_signature(subscription.secret, request)
    assert json.loads(request.get_data())["data"]["reference"] == proposal.reference


def test_the_workflow_pays_one_query_when_nobody_subscribes(org):
    proposal = make_proposal(requester=org.requester)

    with CaptureQueriesContext(connection) as queries:
        services.proposal_submit(proposal=proposal, actor=org.requester)

    webhook_queries = [q for q in queries.captured_queries if "webhook" in q["sql"].lower()]
    assert len(webhook_queries) == 1  # who subscribes; no payload built, nothing written


# --- Admin -------------------------------------------------------------------------------------


def test_the_admin_sends_a_test_event(admin_client, receiver, django_capture_on_commit_callbacks):
    subscription = subscribe(receiver, events=["decision.taken"], is_active=False)
    receiver.expect_request(HOOK).respond_with_data("pong")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:webhooks_webhooksubscription_changelist"),
            {"action": "send_test_event", "_selected_action": [subscription.pk]},
            follow=True,
        )

    assert response.status_code == 200
    assert "Queued a test event to 1 subscription." in response.content.decode()
    [request] = posted(receiver)
    assert request.headers["X-Hrtech-Event"] == "ping"
    assert request.headers["X-Hrtech-Signature"] == expected_signature(subscription.secret, request)
    assert WebhookDelivery.objects.get().status == WebhookDeliveryStatus.SUCCEEDED


def test_the_admin_shows_the_secret_and_creates_subscriptions(admin_client, receiver):
    response = admin_client.post(
        reverse("admin:webhooks_webhooksubscription_add"),
        {"name": "ERP", "url": receiver.url_for(HOOK), "events": ["decision.taken"],
         "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    subscription = WebhookSubscription.objects.get()
    assert subscription.events == ["decision.taken"]
    page = admin_client.get(
        reverse("admin:webhooks_webhooksubscription_change", args=[subscription.pk])
    )
    assert subscription.secret in page.content.decode()
    subscribe(receiver, name="Everything")
    listed = admin_client.get(
        reverse("admin:webhooks_webhooksubscription_changelist") + "?is_active__exact=1"
    )
    assert listed.context["cl"].result_count == 2
    assert "decision.taken" in listed.content.decode()
    # Unknown kinds are refused with the field named.
    refused = admin_client.post(
        reverse("admin:webhooks_webhooksubscription_add"),
        {"name": "Bad", "url": "file:///etc/passwd", "events": ["nonsense"]},
    )
    assert refused.status_code == 200
    assert set(refused.context["adminform"].form.errors) == {"url", "events"}


def test_the_admin_retries_failed_deliveries_only(
    admin_client, receiver, django_capture_on_commit_callbacks
):
    subscribe(receiver)
    with transaction.atomic():
        webhooks.webhook_event_queue(kind="catalog.synced", payload={"n": 1})
        webhooks.webhook_event_queue(kind="catalog.synced", payload={"n": 2})
    failed, done = WebhookDelivery.objects.order_by("id")
    WebhookDelivery.objects.filter(pk=failed.pk).update(
        status=WebhookDeliveryStatus.FAILED, attempts=4, last_status_code=500
    )
    WebhookDelivery.objects.filter(pk=done.pk).update(status=WebhookDeliveryStatus.SUCCEEDED)
    receiver.expect_request(HOOK).respond_with_data("ok")

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:webhooks_webhookdelivery_changelist"),
            {"action": "retry", "_selected_action": [failed.pk, done.pk]},
        )

    [request] = posted(receiver)
    assert json.loads(request.get_data())["data"] == {"n": 1}
    failed.refresh_from_db()
    # A fresh set of retries: the attempts count again from the retry.
    assert failed.status == WebhookDeliveryStatus.SUCCEEDED
    assert failed.attempts == 1
    with pytest.raises(InvalidTransition):
        webhooks.webhook_delivery_retry(delivery=done)


def test_the_delivery_log_is_read_only_and_filters(
    admin_client, receiver, django_assert_max_num_queries
):
    subscription = subscribe(receiver)
    with transaction.atomic():
        for n in range(5):
            webhooks.webhook_event_queue(kind="catalog.synced", payload={"n": n})
    delivery = WebhookDelivery.objects.first()
    changelist = reverse("admin:webhooks_webhookdelivery_changelist")

    with django_assert_max_num_queries(12):
        listed = admin_client.get(
            changelist + f"?status=pending&kind=catalog.synced&subscription__id__exact="
            f"{subscription.pk}"
        )
    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 5
    failed = admin_client.get(changelist + "?status=failed")
    assert failed.context["cl"].result_count == 0
    found = admin_client.get(changelist + f"?q={delivery.event_id}")
    assert found.context["cl"].result_count == 1
    detail = admin_client.get(reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk]))
    assert detail.status_code == 200
    assert 'name="attempts"' not in detail.content.decode()  # shown, not editable
    assert admin_client.get(reverse("admin:webhooks_webhookdelivery_add")).status_code == 403


def test_a_viewer_of_the_log_cannot_retry(client, receiver, django_capture_on_commit_callbacks):
    viewer = UserFactory(username="vera.viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_webhookdelivery"))
    client.force_login(viewer)
    subscribe(receiver)
    with transaction.atomic():
        webhooks.webhook_event_queue(kind="catalog.synced", payload={})
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=WebhookDeliveryStatus.FAILED)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:webhooks_webhookdelivery_changelist"),
            {"action": "retry", "_selected_action": [delivery.pk]},
        )

    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.FAILED
    assert posted(receiver) == []


@pytest.mark.celery_worker
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_the_submission_webhook(org, receiver, worker):
    _mail_dir, log = worker
    subscription = subscribe(receiver, events=["proposal.submitted"])
    receiver.expect_request(HOOK).respond_with_data("ok")

    proposal = make_proposal(requester=org.requester, submit=True)

    deadline = time.monotonic() + 60
    while not receiver.log and time.monotonic() < deadline:
        time.sleep(0.2)
    assert receiver.log, f"no webhook arrived; worker log:\n{log.read_text()}"
    [request] = posted(receiver)
    assert request.headers["X-Hrtech-Signature"] == expected_signature(subscription.secret, request)
    assert json.loads(request.get_data())["data"]["reference"] == proposal.reference
    delivery = WebhookDelivery.objects.get()
    while delivery.status == WebhookDeliveryStatus.PENDING and time.monotonic() < deadline:
        time.sleep(0.2)  # the worker records the success just after the answer
        delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.SUCCEEDED


def test_the_delivery_task_is_registered_with_the_worker():
    celery_app.loader.import_default_modules()
    celery_app.autodiscover_tasks(["decisions"], force=True)
    assert "webhooks.tasks.deliver_webhook" in celery_app.tasks


def test_event_ids_are_unique_per_subscription(receiver):
    subscription = subscribe(receiver)
    event_id = uuid.uuid4()
    WebhookDelivery.objects.create(subscription=subscription, event_id=event_id, kind="ping")

    with pytest.raises(IntegrityError), transaction.atomic():
        WebhookDelivery.objects.create(subscription=subscription, event_id=event_id, kind="ping")


# --- Without a worker, and retries counted per delivery ---------------------------------------


@pytest.fixture
def propagating():
    # As configured (CELERY_TASK_EAGER_PROPAGATES): an eager task's Retry reaches on_commit.
    previous = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_eager_propagates = previous


def test_without_a_worker_a_failing_receiver_neither_holds_the_request_nor_stalls(
    org, receiver, settings, propagating, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_BACKOFF_SECONDS = 60
    subscribe(receiver, events=["proposal.submitted"])

    def slow_failure(request):
        time.sleep(0.4)
        return Response("busy", status=500)

    receiver.expect_ordered_request(HOOK).respond_with_handler(slow_failure)
    receiver.expect_ordered_request(HOOK).respond_with_data("ok")
    started = time.monotonic()

    with django_capture_on_commit_callbacks(execute=True):
        make_proposal(requester=org.requester, submit=True)

    # One attempt in the request, not one per retry (which ran at once, eagerly).
    assert time.monotonic() - started < 1.5
    assert len(posted(receiver)) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDeliveryStatus.PENDING
    assert (delivery.attempts, delivery.last_status_code, delivery.locked_at) == (1, 500, None)
    # Its next attempt is scheduled with the backoff (30 to 60 s here), for send_webhooks.
    assert timezone.now() + timedelta(seconds=25) < delivery.next_attempt_at
    assert delivery.next_attempt_at < timezone.now() + timedelta(seconds=61)
    assert "0 sent, 0 to retry later, 0 failed, 0 skipped" in send_webhooks()  # not due yet
    assert len(posted(receiver)) == 1

    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert "due: delivery" in send_webhooks("--dry-run")
    assert "1 sent" in send_webhooks()

    receiver.check_assertions()
    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.SUCCEEDED
    assert (delivery.attempts, delivery.last_status_code) == (2, 200)


def test_it_counts_the_retries_on_the_delivery_not_on_the_task_chain(receiver, settings):
    settings.WEBHOOK_MAX_RETRIES = 3
    subscribe(receiver)
    receiver.expect_request(HOOK).respond_with_data("still down", status=500)
    with transaction.atomic():
        webhooks.webhook_event_queue(kind="catalog.synced", payload={})
    delivery = WebhookDelivery.objects.get()
    # Three attempts made by an earlier chain; this task starts a new one (retries == 0), as
    # requeue_stalled_webhooks does.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=3, next_attempt_at=timezone.now() - timedelta(hours=2)
    )

    assert tasks.requeue_stalled_webhooks.apply().get() == 1

    assert len(posted(receiver)) == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.FAILED
    assert delivery.attempts == 4  # the first try and WEBHOOK_MAX_RETRIES retries, no more
    assert tasks.deliver_webhook.apply(args=[delivery.pk]).get() == "skipped"
    assert "0 sent, 0 to retry later, 0 failed, 0 skipped" in send_webhooks()
    assert len(posted(receiver)) == 1


def test_send_webhooks_is_bounded_and_sends_each_due_delivery_once(
    receiver, django_assert_max_num_queries
):
    subscription = subscribe(receiver)
    receiver.expect_request(HOOK).respond_with_data("ok")
    now = timezone.now()
    made = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(subscription=subscription, event_id=uuid.uuid4(), kind="ping")
        for _ in range(5)
    )
    WebhookDelivery.objects.filter(pk=made[4].pk).update(next_attempt_at=now + timedelta(hours=1))
    WebhookDelivery.objects.filter(pk=made[3].pk).update(locked_at=now)  # being sent elsewhere

    with django_assert_max_num_queries(1):
        due = webhooks.webhook_deliveries_due(limit=10)
    assert due == [made[0].pk, made[1].pk, made[2].pk]

    assert "2 sent" in send_webhooks("--limit", "2")
    assert "1 sent" in send_webhooks()
    assert "0 sent" in send_webhooks()
    assert len(posted(receiver)) == 3


def test_redis_keeps_a_waiting_retry_longer_than_the_longest_countdown(settings):
    from decisions import tasks

    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert celery_app.conf.broker_transport_options["visibility_timeout"] == timeout
    assert timeout > settings.WEBHOOK_RETRY_BACKOFF_MAX_SECONDS
    assert timeout > webhooks.lease().total_seconds()
    assert timeout > tasks.RETRY["retry_backoff_max"]
    assert timeout > 3600  # Redis's default, which redelivered hour-long countdowns


@pytest.fixture
def retrying_worker(monkeypatch, request):
    """The real worker, retrying a failed POST after a fraction of a second."""
    monkeypatch.setenv("WEBHOOK_RETRY_BACKOFF_SECONDS", "0.2")
    monkeypatch.setenv("WEBHOOK_MAX_RETRIES", "2")
    return request.getfixturevalue("worker")


@pytest.mark.celery_worker
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_retries_with_backoff_until_it_gives_up(receiver, retrying_worker):
    _mail_dir, log = retrying_worker
    subscribe(receiver)
    receiver.expect_request(HOOK).respond_with_data("down", status=503)

    webhooks.webhook_event_queue(kind="catalog.synced", payload={})

    delivery = WebhookDelivery.objects.get()
    deadline = time.monotonic() + 60
    while delivery.status == WebhookDeliveryStatus.PENDING and time.monotonic() < deadline:
        time.sleep(0.2)
        delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.FAILED, log.read_text()
    # The worker retried by itself (no send_webhooks here): the first try and two retries.
    assert delivery.attempts == 3
    assert len(posted(receiver)) == 3
