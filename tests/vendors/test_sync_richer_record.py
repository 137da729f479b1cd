"""The richer catalog record: tags, lifecycle, owner contact and admin-defined custom fields,
through the sync (fast and slow validation, the staged merge on PostgreSQL), the feed, the
snapshot, the catalog API and the schema."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from tests.services import need_postgres
from tests.vendors.sync_helpers import (
    SOURCE,
    solution_item,
    syncing_user,
    token_client,
    vendor_item,
)
from vendors.models import CatalogCustomField, Solution, Vendor
from vendors.selectors import catalog_changes, catalog_changes_page
from vendors.sync.apis import change_json
from vendors.sync.spec import SOLUTION, VENDOR, item_json_schemas, load_custom_definitions
from vendors.sync.validate import validate_item, validate_slow

SYNC = reverse("api:catalog-sync")
CHANGES = reverse("api:catalog-changes")
SNAPSHOT = reverse("api:catalog-snapshot")


@pytest.fixture
def client(db):
    return token_client(syncing_user())


@pytest.fixture
def custom_fields(db):
    """One definition of each type for solutions, one required text for vendors, and an
    inactive one."""
    for key, type_, extra in (
        ("cost_centre", "text", {"max_length": 5}),
        ("seats", "number", {}),
        ("renewal", "date", {}),
        ("audited", "boolean", {}),
        ("tier", "choice", {"choices": "gold\nsilver"}),
    ):
        CatalogCustomField.objects.create(
            key=key, label=key, applies_to="solution", type=type_, **extra
        )
    CatalogCustomField.objects.create(
        key="buyer", label="Buyer", applies_to="vendor", type="text", required=True
    )
    CatalogCustomField.objects.create(
        key="retired_key", label="Old", applies_to="solution", type="text", active=False
    )


def rich_vendor(n: int = 1, **overrides) -> dict:
    fields = {
        "tags": [" HR ", "ats", "hr"],
        "owner_name": " Ann Owner ",
        "owner_email": " ann@vendor.example ",
    }
    return vendor_item(n, **{**fields, **overrides})


def rich_solution(n: int = 1, vendor: int = 1, **overrides) -> dict:
    fields = {
        "tags": ["Recruiting", "eu-hosted"],
        "lifecycle": "end_of_life",
        "end_of_life_on": "2027-03-31",
        "owner_name": "Bo",
        "owner_email": "bo@vendor.example",
    }
    return solution_item(n, vendor, **{**fields, **overrides})


def push(client, vendors=(), solutions=(), **extra):
    body = {"source": SOURCE, "vendors": list(vendors), "solutions": list(solutions), **extra}
    answer = client.post(SYNC, body, format="json")
    assert answer.status_code == 200, answer.content
    return answer.json()


def push_raw(client, text: str):
    return client.generic("POST", SYNC, text.encode(), content_type="application/json")


def test_each_field_is_accepted_and_stored_normalised(client, custom_fields):
    report = push(
        client,
        [rich_vendor(custom={"buyer": "Procurement"})],
        [
            rich_solution(
                custom={
                    "cost_centre": "CC-1",
                    "seats": 40,
                    "renewal": "2027-01-01",
                    "audited": True,
                    "tier": "gold",
                }
            )
        ],
    )
    assert report["counts"]["created"] == 2, report
    vendor = Vendor.objects.get(external_id="v-1")
    assert vendor.tags == ["ats", "hr"]  # stripped, lower case, each once, sorted
    assert (vendor.owner_name, vendor.owner_email) == ("Ann Owner", "ann@vendor.example")
    assert vendor.custom == {"buyer": "Procurement"}
    solution = Solution.objects.get(external_id="s-1")
    assert solution.tags == ["eu-hosted", "recruiting"]
    assert (solution.lifecycle, solution.end_of_life_on) == ("end_of_life", dt.date(2027, 3, 31))
    assert solution.custom == {
        "cost_centre": "CC-1", "seats": 40, "renewal": "2027-01-01", "audited": True,
        "tier": "gold",
    }  # fmt: skip


def test_left_out_the_fields_take_their_defaults(client):
    push(client, [vendor_item(1)], [solution_item(1, 1)])
    solution = Solution.objects.get(external_id="s-1")
    assert (solution.tags, solution.lifecycle, solution.end_of_life_on) == ([], "active", None)
    assert (solution.owner_name, solution.owner_email, solution.custom) == ("", "", {})


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tags": "hr"}, "tags"),
        ({"tags": [1]}, "tags"),
        ({"tags": ["has space"]}, "tags"),
        ({"tags": ["x" * 41]}, "tags"),
        ({"tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"tags": ["-lead"]}, "tags"),
        ({"tags": ["ü"]}, "tags"),
        ({"tags": ["a\x00"]}, "tags"),
        ({"owner_email": "not-an-email"}, "owner_email"),
        ({"owner_email": 7}, "owner_email"),
        ({"owner_name": "Ann\nOwner"}, "owner_name"),
        ({"lifecycle": "retired"}, "lifecycle"),
        ({"lifecycle": "end_of_life", "end_of_life_on": None}, "end_of_life_on"),
        ({"end_of_life_on": "31/03/2027"}, "end_of_life_on"),
        ({"end_of_life_on": "2027-02-30"}, "end_of_life_on"),
        ({"end_of_life_on": "2027-03-31T00:00:00"}, "end_of_life_on"),
        ({"custom": []}, "custom"),
        ({"custom": {"nope": 1}}, "custom.nope"),
    ],
)
def test_a_bad_value_makes_only_its_item_invalid_naming_the_field(client, change, field):
    report = push(
        client,
        [vendor_item(1)],
        [rich_solution(1, 1, **change), rich_solution(2, 1)],
    )
    bad, good = report["items"][1], report["items"][2]
    assert bad["status"] == "invalid"
    assert field in bad["errors"], bad
    assert good["status"] == "created"
    assert not Solution.objects.filter(external_id="s-1").exists()


def test_an_active_solution_may_carry_an_announced_end_of_life(client):
    push(client, [vendor_item(1)], [rich_solution(lifecycle="active")])
    solution = Solution.objects.get()
    assert (solution.lifecycle, solution.end_of_life_on) == ("active", dt.date(2027, 3, 31))


@pytest.mark.parametrize(
    ("custom", "errors"),
    [
        ({"cost_centre": "TOOLONG"}, {"custom.cost_centre"}),
        ({"cost_centre": 5}, {"custom.cost_centre"}),
        ({"seats": "40"}, {"custom.seats"}),
        ({"seats": True}, {"custom.seats"}),
        ({"renewal": "2027-13-01"}, {"custom.renewal"}),
        ({"renewal": 20270101}, {"custom.renewal"}),
        ({"audited": "yes"}, {"custom.audited"}),
        ({"tier": "bronze"}, {"custom.tier"}),
        ({"tier": "Gold"}, {"custom.tier"}),
        ({"retired_key": "x"}, {"custom.retired_key"}),  # inactive: unknown
        ({"unknown": 1, "seats": "x"}, {"custom.unknown", "custom.seats"}),
        ({"seats": {"a": {"b": 1}}}, {"custom.seats"}),
    ],
)
def test_custom_values_are_checked_against_the_active_definitions(
    client, custom_fields, custom, errors
):
    report = push(client, [vendor_item(1, custom={"buyer": "B"})], [rich_solution(custom=custom)])
    item = report["items"][1]
    assert item["status"] == "invalid"
    assert set(item["errors"]) == errors, item["errors"]
    assert report["items"][0]["status"] == "created"


def test_a_required_custom_field_must_be_sent(client, custom_fields):
    report = push(client, [vendor_item(1), vendor_item(2, custom={"buyer": None})])
    for item in report["items"]:
        assert item["errors"] == {"custom.buyer": ["This custom field is required."]}
    report = push(client, [vendor_item(1, custom={"buyer": "Procurement"})])
    assert report["items"][0]["status"] == "created"


def test_a_null_custom_value_is_no_value(client, custom_fields):
    push(client, [vendor_item(1, custom={"buyer": "B"})], [rich_solution(custom={"seats": None})])
    assert Solution.objects.get().custom == {}


FAST_SLOW_VARIANTS = [
    {},
    {"tags": [" HR ", "hr", "Ats"]},
    {"tags": ["a b"]},
    {"tags": [None]},
    {"tags": [f"t{i}" for i in range(30)]},
    {"tags": None},
    {"owner_email": " a@b.example "},
    {"owner_email": "a@"},
    {"owner_name": " x "},
    {"owner_name": "x" * 151},
    {"lifecycle": "end_of_life", "end_of_life_on": None},
    {"lifecycle": "end_of_life", "end_of_life_on": "2027-01-01"},
    {"end_of_life_on": "2027-1-1"},
    {"end_of_life_on": "20270101"},
    {"end_of_life_on": 5},
    {"custom": {"seats": 3, "tier": "gold", "renewal": "2027-01-01"}},
    {"custom": {"seats": 3.5, "audited": False, "cost_centre": "ab"}},
    {"custom": {"tier": "bronze"}},
    {"custom": {"nope": 1}},
    {"custom": "x"},
    {"custom": None},
]


@pytest.mark.parametrize("change", FAST_SLOW_VARIANTS)
def test_the_fast_path_agrees_with_the_field_by_field_validation(custom_fields, change):
    definitions = load_custom_definitions()
    for type_, base in ((SOLUTION, rich_solution()), (VENDOR, rich_vendor(custom={"buyer": "B"}))):
        raw = {**base, **change}
        if type_ == VENDOR:
            raw.pop("lifecycle", None), raw.pop("end_of_life_on", None)
            if "custom" in change:
                raw["custom"] = {"buyer": "B"} if change["custom"] == {} else change["custom"]
        fast = validate_item(raw, type_=type_, custom=definitions[type_])
        slow = validate_slow(raw, type_=type_, custom=definitions[type_])
        assert (fast.values, fast.errors, fast.external_id) == (
            slow.values,
            slow.errors,
            slow.external_id,
        ), (type_, change)


def test_a_replay_is_unchanged_and_a_real_change_is_an_update(client, custom_fields):
    vendors = [rich_vendor(custom={"buyer": "B"})]
    solutions = [rich_solution(custom={"seats": 3, "tier": "gold"})]
    push(client, vendors, solutions)
    seqs = sorted(Solution.objects.values_list("change_seq", flat=True))
    report = push(client, vendors, solutions)
    assert report["counts"]["unchanged"] == 2, report
    # The same tags in another order and case, the custom keys in another order: the same.
    reordered = rich_solution(
        tags=["EU-HOSTED", " recruiting"], custom={"tier": "gold", "seats": 3}
    )
    report = push(client, vendors, [reordered])
    assert report["counts"]["unchanged"] == 2, report
    assert sorted(Solution.objects.values_list("change_seq", flat=True)) == seqs
    for change in (
        {"tags": ["recruiting"]},
        {"custom": {"seats": 4, "tier": "gold"}},
        {"lifecycle": "active", "end_of_life_on": None},
        {"owner_email": "new@vendor.example"},
    ):
        report = push(client, vendors, [rich_solution(**{"custom": {"seats": 3}, **change})])
        assert report["items"][1]["status"] == "updated", (change, report)


def read_feed(client, url=CHANGES, key="changes") -> list[dict]:
    answer = client.get(url, {"limit": 1000})
    assert answer.status_code == 200, answer.content
    return answer.json()[key]


def test_the_feed_and_the_snapshot_show_the_new_fields(client, custom_fields):
    push(
        client,
        [rich_vendor(custom={"buyer": "B"})],
        [rich_solution(custom={"seats": 3, "renewal": "2027-01-01", "audited": False})],
    )
    for url, key in ((CHANGES, "changes"), (SNAPSHOT, "records")):
        by_type = {change["type"]: change["data"] for change in read_feed(client, url, key)}
        vendor, solution = by_type["vendor"], by_type["solution"]
        assert vendor["tags"] == ["ats", "hr"]
        assert (vendor["owner_name"], vendor["owner_email"]) == ("Ann Owner", "ann@vendor.example")
        assert vendor["custom"] == {"buyer": "B"}
        assert solution["tags"] == ["eu-hosted", "recruiting"]
        assert (solution["lifecycle"], solution["end_of_life_on"]) == ("end_of_life", "2027-03-31")
        assert solution["custom"] == {"seats": 3, "renewal": "2027-01-01", "audited": False}


def test_the_feed_moves_only_on_a_real_change(client):
    push(client, [rich_vendor()], [rich_solution()])
    head = len(read_feed(client))
    push(client, [rich_vendor(tags=["HR", "ats"])], [rich_solution()])
    answer = client.get(CHANGES, {"cursor": 2})
    assert answer.json()["changes"] == []
    assert head == 2


@pytest.mark.postgres
def test_postgresql_builds_the_same_feed_json_as_the_serializers(client, custom_fields):
    need_postgres()
    push(
        client,
        [rich_vendor(custom={"buyer": "Procurement ü"})],
        [
            rich_solution(custom={"seats": 2.5, "tier": "silver", "audited": True}),
            rich_solution(2, lifecycle="active", end_of_life_on=None, tags=[]),
        ],
    )
    page = catalog_changes_page(cursor=0, limit=1000)
    reference, _more = catalog_changes(cursor=0, limit=1000)
    assert [json.loads(doc) for doc in page.changes] == [
        json.loads(change_json(c)) for c in reference
    ]


@pytest.mark.postgres
def test_the_staged_merge_carries_the_fields_and_compares_them_in_postgresql(client, custom_fields):
    need_postgres()
    vendors = [rich_vendor(n, custom={"buyer": f"B{n}"}) for n in range(50)]
    solutions = [rich_solution(n, n % 50, custom={"seats": n}) for n in range(300)]
    assert push(client, vendors, solutions)["counts"]["created"] == 350
    assert Solution.objects.get(external_id="s-7").custom == {"seats": 7}
    assert push(client, vendors, solutions)["counts"]["unchanged"] == 350
    solutions[7] = rich_solution(7, 7, custom={"seats": 8}, tags=["new"])
    counts = push(client, vendors, solutions)["counts"]
    assert (counts["updated"], counts["unchanged"]) == (1, 349)
    solution = Solution.objects.get(external_id="s-7")
    assert (solution.custom, solution.tags) == ({"seats": 8}, ["new"])


def test_the_catalog_api_shows_and_filters_the_new_fields(client, custom_fields):
    push(
        client,
        [rich_vendor(1, custom={"buyer": "B"}), vendor_item(2, custom={"buyer": "C"})],
        [rich_solution(1, 1), solution_item(2, 2, tags=["hr"])],
    )
    answer = client.get("/api/v1/solutions/", {"tag": " Recruiting "})
    assert answer.status_code == 200
    [solution] = answer.json()["results"]
    assert solution["tags"] == ["eu-hosted", "recruiting"]
    assert (solution["lifecycle"], solution["end_of_life_on"]) == ("end_of_life", "2027-03-31")
    assert solution["owner_email"] == "bo@vendor.example"
    assert solution["custom"] == {}
    names = {s["external_id"] for s in client.get("/api/v1/solutions/", {"tag": "hr"}).json()[
        "results"]}  # fmt: skip
    assert names == {"s-2"}
    eol = client.get("/api/v1/solutions/", {"lifecycle": "end_of_life"}).json()["results"]
    assert [s["external_id"] for s in eol] == ["s-1"]
    assert client.get("/api/v1/solutions/", {"lifecycle": "nope"}).status_code == 400
    odd = client.get("/api/v1/solutions/", {"tag": "a\x00b"})
    assert odd.status_code == 400 or odd.json()["results"] == []
    assert client.get("/api/v1/solutions/", {"tag": "no such tag"}).json()["results"] == []
    vendors = client.get("/api/v1/vendors/", {"tag": "HR"}).json()["results"]
    assert [(v["external_id"], v["custom"]) for v in vendors] == [("v-1", {"buyer": "B"})]


def test_integrators_can_list_the_custom_field_definitions(client, custom_fields):
    answer = client.get(reverse("api:catalog-custom-fields"))
    assert answer.status_code == 200
    fields = {f["key"]: f for f in answer.json()["fields"]}
    assert "retired_key" not in fields
    assert fields["tier"]["choices"] == ["gold", "silver"]
    assert fields["buyer"] == {
        "key": "buyer", "label": "Buyer", "applies_to": "vendor", "type": "text",
        "required": True, "max_length": None, "choices": [], "description": "",
    }  # fmt: skip


def test_the_schema_describes_the_new_fields(client):
    items = item_json_schemas()
    solution = items["SolutionItem"]["properties"]
    assert solution["tags"]["maxItems"] == 20
    assert solution["custom"]["type"] == "object"
    assert "custom-fields" in solution["custom"]["description"]
    assert set(solution["lifecycle"]["enum"]) == {"active", "end_of_life"}
    assert solution["end_of_life_on"]["anyOf"][0]["format"] == "date"
    assert "owner_email" in items["VendorItem"]["properties"]
    schema = client.get("/api/v1/schema/", {"format": "json"})
    assert schema.status_code == 200
    schema = json.loads(schema.content)
    components = schema["components"]["schemas"]
    for name in ("Solution", "SolutionRecord"):
        properties = components[name]["properties"]
        assert properties["tags"]["type"] == "array"
        assert properties["custom"]["type"] == "object"
        assert "end_of_life_on" in properties
    assert "/api/v1/catalog/custom-fields/" in schema["paths"]


# --- Hostile input: per-item errors, never a 500


def test_hostile_tags_and_custom_values_are_per_item_errors(client, custom_fields):
    deep: dict = {"x": 1}
    for _level in range(50):  # the body parser refuses more than 64 levels (a 400)
        deep = {"x": deep}
    report = push(
        client,
        [vendor_item(1, custom={"buyer": "B"})],
        [
            rich_solution(1, tags=["ok", "nul\x00"]),
            rich_solution(2, tags=[f"t{i}" for i in range(10_000)]),
            rich_solution(3, custom={"cost_centre": deep}),
            rich_solution(4, custom=deep),
            rich_solution(5, custom={"cost_centre": "a\x00"}),
            rich_solution(6, custom={f"k{i}": i for i in range(10_000)}),
            rich_solution(7),
        ],
    )
    statuses = [(i["external_id"], i["status"], sorted(i["errors"])) for i in report["items"]]
    assert statuses == [
        ("v-1", "created", []),
        ("s-1", "invalid", ["tags"]),
        ("s-2", "invalid", ["tags"]),
        ("s-3", "invalid", ["custom.cost_centre"]),
        ("s-4", "invalid", ["custom.x"]),
        ("s-5", "invalid", ["custom.cost_centre"]),
        ("s-6", "invalid", ["custom"]),
        ("s-7", "created", []),
    ]


def test_lone_surrogates_in_tags_and_custom_values_are_per_item_errors(client, custom_fields):
    items = [
        '{"external_id": "v-1", "name": "V", "tags": ["ok", "bad\\ud800"], '
        '"custom": {"buyer": "B"}}',
        '{"external_id": "v-2", "name": "V", "custom": {"buyer": "\\udfff"}}',
        '{"external_id": "v-3", "name": "V", "custom": {"buyer": "B\\ud800", "k": 1}}',
        '{"external_id": "v-4", "name": "V", "custom": {"buyer": "B"}}',
    ]
    answer = push_raw(client, f'{{"source": "{SOURCE}", "vendors": [{", ".join(items)}]}}')
    assert answer.status_code == 200, answer.content
    report = answer.json()["items"]
    assert [i["status"] for i in report] == ["invalid", "invalid", "invalid", "created"]
    assert list(report[0]["errors"]) == ["tags"]
    assert "not valid Unicode" in report[0]["errors"]["tags"][0]
    assert list(report[1]["errors"]) == ["custom.buyer"]
    assert set(report[2]["errors"]) == {"custom.buyer", "custom.k"}
    assert Vendor.objects.get().external_id == "v-4"
    # A lone surrogate in a key: the body parser refuses the request (400), nothing stored.
    bad_key = '{"external_id": "v-5", "name": "V", "custom": {"\\ud800": 1}}'
    answer = push_raw(client, f'{{"source": "{SOURCE}", "vendors": [{bad_key}]}}')
    assert answer.status_code == 400
    assert "message" in answer.json()
    assert not Vendor.objects.filter(external_id="v-5").exists()


def test_a_very_deeply_nested_custom_object_is_refused_not_a_500(client):
    depth = 100_000
    text = (
        f'{{"source": "{SOURCE}", "vendors": [{{"external_id": "v-1", "name": "V", '
        f'"custom": {"[" * depth}{"]" * depth}}}]}}'
    )
    answer = push_raw(client, text)
    assert answer.status_code in (200, 400), answer.content
    if answer.status_code == 200:
        assert answer.json()["items"][0]["status"] == "invalid"
    assert not Vendor.objects.exists()


def test_the_admin_holds_records_to_the_sync_rules(admin_client, custom_fields):
    push(token_client(syncing_user("sam.two")), [vendor_item(1, custom={"buyer": "B"})])
    vendor = Vendor.objects.get()
    url = reverse("admin:vendors_vendor_change", args=[vendor.pk])
    form = {
        "name": vendor.name, "website": vendor.website, "country": "NL", "description": "",
        "source": vendor.source, "external_id": vendor.external_id,
        "tags": '[" Ops ", "ops", "AI"]', "owner_name": "", "owner_email": "",
        "custom": '{"buyer": "B"}',
        "solutions-TOTAL_FORMS": "0", "solutions-INITIAL_FORMS": "0",
    }  # fmt: skip
    answer = admin_client.post(url, form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    vendor.refresh_from_db()
    assert vendor.tags == ["ai", "ops"]
    answer = admin_client.post(url, {**form, "custom": '{"buyer": 5}'})
    assert answer.status_code == 200
    assert "custom.buyer" in answer.content.decode()
