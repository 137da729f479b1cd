"""The change feed: GET /api/v1/catalog/changes/, and the change sequence every write path
bumps (sync, admin, the workflow) — and never a no-op."""

from __future__ import annotations

import json
import random
import threading
import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from decisions import services as workflow
from decisions.models import ProposalStatus
from tests.factories import SolutionFactory, UserFactory, VendorFactory, make_proposal
from tests.services import need_postgres
from tests.vendors.sync_helpers import payload, solution_item, syncing_user, token_client
from vendors.models import Solution, Vendor
from vendors.selectors import _pg_changes_sql, catalog_changes, catalog_changes_page
from vendors.sync.apis import RECORD_SERIALIZERS, change_json
from vendors.sync.push import catalog_sync

SYNC = reverse("api:catalog-sync")
CHANGES = reverse("api:catalog-changes")


@pytest.fixture
def client(db):
    return token_client(syncing_user())


def read_all(client, cursor=0, limit=100):
    """Page through the feed from `cursor`: (changes, last cursor)."""
    changes = []
    while True:
        page = client.get(CHANGES, {"cursor": cursor, "limit": limit})
        assert page.status_code == 200, page.content
        body = page.json()
        changes += body["changes"]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return changes, cursor


def test_it_lists_every_change_in_sequence_order_across_pages(client):
    client.post(SYNC, payload(vendors=3, solutions=7), format="json")
    changes, cursor = read_all(client, limit=4)
    assert len(changes) == 10
    seqs = [c["seq"] for c in changes]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 10
    assert cursor == seqs[-1]
    # Vendors are written before the solutions that refer to them.
    assert [c["type"] for c in changes] == ["vendor"] * 3 + ["solution"] * 7
    first = changes[3]
    assert first["op"] == "upsert"
    assert first["source"] == "acme-feed"
    assert first["external_id"] == "s-0"
    assert first["data"]["vendor_external_id"] == "v-0"
    assert first["data"]["list_price"] == "12.50"
    # Nothing new after the end.
    page = client.get(CHANGES, {"cursor": cursor}).json()
    assert page == {"changes": [], "next_cursor": cursor, "has_more": False}


def test_it_reports_a_tombstone_as_a_delete(client):
    client.post(SYNC, payload(vendors=1, solutions=2), format="json")
    _changes, cursor = read_all(client)
    body = payload(vendors=1, solutions=1, mode="full", confirm_deletions=1)
    client.post(SYNC, body, format="json")
    changes, _cursor = read_all(client, cursor)
    assert [(c["op"], c["type"], c["external_id"]) for c in changes] == [
        ("delete", "solution", "s-1")
    ]
    assert changes[0]["data"]["is_deleted"] is True


def test_it_shows_a_record_changed_twice_once_at_its_latest_change(client):
    client.post(SYNC, payload(vendors=1, solutions=1), format="json")
    _changes, cursor = read_all(client)
    for price in ("1.00", "2.00"):
        body = payload(vendors=1, solutions=1)
        body["solutions"][0]["list_price"] = price
        client.post(SYNC, body, format="json")
    changes, _ = read_all(client, cursor)
    assert len(changes) == 1
    assert changes[0]["data"]["list_price"] == "2.00"


def test_it_answers_410_to_a_cursor_ahead_of_the_catalog(client):
    client.post(SYNC, payload(vendors=1, solutions=1), format="json")
    _changes, cursor = read_all(client)
    # At the head: an empty page, not a reset.
    assert client.get(CHANGES, {"cursor": cursor}).status_code == 200
    response = client.get(CHANGES, {"cursor": cursor + 1000})
    assert response.status_code == 410
    assert "Start again from cursor 0" in response.json()["message"]
    assert "cursor" in response.json()["errors"]


@pytest.mark.parametrize(
    "query", [{"cursor": "abc"}, {"cursor": -1}, {"limit": 0}, {"limit": 1001}]
)
def test_it_answers_400_to_a_bad_cursor_or_limit(client, query):
    response = client.get(CHANGES, query)
    assert response.status_code == 400
    assert set(response.json()["errors"]) <= {"cursor", "limit"}


def test_it_lets_any_signed_in_user_or_catalog_token_read_the_feed(org):
    assert token_client(org.outsider).get(CHANGES).status_code == 200
    browser = APIClient()
    browser.force_login(org.requester)
    assert browser.get(CHANGES).status_code == 200
    assert APIClient().get(CHANGES).status_code == 401


def _catalog_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "vendors_" in q["sql"]]


def test_it_reads_a_page_in_a_number_of_queries_that_does_not_grow_with_its_rows(client):
    """One query for the whole page on PostgreSQL (the union that builds the JSON); three
    elsewhere (the union, then the vendors and the solutions by id). Whatever the page size."""
    body = payload(vendors=40, solutions=1100)
    for start in range(0, 1100, 500):
        part = {**body, "solutions": body["solutions"][start : start + 500]}
        assert client.post(SYNC, part, format="json").status_code == 200
    expected = 1 if connection.vendor == "postgresql" else 3
    counts = set()
    for limit in (41, 300, 1000):  # each page holds vendors and solutions
        with CaptureQueriesContext(connection) as queries:
            page = client.get(CHANGES, {"limit": limit})
        assert len(page.json()["changes"]) == limit
        assert len(_catalog_queries(queries.captured_queries)) == expected
        counts.add(len(queries.captured_queries))
    assert len(counts) == 1, counts


@pytest.mark.postgres
def test_the_json_postgresql_builds_is_what_the_record_serializers_say(client):
    """The feed's JSON comes from PostgreSQL (json_build_object); the serializers describe it
    in the schema and encode it off PostgreSQL: both must say the same, to the character."""
    need_postgres()
    body = payload(vendors=2, solutions=3)
    body["vendors"][0]["name"] = 'Zoë "Quoted" Ünïcode ✓'
    body["solutions"][0]["list_price"] = None
    body["solutions"][1]["list_price"] = "0.05"
    body["solutions"][2]["description"] = "Line one\nline two\ttab \\ backslash"
    client.post(SYNC, body, format="json")
    tombstone = payload(vendors=2, solutions=2, mode="full", confirm_deletions=1)
    client.post(SYNC, tombstone, format="json")
    page = catalog_changes_page(cursor=0, limit=1000)
    reference, _more = catalog_changes(cursor=0, limit=1000)
    assert [json.loads(doc) for doc in page.changes] == [
        json.loads(change_json(c)) for c in reference
    ]
    assert len(page.changes) == 5
    assert {json.loads(doc)["op"] for doc in page.changes} == {"upsert", "delete"}
    first = json.loads(page.changes[0])["data"]
    assert first["created_at"].endswith("Z")
    assert len(first["created_at"]) == len("2026-12-04T13:50:00.123456Z")


@pytest.mark.postgres
def test_each_page_is_one_index_range_scan_per_table_merged_in_order(client):
    """EXPLAIN of the page query: both tables read through their change_seq index from the
    cursor (a range scan), merged in order, with no sort and no scan of a whole table."""
    need_postgres()
    body = payload(vendors=50, solutions=2000)
    for start in range(0, 2000, 1000):
        client.post(SYNC, {**body, "solutions": body["solutions"][start : start + 1000]},
                    format="json")  # fmt: skip
    with connection.cursor() as db:
        db.execute("ANALYZE vendors_vendor")
        db.execute("ANALYZE vendors_solution")
        db.execute("EXPLAIN " + _pg_changes_sql(), {"cursor": 500, "n": 1001})
        plan = "\n".join(row[0] for row in db.fetchall())
    assert "Merge Append" in plan, plan
    assert "Index Scan using vendor_change_seq" in plan, plan
    assert "Index Scan using solution_change_seq" in plan, plan
    assert "Index Cond: (change_seq > " in plan, plan
    assert "Seq Scan" not in plan, plan
    assert "Sort" not in plan.replace("Sort Key", ""), plan


# --- Every write path bumps the sequence, and only real changes do


def test_it_bumps_the_sequence_when_the_workflow_adopts_a_tool(org):
    solution = SolutionFactory()
    before = Solution.objects.get(pk=solution.pk).change_seq
    proposal = make_proposal(requester=org.requester, solution=solution)
    proposal.status = ProposalStatus.APPROVED
    proposal.save()
    # A pilot joins the landscape: the solution is in use from then on.
    workflow.proposal_advance(proposal=proposal, actor=org.requester, action="start_pilot")
    piloted = Solution.objects.get(pk=solution.pk)
    assert piloted.in_use
    assert piloted.change_seq > before
    workflow.proposal_advance(proposal=proposal, actor=org.requester, action="adopt")
    assert Solution.objects.get(pk=solution.pk).change_seq == piloted.change_seq  # no change

    other = SolutionFactory()
    stopped = make_proposal(requester=org.requester, solution=other)
    stopped.status = ProposalStatus.APPROVED
    stopped.save()
    workflow.proposal_advance(proposal=stopped, actor=org.requester, action="start_pilot")
    in_pilot = Solution.objects.get(pk=other.pk).change_seq
    workflow.proposal_advance(proposal=stopped, actor=org.requester, action="retire")
    retired = Solution.objects.get(pk=other.pk)
    assert not retired.in_use
    assert retired.change_seq > in_pilot


@pytest.fixture
def admin_client(client, db):
    admin = UserFactory(username="ada.admin", is_staff=True, is_superuser=True)
    browser = client.__class__()
    browser.force_login(admin)
    return browser


def _admin_form(solution):
    return {
        "vendor": solution.vendor_id,
        "name": solution.name,
        "description": solution.description,
        "category": solution.category,
        "pricing_model": solution.pricing_model,
        "list_price": str(solution.list_price),
        "price_currency": solution.price_currency,
        "price_unit": solution.price_unit,
        "deployment": solution.deployment,
        "data_location": solution.data_location,
        "lifecycle": solution.lifecycle,
        "tags": json.dumps(solution.tags),
        "custom": json.dumps(solution.custom),
        # What the page sends along for a field with a callable default (show_hidden_initial).
        "initial-tags": json.dumps(solution.tags),
        "initial-custom": json.dumps(solution.custom),
        "source": solution.source,
        "external_id": solution.external_id,
    }


def test_it_bumps_the_sequence_on_an_admin_edit_but_not_on_a_save_without_change(admin_client):
    solution = SolutionFactory()
    solution.refresh_from_db()
    url = reverse("admin:vendors_solution_change", args=[solution.pk])
    response = admin_client.post(url, _admin_form(solution))
    assert response.status_code == 302
    unchanged = Solution.objects.get(pk=solution.pk)
    assert (unchanged.change_seq, unchanged.updated_at) == (
        solution.change_seq,
        solution.updated_at,
    )
    response = admin_client.post(url, {**_admin_form(solution), "name": "Renamed"})
    assert response.status_code == 302
    assert Solution.objects.get(pk=solution.pk).change_seq > solution.change_seq


def test_it_offers_tombstones_instead_of_deletion_in_the_admin(admin_client):
    solution = SolutionFactory()
    url = reverse("admin:vendors_solution_delete", args=[solution.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    before = Solution.objects.get(pk=solution.pk).change_seq
    changelist = reverse("admin:vendors_solution_changelist")
    admin_client.post(changelist, {"action": "mark_removed", "_selected_action": [solution.pk]})
    removed = Solution.objects.get(pk=solution.pk)
    assert removed.is_deleted
    assert removed.change_seq > before


def test_it_numbers_rows_written_by_a_bulk_update_path_distinctly(db):
    vendors = [VendorFactory() for _ in range(3)]
    with transaction.atomic():
        Vendor.objects.filter(pk__in=[v.pk for v in vendors]).update(country="NL")
    seqs = list(Vendor.objects.values_list("change_seq", flat=True))
    assert len(set(seqs)) == 3
    assert min(seqs) > max(v.change_seq for v in vendors)


# --- Concurrency: a reader paging while writers commit misses nothing


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_misses_nothing_while_concurrent_writers_commit():
    need_postgres()
    user = syncing_user()
    reader = token_client(user)
    writers, batches, errors = 4, 12, []

    def write(worker: int) -> None:
        rng = random.Random(worker)
        try:
            for batch in range(batches):
                vendor = {"external_id": f"w{worker}", "name": f"Writer {worker}"}
                items = [
                    {
                        **solution_item(1000 * worker + rng.randrange(batch * 5 + 5), 0),
                        "vendor": f"w{worker}",
                        "list_price": f"{batch}.00",
                    }
                    for _ in range(5)
                ]
                items = list({i["external_id"]: i for i in items}.values())
                with transaction.atomic():
                    catalog_sync(
                        source=f"src-{worker % 2}",
                        mode="upsert",
                        vendors=[vendor],
                        solutions=items,
                    )
                    # Hold the transaction open a while: readers run meanwhile.
                    time.sleep(rng.random() * 0.02)
                if batch % 4 == 3:  # an admin-like single save, and a tombstone
                    with transaction.atomic():
                        solution = Solution.objects.filter(source=f"src-{worker % 2}").first()
                        solution.description = f"edited by {worker} in {batch}"
                        solution.save()
                    with transaction.atomic():
                        Solution.objects.filter(pk=solution.pk).update(is_deleted=True)
        except Exception as error:  # reported by the test thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    seen: dict[tuple[str, int], dict] = {}
    cursor, reads, last_seq = 0, 0, 0
    while any(t.is_alive() for t in threads) or reads == 0:
        page = reader.get(CHANGES, {"cursor": cursor, "limit": 7}).json()
        for change in page["changes"]:
            assert change["seq"] > last_seq  # strictly increasing, never behind the cursor
            last_seq = change["seq"]
            seen[change["type"], change["id"]] = change["data"]
        cursor, reads = page["next_cursor"], reads + 1
    for t in threads:
        t.join()
    assert not errors, errors
    changes, _cursor = read_all(reader, cursor, limit=7)
    for change in changes:
        seen[change["type"], change["id"]] = change["data"]
    final = {
        **{("vendor", v.pk): RECORD_SERIALIZERS["vendor"](v).data for v in Vendor.objects.all()},
        **{
            ("solution", s.pk): RECORD_SERIALIZERS["solution"](s).data
            for s in Solution.objects.select_related("vendor")
        },
    }
    assert reads > 5
    assert len(final) > 4 * 10
    assert seen == final
    connection.close()


def test_it_refuses_an_update_whose_row_changed_since_it_was_read(db):
    from vendors.writer import CatalogConflict, catalog_update

    vendor = VendorFactory()
    read = Vendor.objects.get(pk=vendor.pk).change_seq
    vendor.name = "Changed by someone else"
    vendor.save()
    with pytest.raises(CatalogConflict), transaction.atomic():
        catalog_update(Vendor, [{"id": vendor.pk, "name": "Mine"}], expected_seqs=[read])
    assert Vendor.objects.get(pk=vendor.pk).name == "Changed by someone else"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("meanwhile", ["update", "insert"])
def test_it_redoes_a_batch_under_the_lock_when_a_record_changed_after_it_was_read(meanwhile):
    """The sync reads and compares without the catalog lock; a record written in between (by
    the admin here) must not be lost, overwritten blindly or inserted twice."""
    need_postgres()
    catalog_sync(source="acme", mode="upsert", vendors=[{"external_id": "v", "name": "V"}],
                 solutions=[])  # fmt: skip
    vendor = Vendor.objects.get(external_id="v")
    body = {"external_id": "v", "name": "V from the feed"}
    if meanwhile == "insert":
        body = {"external_id": "new", "name": "New from the feed"}
    locked, done, results, errors = threading.Event(), threading.Event(), [], []

    def admin() -> None:
        try:
            with transaction.atomic():
                from vendors.models import reserve_change_seqs

                reserve_change_seqs(0)  # hold the catalog lock while the sync reads
                locked.set()
                time.sleep(0.5)
                if meanwhile == "update":
                    vendor.name = "V edited in the admin"
                    vendor.save()
                else:
                    Vendor.objects.create(source="acme", external_id="new", name="Admin's")
        except Exception as error:
            errors.append(error)
        finally:
            done.set()
            connection.close()

    thread = threading.Thread(target=admin)
    thread.start()
    locked.wait(5)
    try:
        with transaction.atomic():
            results.append(catalog_sync(source="acme", mode="upsert", vendors=[body], solutions=[]))
    finally:
        thread.join()
        connection.close()
    assert not errors, errors
    item = results[0]["items"][0]
    assert item["status"] == "updated"
    stored = Vendor.objects.get(source="acme", external_id=body["external_id"])
    assert stored.name == body["name"]
    assert Vendor.objects.filter(source="acme").count() == (1 if meanwhile == "update" else 2)
    connection.close()
