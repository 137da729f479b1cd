"""A full sync pushed in several requests (`"mode": "full"`, a `sync_id` on every page,
`"final": true` on the last), and what guards a full sync that lists nothing."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse

from tests.services import need_postgres
from tests.vendors.sync_helpers import (
    SOURCE,
    payload,
    solution_item,
    syncing_user,
    token_client,
    vendor_item,
)
from vendors import tasks
from vendors.models import (
    CatalogChangeCounter,
    CatalogSyncSession,
    CatalogSyncSessionPage,
    Solution,
    Vendor,
)
from vendors.sync.sessions import catalog_sync_sessions_purge
from vendors.sync.spec import MAX_ITEMS

URL = reverse("api:catalog-sync")


@pytest.fixture
def client(db):
    return token_client(syncing_user())


def post(client, body, **headers):
    return client.post(URL, body, format="json", headers=headers)


def page(sync_id, *, vendors=(), solutions=(), final=False, **extra):
    """A page of a full sync; solutions are (n, vendor n) pairs."""
    return {
        "source": SOURCE,
        "mode": "full",
        "sync_id": sync_id,
        "final": final,
        "vendors": [vendor_item(n) for n in vendors],
        "solutions": [solution_item(n, v) for n, v in solutions],
        **extra,
    }


def live(model) -> set[str]:
    return set(
        model.objects.filter(source=SOURCE, is_deleted=False).values_list("external_id", flat=True)
    )


@pytest.fixture
def stored(client):
    """What earlier syncs stored: v-0..v-3 and s-0..s-7 (s-n of vendor n % 4)."""
    assert post(client, payload(vendors=4, solutions=8)).status_code == 200


def test_it_keeps_what_any_page_listed_and_tombstones_the_rest_on_the_final_page(client, stored):
    first = post(client, page("night-1", vendors=[0], solutions=[(0, 0), (4, 0)]))
    assert first.status_code == 200, first.json()
    assert first.json()["tombstoned"] == []
    assert first.json()["sync"]["pages"] == 1
    assert first.json()["sync"]["final"] is False
    second = post(client, page("night-1", vendors=[1], solutions=[(1, 1), (8, 1)]))
    assert second.json()["counts"]["created"] == 1  # s-8 is new
    # Nothing is tombstoned before the final page, however little each page lists.
    assert len(live(Solution)) == 9
    assert len(live(Vendor)) == 4
    final = post(
        client, page("night-1", solutions=[(5, 1)], final=True, confirm_deletions=6)
    ).json()
    assert sorted((t["type"], t["external_id"]) for t in final["tombstoned"]) == [
        ("solution", "s-2"),
        ("solution", "s-3"),
        ("solution", "s-6"),
        ("solution", "s-7"),
        ("vendor", "v-2"),
        ("vendor", "v-3"),
    ]
    assert final["counts"]["deleted"] == 6
    assert final["sync"] == {
        "sync_id": "night-1",
        "pages": 3,
        "final": True,
        "expires_at": final["sync"]["expires_at"],
        "counts": {"created": 1, "updated": 0, "unchanged": 6, "invalid": 0, "deleted": 6},
    }
    assert live(Solution) == {"s-0", "s-1", "s-4", "s-5", "s-8"}
    assert live(Vendor) == {"v-0", "v-1"}
    # The keys served their purpose; the session stays to refuse late pages.
    assert not CatalogSyncSessionPage.objects.exists()
    assert CatalogSyncSession.objects.get().finished_at is not None


def test_it_syncs_a_source_of_more_than_5000_records_in_pages(client):
    # What the source held before: two records it no longer lists.
    post(client, payload(vendors=1, solutions=0))
    post(client, {"source": SOURCE, "solutions": [solution_item(90_000, 0)]})
    total = 2 * MAX_ITEMS + 1
    items = [solution_item(n, 0) for n in range(total)]
    sizes = []
    for start in range(0, total, MAX_ITEMS):
        chunk = items[start : start + MAX_ITEMS]
        final = start + MAX_ITEMS >= total
        body = {
            "source": SOURCE,
            "mode": "full",
            "sync_id": "big",
            "final": final,
            "vendors": [vendor_item(1)] if final else [],
            "solutions": chunk,
        }
        response = post(client, body)
        assert response.status_code == 200, response.json()
        sizes.append(len(chunk))
    report = response.json()
    assert sizes == [5000, 5000, 1]
    assert report["sync"]["counts"]["created"] == total + 1  # and v-1
    assert [(t["type"], t["external_id"]) for t in report["tombstoned"]] == [
        ("solution", "s-90000"),
    ]
    # v-0 is unlisted, but every listed solution belongs to it: it stays, and says why.
    assert [(k["type"], k["external_id"], k["reason"]) for k in report["kept"]] == [
        ("vendor", "v-0", "live_solutions")
    ]
    assert Solution.objects.filter(source=SOURCE, is_deleted=False).count() == total


def test_an_unfinished_sync_tombstones_nothing_and_expires_after_24_hours(
    client, stored, time_machine
):
    time_machine.move_to("2026-11-01 10:00Z")
    post(client, page("night-2", vendors=[0]))
    time_machine.move_to("2026-11-02 09:59Z")
    assert post(client, page("night-2", vendors=[1])).status_code == 200
    time_machine.move_to("2026-11-02 10:01Z")
    before = CatalogChangeCounter.objects.get().last_seq
    response = post(client, page("night-2", vendors=[2], solutions=[(9, 2)], final=True))
    assert response.status_code == 409
    assert "expired" in response.json()["message"]
    assert "nothing was removed" in response.json()["message"]
    assert len(live(Vendor)) == 4
    assert len(live(Solution)) == 8
    assert CatalogChangeCounter.objects.get().last_seq == before  # the page wrote nothing
    assert CatalogSyncSession.objects.get().finished_at is None
    # A new sync_id starts afresh.
    fresh = page("night-3", vendors=[0, 1, 2, 3], final=True, confirm_deletions=8)
    assert post(client, fresh).status_code == 200


def test_it_refuses_a_page_after_the_final_one(client, stored):
    post(client, page("night-4", vendors=[0, 1, 2, 3], final=True, confirm_deletions=8))
    late = post(client, page("night-4", solutions=[(9, 0)]))
    assert late.status_code == 409
    assert "already ended" in late.json()["message"]
    assert not Solution.objects.filter(external_id="s-9").exists()


def test_a_retried_final_page_with_its_idempotency_key_gets_the_first_answer(client, stored):
    body = page(
        "night-5", vendors=[0, 1, 2, 3], solutions=[(0, 0)], final=True, confirm_deletions=7
    )
    first = post(client, body, **{"Idempotency-Key": "night-5-final"})
    retry = post(client, body, **{"Idempotency-Key": "night-5-final"})
    assert retry.status_code == 200
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert first.json()["counts"]["deleted"] == 7


def test_the_same_sync_id_in_another_source_is_another_sync(client, stored):
    post(client, page("shared", vendors=[0], final=True, confirm_deletions=11))
    other = page("shared", vendors=[0], final=True)
    other["source"] = "other-feed"
    assert post(client, other).status_code == 200
    assert CatalogSyncSession.objects.count() == 2


def test_it_keeps_the_records_of_items_that_were_invalid(client, stored):
    body = page("night-6", vendors=[0, 1, 2], solutions=[(n, n % 4) for n in range(8)],
                final=True)  # fmt: skip
    body["vendors"].append(vendor_item(3, name=""))  # invalid, but listed: kept as it is
    result = post(client, body).json()
    # v-3, and its two solutions (their vendor is invalid in the request).
    assert result["counts"]["invalid"] == 3
    assert result["counts"]["deleted"] == 0
    assert live(Vendor) == {"v-0", "v-1", "v-2", "v-3"}
    assert len(live(Solution)) == 8


# --- A full sync that lists nothing


def test_it_refuses_an_empty_full_push_unless_confirmed(client, stored):
    empty = {"source": SOURCE, "mode": "full", "vendors": [], "solutions": []}
    response = post(client, empty)
    assert response.status_code == 400
    assert "confirm_empty" in response.json()["errors"]
    assert "Nothing was changed" in response.json()["message"]
    assert len(live(Vendor)) == 4
    assert len(live(Solution)) == 8
    # Items without an external_id list nothing either.
    response = post(client, {**empty, "vendors": [{"id": "v-0", "name": "Renamed key"}]})
    assert response.status_code == 400
    assert len(live(Vendor)) == 4
    confirmed = post(client, {**empty, "confirm_empty": True})
    assert confirmed.status_code == 200
    assert confirmed.json()["counts"]["deleted"] == 12
    assert live(Vendor) == set()
    assert live(Solution) == set()


def test_it_refuses_an_empty_paged_sync_unless_confirmed_and_keeps_it_open(client, stored):
    assert post(client, page("night-7")).status_code == 200
    refused = post(client, page("night-7", final=True))
    assert refused.status_code == 400
    assert "confirm_empty" in refused.json()["errors"]
    assert len(live(Vendor)) == 4
    assert CatalogSyncSession.objects.get().finished_at is None
    confirmed = post(client, page("night-7", final=True, confirm_empty=True))
    assert confirmed.status_code == 200
    assert confirmed.json()["counts"]["deleted"] == 12


# --- Bad input


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"mode": "upsert"}, "sync_id"),
        ({"sync_id": ""}, "sync_id"),
        ({"sync_id": "   "}, "sync_id"),
        ({"sync_id": 7}, "sync_id"),
        ({"sync_id": "x" * 101}, "sync_id"),
        ({"sync_id": "a\nb"}, "sync_id"),
        ({"sync_id": "nul\x00"}, "sync_id"),
        ({"final": "yes"}, "final"),
        ({"final": 1}, "final"),
        ({"sync_id": None, "final": True}, "final"),
        ({"sync_id": None, "mode": "upsert", "confirm_empty": True}, "confirm_empty"),
        ({"confirm_empty": "true"}, "confirm_empty"),
    ],
)
def test_it_answers_400_to_a_wrong_sync_id_or_flag(client, change, field):
    body = {**page("night-8", vendors=[0]), **change}
    body = {k: v for k, v in body.items() if v is not None}
    response = post(client, body)
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not Vendor.objects.exists()
    assert not CatalogSyncSession.objects.exists()


def test_it_refuses_a_user_without_the_permission(org):
    response = post(token_client(org.requester), page("night-9", vendors=[0], final=True))
    assert response.status_code == 403
    assert not CatalogSyncSession.objects.exists()


# --- Cost, purge, concurrency


@pytest.mark.parametrize("size", [10, 300])
def test_a_page_costs_the_same_number_of_queries_whatever_its_size(
    client, size, django_assert_max_num_queries
):
    CatalogChangeCounter.objects.get_or_create(pk=1)
    post(client, payload(vendors=size, solutions=0))
    body = page("night-10", solutions=[(n, n) for n in range(size // 2)])
    # The same bound at both sizes (PostgreSQL's COPY goes around the counted cursor; the
    # staging table's creation and the lookup of vendors sent in an earlier page count, and
    # one subscriber lookup per webhook kind, and one read of the custom field definitions).
    with django_assert_max_num_queries(26):
        assert post(client, body).json()["counts"]["created"] == size // 2
    final = page(
        "night-10", vendors=range(size // 2), final=True, confirm_deletions=size - size // 2
    )
    with django_assert_max_num_queries(28):
        assert post(client, final).json()["counts"]["deleted"] == size - size // 2


def test_the_daily_purge_forgets_expired_sessions(client, stored, time_machine):
    time_machine.move_to("2026-11-01 10:00Z")
    post(client, page("abandoned", vendors=[0, 1]))
    post(client, page("done", vendors=[0, 1, 2, 3], final=True, confirm_deletions=8))
    time_machine.move_to("2026-11-02 11:00Z")
    post(client, page("running", vendors=[0]))
    tasks.purge_idempotency_records.delay().get()
    # The abandoned session's keys go at once; the running one's stay.
    assert list(CatalogSyncSessionPage.objects.values_list("session__sync_id", flat=True)) == [
        "running"
    ]
    assert CatalogSyncSession.objects.count() == 3  # still there to answer late pages
    assert post(client, page("abandoned", final=True)).status_code == 409
    time_machine.move_to("2026-11-09 11:00Z")
    assert catalog_sync_sessions_purge() == 2
    assert list(CatalogSyncSession.objects.values_list("sync_id", flat=True)) == ["running"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_pages_of_one_sync_sent_at_once_are_applied_one_after_the_other():
    need_postgres()
    from vendors.sync.push import catalog_sync_push

    user = syncing_user()
    catalog_sync_push(actor=user, data=payload(vendors=4, solutions=0))
    pages = [
        page("together", vendors=[0], solutions=[(n, 0) for n in range(0, 3000)]),
        page("together", vendors=[1], solutions=[(n, 1) for n in range(3000, 6000)]),
    ]
    barrier, answers, errors = threading.Barrier(2), [], []

    def send(body) -> None:
        try:
            barrier.wait()
            answers.append(catalog_sync_push(actor=user, data=body))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(body,)) for body in pages]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(body["sync"]["pages"] for _status, body, _replayed in answers) == [1, 2]
    assert CatalogSyncSession.objects.get().pages == 2
    listed = CatalogSyncSessionPage.objects.values_list("solutions", flat=True)
    assert sorted(len(keys) for keys in listed) == [3000, 3000]
    _status, final, _replayed = catalog_sync_push(actor=user, data=page("together", final=True))
    assert sorted(t["external_id"] for t in final["tombstoned"]) == ["v-2", "v-3"]
    assert Solution.objects.filter(is_deleted=False).count() == 6000


def test_the_admin_lists_the_sessions(client, stored, admin_client, django_assert_max_num_queries):
    for n in range(3):
        post(client, page(f"night-{n}", vendors=[0, 1, 2, 3], final=n == 2, confirm_deletions=8))
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("admin:vendors_catalogsyncsession_changelist"))
    assert response.status_code == 200
    assert "night-2" in response.content.decode()
    assert "sam.sync" in response.content.decode()
    session = CatalogSyncSession.objects.get(sync_id="night-0")
    detail = admin_client.get(reverse("admin:vendors_catalogsyncsession_change", args=[session.pk]))
    assert detail.status_code == 200
