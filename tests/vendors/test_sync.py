"""Push sync: POST /api/v1/catalog/sync/."""

from __future__ import annotations

import json
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from tests.services import need_postgres
from tests.vendors.sync_helpers import (
    SOURCE,
    payload,
    solution_item,
    syncing_user,
    token_client,
    vendor_item,
)
from vendors.models import CatalogChangeCounter, CatalogSource, Solution, Vendor

URL = reverse("api:catalog-sync")


@pytest.fixture
def client(db):
    return token_client(syncing_user())


def post(client, body, **headers):
    return client.post(URL, body, format="json", headers=headers)


def snapshot():
    """Every catalog row's (updated_at, change_seq), to prove a no-op touched nothing."""
    return {
        **{("v", v.pk): (v.updated_at, v.change_seq) for v in Vendor.objects.all()},
        **{("s", s.pk): (s.updated_at, s.change_seq) for s in Solution.objects.all()},
    }


def test_it_creates_vendors_and_solutions_and_reports_each_item(client):
    response = post(client, payload(vendors=2, solutions=3))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["counts"] == {
        "created": 5,
        "updated": 0,
        "unchanged": 0,
        "invalid": 0,
        "deleted": 0,
    }
    assert [(i["type"], i["external_id"], i["status"]) for i in body["items"]] == [
        ("vendor", "v-0", "created"),
        ("vendor", "v-1", "created"),
        ("solution", "s-0", "created"),
        ("solution", "s-1", "created"),
        ("solution", "s-2", "created"),
    ]
    solution = Solution.objects.get(source=SOURCE, external_id="s-1")
    assert body["items"][3]["id"] == solution.pk
    assert solution.vendor.external_id == "v-1"
    assert solution.list_price == Decimal("12.50")
    assert solution.sso is True
    assert solution.in_use is False
    assert body["tombstoned"] == []


def test_it_changes_nothing_when_the_same_payload_is_sent_twice(client):
    post(client, payload())
    before = snapshot()
    response = post(client, payload())
    assert response.status_code == 200
    body = response.json()
    assert body["counts"] == {
        "created": 0,
        "updated": 0,
        "unchanged": 6,
        "invalid": 0,
        "deleted": 0,
    }
    assert {i["status"] for i in body["items"]} == {"unchanged"}
    assert snapshot() == before
    changes = client.get(
        reverse("api:catalog-changes"), {"cursor": max(s for _u, s in before.values())}
    )
    assert changes.json()["changes"] == []


def test_it_updates_only_the_records_that_changed(client):
    post(client, payload())
    before = snapshot()
    body = payload()
    body["solutions"][2]["list_price"] = "99.00"
    body["vendors"][1]["website"] = "https://new.example"
    response = post(client, body).json()
    assert response["counts"]["updated"] == 2
    assert response["counts"]["unchanged"] == 4
    after = snapshot()
    changed = {key for key in after if after[key] != before[key]}
    s2 = Solution.objects.get(external_id="s-2")
    v1 = Vendor.objects.get(external_id="v-1")
    assert changed == {("s", s2.pk), ("v", v1.pk)}
    assert s2.list_price == Decimal("99.00")
    assert v1.website == "https://new.example"


def test_it_takes_the_default_for_a_field_left_out(client):
    post(client, payload())
    body = payload()
    del body["solutions"][0]["sso"]
    post(client, body)
    assert Solution.objects.get(external_id="s-0").sso is False


def test_it_reports_invalid_items_and_still_writes_the_valid_ones(client):
    body = {
        "source": SOURCE,
        "vendors": [vendor_item(0), vendor_item(1, name=""), vendor_item(2, country="Netherlands")],
        "solutions": [
            solution_item(0, 0),
            solution_item(1, 0, category="astrology"),
            solution_item(2, 0, price_currency="XYZ"),
            solution_item(3, 0, colour="blue"),
            solution_item(4, 1),  # its vendor is invalid in this request
            solution_item(5, 7),  # an unknown vendor
            solution_item(6, 0, list_price="-1"),
            solution_item(7, 0, list_price="1.234"),
            solution_item(8, 0, pricing_model=None),
            solution_item(9, 0, list_price="1e30"),
            solution_item(10, 0, list_price="NaN"),
            solution_item(11, 0, sso="yes"),
            "not an object",
        ],
    }
    response = post(client, body)
    assert response.status_code == 200
    result = response.json()
    statuses = {(i["type"], i["external_id"]): i for i in result["items"]}
    assert statuses["vendor", "v-0"]["status"] == "created"
    assert statuses["solution", "s-0"]["status"] == "created"
    assert result["counts"]["created"] == 2
    assert result["counts"]["invalid"] == 14
    errors = {key: item["errors"] for key, item in statuses.items() if item["status"] == "invalid"}
    assert list(errors["vendor", "v-1"]) == ["name"]
    assert list(errors["vendor", "v-2"]) == ["country"]
    assert list(errors["solution", "s-1"]) == ["category"]
    assert "astrology" in errors["solution", "s-1"]["category"][0]
    assert list(errors["solution", "s-2"]) == ["price_currency"]
    assert errors["solution", "s-3"] == {"colour": ["Unknown field."]}
    assert "invalid in this request" in errors["solution", "s-4"]["vendor"][0]
    assert "Unknown vendor v-7" in errors["solution", "s-5"]["vendor"][0]
    assert list(errors["solution", "s-6"]) == ["list_price"]
    assert list(errors["solution", "s-7"]) == ["list_price"]
    assert list(errors["solution", "s-8"]) == ["pricing_model"]
    assert "digits before the decimal point" in errors["solution", "s-9"]["list_price"][0]
    assert list(errors["solution", "s-10"]) == ["list_price"]
    assert errors["solution", "s-11"] == {"sso": ["Expected true or false."]}
    assert result["items"][-1] == {
        "type": "solution",
        "external_id": None,
        "status": "invalid",
        "id": None,
        "errors": {"non_field_errors": ["Expected a JSON object."]},
    }
    assert all(item["id"] is None for item in result["items"] if item["status"] == "invalid")
    # Nothing half-written: only the two valid records exist.
    assert list(Vendor.objects.values_list("external_id", flat=True)) == ["v-0"]
    assert list(Solution.objects.values_list("external_id", flat=True)) == ["s-0"]


def test_it_refuses_every_copy_of_a_key_listed_twice_in_one_batch(client):
    body = payload(vendors=1, solutions=0)
    body["solutions"] = [
        solution_item(1, 0),
        solution_item(1, 0, name="Other"),
        solution_item(2, 0),
    ]
    result = post(client, body).json()
    by_status = [
        (i["external_id"], i["status"]) for i in result["items"] if i["type"] == "solution"
    ]
    assert by_status == [("s-1", "invalid"), ("s-1", "invalid"), ("s-2", "created")]
    assert "listed 2 times" in result["items"][1]["errors"]["external_id"][0]
    assert not Solution.objects.filter(external_id="s-1").exists()


def test_it_tombstones_what_a_full_sync_no_longer_lists_and_resurrects_it(client):
    post(client, payload(vendors=2, solutions=4))
    body = payload(vendors=2, solutions=4, mode="full", confirm_deletions=3)
    body["vendors"] = body["vendors"][:1]  # v-0, with its solutions s-0 and s-2
    body["solutions"] = [s for s in body["solutions"] if s["vendor"] == "v-0"]
    result = post(client, body).json()
    assert result["counts"] == {
        "created": 0, "updated": 0, "unchanged": 3, "invalid": 0, "deleted": 3
    }  # fmt: skip
    assert sorted((t["type"], t["external_id"]) for t in result["tombstoned"]) == [
        ("solution", "s-1"),
        ("solution", "s-3"),
        ("vendor", "v-1"),
    ]
    tombstones = Solution.objects.filter(is_deleted=True).values_list("external_id", flat=True)
    assert set(tombstones) == {"s-1", "s-3"}
    assert Vendor.objects.get(external_id="v-1").is_deleted
    assert Solution.objects.count() == 4  # never deleted
    # A full sync that lists nothing new changes nothing.
    assert post(client, body).json()["counts"]["deleted"] == 0
    # Listed again: back in the catalog.
    result = post(client, payload(vendors=2, solutions=4)).json()
    assert result["counts"]["updated"] == 3
    assert not Solution.objects.filter(is_deleted=True).exists()
    assert not Vendor.objects.filter(is_deleted=True).exists()


def test_it_leaves_other_sources_alone_in_full_mode(client):
    post(client, payload(vendors=1, solutions=1))
    other = payload(vendors=1, solutions=1)
    other["source"] = "other-feed"
    post(client, other)
    body = {"source": SOURCE, "mode": "full", "vendors": [], "solutions": []}
    assert post(client, {**body, "confirm_empty": True}).status_code == 200
    assert not Solution.objects.get(source="other-feed").is_deleted
    assert Solution.objects.get(source=SOURCE).is_deleted


def test_it_refuses_more_than_5000_items(client):
    body = payload(vendors=1, solutions=0)
    body["solutions"] = [solution_item(i, 0) for i in range(5000)]
    response = post(client, body)
    assert response.status_code == 413
    assert "5001 items" in response.json()["message"]
    assert set(response.json()) == {"message", "errors"}
    assert not Vendor.objects.exists()


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ("[1, 2]", "non_field_errors"),
        ('{"source": "x", "vendors": {}}', "vendors"),
        ('{"source": 5}', "source"),
        ('{"vendors": []}', "source"),
        ('{"source": "x", "mode": "merge"}', "mode"),
        ('{"source": "x", "extra": 1}', "extra"),
    ],
)
def test_it_answers_400_naming_the_field_to_a_wrong_top_level(client, raw, field):
    response = client.post(URL, raw, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    if field == "non_field_errors":
        assert body["message"] == "Expected a JSON object."
    else:
        assert field in body["errors"]


def test_it_answers_400_to_malformed_json(client):
    response = client.post(URL, '{"source": "x", ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["message"].startswith("Malformed request body")


# --- Idempotency-Key


def test_it_answers_a_retry_with_the_same_key_with_the_first_answer(client):
    first = post(client, payload(), **{"Idempotency-Key": "abc-1"})
    assert first.status_code == 200
    before = snapshot()
    # Someone else changes a record in between: the retry must not re-apply the old body.
    s0 = Solution.objects.get(external_id="s-0")
    s0.name = "Renamed here"
    s0.save()
    retry = post(client, payload(), **{"Idempotency-Key": "abc-1"})
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert Solution.objects.get(external_id="s-0").name == "Renamed here"
    after = snapshot()
    assert {k for k in after if after[k] != before[k]} == {("s", s0.pk)}


def test_it_refuses_a_key_reused_with_another_body(client):
    post(client, payload(), **{"Idempotency-Key": "abc-2"})
    other = payload()
    other["solutions"][0]["name"] = "Different"
    response = post(client, other, **{"Idempotency-Key": "abc-2"})
    assert response.status_code == 422
    assert "different request body" in response.json()["message"]
    assert Solution.objects.get(external_id="s-0").name == "Solution 0"


def test_it_keeps_keys_apart_per_user(client, db):
    post(client, payload(vendors=1, solutions=1), **{"Idempotency-Key": "shared"})
    sue = syncing_user("sue.sync")
    CatalogSource.objects.get(name=SOURCE).writers.add(sue)
    other = token_client(sue)
    body = payload(vendors=1, solutions=1)
    body["solutions"][0]["name"] = "Other user's"
    response = post(other, body, **{"Idempotency-Key": "shared"})
    assert response.status_code == 200
    assert "Idempotent-Replayed" not in response.headers


def test_it_forgets_a_key_after_24_hours(client, time_machine):
    time_machine.move_to("2026-11-01 10:00Z")
    post(client, payload(), **{"Idempotency-Key": "abc-3"})
    time_machine.move_to("2026-11-02 10:01Z")
    other = payload()
    other["solutions"][0]["name"] = "Next day"
    response = post(client, other, **{"Idempotency-Key": "abc-3"})
    assert response.status_code == 200
    assert Solution.objects.get(external_id="s-0").name == "Next day"


def test_it_stores_nothing_for_a_refused_request(client):
    response = post(client, {"source": 1}, **{"Idempotency-Key": "abc-4"})
    assert response.status_code == 400
    assert post(client, payload(), **{"Idempotency-Key": "abc-4"}).status_code == 200


# --- Who may sync


def test_it_lets_a_catalog_token_with_the_permission_sync(client):
    assert post(client, payload()).status_code == 200


def test_it_refuses_a_user_without_the_permission(org):
    client = token_client(org.requester)
    response = post(client, payload())
    assert response.status_code == 403
    assert "permission" in response.json()["message"]
    assert not Vendor.objects.exists()


def test_it_lets_staff_sync_in_a_browser_session(org):
    org.outsider.is_staff = True
    org.outsider.save()
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(org.outsider)
    assert post(client, payload()).status_code == 200


def test_it_answers_401_to_anonymous_requests(db):
    response = APIClient().post(URL, payload(), format="json")
    assert response.status_code == 401
    assert set(response.json()) == {"message", "errors"}


def test_it_answers_401_to_a_wrong_token(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer hgt_0123456789abnot-a-real-token")
    assert post(client, payload()).status_code == 401


# --- Cost


@pytest.mark.parametrize("size", [10, 200])
def test_it_costs_the_same_number_of_queries_whatever_the_batch_size(
    client, size, django_assert_max_num_queries
):
    # The same bound at both sizes. (On PostgreSQL each table's staging COPY goes through
    # psycopg2's cursor directly and is not captured here; the merge statements are.)
    CatalogChangeCounter.objects.get_or_create(pk=1)  # gone when a transactional test flushed
    body = payload(vendors=size // 10, solutions=size)
    # The first write also registers the source (vendors.sync.access). Each bound counts one
    # subscriber lookup per webhook kind (catalog.synced, catalog.record_changed), and one read
    # of the custom field definitions per batch.
    with django_assert_max_num_queries(28):
        assert post(client, body).json()["counts"]["created"] == size + size // 10
    body["solutions"] = [dict(s, list_price="1.00") for s in body["solutions"]]
    with django_assert_max_num_queries(26):
        assert post(client, body).json()["counts"]["updated"] == size
    with django_assert_max_num_queries(26):
        assert post(client, body).json()["counts"]["unchanged"] == size + size // 10
    body["mode"], body["confirm_deletions"] = "full", size // 2
    body["solutions"] = body["solutions"][: size // 2]
    with django_assert_max_num_queries(30):
        assert post(client, body).json()["counts"]["deleted"] == size // 2


def test_it_round_trips_the_report_as_json(client):
    response = post(client, payload(vendors=1, solutions=1), **{"Idempotency-Key": "k"})
    assert json.loads(response.content) == response.json()


def test_it_stores_text_with_tabs_newlines_and_backslashes_exactly(client):
    text = "Line one\tcolumn\nLine two \\N not null\r\nünïcødé ✓"
    body = payload(vendors=1, solutions=1)
    body["solutions"][0]["description"] = text
    body["vendors"][0]["description"] = text
    post(client, body)
    assert Solution.objects.get(external_id="s-0").description == text
    assert Vendor.objects.get(external_id="v-0").description == text
    assert post(client, body).json()["counts"]["unchanged"] == 2


# --- Webhooks: one catalog.synced event per request that changed something


def test_it_queues_one_webhook_event_per_sync_request_that_changed_something(
    client, django_capture_on_commit_callbacks
):
    from core.dataversion import bump_data_version
    from webhooks.models import WebhookDelivery, WebhookSubscription

    WebhookSubscription.objects.create(
        name="procurement", url="https://hooks.example/catalog", events=["catalog.synced"]
    )
    with django_capture_on_commit_callbacks() as callbacks:
        post(client, payload(vendors=2, solutions=5))
    delivery = WebhookDelivery.objects.get()
    assert delivery.kind == "catalog.synced"
    assert delivery.payload["source"] == SOURCE
    assert delivery.payload["counts"]["created"] == 7
    tasks = [c for c in callbacks if c is not bump_data_version]
    assert len(tasks) == 1  # its delivery task, queued after commit
    post(client, payload(vendors=2, solutions=5))  # nothing changed: no event
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_applies_a_request_once_when_two_copies_with_one_key_arrive_together():
    need_postgres()
    from vendors.sync.push import catalog_sync_push

    user = syncing_user()
    body = payload(vendors=20, solutions=2000)
    barrier, answers, errors = threading.Barrier(2), [], []

    def send() -> None:
        try:
            barrier.wait()
            answers.append(catalog_sync_push(actor=user, data=body, idempotency_key="same"))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    (status_a, body_a, replayed_a), (status_b, body_b, replayed_b) = answers
    assert status_a == status_b == 200
    assert body_a == body_b
    assert body_a["counts"]["created"] == 2020
    assert sorted([replayed_a, replayed_b]) == [False, True]
    assert Solution.objects.count() == 2000


VARIANTS = [
    {},
    {"name": ""},
    {"name": "   "},
    {"name": "x" * 151},
    {"name": "nul\x00"},
    {"name": 5},
    {"description": "ok\ttabs\nand lines"},
    {"external_id": ""},
    {"external_id": 7},
    {"external_id": "e" * 101},
    {"vendor": ""},
    {"vendor": None},
    {"category": "CRM"},
    {"category": "crm"},
    {"pricing_model": 1},
    {"price_currency": "usd"},
    {"price_currency": "USD"},
    {"list_price": None},
    {"list_price": 12},
    {"list_price": 12.5},
    {"list_price": "12.345"},
    {"list_price": True},
    {"sso": 1},
    {"sso": False},
    {"deployment": "hybrid"},
    {"unknown": 1},
    {"data_location": "x" * 61},
]


@pytest.mark.parametrize("change", VARIANTS)
def test_its_fast_path_agrees_with_the_field_by_field_validation(change):
    from vendors.sync.spec import SOLUTION, VENDOR
    from vendors.sync.validate import validate_item, validate_slow

    for type_, base in (("solution", solution_item(1, 1)), ("vendor", vendor_item(1))):
        raw = {**base, **{k: v for k, v in change.items() if type_ == SOLUTION or k != "vendor"}}
        slow = validate_slow(raw, type_=type_)
        item = validate_item(raw, type_=type_)
        assert (item.values, item.errors, item.external_id) == (
            slow.values,
            slow.errors,
            slow.external_id,
        )
        if type_ == VENDOR:
            for country in ("nl", "NLD", "", "DE"):
                raw_c = {**raw, "country": country}
                assert (
                    validate_item(raw_c, type_=type_).errors
                    == validate_slow(raw_c, type_=type_).errors
                )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("acme\x00feed", "Contains a NUL character."),
        ("x" * 51, "At most 50 characters."),
        ("  ", "Expected a non-empty string."),
    ],
)
def test_it_names_what_is_wrong_with_the_source(client, source, message):
    response = post(client, {"source": source, "vendors": [vendor_item(0)]})
    assert response.status_code == 400
    assert response.json()["errors"]["source"] == [message]
    assert not Vendor.objects.exists()


def test_its_schema_texts_are_translated_when_the_schema_is_rendered(monkeypatch):
    """Not once at import: the schema is served in the language of each request."""
    from django.utils import translation
    from drf_spectacular.generators import SchemaGenerator

    def marked(message):  # a stand-in "translation" that keeps %(name)s placeholders
        return "» " + message

    monkeypatch.setattr(translation._trans, "gettext", marked, raising=False)
    schema = SchemaGenerator().get_schema(request=None, public=True)
    sync = schema["paths"]["/api/v1/catalog/sync/"]["post"]
    assert sync["summary"] == "» Synchronise vendors and solutions"
    assert sync["description"].startswith("» Up to 5000 items")
    assert sync["responses"]["413"]["description"] == (
        "» More than 5000 items, or a body too large."
    )
    changes = schema["paths"]["/api/v1/catalog/changes/"]["get"]
    assert changes["summary"] == "» Catalog changes since a cursor"
