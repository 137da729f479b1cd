"""A delta push's removals (`removed`) and validate-only pushes (`?dry_run=true`): issue 16."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.vendors.sync_helpers import (
    SOURCE,
    payload,
    solution_item,
    syncing_user,
    token_client,
    vendor_item,
)
from vendors.models import (
    CatalogChangeCounter,
    CatalogSyncSession,
    IdempotencyRecord,
    Solution,
    Vendor,
)
from webhooks.models import WebhookDelivery, WebhookSubscription

URL = reverse("api:catalog-sync")
CHANGES = reverse("api:catalog-changes")


@pytest.fixture
def client(db):
    return token_client(syncing_user())


def post(client, body, *, dry_run=None, **headers):
    url = URL if dry_run is None else f"{URL}?dry_run={dry_run}"
    return client.post(url, body, format="json", headers=headers)


@pytest.fixture
def stored(client):
    """v-0..v-3 and s-0..s-7 (s-n of vendor n % 4)."""
    assert post(client, payload(vendors=4, solutions=8)).status_code == 200


def live(model) -> set[str]:
    return set(
        model.objects.filter(source=SOURCE, is_deleted=False).values_list("external_id", flat=True)
    )


def removal(**removed) -> dict:
    return {"source": SOURCE, "removed": removed}


# --- Delta removals


def test_it_removes_records_by_external_id_and_reports_each(client, stored):
    cursor = CatalogChangeCounter.objects.get().last_seq
    result = post(client, removal(solutions=["s-1", "s-5"], vendors=["v-1"])).json()
    assert [(i["type"], i["external_id"], i["status"]) for i in result["items"]] == [
        ("solution", "s-1", "deleted"),
        ("solution", "s-5", "deleted"),
        ("vendor", "v-1", "deleted"),
    ]
    assert result["counts"] == {
        "created": 0, "updated": 0, "unchanged": 0, "invalid": 0, "deleted": 3,
    }  # fmt: skip
    assert sorted(t["external_id"] for t in result["tombstoned"]) == ["s-1", "s-5", "v-1"]
    assert "v-1" not in live(Vendor)
    assert live(Solution) == {"s-0", "s-2", "s-3", "s-4", "s-6", "s-7"}
    # The feed shows the tombstones.
    changes = client.get(CHANGES, {"cursor": cursor}).json()["changes"]
    assert sorted((c["op"], c["external_id"]) for c in changes) == [
        ("delete", "s-1"), ("delete", "s-5"), ("delete", "v-1"),
    ]  # fmt: skip


def test_a_removal_of_what_is_already_removed_changes_nothing(client, stored):
    post(client, removal(solutions=["s-1"]))
    before = CatalogChangeCounter.objects.get().last_seq
    result = post(client, removal(solutions=["s-1"])).json()
    assert result["items"][0]["status"] == "unchanged"
    assert result["counts"]["unchanged"] == 1
    assert result["counts"]["deleted"] == 0
    assert CatalogChangeCounter.objects.get().last_seq == before


@pytest.mark.parametrize(
    ("removed", "message"),
    [
        ({"solutions": ["s-99"]}, "No solution s-99"),
        ({"vendors": ["v-0"]}, "still has live solutions"),
        ({"solutions": [""]}, "may not be blank"),
        ({"solutions": [7]}, "Expected a string"),
        ({"solutions": ["s-1", "s-1"]}, "listed 2 times"),
    ],
)
def test_it_reports_a_removal_it_cannot_do_and_does_the_others(client, stored, removed, message):
    solutions = [*removed.get("solutions", []), "s-2"]
    result = post(client, removal(vendors=removed.get("vendors", []), solutions=solutions)).json()
    invalid = [i for i in result["items"] if i["status"] == "invalid"]
    assert invalid
    assert message in invalid[0]["errors"]["external_id"][0]
    assert "s-2" not in live(Solution)
    assert len(live(Vendor)) == 4


def test_a_vendor_is_refused_while_any_of_its_solutions_is_live(client, stored):
    """v-1's solutions are s-1 and s-5: with s-1 removed alone, s-5 still holds the vendor."""
    post(client, removal(solutions=["s-1"]))
    result = post(client, removal(vendors=["v-1"])).json()
    assert result["items"][0]["status"] == "invalid"
    assert "still has live solutions" in result["items"][0]["errors"]["external_id"][0]
    assert "v-1" in live(Vendor)
    post(client, removal(solutions=["s-5"]))
    assert post(client, removal(vendors=["v-1"])).json()["items"][0]["status"] == "deleted"


def test_removing_many_records_costs_the_queries_of_removing_one(client, stored):
    def queries_to_remove(*external_ids):
        with CaptureQueriesContext(connection) as queries:
            assert post(client, removal(solutions=list(external_ids))).status_code == 200
        return len(queries)

    assert queries_to_remove("s-0", "s-1", "s-2", "s-3") == queries_to_remove("s-4")
    assert live(Solution) == {"s-5", "s-6", "s-7"}


def test_a_record_upserted_and_removed_in_one_request_is_refused_for_the_removal(client, stored):
    body = {**payload(vendors=0, solutions=0), "solutions": [solution_item(1, 1)],
            "removed": {"solutions": ["s-1"]}}  # fmt: skip
    items = post(client, body).json()["items"]
    assert [i["status"] for i in items] == ["unchanged", "invalid"]
    assert "also sent" in items[1]["errors"]["external_id"][0]


def test_a_removal_in_another_source_is_unknown(client, stored):
    result = post(client, {"source": "elsewhere", "removed": {"solutions": ["s-1"]}}).json()
    assert result["items"][0]["status"] == "invalid"
    assert "s-1" in live(Solution)


@pytest.mark.parametrize(
    "removed",
    [["s-1"], {"tools": ["x"]}, {"solutions": "s-1"}, "s-1"],
)
def test_it_answers_400_to_a_malformed_removed(client, stored, removed):
    response = post(client, {"source": SOURCE, "removed": removed})
    assert response.status_code == 400
    assert "removed" in response.json()["errors"]


def test_removals_are_not_for_a_full_sync(client, stored):
    body = {**payload(mode="full"), "removed": {"solutions": ["s-1"]}}
    response = post(client, body)
    assert response.status_code == 400
    assert "removed" in response.json()["errors"]


def test_removals_count_against_the_item_limit(client, stored):
    body = {**payload(vendors=1, solutions=0), "removed": {"solutions": ["x"] * 5000}}
    assert post(client, body).status_code == 413


# --- Dry runs


def _state():
    return (
        CatalogChangeCounter.objects.get().last_seq,
        sorted(Vendor.objects.values_list("external_id", "name", "is_deleted")),
        sorted(Solution.objects.values_list("external_id", "name", "is_deleted")),
    )


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            {**payload(vendors=5, solutions=3), "removed": {"solutions": ["s-7"]}}, id="upsert"
        ),
        pytest.param(payload(vendors=4, solutions=6, mode="full", confirm_deletions=2), id="full"),
    ],
)
def test_a_dry_run_answers_the_exact_report_and_writes_nothing(client, stored, body):
    body["vendors"][0]["name"] = "Renamed"
    before = _state()
    dry = post(client, body, dry_run="true")
    assert dry.status_code == 200
    assert _state() == before
    real = post(client, body).json()
    dry_report = dry.json()
    assert dry_report.pop("dry_run") is True
    assert real.pop("dry_run") is False
    # The same report, except the ids of created records (no row exists after a dry run).
    for item in real["items"]:
        if item["status"] == "created":
            assert item["id"] is not None
            item["id"] = None
    assert dry_report == real
    assert real["counts"]["deleted"] in (1, 2)


def test_a_dry_run_answers_the_refusals_a_real_request_would_get(client, stored):
    body = {"source": SOURCE, "mode": "full", "vendors": [vendor_item(0)], "solutions": []}
    dry = post(client, body, dry_run="true")
    assert dry.status_code == 400
    assert "confirm_deletions" in dry.json()["errors"]
    mallory = token_client(syncing_user("mallory.sync"))
    assert post(mallory, payload(), dry_run="true").status_code == 403


def test_a_dry_run_keeps_no_session_page_key_or_webhook(client, stored, settings):
    WebhookSubscription.objects.create(
        name="procurement", url="https://hooks.example/catalog", events=["catalog.synced"]
    )
    body = {**payload(vendors=1, solutions=0, mode="full", sync_id="night")}
    body["vendors"][0]["name"] = "Changed"
    response = post(client, body, dry_run="true", **{"Idempotency-Key": "k-1"})
    assert response.json()["sync"]["pages"] == 1
    assert not CatalogSyncSession.objects.exists()
    assert not IdempotencyRecord.objects.exists()
    assert not WebhookDelivery.objects.exists()
    # The same key then applies the request for real.
    real = post(client, body, **{"Idempotency-Key": "k-1"})
    assert "Idempotent-Replayed" not in real.headers
    assert real.json()["counts"]["updated"] == 1


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_it_answers_400_to_a_bad_dry_run(client, stored, value):
    response = post(client, payload(), dry_run=value)
    assert response.status_code == 400
    assert "dry_run" in response.json()["errors"]
