"""Who may write to which catalog source: the owner, the accounts it was granted to, and no
one else (issue 16); the admin's list of sources."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.vendors.sync_helpers import SOURCE, payload, syncing_user, token_client, vendor_item
from vendors.models import CatalogChangeCounter, CatalogSource, Solution, Vendor
from vendors.sync.feeds import catalog_feed_pull, location_for

URL = reverse("api:catalog-sync")


def post(client, body):
    return client.post(URL, body, format="json")


@pytest.fixture
def sam(db):
    """The integration that owns the source: its first write registered it."""
    user = syncing_user("sam.sync")
    assert post(token_client(user), payload(vendors=2, solutions=4)).status_code == 200
    return user


def test_the_first_write_registers_the_source_to_its_account(sam):
    source = CatalogSource.objects.get(name=SOURCE)
    assert source.owner == sam
    assert source.last_synced_at is not None


@pytest.mark.parametrize("mode", ["upsert", "full"])
def test_another_account_may_not_write_to_the_source(sam, mode):
    mallory = token_client(syncing_user("mallory.sync"))
    before = CatalogChangeCounter.objects.get().last_seq
    body = payload(vendors=1, solutions=0, mode=mode, confirm_empty=mode == "full")
    body["vendors"][0]["name"] = "Taken over"
    response = post(mallory, body)
    assert response.status_code == 403
    assert "belongs to another integration" in response.json()["message"]
    assert CatalogChangeCounter.objects.get().last_seq == before
    assert Vendor.objects.get(external_id="v-0").name == "Vendor 0"
    assert Solution.objects.filter(is_deleted=False).count() == 4


def test_an_account_granted_the_source_may_write_to_it(sam):
    sue = syncing_user("sue.sync")
    CatalogSource.objects.get(name=SOURCE).writers.add(sue)
    body = payload(vendors=1, solutions=0)
    body["vendors"][0]["name"] = "Renamed by Sue"
    assert post(token_client(sue), body).json()["counts"]["updated"] == 1


def test_a_grant_is_per_source(sam):
    sue = syncing_user("sue.sync")
    CatalogSource.objects.get(name=SOURCE).writers.add(sue)
    assert post(token_client(sue), {**payload(), "source": "sues-own"}).status_code == 200
    assert CatalogSource.objects.get(name="sues-own").owner == sue
    assert post(token_client(sam), {**payload(), "source": "sues-own"}).status_code == 403


def test_a_superuser_may_write_to_any_source_without_claiming_it(sam):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert post(token_client(root), payload(vendors=1, solutions=0)).status_code == 200
    assert post(token_client(root), {**payload(), "source": "new-one"}).status_code == 200
    assert not CatalogSource.objects.filter(name="new-one").exists()


def test_a_pull_notes_its_last_sync(sam, tmp_path):
    CatalogSource.objects.filter(name=SOURCE).update(last_synced_at=None)
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps({"vendors": [vendor_item(0)], "next": None}))
    catalog_feed_pull(source=SOURCE, url=location_for(path=str(feed)))
    assert CatalogSource.objects.get(name=SOURCE).last_synced_at is not None


def test_the_admin_lists_each_sources_owner_last_sync_and_counts(
    sam, admin_client, django_assert_max_num_queries
):
    sue = syncing_user("sue.sync")
    CatalogSource.objects.get(name=SOURCE).writers.add(sue)
    full = payload(vendors=2, solutions=3, mode="full", confirm_deletions=1)
    post(token_client(sam), full)  # s-3 removed
    for n in range(3):
        post(token_client(sue), {**payload(vendors=1, solutions=1), "source": f"other-{n}"})
    url = reverse("admin:vendors_catalogsource_changelist")
    with django_assert_max_num_queries(12):
        page = admin_client.get(url).content.decode()
    assert "sam.sync" in page
    assert "sue.sync" in page
    row = page[page.index(f">{SOURCE}<") :]
    row = row[: row.index("</tr>")]
    cells = [c.split(">")[-1] for c in row.split("</td>")[:-1]]
    assert cells[-3:] == ["2", "3", "1"]  # live vendors, live solutions, tombstones
