"""Lenient where harmless, strict where it matters: surrounding whitespace in ids, names and
the source, and the case of a country code, are normalised — never a different record; ids
that differ in case or inner whitespace stay different records."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.vendors.sync_helpers import (
    SOURCE,
    solution_item,
    syncing_user,
    token_client,
    vendor_item,
)
from vendors.models import Solution, Vendor
from vendors.sync.spec import SOLUTION, VENDOR, item_json_schemas
from vendors.sync.validate import validate_item, validate_slow

SYNC = reverse("api:catalog-sync")


@pytest.fixture
def client(db):
    return token_client(syncing_user())


def post(client, **body):
    response = client.post(SYNC, {"source": SOURCE, **body}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def statuses(report):
    return [(i["external_id"], i["status"]) for i in report["items"]]


def test_surrounding_whitespace_in_ids_and_names_is_removed(client):
    report = post(
        client,
        source=f"  {SOURCE}\t",
        vendors=[vendor_item(1, external_id="  v-1 ", name="\tHirely  ")],
        solutions=[
            {**solution_item(1, 1, external_id=" s-1", name=" Hirely ATS "), "vendor": "v-1  "}
        ],
    )
    assert report["source"] == SOURCE
    assert statuses(report) == [("v-1", "created"), ("s-1", "created")]
    vendor = Vendor.objects.get()
    assert (vendor.source, vendor.external_id, vendor.name) == (SOURCE, "v-1", "Hirely")
    solution = Solution.objects.get()
    assert (solution.external_id, solution.name, solution.vendor) == ("s-1", "Hirely ATS", vendor)
    # The same records sent without the spaces: unchanged, not new ones.
    again = post(
        client,
        vendors=[vendor_item(1, name="Hirely")],
        solutions=[solution_item(1, 1, name="Hirely ATS")],
    )
    assert statuses(again) == [("v-1", "unchanged"), ("s-1", "unchanged")]


@pytest.mark.parametrize("country", ["nl", " Nl", "NL ", "nL"])
def test_a_country_code_in_any_case_is_stored_upper_case(client, country):
    report = post(client, vendors=[vendor_item(1, country=country)])
    assert statuses(report) == [("v-1", "created")]
    assert Vendor.objects.get().country == "NL"


@pytest.mark.parametrize("country", ["nld", "n1", "N", "ñl", "n l"])
def test_a_country_that_is_not_a_code_is_still_refused(client, country):
    report = post(client, vendors=[vendor_item(1, country=country), vendor_item(2)])
    assert statuses(report) == [("v-1", "invalid"), ("v-2", "created")]
    assert "country" in report["items"][0]["errors"]


def test_ids_differing_in_case_or_inner_whitespace_are_different_records(client):
    report = post(
        client,
        vendors=[
            vendor_item(1, external_id="ab-1"),
            vendor_item(2, external_id="AB-1"),
            vendor_item(3, external_id="ab 1"),
            vendor_item(4, external_id="ab  1"),
        ],
    )
    assert [s for _id, s in statuses(report)] == ["created"] * 4
    assert Vendor.objects.count() == 4


def test_two_items_that_are_one_record_once_stripped_are_both_refused(client):
    report = post(
        client, vendors=[vendor_item(1), vendor_item(1, external_id=" v-1 "), vendor_item(2)]
    )
    assert statuses(report) == [("v-1", "invalid"), ("v-1", "invalid"), ("v-2", "created")]
    assert "listed 2 times" in report["items"][0]["errors"]["external_id"][0]


def test_a_removal_by_a_padded_id_removes_the_record(client):
    post(client, vendors=[vendor_item(1)], solutions=[solution_item(1, 1)])
    report = post(client, removed={"solutions": [" s-1\t"]})
    assert statuses(report) == [("s-1", "deleted")]
    assert Solution.objects.get().is_deleted


def test_a_whitespace_only_id_or_name_is_still_blank(client):
    report = post(client, vendors=[vendor_item(1, name="   "), vendor_item(2, external_id=" ")])
    assert [i["status"] for i in report["items"]] == ["invalid", "invalid"]
    assert "name" in report["items"][0]["errors"]
    assert "external_id" in report["items"][1]["errors"]


@pytest.mark.parametrize(
    ("type_", "raw"),
    [
        (VENDOR, vendor_item(1, external_id=" v-1 ", name=" V ", country=" nl ")),
        (VENDOR, vendor_item(1, country="se")),
        (SOLUTION, {**solution_item(1, 1, external_id="\ts-1", name="S "), "vendor": " v-1"}),
    ],
)
def test_the_fast_path_normalises_as_the_slow_path_does(type_, raw):
    fast, slow = validate_item(raw, type_=type_), validate_slow(raw, type_=type_)
    assert (fast.external_id, fast.vendor_ref, fast.values) == (
        slow.external_id,
        slow.vendor_ref,
        slow.values,
    )
    assert fast.external_id == fast.external_id.strip()


def test_the_schema_says_what_is_normalised():
    schemas = item_json_schemas()
    vendor = schemas["VendorItem"]["properties"]
    assert "upper case" in vendor["country"]["description"]
    assert vendor["country"]["pattern"] == r"^\s*([A-Za-z]{2})?\s*$"
    assert "Surrounding whitespace is removed" in vendor["external_id"]["description"]
    assert "case and inner whitespace are kept" in vendor["external_id"]["description"]
    assert "Surrounding whitespace is removed" in vendor["name"]["description"]
    assert (
        "Surrounding whitespace" in schemas["SolutionItem"]["properties"]["vendor"]["description"]
    )
