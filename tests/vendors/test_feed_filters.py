"""The change feed's filters (?source=, ?type=) and the snapshot (GET /api/v1/catalog/snapshot/):
a client starts from scratch with the snapshot, then follows the feed from its feed_cursor,
and ends with the catalog as it is — nothing missed, nothing twice."""

from __future__ import annotations

import random
import threading
import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.services import need_postgres
from tests.vendors.sync_helpers import payload, syncing_user, token_client, vendor_item
from vendors.models import Solution, Vendor
from vendors.selectors import FeedFilter, _pg_changes_sql
from vendors.sync.apis import RECORD_SERIALIZERS
from vendors.sync.push import catalog_sync

SYNC = reverse("api:catalog-sync")
CHANGES = reverse("api:catalog-changes")
SNAPSHOT = reverse("api:catalog-snapshot")


@pytest.fixture
def client(db):
    return token_client(syncing_user())


def push(client, source: str, vendors: int, solutions: int, **extra) -> None:
    body = {**payload(vendors, solutions, **extra), "source": source}
    response = client.post(SYNC, body, format="json")
    assert response.status_code == 200, response.content


def read_feed(client, cursor=0, limit=100, **filters):
    changes = []
    while True:
        page = client.get(CHANGES, {"cursor": cursor, "limit": limit, **filters})
        assert page.status_code == 200, page.content
        body = page.json()
        changes += body["changes"]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return changes, cursor


def read_snapshot(client, limit=100, **filters):
    """Every page of a new snapshot: (records, feed_cursor)."""
    records, query = [], {"limit": limit, **filters}
    while True:
        response = client.get(SNAPSHOT, query)
        assert response.status_code == 200, response.content
        body = response.json()
        records += body["records"]
        if not body["has_more"]:
            return records, body["feed_cursor"]
        query = {**query, "cursor": body["next_cursor"], "feed_cursor": body["feed_cursor"]}


# --- Filters


def test_it_filters_the_feed_by_source(client):
    push(client, "north", 2, 3)
    push(client, "south", 1, 2)
    push(client, "north", 1, 1, mode="full", confirm_deletions=3)  # tombstones in north
    north, _cursor = read_feed(client, source="north", limit=2)
    assert {c["source"] for c in north} == {"north"}
    assert len(north) == 5  # every north record once, at its latest change
    assert sum(c["op"] == "delete" for c in north) == 3
    south, _cursor = read_feed(client, source="south")
    assert [(c["type"], c["external_id"]) for c in south] == [
        ("vendor", "v-0"),
        ("solution", "s-0"),
        ("solution", "s-1"),
    ]
    assert read_feed(client, source="nobody")[0] == []


def test_it_filters_the_feed_by_type_and_combines_filters(client):
    push(client, "north", 2, 3)
    push(client, "south", 1, 2)
    vendors, _cursor = read_feed(client, type="vendor")
    assert [(c["source"], c["external_id"]) for c in vendors] == [
        ("north", "v-0"),
        ("north", "v-1"),
        ("south", "v-0"),
    ]
    solutions, _cursor = read_feed(client, type="solution", source="south", limit=1)
    assert [(c["type"], c["external_id"]) for c in solutions] == [
        ("solution", "s-0"),
        ("solution", "s-1"),
    ]


def test_a_filtered_cursor_is_a_position_in_the_whole_feed(client):
    """A filtered page's next_cursor can be used unfiltered and the other way round: one
    sequence for the whole catalog."""
    push(client, "north", 1, 1)
    _changes, cursor = read_feed(client, source="north")
    push(client, "south", 1, 1)
    push(client, "north", 1, 2)
    after, _cursor = read_feed(client, cursor, source="north")
    assert [c["external_id"] for c in after] == ["s-1"]
    everything, _cursor = read_feed(client, cursor)
    assert [(c["source"], c["external_id"]) for c in everything] == [
        ("south", "v-0"),
        ("south", "s-0"),
        ("north", "s-1"),
    ]


@pytest.mark.parametrize(
    "query",
    [
        {"type": "proposal"},
        {"type": ""},
        {"source": ""},
        {"source": "x" * 51},
        {"source": "a\x00b"},
    ],
)
@pytest.mark.parametrize("url", [CHANGES, SNAPSHOT])
def test_it_answers_400_to_a_bad_filter(client, url, query):
    response = client.get(url, query)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"message", "errors"}
    assert set(body["errors"]) <= {"source", "type"}


def test_it_answers_410_with_a_filter_too(client):
    push(client, "north", 1, 1)
    response = client.get(CHANGES, {"cursor": 10_000, "source": "north"})
    assert response.status_code == 410
    assert "snapshot" in response.json()["message"]


def test_a_filtered_page_costs_the_same_number_of_queries(client):
    push(client, "north", 5, 50)
    push(client, "south", 5, 50)
    expected = set()
    for query in (
        {},
        {"source": "north"},
        {"type": "solution"},
        {"source": "south", "type": "vendor"},
    ):
        for limit in (3, 40):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(CHANGES, {"limit": limit, **query}).status_code == 200
            expected.add(len(queries.captured_queries))
    # The union and two lookups by id off PostgreSQL; one statement on it: in any case the
    # same number however many rows a page holds (a filter on one type skips a lookup).
    assert max(expected) - min(expected) <= 1, expected


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("where", "indexes"),
    [
        (FeedFilter(source="small"), ["vendor_source_change_seq", "solution_source_change_seq"]),
        (FeedFilter(type="solution"), ["solution_change_seq"]),
        (
            FeedFilter(source="small", live_only=True, up_to=10**9),
            ["vendor_source_change_seq", "solution_source_change_seq"],
        ),
    ],
)
def test_a_filtered_page_is_an_index_range_scan(client, where, indexes):
    """EXPLAIN of a filtered page: each table read is a range scan on the index for its
    filter, from the cursor, never a scan of a whole table or a sort — however much of the
    catalog belongs to other sources."""
    need_postgres()
    push(client, "small", 5, 40)
    push(client, "big", 1000, 4000)
    with connection.cursor() as db:
        db.execute("ANALYZE vendors_vendor")
        db.execute("ANALYZE vendors_solution")
        params = {"cursor": 3, "n": 101, "source": where.source, "up_to": where.up_to}
        db.execute("EXPLAIN " + _pg_changes_sql(where), params)
        plan = "\n".join(row[0] for row in db.fetchall())
    for index in indexes:
        assert f"Index Scan using {index}" in plan, plan
    if where.type == "solution":
        assert "vendor_change_seq" not in plan, plan
    # The filtered reads; how the solutions' vendors are looked up (a hash of a small vendor
    # table, or by primary key) is the planner's choice by size.
    assert "Seq Scan on vendors_solution" not in plan, plan
    assert "Seq Scan on vendors_vendor v " not in plan, plan


# --- The snapshot


def test_the_snapshot_lists_every_live_record_once_and_where_to_follow_the_feed(client):
    push(client, "north", 3, 7)
    push(client, "north", 2, 5, mode="full", confirm_deletions=3)  # tombstones: not listed
    push(client, "south", 1, 1)
    records, feed_cursor = read_snapshot(client, limit=3)
    live = {("vendor", v.pk) for v in Vendor.objects.filter(is_deleted=False)} | {
        ("solution", s.pk) for s in Solution.objects.filter(is_deleted=False)
    }
    # north: v-2, s-5 and s-6 removed by the full sync; south: its two records.
    assert len(records) == len(live) == 2 + 5 + 2
    assert {(r["type"], r["id"]) for r in records} == live
    assert {r["op"] for r in records} == {"upsert"}
    assert all(r["data"]["is_deleted"] is False for r in records)
    # The position to follow: the feed has nothing after it yet.
    assert client.get(CHANGES, {"cursor": feed_cursor}).json()["changes"] == []
    assert feed_cursor == max(r["seq"] for r in read_feed(client)[0])


def test_the_snapshot_filters_by_source_and_type(client):
    push(client, "north", 2, 3)
    push(client, "south", 1, 2)
    records, _position = read_snapshot(client, source="south", type="solution", limit=1)
    assert [(r["source"], r["type"], r["external_id"]) for r in records] == [
        ("south", "solution", "s-0"),
        ("south", "solution", "s-1"),
    ]


def test_a_snapshot_read_while_records_change_plus_the_feed_is_the_catalog(client):
    """Records change between the snapshot's pages: what changed leaves the snapshot (it is
    numbered after feed_cursor) and comes with the feed. Replaying both gives the catalog."""
    push(client, "north", 4, 12)
    first = client.get(SNAPSHOT, {"limit": 5}).json()
    position = first["feed_cursor"]
    state = {(r["type"], r["id"]): r["data"] for r in first["records"]}
    # Meanwhile: one record already read changes, one not yet read is removed, one is new.
    read_solution = next(r for r in first["records"] if r["type"] == "solution")
    Solution.objects.filter(pk=read_solution["id"]).update(description="changed meanwhile")
    push(client, "north", 4, 13)  # s-12 is new
    push(client, "north", 0, 0, removed={"solutions": ["s-11"]})
    query = {"limit": 5, "cursor": first["next_cursor"], "feed_cursor": position}
    while True:
        body = client.get(SNAPSHOT, query).json()
        assert body["feed_cursor"] == position
        for record in body["records"]:
            key = (record["type"], record["id"])
            assert key not in state, "a record twice in one snapshot"
            assert record["seq"] <= position
            state[key] = record["data"]
        if not body["has_more"]:
            break
        query["cursor"] = body["next_cursor"]
    assert not any(d["external_id"] in ("s-11", "s-12") for d in state.values())
    changes, _cursor = read_feed(client, position)
    assert {c["external_id"] for c in changes} == {read_solution["external_id"], "s-11", "s-12"}
    for change in changes:
        key = (change["type"], change["id"])
        if change["op"] == "delete":
            state.pop(key, None)
        else:
            state[key] = change["data"]
    assert state == _live_catalog()


def _live_catalog() -> dict:
    return {
        **{
            ("vendor", v.pk): RECORD_SERIALIZERS["vendor"](v).data
            for v in Vendor.objects.filter(is_deleted=False)
        },
        **{
            ("solution", s.pk): RECORD_SERIALIZERS["solution"](s).data
            for s in Solution.objects.filter(is_deleted=False).select_related("vendor")
        },
    }


def test_a_later_page_needs_the_snapshots_position(client):
    response = client.get(SNAPSHOT, {"cursor": 5})
    assert response.status_code == 400
    assert "feed_cursor" in response.json()["errors"]


def test_it_answers_410_to_a_snapshot_position_ahead_of_the_catalog(client):
    push(client, "north", 1, 1)
    response = client.get(SNAPSHOT, {"cursor": 1, "feed_cursor": 10_000})
    assert response.status_code == 410
    body = response.json()
    assert "new snapshot" in body["message"]
    assert "feed_cursor" in body["errors"]


def test_an_empty_catalog_has_an_empty_snapshot_at_position_0(client):
    assert client.get(SNAPSHOT).json() == {
        "records": [],
        "next_cursor": 0,
        "has_more": False,
        "feed_cursor": 0,
    }


def test_a_snapshot_page_costs_the_same_number_of_queries_whatever_its_rows(client):
    push(client, "north", 10, 200)
    counts = set()
    for limit in (15, 150):  # vendors and solutions on each page
        with CaptureQueriesContext(connection) as queries:
            body = client.get(SNAPSHOT, {"limit": limit}).json()
        assert len(body["records"]) == limit
        counts.add(len(queries.captured_queries))
    assert len(counts) == 1, counts


def replay(state: dict, changes: list[dict]) -> None:
    """Apply feed changes to a client's copy of the catalog."""
    for change in changes:
        key = (change["type"], change["id"])
        if change["op"] == "delete":
            state.pop(key, None)
        else:
            state[key] = change["data"]


def keep_writing(worker: int, stop: threading.Event, errors: list) -> None:
    """Change, resurrect and remove seed solutions until told to stop, holding each transaction
    open a little while readers read."""
    rng = random.Random(worker)
    solutions = payload(1, 40)["solutions"]
    try:
        n = 0
        while not stop.is_set():
            n += 1
            item = {**solutions[rng.randrange(40)], "description": f"{worker}/{n}"}
            with transaction.atomic():
                catalog_sync(
                    source="seed", mode="upsert", vendors=[vendor_item(0)], solutions=[item]
                )
                time.sleep(rng.random() * 0.01)
            if n % 5 == 0:
                with transaction.atomic():
                    Solution.objects.filter(
                        external_id=f"s-{rng.randrange(40)}", is_deleted=False
                    ).update(is_deleted=True)
    except Exception as error:  # reported by the test thread
        errors.append(error)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_snapshot_and_the_feed_miss_nothing_while_concurrent_writers_commit():
    """Writers keep committing (and holding their transactions open) while a client reads a
    snapshot page by page and then the feed from its position: the client ends with exactly the
    catalog's live records."""
    need_postgres()
    reader = token_client(syncing_user())
    seed = payload(1, 30)["solutions"]
    catalog_sync(source="seed", mode="upsert", vendors=[vendor_item(0)], solutions=seed)
    stop, errors = threading.Event(), []
    threads = [threading.Thread(target=keep_writing, args=(w, stop, errors)) for w in range(3)]
    for t in threads:
        t.start()
    try:
        state: dict = {}
        body = reader.get(SNAPSHOT, {"limit": 3}).json()
        position = body["feed_cursor"]
        while True:
            replay(state, body["records"])
            if not body["has_more"]:
                break
            time.sleep(0.005)
            query = {"limit": 3, "cursor": body["next_cursor"], "feed_cursor": position}
            body = reader.get(SNAPSHOT, query).json()
        cursor = position
        for _round in range(5):
            changes, cursor = read_feed(reader, cursor, limit=4)
            replay(state, changes)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors, errors
    replay(state, read_feed(reader, cursor)[0])
    assert len(state) > 10
    assert state == _live_catalog()
    connection.close()
