"""catalog.record_changed: after a write to the catalog commits, signed events naming each record
that changed and how (created, updated, deleted), in batches of at most RECORDS_PER_EVENT,
POSTed to a real local HTTP server."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hrtech_gov.celery import app as celery_app
from tests.factories import SolutionFactory, UserFactory
from tests.vendors.sync_helpers import SOURCE, payload, syncing_user, token_client
from vendors.models import Solution, Vendor
from vendors.sync import events
from vendors.sync.feeds import catalog_feed_pull
from webhooks.models import WebhookDelivery, WebhookDeliveryStatus, WebhookSubscription

SYNC = reverse("api:catalog-sync")
HOOK = "/hook"
KIND = "catalog.record_changed"


@pytest.fixture(autouse=True)
def _eager_webhooks(settings):
    settings.WEBHOOK_RETRY_BACKOFF_SECONDS = 0
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    previous = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = previous


@pytest.fixture
def receiver(httpserver):
    assert httpserver.host in ("localhost", "127.0.0.1")
    httpserver.expect_request(HOOK, method="POST").respond_with_data("ok")
    return httpserver


@pytest.fixture
def subscription(receiver, db):
    return WebhookSubscription.objects.create(
        name="procurement", url=receiver.url_for(HOOK), events=[KIND]
    )


@pytest.fixture
def client(db):
    return token_client(syncing_user())


def received(receiver, subscription) -> list[dict]:
    """The bodies the receiver got, each checked to carry the subscription's signature."""
    bodies = []
    for request, _response in receiver.log:
        if request.path != HOOK:
            continue  # a pulled feed's page, served by the same server
        assert request.headers["X-Hrtech-Event"] == KIND
        signed = request.headers["X-Hrtech-Timestamp"].encode() + b"." + request.get_data()
        mac = hmac.new(subscription.secret.encode(), signed, hashlib.sha256).hexdigest()
        assert request.headers["X-Hrtech-Signature"] == f"sha256={mac}"
        bodies.append(json.loads(request.get_data()))
    return bodies


def changes_of(bodies: list[dict]) -> list[tuple[str, str, str]]:
    return [
        (c["type"], c["external_id"], c["change"])
        for body in bodies
        for c in body["data"]["changes"]
    ]


def push(client, body, capture) -> dict:
    with capture(execute=True):
        response = client.post(SYNC, body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_push_sends_each_changed_record_with_its_id_and_change(
    client, receiver, subscription, django_capture_on_commit_callbacks
):
    report = push(client, payload(vendors=1, solutions=2), django_capture_on_commit_callbacks)
    [event] = received(receiver, subscription)
    assert event["kind"] == KIND
    assert event["data"]["source"] == SOURCE
    assert (event["data"]["part"], event["data"]["parts"]) == (1, 1)
    ids = {(i["type"], i["external_id"]): i["id"] for i in report["items"]}
    assert event["data"]["changes"] == [
        {"type": "vendor", "id": ids["vendor", "v-0"], "external_id": "v-0", "change": "created"},
        {
            "type": "solution",
            "id": ids["solution", "s-0"],
            "external_id": "s-0",
            "change": "created",
        },
        {
            "type": "solution",
            "id": ids["solution", "s-1"],
            "external_id": "s-1",
            "change": "created",
        },
    ]
    body = payload(vendors=1, solutions=1, mode="full", confirm_deletions=1)
    body["solutions"][0]["name"] = "Renamed"
    push(client, body, django_capture_on_commit_callbacks)
    _first, second = received(receiver, subscription)
    # The unchanged vendor is not named; the renamed solution is, and the one no longer listed.
    assert changes_of([second]) == [("solution", "s-0", "updated"), ("solution", "s-1", "deleted")]


def test_a_delta_removal_is_sent_as_deleted(
    client, receiver, subscription, django_capture_on_commit_callbacks
):
    push(client, payload(vendors=1, solutions=2), django_capture_on_commit_callbacks)
    removal = {"source": SOURCE, "removed": {"solutions": ["s-1"]}}
    push(client, removal, django_capture_on_commit_callbacks)
    assert changes_of(received(receiver, subscription)[1:]) == [("solution", "s-1", "deleted")]


def test_nothing_is_sent_for_a_push_that_changed_nothing_a_dry_run_or_a_failed_one(
    client, receiver, subscription, django_capture_on_commit_callbacks
):
    push(client, payload(vendors=1, solutions=1), django_capture_on_commit_callbacks)
    push(client, payload(vendors=1, solutions=1), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        dry = client.post(SYNC + "?dry_run=true", payload(2, 2), format="json")
        refused = client.post(SYNC, payload(1, 0, mode="full"), format="json")  # >share
    assert (dry.status_code, refused.status_code) == (200, 400)
    assert len(received(receiver, subscription)) == 1
    assert WebhookDelivery.objects.filter(kind=KIND).count() == 1


def test_a_large_sync_is_split_into_numbered_events(
    client, receiver, subscription, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(events, "RECORDS_PER_EVENT", 4)
    push(client, payload(vendors=2, solutions=9), django_capture_on_commit_callbacks)
    bodies = received(receiver, subscription)
    assert [(b["data"]["part"], b["data"]["parts"]) for b in bodies] == [(1, 3), (2, 3), (3, 3)]
    assert [len(b["data"]["changes"]) for b in bodies] == [4, 4, 3]
    assert len({b["id"] for b in bodies}) == 3  # three events
    assert len(changes_of(bodies)) == 11


def test_it_costs_one_query_when_nobody_subscribes(client, db):
    body = payload(vendors=1, solutions=3)
    with CaptureQueriesContext(connection) as queries:
        client.post(SYNC, body, format="json")
    subscriber_reads = [q for q in queries.captured_queries if "_webhooksubscription" in q["sql"]]
    assert len(subscriber_reads) == 2  # catalog.synced and catalog.record_changed: one each
    assert not WebhookDelivery.objects.exists()


def test_a_pulled_feed_sends_its_pages_changes(
    receiver, subscription, httpserver, django_capture_on_commit_callbacks
):
    page = {"vendors": [{"external_id": "v-1", "name": "Hirely"}], "solutions": [], "next": None}
    httpserver.expect_request("/feed").respond_with_json(page)
    with django_capture_on_commit_callbacks(execute=True):
        result = catalog_feed_pull(source="pulled", url=httpserver.url_for("/feed"), full=True)
    assert result.run.status == "succeeded"
    assert changes_of(received(receiver, subscription)) == [("vendor", "v-1", "created")]
    assert received(receiver, subscription)[0]["data"]["source"] == "pulled"


@pytest.fixture
def admin_client(db):
    from django.test import Client

    browser = Client()
    browser.force_login(UserFactory(username="ada.admin", is_staff=True, is_superuser=True))
    return browser


def test_an_admin_edit_and_tombstone_are_sent(
    admin_client, receiver, subscription, django_capture_on_commit_callbacks
):
    solution = SolutionFactory(source="manual", external_id="m-1")
    changelist = reverse("admin:vendors_solution_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            changelist, {"action": "mark_removed", "_selected_action": [solution.pk]}
        )
    assert response.status_code == 302
    assert Solution.objects.get(pk=solution.pk).is_deleted
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(changelist, {"action": "mark_listed", "_selected_action": [solution.pk]})
    bodies = received(receiver, subscription)
    assert changes_of(bodies) == [("solution", "m-1", "deleted"), ("solution", "m-1", "updated")]
    assert {b["data"]["source"] for b in bodies} == {"manual"}
    assert {c["id"] for b in bodies for c in b["data"]["changes"]} == {solution.pk}


def test_the_events_are_delivered_like_every_webhook(
    client, receiver, subscription, django_capture_on_commit_callbacks
):
    push(client, payload(vendors=1, solutions=0), django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(kind=KIND)
    assert delivery.status == WebhookDeliveryStatus.SUCCEEDED
    assert Vendor.objects.get().pk == delivery.payload["changes"][0]["id"]
