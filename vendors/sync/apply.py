"""Applying a batch: compare the valid items with the stored rows and write what differs, in bulk;
and a full sync's end, the tombstones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import DomainError
from vendors.models import CatalogChangeCounter, Solution, Vendor, reserve_change_seqs
from vendors.sync import stage
from vendors.sync.spec import (
    CHUNK,
    CREATED,
    DELETED,
    INVALID,
    NO_CUSTOM,
    SOLUTION,
    SOLUTION_FIELDS,
    UNCHANGED,
    UPDATED,
    VENDOR,
    VENDOR_FIELDS,
    Item,
    _clean_external_id,
    _Invalid,
    load_custom_definitions,
)
from vendors.sync.validate import _mark_duplicates, validate_item
from vendors.writer import CatalogConflict, catalog_insert, catalog_update


@dataclass
class BatchResult:
    source: str
    vendors: list[Item]
    solutions: list[Item]
    # Every external_id the batch named (valid or not): what a full sync keeps.
    listed_vendors: set[str]
    listed_solutions: set[str]
    # Invalid items without a readable external_id: a full sync cannot tell what they list.
    unidentified: int = 0

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


@dataclass
class RequestContext:
    """What a batch that is one part of a larger request (a job's chunk, vendors.sync.jobs)
    needs to know of the whole request to judge its items as one push of it would: the
    external ids the request lists more than once (by type, id → times), the vendors of the
    request found invalid so far (its solutions are invalid too), and the removals' ids the
    request also upserts (by type)."""

    duplicates: dict[str, dict[str, int]]
    invalid_vendors: set[str]
    upserted: dict[str, set[str]]


def apply_batch(
    *,
    source: str,
    vendors: list[Any],
    solutions: list[Any],
    context: RequestContext | None = None,
) -> BatchResult:
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
    custom = load_custom_definitions() if vendors or solutions else NO_CUSTOM
    vendor_items = [validate_item(raw, type_=VENDOR, custom=custom[VENDOR]) for raw in vendors]
    solution_items = [
        validate_item(raw, type_=SOLUTION, custom=custom[SOLUTION]) for raw in solutions
    ]
    _mark_duplicates(vendor_items, context.duplicates.get(VENDOR) if context else None)
    _mark_duplicates(solution_items, context.duplicates.get(SOLUTION) if context else None)
    listed_vendors = {i.external_id for i in vendor_items if i.external_id is not None}
    listed_solutions = {i.external_id for i in solution_items if i.external_id is not None}
    valid_vendors = [i for i in vendor_items if i.values is not None]
    # Vendors this request lists, none of them valid: their solutions are invalid too.
    invalid_vendors = listed_vendors - {i.external_id for i in valid_vendors}
    if context is not None:
        context.invalid_vendors |= invalid_vendors
        invalid_vendors = context.invalid_vendors
    for item in solution_items:
        ref = item.vendor_ref
        if item.values is not None and ref in invalid_vendors:
            item.invalidate(
                "vendor", _("The vendor %(id)s is invalid in this request.") % {"id": ref}
            )
    valid_solutions = [i for i in solution_items if i.values is not None]

    orphans: list[tuple[Item, bool]] | None = None
    if connection.vendor == "postgresql":  # pragma: no mutate block (PostgreSQL only)
        try:
            with transaction.atomic():
                orphans = _write_batch(source, valid_vendors, valid_solutions, locked=False)
        except (IntegrityError, CatalogConflict):
            orphans = None  # someone wrote these records meanwhile: again, under the lock
    if orphans is None:
        orphans = _write_batch(source, valid_vendors, valid_solutions, locked=True)
    for item, removed in orphans:
        if removed:
            # A live solution under a removed vendor would be an orphan in the change feed.
            message = _(
                "The vendor %(id)s was removed from the catalog: send it in this request to "
                "put it back."
            )
        else:
            message = _("Unknown vendor %(id)s: send it in this request or an earlier one.")
        item.invalidate("vendor", message % {"id": item.vendor_ref})
    unidentified = sum(i.external_id is None for i in [*vendor_items, *solution_items])
    return BatchResult(
        source, vendor_items, solution_items, listed_vendors, listed_solutions, unidentified
    )


def _refresh_statistics(
    model: type[models.Model], *, inserted: int
) -> None:  # pragma: no mutate block (PostgreSQL only)
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
) -> list[tuple[Item, bool]]:
    """Compare the valid items with the stored rows and write what differs; returns the
    solutions whose vendor is unknown or removed (and sets every other item's status and id)."""
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
    # Every vendor of the batch is live after it; others as stored (None: removed).
    vendor_ids: dict[str, int | None] = {
        ext: None if row["is_deleted"] else row["id"] for ext, row in stored_vendors.items()
    }
    vendor_ids.update((cast(str, i.external_id), cast(int, i.id)) for i in vendors)
    known, orphans = _resolve_vendors(solutions, vendor_ids)
    _plan(Solution, source, known, stored_solutions, writes, locked=locked)
    _run_writes(writes, vendors)
    return orphans


def _run_writes(writes: list[Callable[[], None]], vendors: list[Item]) -> None:
    """Run the planned writes; then refresh the vendor table's statistics if they grew it."""
    for write in writes:
        write()
    created = sum(i.status == CREATED for i in vendors)
    if created:
        _refresh_statistics(Vendor, inserted=created)


def _resolve_vendors(
    solutions: list[Item], vendor_ids: dict[str, int | None]
) -> tuple[list[Item], list[tuple[Item, bool]]]:
    """Set each solution's vendor_id: (those with a live vendor, [(orphan, whether its vendor
    was removed rather than unknown)])."""
    known: list[Item] = []
    orphans: list[tuple[Item, bool]] = []
    for item in solutions:
        ref = cast(str, item.vendor_ref)
        vendor_id = vendor_ids.get(ref)
        if vendor_id is None:
            orphans.append((item, ref in vendor_ids))
        else:
            cast(dict[str, Any], item.values)["vendor_id"] = vendor_id
            known.append(item)
    return known, orphans


STAGED_VENDOR_FIELDS = VENDOR_FIELDS
STAGED_SOLUTION_FIELDS = ("vendor", *SOLUTION_FIELDS)


def _write_batch_staged(
    source: str, vendors: list[Item], solutions: list[Item], *, locked: bool
) -> list[tuple[Item, bool]]:  # pragma: no mutate block (PostgreSQL only)
    """_write_batch on PostgreSQL: each table's items staged by COPY, compared with the
    catalog by one join and merged by one INSERT … SELECT and one UPDATE … FROM
    (vendors.sync.stage). The ids of new records are taken before the writes, so that the
    solutions of this batch can name their new vendors."""
    writes: list[Callable[[], None]] = []
    _plan_staged(Vendor, STAGED_VENDOR_FIELDS, source, vendors, writes, locked=locked)
    # Every vendor of the batch is live after it; others as stored (None: removed).
    vendor_ids: dict[str, int | None] = {cast(str, i.external_id): cast(int, i.id) for i in vendors}
    refs = {cast(str, i.vendor_ref) for i in solutions} - vendor_ids.keys()
    if refs:
        vendor_ids.update(
            (ext, None if deleted else pk)
            for ext, pk, deleted in _with_keys(Vendor, source, refs).values_list(
                "external_id", "pk", "is_deleted"
            )
        )
    known, orphans = _resolve_vendors(solutions, vendor_ids)
    _plan_staged(Solution, STAGED_SOLUTION_FIELDS, source, known, writes, locked=locked)
    _run_writes(writes, vendors)
    return orphans


def _plan_staged(
    model: type[models.Model],
    fields: tuple[str, ...],
    source: str,
    items: list[Item],
    writes: list[Callable[[], None]],
    *,
    locked: bool,
) -> None:  # pragma: no mutate block (PostgreSQL only)
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
        # Off PostgreSQL only (_write_batch_staged there): one writer at a time anyway.
        ids = catalog_insert(model, rows)
        for item, pk in zip(new, ids, strict=True):
            item.id = pk
    if changed:
        rows = [
            {"id": i.id, "is_deleted": False, **cast(dict[str, Any], i.values)} for i in changed
        ]
        seqs = None if locked else expected
        writes.append(partial(catalog_update, model, rows, expected_seqs=seqs))


class UnidentifiedItems(DomainError):
    """A full sync's page holds items without a readable external_id: what they list is
    unknown, so the page is refused whole rather than risk removing the records they are."""


def refuse_unidentified(source: str, count: int) -> None:
    if count:
        raise UnidentifiedItems(
            ngettext(
                "%(n)d item of this full sync of %(source)s has no valid external_id, so the "
                "sync cannot tell which record it is and could remove it. Nothing was changed: "
                "correct it and send the request again.",
                "%(n)d items of this full sync of %(source)s have no valid external_id, so the "
                "sync cannot tell which records they are and could remove them. Nothing was "
                "changed: correct them and send the request again.",
                count,
            )
            % {"n": count, "source": source},
            field="external_id",
        )


class DeletionRefused(DomainError):
    """A full sync would remove more than the allowed share of its source, or not the number
    of records the request confirmed: nothing is removed (the caller's transaction rolls back)."""

    def __init__(self, message: str, *, count: int):
        super().__init__(message, code="confirm_deletions", field="confirm_deletions")
        self.count = count


def max_deletion_share() -> float:
    return float(settings.CATALOG_SYNC_MAX_DELETE_SHARE)


def catalog_change_head() -> int:
    """The last change number given so far (committed or not): a full sync started now can
    have seen every record numbered up to it, and none numbered after."""
    return CatalogChangeCounter.objects.filter(pk=1).values_list("last_seq", flat=True).first() or 0


@dataclass
class Tombstones:
    removed: list[dict[str, Any]]
    # Unlisted vendors kept live because live solutions still belong to them.
    kept: list[dict[str, Any]]


def tombstone_unlisted(
    *,
    source: str,
    vendors: set[str],
    solutions: set[str],
    seen_up_to: int | None = None,
    confirm_deletions: int | None = None,
    confirm_all: bool = False,
) -> Tombstones:
    """A full sync's end: mark every record of `source` the sync did not list as removed.
    Rows are never deleted (proposals refer to solutions). Inside the caller's transaction.

    - Only records the sync could have seen: numbered up to `seen_up_to` (the change head when
      it started). A record another request wrote meanwhile is newer than the sync's listing.
    - A vendor that still has live solutions (of any source) stays live, reported in `kept`:
      the catalog never holds a live solution under a removed vendor.
    - DeletionRefused when it would remove more than `confirm_deletions` records or, without
      it, more than CATALOG_SYNC_MAX_DELETE_SHARE of the source's live records. With
      `confirm_all` (a sync that lists nothing, confirmed by confirm_empty) no such guard."""
    reserve_change_seqs(0)  # the lock: no record joins or leaves the source meanwhile
    removed: list[dict[str, Any]] = []
    kept: list[dict[str, Any]] = []
    total = 0
    gone_by_model: dict[type[models.Model], list[tuple[int, str]]] = {}
    for model, listed in ((Solution, solutions), (Vendor, vendors)):
        rows = list(
            model._default_manager.filter(source=source, is_deleted=False)
            .exclude(external_id="")
            .order_by("pk")
            .values_list("pk", "external_id", "change_seq")
        )
        total += len(rows)
        gone_by_model[model] = [
            (pk, ext)
            for pk, ext, seq in rows
            if ext not in listed and (seen_up_to is None or seq <= seen_up_to)
        ]
    gone_solutions = {pk for pk, _ext in gone_by_model[Solution]}
    vendor_candidates = [pk for pk, _ext in gone_by_model[Vendor]]
    still_used: set[int] = set()
    for start in range(0, len(vendor_candidates), CHUNK):
        chunk = vendor_candidates[start : start + CHUNK]
        for vendor_id, solution_id in Solution.objects.filter(
            vendor_id__in=chunk, is_deleted=False
        ).values_list("vendor_id", "pk"):
            if solution_id not in gone_solutions:
                still_used.add(vendor_id)
    kept = [
        {"type": VENDOR, "external_id": ext, "id": pk}
        for pk, ext in gone_by_model[Vendor]
        if pk in still_used
    ]
    gone_by_model[Vendor] = [(pk, ext) for pk, ext in gone_by_model[Vendor] if pk not in still_used]
    count = len(gone_by_model[Solution]) + len(gone_by_model[Vendor])
    if not confirm_all:
        _check_deletions(source, count=count, total=total, confirmed=confirm_deletions)
    for model, type_ in ((Solution, SOLUTION), (Vendor, VENDOR)):
        gone = gone_by_model[model]
        for start in range(0, len(gone), CHUNK):
            chunk = [pk for pk, _ext in gone[start : start + CHUNK]]
            model._default_manager.filter(pk__in=chunk).update(is_deleted=True)
        removed += [{"type": type_, "external_id": ext, "id": pk} for pk, ext in gone]
    return Tombstones(removed, kept)


def _check_deletions(source: str, *, count: int, total: int, confirmed: int | None) -> None:
    """Refuse removing more than `confirmed` records, or without it more than the share."""
    share = max_deletion_share()
    if count <= (share * total if confirmed is None else confirmed):
        return
    values = {"source": source, "n": count, "total": total, "share": round(share * 100)}
    if confirmed is None:
        message = _(
            "This full sync would remove %(n)d of the %(total)d live records of %(source)s, "
            "more than the %(share)d%% a sync may remove unconfirmed. Nothing was changed. "
            'Send "confirm_deletions": %(n)d to remove them.'
        )
    else:
        values["confirmed"] = confirmed
        message = _(
            "This full sync would remove %(n)d of the %(total)d live records of %(source)s, "
            'more than the %(confirmed)d that "confirm_deletions" allows. Nothing was changed.'
        )
    raise DeletionRefused(message % values, count=count)


def remove_listed(
    *,
    source: str,
    vendors: list[Any],
    solutions: list[Any],
    batch: BatchResult,
    context: RequestContext | None = None,
) -> tuple[list[Item], list[dict[str, Any]]]:
    """A delta push's removals: tombstone the records of `source` with these external ids
    (solutions first, so that a vendor and its solutions go together). Returns one report item
    per id (DELETED, UNCHANGED when already removed, INVALID with why) and the tombstones.
    After the batch's upserts, in the caller's transaction, under the catalog's lock."""
    reserve_change_seqs(0)
    upserted: dict[str, set[str | None]] = {
        VENDOR: {i.external_id for i in batch.vendors},
        SOLUTION: {i.external_id for i in batch.solutions},
    }
    if context is not None:  # the ids the rest of the request upserts
        for type_, ids in context.upserted.items():
            upserted[type_] |= ids
    report: list[Item] = []
    tombstones: list[dict[str, Any]] = []
    for model, type_, raws in ((Solution, SOLUTION, solutions), (Vendor, VENDOR, vendors)):
        items = [_removal_item(raw, type_=type_, upserted=upserted[type_]) for raw in raws]
        _mark_duplicates(items)
        wanted = [i for i in items if not i.errors]
        stored = {
            ext: (pk, deleted)
            for ext, pk, deleted in _with_keys(
                model, source, [i.external_id for i in wanted]
            ).values_list("external_id", "pk", "is_deleted")
        }
        used: set[int] = set()
        if model is Vendor:
            used = set(
                Solution.objects.filter(
                    vendor_id__in=[pk for pk, _deleted in stored.values()], is_deleted=False
                ).values_list("vendor_id", flat=True)
            )
        gone: list[Item] = []
        for item in wanted:
            found = stored.get(cast(str, item.external_id))
            if found is None:
                item.invalidate(
                    "external_id",
                    _("No %(type)s %(id)s in %(source)s.")
                    % {"type": type_, "id": item.external_id, "source": source},
                )
                continue
            item.id, deleted = found
            if deleted:
                item.status = UNCHANGED
            elif item.id in used:
                item.invalidate(
                    "external_id",
                    _(
                        "The vendor %(id)s still has live solutions: remove them first, or in "
                        "the same request."
                    )
                    % {"id": item.external_id},
                )
            else:
                item.status = DELETED
                gone.append(item)
        for start in range(0, len(gone), CHUNK):
            chunk = [cast(int, i.id) for i in gone[start : start + CHUNK]]
            model._default_manager.filter(pk__in=chunk).update(is_deleted=True)
        tombstones += [{"type": type_, "external_id": i.external_id, "id": i.id} for i in gone]
        report += items
    return report, tombstones


def _removal_item(raw: Any, *, type_: str, upserted: set[str | None]) -> Item:
    item = Item(type_, None, {})
    try:
        item.external_id = _clean_external_id(raw)
    except _Invalid as error:
        item.invalidate("external_id", str(error))
        return item
    if item.external_id in upserted:
        item.invalidate(
            "external_id",
            _("%(id)s is also sent to be created or updated in this request.")
            % {"id": item.external_id},
        )
    return item
