"""Applying a batch: compare the valid items with the stored rows and write what differs, in bulk;
and a full sync's end, the tombstones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from django.db import IntegrityError, connection, models, transaction
from django.utils.translation import gettext as _

from vendors.models import Solution, Vendor, reserve_change_seqs
from vendors.sync import stage
from vendors.sync.spec import (
    CHUNK,
    CREATED,
    INVALID,
    SOLUTION,
    SOLUTION_FIELDS,
    UNCHANGED,
    UPDATED,
    VENDOR,
    VENDOR_FIELDS,
    Item,
)
from vendors.sync.validate import _mark_duplicates, validate_item
from vendors.writer import CatalogConflict, catalog_insert, catalog_insert_prepare, catalog_update


@dataclass
class BatchResult:
    source: str
    vendors: list[Item]
    solutions: list[Item]
    # Every external_id the batch named (valid or not): what a full sync keeps.
    listed_vendors: set[str]
    listed_solutions: set[str]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys((CREATED, UPDATED, UNCHANGED, INVALID), 0)
        for item in self.vendors:
            counts[item.status] += 1
        for item in self.solutions:
            counts[item.status] += 1
        return counts


def _changed(row: dict[str, Any], values: dict[str, Any]) -> bool:
    """Whether a stored row differs from an item's values (or is a tombstone to resurrect)."""
    if row["is_deleted"]:
        return True
    for name, value in values.items():  # noqa: SIM110 - runs per field of every item: a
        if row[name] != value:  # plain loop costs half of any() over a generator
            return True
    return False


def apply_batch(*, source: str, vendors: list[Any], solutions: list[Any]) -> BatchResult:
    """Validate every item, then write the valid ones in one transaction. Must run inside a
    transaction (the caller's: a full sync tombstones in the same one).

    On PostgreSQL each table's items are staged by COPY into a temporary table, compared with
    the stored records there and merged by one INSERT … SELECT and one UPDATE … FROM
    (vendors.sync.stage); elsewhere stored rows are read as dicts (values()) and compared in
    Python. Never a model instance per item: building one costs more than storing the row.

    Concurrency: every catalog writer holds the change counter's lock from its first change
    number to its commit, so numbers become visible in order (see catalog_changes). To keep
    that lock short, on PostgreSQL the batch is first read, compared and encoded without it
    (optimistically); under the lock only the change numbers are added and the rows written,
    each update conditional on the change number read. If anything changed in between (a key
    inserted, a row updated), that attempt is rolled back to its savepoint and the batch is
    redone with the lock held from the start."""
    vendor_items = [validate_item(raw, type_=VENDOR) for raw in vendors]
    solution_items = [validate_item(raw, type_=SOLUTION) for raw in solutions]
    _mark_duplicates(vendor_items)
    _mark_duplicates(solution_items)
    listed_vendors = {i.external_id for i in vendor_items if i.external_id is not None}
    listed_solutions = {i.external_id for i in solution_items if i.external_id is not None}
    valid_vendors = [i for i in vendor_items if i.values is not None]
    valid_vendor_ids = {i.external_id for i in valid_vendors}
    for item in solution_items:
        ref = item.vendor_ref
        if item.values is not None and ref in listed_vendors and ref not in valid_vendor_ids:
            item.invalidate(
                "vendor", _("The vendor %(id)s is invalid in this request.") % {"id": ref}
            )
    valid_solutions = [i for i in solution_items if i.values is not None]

    unknown: list[Item] | None = None
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic():
                unknown = _write_batch(source, valid_vendors, valid_solutions, locked=False)
        except (IntegrityError, CatalogConflict):
            unknown = None  # someone wrote these records meanwhile: again, under the lock
    if unknown is None:
        unknown = _write_batch(source, valid_vendors, valid_solutions, locked=True)
    for item in unknown:
        item.invalidate(
            "vendor",
            _("Unknown vendor %(id)s: send it in this request or an earlier one.")
            % {"id": item.vendor_ref},
        )
    return BatchResult(source, vendor_items, solution_items, listed_vendors, listed_solutions)


def _refresh_statistics(model: type[models.Model], *, inserted: int) -> None:
    """On PostgreSQL, ANALYZE a table that this batch grew by more than a tenth.

    Each new solution's foreign key to its vendor is checked at commit by a cached query whose
    plan follows the table's statistics. During a first import into a near-empty catalog those
    say "empty", the check scans the whole vendor table for every solution, and each batch gets
    slower than the one before (measured: 0.35 s to 1.3 s per 5,000 items). Autovacuum would
    analyze the table only a minute later. Analyzing the vendor table costs a few ms."""
    if connection.vendor != "postgresql":
        return
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
        )
        estimate = max(cursor.fetchone()[0], 0)
        if inserted > max(100, estimate / 10):
            cursor.execute(f"ANALYZE {table}")


def _write_batch(
    source: str, vendors: list[Item], solutions: list[Item], *, locked: bool
) -> list[Item]:
    """Compare the valid items with the stored rows and write what differs; returns the
    solutions whose vendor is unknown (and sets every other item's status and id)."""
    for item in [*vendors, *solutions]:
        item.status, item.id = INVALID, None
    if locked:
        reserve_change_seqs(0)  # the lock first, then the reads
    if connection.vendor == "postgresql":
        return _write_batch_staged(source, vendors, solutions, locked=locked)
    vendor_keys = {i.external_id for i in vendors} | {i.vendor_ref for i in solutions}
    stored_vendors = {
        row["external_id"]: row
        for row in _with_keys(Vendor, source, vendor_keys).values(
            "id", "external_id", "is_deleted", "change_seq", *VENDOR_FIELDS
        )
    }
    stored_solutions = {
        row["external_id"]: row
        for row in _with_keys(Solution, source, [i.external_id for i in solutions]).values(
            "id", "external_id", "is_deleted", "change_seq", "vendor_id", *SOLUTION_FIELDS
        )
    }
    writes: list[Callable[[], None]] = []
    _plan(Vendor, source, vendors, stored_vendors, writes, locked=locked)
    vendor_ids = {ext: row["id"] for ext, row in stored_vendors.items()}
    vendor_ids.update((i.external_id, i.id) for i in vendors if i.status == CREATED)
    unknown, known = [], []
    for item in solutions:
        vendor_id = vendor_ids.get(cast(str, item.vendor_ref))
        if vendor_id is None:
            unknown.append(item)
        else:
            cast(dict[str, Any], item.values)["vendor_id"] = vendor_id
            known.append(item)
    _plan(Solution, source, known, stored_solutions, writes, locked=locked)
    for write in writes:
        write()
    if any(i.status == CREATED for i in vendors):
        _refresh_statistics(Vendor, inserted=sum(i.status == CREATED for i in vendors))
    return unknown


STAGED_VENDOR_FIELDS = VENDOR_FIELDS
STAGED_SOLUTION_FIELDS = ("vendor", *SOLUTION_FIELDS)


def _write_batch_staged(
    source: str, vendors: list[Item], solutions: list[Item], *, locked: bool
) -> list[Item]:
    """_write_batch on PostgreSQL: each table's items staged by COPY, compared with the
    catalog by one join and merged by one INSERT … SELECT and one UPDATE … FROM
    (vendors.sync.stage). The ids of new records are taken before the writes, so that the
    solutions of this batch can name their new vendors."""
    writes: list[Callable[[], None]] = []
    _plan_staged(Vendor, STAGED_VENDOR_FIELDS, source, vendors, writes, locked=locked)
    vendor_ids = {cast(str, i.external_id): cast(int, i.id) for i in vendors}
    refs = {cast(str, i.vendor_ref) for i in solutions} - vendor_ids.keys()
    if refs:
        vendor_ids.update(_with_keys(Vendor, source, refs).values_list("external_id", "pk"))
    unknown, known = [], []
    for item in solutions:
        vendor_id = vendor_ids.get(cast(str, item.vendor_ref))
        if vendor_id is None:
            unknown.append(item)
        else:
            cast(dict[str, Any], item.values)["vendor_id"] = vendor_id
            known.append(item)
    _plan_staged(Solution, STAGED_SOLUTION_FIELDS, source, known, writes, locked=locked)
    for write in writes:
        write()
    if any(i.status == CREATED for i in vendors):
        _refresh_statistics(Vendor, inserted=sum(i.status == CREATED for i in vendors))
    return unknown


def _plan_staged(
    model: type[models.Model],
    fields: tuple[str, ...],
    source: str,
    items: list[Item],
    writes: list[Callable[[], None]],
    *,
    locked: bool,
) -> None:
    if not items:
        return
    stage.stage(
        model,
        fields,
        [{"external_id": i.external_id, **cast(dict[str, Any], i.values)} for i in items],
    )
    stored = stage.compare(model, fields, source=source)
    new: list[int] = []
    changed: list[int] = []
    changed_ids: list[int] = []
    expected: list[int] = []
    for ord_, item in enumerate(items):
        row = stored.get(ord_)
        if row is None:
            item.status = CREATED
            new.append(ord_)
            continue
        item.id = row.id
        if row.differs:
            item.status = UPDATED
            changed.append(ord_)
            changed_ids.append(row.id)
            expected.append(row.change_seq)
        else:
            item.status = UNCHANGED
    new_ids = stage.reserve_ids(model, len(new))
    for ord_, pk in zip(new, new_ids, strict=True):
        items[ord_].id = pk
    writes.append(partial(stage.insert_staged, model, fields, source=source, ords=new, ids=new_ids))
    writes.append(
        partial(
            stage.update_staged,
            model,
            fields,
            ords=changed,
            ids=changed_ids,
            expected_seqs=None if locked else expected,
        )
    )


def _with_keys(model: type[models.Model], source: str, keys) -> models.QuerySet:
    """The stored records of `source` with these external ids. On PostgreSQL one array
    parameter (= ANY(%s)) instead of IN with 5,000 parameters, which Django prepares one by
    one (a tenth of a batch's time). The exclude() repeats the condition of the partial unique
    index on (source, external_id), so PostgreSQL can use that index instead of a full scan."""
    qs = model._default_manager.filter(source=source).exclude(external_id="").order_by()
    if connection.vendor == "postgresql":
        return qs.filter(external_id__any=list(keys))  # core.lookups.AnyOf
    return qs.filter(external_id__in=keys)


def _plan(
    model: type[models.Model],
    source: str,
    items: list[Item],
    stored: dict[str, dict[str, Any]],
    writes: list[Callable[[], None]],
    *,
    locked: bool,
) -> None:
    new, changed, expected = [], [], []
    for item in items:
        row = stored.get(cast(str, item.external_id))
        if row is None:
            item.status = CREATED
            new.append(item)
            continue
        item.id = row["id"]
        if _changed(row, cast(dict[str, Any], item.values)):
            item.status = UPDATED
            changed.append(item)
            expected.append(row["change_seq"])
        else:
            item.status = UNCHANGED
    if new:
        rows = [
            {"source": source, "external_id": i.external_id, **cast(dict[str, Any], i.values)}
            for i in new
        ]
        if connection.vendor == "postgresql":
            # Ids now (the solutions of this batch refer to new vendors); rows under the lock.
            prepared = catalog_insert_prepare(model, rows)
            ids = prepared.ids
            writes.append(prepared.execute)
        else:
            ids = catalog_insert(model, rows)  # SQLite: one writer at a time anyway
        for item, pk in zip(new, ids, strict=True):
            item.id = pk
    if changed:
        rows = [
            {"id": i.id, "is_deleted": False, **cast(dict[str, Any], i.values)} for i in changed
        ]
        seqs = None if locked else expected
        writes.append(partial(catalog_update, model, rows, expected_seqs=seqs))


def tombstone_unlisted(
    *, source: str, vendors: set[str], solutions: set[str]
) -> list[dict[str, Any]]:
    """A full sync's end: mark every record of `source` the sync did not list as removed.
    Rows are never deleted (proposals refer to solutions). Inside the caller's transaction."""
    reserve_change_seqs(0)
    tombstoned: list[dict[str, Any]] = []
    for model, type_, listed in ((Solution, SOLUTION, solutions), (Vendor, VENDOR, vendors)):
        gone = [
            (pk, ext)
            for pk, ext in model.objects.filter(source=source, is_deleted=False)
            .exclude(external_id="")
            .order_by("pk")
            .values_list("pk", "external_id")
            if ext not in listed
        ]
        for start in range(0, len(gone), CHUNK):
            chunk = [pk for pk, _ext in gone[start : start + CHUNK]]
            model.objects.filter(pk__in=chunk).update(is_deleted=True)
        tombstoned += [{"type": type_, "external_id": ext, "id": pk} for pk, ext in gone]
    return tombstoned
