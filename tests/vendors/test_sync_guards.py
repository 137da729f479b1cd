"""Where a catalog sync could lose data: invalid items, a full sync that would remove a large
share of its source, vendors unlisted while their solutions stay, and records other requests
write while a full sync is open (issue 16)."""

from __future__ import annotations

import json
import threading
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse

from tests.factories import SolutionFactory, VendorFactory
from tests.services import need_postgres
from tests.vendors.sync_helpers import (
    SOURCE,
    payload,
    solution_item,
    syncing_user,
    token_client,
    vendor_item,
)
from vendors.models import CatalogChangeCounter, Solution, Vendor, reserve_change_seqs
from vendors.sync.apply import DeletionRefused, tombstone_unlisted
from vendors.sync.push import catalog_sync, catalog_sync_push

URL = reverse("api:catalog-sync")
CHANGES = reverse("api:catalog-changes")


@pytest.fixture
def client(db):
    return token_client(syncing_user())


def post(client, body):
    return client.post(URL, body, format="json")


def live(model) -> set[str]:
    return set(
        model.objects.filter(source=SOURCE, is_deleted=False).values_list("external_id", flat=True)
    )


@pytest.fixture
def stored(client):
    """v-0..v-3 and s-0..s-7 (s-n of vendor n % 4): 12 live records."""
    assert post(client, payload(vendors=4, solutions=8)).status_code == 200


def full(**extra) -> dict:
    return {"source": SOURCE, "mode": "full", "vendors": [], "solutions": [], **extra}


# --- Invalid items never cause tombstones


def test_a_full_sync_whose_only_item_is_invalid_removes_nothing(client, stored):
    before = CatalogChangeCounter.objects.get().last_seq
    response = post(client, full(vendors=[vendor_item(0, name="")]))
    assert response.status_code == 400
    assert "confirm_deletions" in response.json()["errors"]
    assert "Nothing was changed" in response.json()["message"]
    assert len(live(Vendor)) == 4
    assert len(live(Solution)) == 8
    assert CatalogChangeCounter.objects.get().last_seq == before


@pytest.mark.parametrize(
    "item",
    [
        {"name": "No key"},
        {"external_id": "", "name": "Empty key"},
        {"external_id": 7, "name": "Key of the wrong type"},
        "not an object",
    ],
)
def test_a_full_sync_with_an_item_it_cannot_identify_is_refused_whole(client, stored, item):
    body = full(vendors=[vendor_item(n) for n in range(4)], confirm_deletions=12)
    body["vendors"].append(item)
    response = post(client, body)
    assert response.status_code == 400
    assert "external_id" in response.json()["errors"]
    assert "Nothing was changed" in response.json()["message"]
    assert len(live(Solution)) == 8


def test_a_page_of_a_paged_full_sync_with_an_unidentified_item_is_refused_and_can_be_resent(
    client, stored
):
    body = full(sync_id="night", vendors=[vendor_item(0), {"name": "No key"}])
    refused = post(client, body)
    assert refused.status_code == 400
    assert "external_id" in refused.json()["errors"]
    assert refused.json()["message"].startswith("1 item of this full sync of ")
    body["vendors"] = [vendor_item(0)]
    assert post(client, body).json()["sync"]["pages"] == 1


def test_an_upsert_with_an_unidentified_item_reports_it_and_writes_the_rest(client, stored):
    body = payload(vendors=1, solutions=0)
    body["vendors"].append({"name": "No key"})
    result = post(client, body).json()
    assert result["counts"]["invalid"] == 1
    assert result["counts"]["unchanged"] == 1


# --- The mass-deletion guard


def test_it_refuses_a_full_sync_removing_more_than_a_fifth_of_the_source_unconfirmed(
    client, stored
):
    # Lists v-0, v-1 and their solutions: s-2, s-3, s-6, s-7, v-2, v-3 would go (6 of 12).
    body = full(vendors=[vendor_item(0), vendor_item(1)],
                solutions=[solution_item(n, n % 4) for n in (0, 1, 4, 5)])  # fmt: skip
    refused = post(client, body)
    assert refused.status_code == 400
    assert refused.json()["errors"]["confirm_deletions"] == [refused.json()["message"]]
    assert "remove 6 of the 12 live records" in refused.json()["message"]
    assert '"confirm_deletions": 6' in refused.json()["message"]
    assert len(live(Solution)) == 8
    too_few = post(client, {**body, "confirm_deletions": 5})
    assert too_few.status_code == 400
    assert "more than the 5" in too_few.json()["message"]
    confirmed = post(client, {**body, "confirm_deletions": 6})
    assert confirmed.status_code == 200
    assert confirmed.json()["counts"]["deleted"] == 6
    assert live(Vendor) == {"v-0", "v-1"}


def test_the_refusal_names_the_source_and_the_share_a_sync_may_remove(client, stored, settings):
    refused = post(client, full(vendors=[vendor_item(0)], solutions=[solution_item(0, 0)]))
    assert refused.status_code == 400
    assert f"live records of {SOURCE}, more than the 20% a sync may" in refused.json()["message"]
    settings.CATALOG_SYNC_MAX_DELETE_SHARE = 0.6
    refused = post(client, full(vendors=[vendor_item(0)]))
    assert "remove 11 of the 12 live records" in refused.json()["message"]
    assert "more than the 60% a sync may" in refused.json()["message"]


def test_the_deletion_guard_is_on_unless_the_caller_lifts_it(stored):
    with pytest.raises(DeletionRefused), transaction.atomic():
        tombstone_unlisted(source=SOURCE, vendors=set(), solutions=set())
    assert len(live(Solution)) == 8


def test_a_full_sync_that_removes_nothing_takes_no_change_number(client, stored):
    before = CatalogChangeCounter.objects.get().last_seq
    body = full(vendors=[vendor_item(n) for n in range(4)],
                solutions=[solution_item(n, n % 4) for n in range(8)])  # fmt: skip
    assert post(client, body).json()["counts"]["unchanged"] == 12
    assert CatalogChangeCounter.objects.get().last_seq == before


def test_a_record_of_the_source_without_an_external_id_is_not_the_syncs_to_remove(client, stored):
    by_hand = VendorFactory(source=SOURCE, external_id="")
    body = full(vendors=[vendor_item(n) for n in range(4)],
                solutions=[solution_item(n, n % 4) for n in range(8)])  # fmt: skip
    assert post(client, body).json()["tombstoned"] == []
    by_hand.refresh_from_db()
    assert not by_hand.is_deleted


def test_it_removes_up_to_the_share_without_confirmation(client, stored):
    # s-7 and s-3 go: 2 of 12 records, under a fifth.
    solutions = [solution_item(n, n % 4) for n in range(8) if n not in (3, 7)]
    body = full(vendors=[vendor_item(n) for n in range(4)], solutions=solutions)
    result = post(client, body)
    assert result.status_code == 200
    assert sorted(t["external_id"] for t in result.json()["tombstoned"]) == ["s-3", "s-7"]


def test_the_share_is_configurable(client, stored, settings):
    settings.CATALOG_SYNC_MAX_DELETE_SHARE = 0.5
    body = full(vendors=[vendor_item(0), vendor_item(1)],
                solutions=[solution_item(n, n % 4) for n in (0, 1, 4, 5)])  # fmt: skip
    assert post(client, body).json()["counts"]["deleted"] == 6
    settings.CATALOG_SYNC_MAX_DELETE_SHARE = 0.0
    assert (
        post(client, full(vendors=[vendor_item(0)], solutions=[solution_item(0, 0)])).status_code
        == 400
    )


def test_the_final_page_of_a_paged_sync_is_guarded_and_the_sync_stays_open(client, stored):
    assert post(client, full(sync_id="n", vendors=[vendor_item(0)])).status_code == 200
    refused = post(client, full(sync_id="n", final=True))
    assert refused.status_code == 400
    assert "confirm_deletions" in refused.json()["errors"]
    assert len(live(Solution)) == 8
    confirmed = post(client, full(sync_id="n", final=True, confirm_deletions=11))
    assert confirmed.status_code == 200
    assert live(Vendor) == {"v-0"}


def test_a_confirmed_empty_sync_needs_no_count(client, stored):
    assert post(client, full(confirm_empty=True)).json()["counts"]["deleted"] == 12


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"confirm_deletions": -1}, "confirm_deletions"),
        ({"confirm_deletions": "6"}, "confirm_deletions"),
        ({"confirm_deletions": True}, "confirm_deletions"),
        ({"mode": "upsert", "confirm_deletions": 1}, "confirm_deletions"),
    ],
)
def test_it_answers_400_to_a_bad_confirm_deletions(client, stored, change, field):
    response = post(client, {**full(vendors=[vendor_item(0)]), **change})
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert len(live(Solution)) == 8


def test_a_full_pull_past_the_guard_fails_and_the_command_can_confirm_it(db, tmp_path):
    catalog_sync(source=SOURCE, mode="upsert", vendors=[vendor_item(n) for n in range(5)],
                 solutions=[])  # fmt: skip
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps({"vendors": [vendor_item(0)], "next": None}))
    with pytest.raises(CommandError, match="--confirm-deletions 4"):
        call_command("sync_catalog", source=SOURCE, file=str(feed), full=True, stdout=StringIO())
    assert len(live(Vendor)) == 5
    out = StringIO()
    call_command("sync_catalog", "--confirm-deletions", "4", source=SOURCE, file=str(feed),
                 full=True, stdout=out)  # fmt: skip
    assert json.loads(out.getvalue())["tombstoned"] == 4
    assert live(Vendor) == {"v-0"}


# --- Vendors with live solutions stay live


def test_an_unlisted_vendor_with_listed_solutions_stays_live_and_is_reported(client, stored):
    body = full(vendors=[vendor_item(n) for n in (0, 1, 2)],
                solutions=[solution_item(n, n % 4) for n in range(8)])  # fmt: skip
    result = post(client, body).json()
    assert result["tombstoned"] == []
    assert result["kept"] == [
        {"type": "vendor", "external_id": "v-3",
         "id": Vendor.objects.get(external_id="v-3").pk, "reason": "live_solutions"}
    ]  # fmt: skip
    assert "v-3" in live(Vendor)


def test_a_vendor_keeps_living_for_a_solution_entered_by_hand(client, stored, settings):
    settings.CATALOG_SYNC_MAX_DELETE_SHARE = 1
    vendor = Vendor.objects.get(external_id="v-0")
    SolutionFactory(vendor=vendor, source="", external_id="")  # entered in the admin
    result = post(client, full(vendors=[vendor_item(1)])).json()
    assert [k["external_id"] for k in result["kept"]] == ["v-0"]
    assert live(Vendor) == {"v-0", "v-1"}


def test_a_solution_under_a_removed_vendor_is_invalid_until_the_vendor_is_sent(client, stored):
    solutions = [solution_item(n, n % 4) for n in range(8) if n % 4 != 3]
    vendors = [vendor_item(n) for n in (0, 1, 2)]
    post(client, full(vendors=vendors, solutions=solutions, confirm_deletions=3))
    assert "v-3" not in live(Vendor)
    result = post(client, payload(vendors=0, solutions=0) | {"solutions": [solution_item(3, 3)]})
    item = result.json()["items"][0]
    assert item["status"] == "invalid"
    assert "was removed" in item["errors"]["vendor"][0]
    assert "s-3" not in live(Solution)
    revived = post(client, {"source": SOURCE, "vendors": [vendor_item(3)],
                            "solutions": [solution_item(3, 3)]})  # fmt: skip
    assert [i["status"] for i in revived.json()["items"]] == ["updated", "updated"]


def test_the_feed_never_shows_a_live_solution_under_a_removed_vendor(client, stored):
    post(client, full(vendors=[vendor_item(0)], solutions=[solution_item(0, 0)],
                      confirm_deletions=12))  # fmt: skip
    post(client, full(vendors=[vendor_item(1)], solutions=[solution_item(1, 1)],
                      confirm_deletions=12))  # fmt: skip
    # v-1 has to stay, for s-5.
    post(client, full(vendors=[vendor_item(2)], solutions=[solution_item(5, 1)],
                      confirm_deletions=12))  # fmt: skip
    state: dict[tuple[str, int], dict] = {}
    cursor = 0
    while True:
        page = client.get(CHANGES, {"cursor": cursor, "limit": 5}).json()
        for change in page["changes"]:
            state[change["type"], change["id"]] = change
        # After every page, as a client applying the feed would hold it.
        for (type_, _pk), change in state.items():
            if type_ == "solution" and change["op"] == "upsert":
                vendor = state.get(("vendor", change["data"]["vendor"]))
                assert vendor is not None, change
                assert vendor["op"] == "upsert", change
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert live(Vendor) == {"v-1", "v-2"}


# --- Records written by others while a full sync is open


def test_a_record_written_by_another_request_while_a_paged_sync_is_open_stays(client, stored):
    everything = full(sync_id="n", vendors=[vendor_item(n) for n in range(4)],
                      solutions=[solution_item(n, n % 4) for n in range(8)])  # fmt: skip
    assert post(client, everything).status_code == 200
    # Another integration adds s-8 and edits s-7 while the sync is open.
    other = {"source": SOURCE, "solutions": [solution_item(8, 0), solution_item(7, 3, name="New")]}
    assert post(client, other).json()["counts"] == {
        "created": 1, "updated": 1, "unchanged": 0, "invalid": 0, "deleted": 0,
    }  # fmt: skip
    final = post(client, full(sync_id="n", final=True)).json()
    assert final["tombstoned"] == []
    assert len(live(Solution)) == 9


def test_a_record_the_sync_saw_unlisted_is_still_removed(client, stored):
    post(client, full(sync_id="n", vendors=[vendor_item(n) for n in range(4)],
                      solutions=[solution_item(n, n % 4) for n in range(7)]))  # fmt: skip
    final = post(client, full(sync_id="n", final=True)).json()
    assert [t["external_id"] for t in final["tombstoned"]] == ["s-7"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_record_committed_while_the_final_page_runs_is_not_removed():
    """A writer holds the catalog lock with a new record not yet committed while the final
    page of a full sync arrives: the final page waits for it, then sees a record newer than
    the sync's start, and keeps it."""
    need_postgres()
    user = syncing_user()
    catalog_sync(source=SOURCE, mode="upsert", vendors=[vendor_item(n) for n in range(4)],
                 solutions=[solution_item(n, n % 4) for n in range(8)])  # fmt: skip
    first = full(sync_id="n", vendors=[vendor_item(n) for n in range(4)],
                 solutions=[solution_item(n, n % 4) for n in range(8)])  # fmt: skip
    catalog_sync_push(actor=user, data=first)
    locked, errors = threading.Event(), []

    def writer() -> None:
        try:
            with transaction.atomic():
                reserve_change_seqs(0)
                locked.set()
                catalog_sync(source=SOURCE, mode="upsert", vendors=[],
                             solutions=[solution_item(9, 0)])  # fmt: skip
                time.sleep(0.5)  # the final page arrives meanwhile
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert locked.wait(5)
    try:
        _status, final, _replayed = catalog_sync_push(
            actor=user, data=full(sync_id="n", final=True)
        )
    finally:
        thread.join()
    assert not errors, errors
    assert final["tombstoned"] == []
    assert Solution.objects.filter(external_id="s-9", is_deleted=False).exists()
    connection.close()


def test_the_admin_keeps_a_vendor_with_live_solutions(client, stored, admin_client):
    changelist = reverse("admin:vendors_vendor_changelist")
    used, unused = Vendor.objects.get(external_id="v-0"), VendorFactory()
    response = admin_client.post(
        changelist,
        {"action": "mark_removed", "_selected_action": [used.pk, unused.pk]},
        follow=True,
    )
    assert "still have live solutions" in response.content.decode()
    assert not Vendor.objects.get(pk=used.pk).is_deleted
    assert Vendor.objects.get(pk=unused.pk).is_deleted
