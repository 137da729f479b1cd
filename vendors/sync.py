"""Catalog sync: a batch of vendors and solutions from one source, keyed by
(source, external_id), validated item by item and then applied in bulk.

The same code serves the push API (POST /api/v1/catalog/sync/), the feeds we pull
(vendors.feeds) and the management command. Each item is the full record: a field left out takes
its default, so sending the same item twice changes nothing the second time.

Cost per batch does not grow in queries with its size: one load per type, then under the
catalog's change lock one bulk write per kind of change (COPY for new rows, one UPDATE for
changed ones) per type, plus the tombstones of a full sync. See apply_batch for how the lock is
kept short, and bench/sync_bench.py for what that buys.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError, InvalidTransition
from vendors.models import (
    CatalogConflict,
    CatalogSyncSession,
    CatalogSyncSessionPage,
    Solution,
    Vendor,
    catalog_insert,
    catalog_insert_prepare,
    catalog_update,
    reserve_change_seqs,
)

MAX_ITEMS = 5000
# A full sync in several requests must send its final page within this time of its first.
SESSION_TTL = dt.timedelta(hours=24)
MODE_UPSERT, MODE_FULL = "upsert", "full"
MODES = (MODE_UPSERT, MODE_FULL)
VENDOR, SOLUTION = "vendor", "solution"
CREATED, UPDATED, UNCHANGED, INVALID = "created", "updated", "unchanged", "invalid"
# Tombstoning in chunks keeps each statement's parameter list short on SQLite.
CHUNK = 1000
# The fields an item may carry besides its key, as stored on the models. Solution.in_use is
# ours (the landscape, set by adoption), is_deleted follows from full syncs: neither is synced.
VENDOR_FIELDS = ("name", "website", "country", "description")
SOLUTION_FIELDS = (
    "name",
    "description",
    "category",
    "pricing_model",
    "list_price",
    "price_currency",
    "price_unit",
    "deployment",
    "iso27001",
    "soc2",
    "sso",
    "has_api",
    "processes_personal_data",
    "data_location",
)
_MISSING = object()


class SyncRequestInvalid(DomainError):
    """The request as a whole is unusable (wrong top-level types, too many items): 400/413."""

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None, status=400):
        super().__init__(message, code="invalid")
        self.errors = errors or {}
        self.status_code = status


class _Invalid(Exception):
    pass


# --------------------------------------------------------------------------------------------
# Item validation: plain functions built once from the model fields (max lengths, choices,
# decimal digits stay in one place). A DRF serializer per item costs ~20x more, and a sync of
# 100,000 items is benchmarked against PostgreSQL's own COPY.


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # "str", "url", "choice", "decimal", "bool"
    required: bool
    default: Any
    max_length: int | None = None
    choices: frozenset[str] = frozenset()
    max_digits: int = 0
    decimal_places: int = 0
    help: str = ""


def _spec(model: type[models.Model], name: str) -> FieldSpec:
    f = model._meta.get_field(name)
    default = f.get_default()
    if isinstance(f, models.BooleanField):
        return FieldSpec(name, "bool", False, default, help=str(f.verbose_name))
    if isinstance(f, models.DecimalField):
        return FieldSpec(
            name,
            "decimal",
            False,
            None,
            max_digits=f.max_digits,
            decimal_places=f.decimal_places,
            help=str(f.verbose_name),
        )
    if f.choices:
        return FieldSpec(
            name,
            "choice",
            not f.has_default(),
            default if f.has_default() else None,
            max_length=f.max_length,
            choices=frozenset(str(value) for value, _label in f.flatchoices),
            help=str(f.verbose_name),
        )
    kind = "url" if isinstance(f, models.URLField) else "str"
    return FieldSpec(name, kind, not f.blank, "", max_length=f.max_length, help=str(f.verbose_name))


VENDOR_SPECS = tuple(_spec(Vendor, name) for name in VENDOR_FIELDS)
SOLUTION_SPECS = tuple(_spec(Solution, name) for name in SOLUTION_FIELDS)
EXTERNAL_ID_MAX = Vendor._meta.get_field("external_id").max_length
SOURCE_MAX = Vendor._meta.get_field("source").max_length
_url_validator = URLValidator(schemes=["http", "https"])


def _clean_str(spec: FieldSpec, raw: Any) -> str:
    if not isinstance(raw, str):
        raise _Invalid(_("Expected a string."))
    if spec.max_length is not None and len(raw) > spec.max_length:
        raise _Invalid(
            _("At most %(max)d characters (this has %(n)d).")
            % {"max": spec.max_length, "n": len(raw)}
        )
    if "\x00" in raw:
        raise _Invalid(_("Contains a NUL character."))
    if spec.required and not raw.strip():
        raise _Invalid(_("This field may not be blank."))
    return raw


def _cleaner(spec: FieldSpec) -> Callable[[Any], Any]:
    """The cleaning function of one field, built once: it returns the value to store or raises
    _Invalid with the message for the client."""
    if spec.kind == "str":
        return partial(_clean_str, spec)
    if spec.kind == "choice":
        choices = spec.choices

        def clean_choice(raw: Any) -> str:
            if type(raw) is str and raw in choices:
                return raw
            raise _Invalid(
                _("Unknown %(field)s %(value)s; expected one of: %(choices)s.")
                % {
                    "field": spec.help,
                    "value": repr(raw)[:60],
                    "choices": ", ".join(sorted(choices)),
                }
            )

        return clean_choice
    if spec.kind == "bool":

        def clean_bool(raw: Any) -> bool:
            if raw is True or raw is False:
                return raw
            raise _Invalid(_("Expected true or false."))

        return clean_bool
    if spec.kind == "decimal":
        quantum = Decimal(1).scaleb(-spec.decimal_places)
        whole_digits = spec.max_digits - spec.decimal_places

        def clean_decimal(raw: Any) -> Decimal | None:
            if raw is None:
                return None
            if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
                raise _Invalid(_("Expected a decimal number, preferably as a string."))
            try:
                value = Decimal(repr(raw) if isinstance(raw, float) else raw)
            except InvalidOperation:
                raise _Invalid(_("Expected a decimal number, preferably as a string.")) from None
            if not value.is_finite():
                raise _Invalid(_("Expected a finite number."))
            if value < 0:
                raise _Invalid(_("May not be negative."))
            if value and value.adjusted() >= whole_digits:
                raise _Invalid(
                    _("At most %(digits)d digits before the decimal point.")
                    % {"digits": whole_digits}
                )
            quantized = value.quantize(quantum)  # safe: at most max_digits digits now
            if quantized != value:
                raise _Invalid(
                    _("At most %(places)d decimal places.") % {"places": spec.decimal_places}
                )
            return quantized

        return clean_decimal

    def clean_url(raw: Any) -> str:
        value = _clean_str(spec, raw)
        if value:
            try:
                _url_validator(value)
            except ValidationError:
                raise _Invalid(_("Enter a valid http(s) URL.")) from None
        return value

    return clean_url


def _clean_country(value: str) -> str:
    if value and not (len(value) == 2 and value.isascii() and value.isalpha() and value.isupper()):
        raise _Invalid(_("Expected an ISO 3166 country code such as NL."))
    return value


def _clean_external_id(raw: Any) -> str:
    if not isinstance(raw, str):
        raise _Invalid(_("Expected a string."))
    if not raw.strip():
        raise _Invalid(_("This field may not be blank."))
    if len(raw) > EXTERNAL_ID_MAX:
        raise _Invalid(_("At most %(max)d characters.") % {"max": EXTERNAL_ID_MAX})
    if "\x00" in raw:
        raise _Invalid(_("Contains a NUL character."))
    return raw


@dataclass
class Item:
    """One item of the batch: its key, its cleaned values, and what became of it."""

    type: str
    external_id: str | None
    values: dict[str, Any] | None
    errors: dict[str, list[str]] = field(default_factory=dict)
    vendor_ref: str | None = None
    status: str = INVALID
    id: int | None = None

    def invalidate(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)
        self.values = None

    def as_report(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "external_id": self.external_id,
            "status": self.status,
            "id": self.id,
            "errors": self.errors,
        }


VENDOR_KEYS = frozenset({"external_id", *VENDOR_FIELDS})
SOLUTION_KEYS = frozenset({"external_id", "vendor", *SOLUTION_FIELDS})


# (name, required, default, cleaner) per field, in order.
_PLANS = {
    kind: tuple((spec.name, spec.required, spec.default, _cleaner(spec)) for spec in specs)
    for kind, specs in (("vendor", VENDOR_SPECS), ("solution", SOLUTION_SPECS))
}


def _fast_validator(type_: str, specs: tuple[FieldSpec, ...]) -> Callable[[dict], Any]:
    """A function checking a well-formed item in straight-line code, generated once from the
    field specs: (external_id, vendor_ref, values) when every field is plainly valid, None
    when anything is off, which sends the item through validate_slow for its messages. It is
    never more permissive than validate_slow (decimals and URLs use the same cleaners); it only
    saves the per-field calls on the common path (~3x faster on 5,000-item batches)."""
    namespace: dict[str, Any] = {
        "MISSING": _MISSING,
        "Invalid": _Invalid,
        "KEYS": VENDOR_KEYS if type_ == VENDOR else SOLUTION_KEYS,
    }
    code = [
        "def fast(raw):",
        "    if not raw.keys() <= KEYS:",
        "        return None",
    ]
    key_check = (
        "type({v}) is not str or not {v}.strip() or len({v}) > "
        + str(EXTERNAL_ID_MAX)
        + " or '\\x00' in {v}"
    )
    code += ["    ext = raw.get('external_id')", f"    if {key_check.format(v='ext')}: return None"]
    if type_ == SOLUTION:
        code += ["    ref = raw.get('vendor')", f"    if {key_check.format(v='ref')}: return None"]
    else:
        code += ["    ref = None"]
    names = []
    for i, spec in enumerate(specs):
        v = f"v{i}"
        names.append(f"{spec.name!r}: {v}")
        namespace[f"D{i}"] = spec.default
        missing = "return None" if spec.required else f"{v} = D{i}"
        code.append(f"    {v} = raw.get({spec.name!r}, MISSING)")
        code.append(f"    if {v} is MISSING: {missing}")
        if spec.kind == "str":
            check = f"type({v}) is not str or '\\x00' in {v}"
            if spec.max_length is not None:
                check += f" or len({v}) > {spec.max_length}"
            if spec.required:
                check += f" or not {v}.strip()"
            code.append(f"    elif {check}: return None")
        elif spec.kind == "bool":
            code.append(f"    elif {v} is not True and {v} is not False: return None")
        elif spec.kind == "choice":
            namespace[f"C{i}"] = spec.choices
            code.append(f"    elif type({v}) is not str or {v} not in C{i}: return None")
        else:
            namespace[f"F{i}"] = _cleaner(spec)
            code += [
                "    else:",
                "        try:",
                f"            {v} = F{i}({v})",
                "        except Invalid:",
                "            return None",
            ]
        if spec.name == "country":
            namespace["country"] = _clean_country
            code += ["    try:", f"        country({v})", "    except Invalid:"]
            code += ["        return None"]
    code.append(f"    return ext, ref, {{{', '.join(names)}}}")
    exec("\n".join(code), namespace)  # our own generated source: no input in it
    return namespace["fast"]


_FAST = {VENDOR: _fast_validator(VENDOR, VENDOR_SPECS)}
_FAST[SOLUTION] = _fast_validator(SOLUTION, SOLUTION_SPECS)


def validate_item(raw: Any, *, type_: str) -> Item:
    """Clean one item; its errors name each field (unknown fields included)."""
    if type(raw) is dict and (fast := _FAST[type_](raw)) is not None:
        external_id, vendor_ref, values = fast
        return Item(type_, external_id, values, {}, vendor_ref)
    return validate_slow(raw, type_=type_)


def validate_slow(raw: Any, *, type_: str) -> Item:
    """Clean one item field by field, collecting a message for every field at fault."""
    if not isinstance(raw, dict):
        item = Item(type_, None, None)
        item.invalidate("non_field_errors", _("Expected a JSON object."))
        return item
    keys = VENDOR_KEYS if type_ == VENDOR else SOLUTION_KEYS
    errors: dict[str, list[str]] = {}
    external_id = None
    try:
        external_id = _clean_external_id(raw.get("external_id", _MISSING))
    except _Invalid as error:
        if "external_id" not in raw:
            errors["external_id"] = [_("This field is required.")]
        else:
            errors["external_id"] = [str(error)]
    for key in raw.keys() - keys:
        errors[str(key)] = [_("Unknown field.")]
    values: dict[str, Any] = {}
    for name, required, default, clean in _PLANS[type_]:
        value = raw.get(name, _MISSING)
        if value is _MISSING:
            if required:
                errors[name] = [_("This field is required.")]
            else:
                values[name] = default
            continue
        try:
            values[name] = clean(value)
        except _Invalid as error:
            errors[name] = [str(error)]
    vendor_ref = None
    if type_ == VENDOR:
        try:
            _clean_country(values.get("country", ""))
        except _Invalid as error:
            errors["country"] = [str(error)]
    else:
        ref = raw.get("vendor", _MISSING)
        if ref is _MISSING:
            errors["vendor"] = [_("This field is required (the vendor's external_id).")]
        else:
            try:
                vendor_ref = _clean_external_id(ref)
            except _Invalid as error:
                errors["vendor"] = [str(error)]
    return Item(type_, external_id, None if errors else values, errors, vendor_ref)


def _mark_duplicates(items: list[Item]) -> None:
    counts = Counter(item.external_id for item in items if item.external_id is not None)
    for item in items:
        if item.external_id is not None and counts[item.external_id] > 1:
            item.invalidate(
                "external_id",
                _("external_id %(id)s is listed %(n)d times in this request; send it once.")
                % {"id": item.external_id, "n": counts[item.external_id]},
            )


# --------------------------------------------------------------------------------------------
# The request as a whole


TOP_LEVEL_KEYS = frozenset(
    {"source", "mode", "vendors", "solutions", "sync_id", "final", "confirm_empty"}
)
SYNC_ID_MAX = CatalogSyncSession._meta.get_field("sync_id").max_length


@dataclass
class SyncRequest:
    source: str
    mode: str
    vendors: list[Any]
    solutions: list[Any]
    # A full sync in several requests: the client's id for it, and whether this is its last.
    sync_id: str | None = None
    final: bool = False
    # A full sync that lists no record empties the source only when this says so.
    confirm_empty: bool = False


def parse_sync_request(data: Any, *, max_items: int = MAX_ITEMS) -> SyncRequest:
    """Check the top level of a push body; items are checked one by one later."""
    if not isinstance(data, dict):
        raise SyncRequestInvalid(_("Expected a JSON object."))
    errors: dict[str, list[str]] = {}
    for key in sorted(set(data) - TOP_LEVEL_KEYS):
        errors[str(key)] = [_("Unknown field.")]
    source = data.get("source", _MISSING)
    if source is _MISSING:
        errors["source"] = [_("This field is required.")]
    elif not isinstance(source, str) or not source.strip():
        errors["source"] = [_("Expected a non-empty string.")]
    elif len(source) > SOURCE_MAX:
        errors["source"] = [_("At most %(max)d characters.") % {"max": SOURCE_MAX}]
    elif "\x00" in source:
        errors["source"] = [_("Contains a NUL character.")]
    mode = data.get("mode", MODE_UPSERT)
    if mode not in MODES if isinstance(mode, str) else True:
        errors["mode"] = [_("Expected one of: upsert, full.")]
    sync_id = data.get("sync_id")
    if sync_id is not None:
        if not isinstance(sync_id, str) or not sync_id.strip():
            errors["sync_id"] = [_("Expected a non-empty string.")]
        elif len(sync_id) > SYNC_ID_MAX:
            errors["sync_id"] = [_("At most %(max)d characters.") % {"max": SYNC_ID_MAX}]
        elif not sync_id.isprintable():
            errors["sync_id"] = [_("Only printable characters (no NUL or line breaks).")]
        elif mode != MODE_FULL:
            errors["sync_id"] = [_('Only with "mode": "full".')]
    flags = {}
    for name in ("final", "confirm_empty"):
        flags[name] = value = data.get(name, False)
        if value is not True and value is not False:
            errors[name] = [_("Expected true or false.")]
    if flags["final"] is True and sync_id is None:
        errors["final"] = [
            _("Only with a sync_id: a full sync without one is whole in one request.")
        ]
    if flags["confirm_empty"] is True and mode != MODE_FULL:
        errors["confirm_empty"] = [_('Only with "mode": "full".')]
    lists = {}
    for name in ("vendors", "solutions"):
        value = data.get(name, [])
        if not isinstance(value, list):
            errors[name] = [_("Expected a list.")]
        lists[name] = value if isinstance(value, list) else []
    if errors:
        raise SyncRequestInvalid(
            _("Invalid input in: %(fields)s.") % {"fields": ", ".join(errors)}, errors=errors
        )
    total = len(lists["vendors"]) + len(lists["solutions"])
    if total > max_items:
        raise SyncRequestInvalid(
            _("%(n)d items in one request; the limit is %(max)d. Send them in several requests.")
            % {"n": total, "max": max_items},
            errors={"non_field_errors": [_("At most %(max)d items.") % {"max": max_items}]},
            status=413,
        )
    return SyncRequest(
        source,
        mode,
        lists["vendors"],
        lists["solutions"],
        sync_id=sync_id,
        final=flags["final"],
        confirm_empty=flags["confirm_empty"],
    )


# --------------------------------------------------------------------------------------------
# Applying a batch


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

    Stored rows are read as dicts (values()), not model instances, and written with COPY and
    one UPDATE per table: building a model instance per item costs more than PostgreSQL needs
    to store it.

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
        vendor_id = vendor_ids.get(item.vendor_ref)
        if vendor_id is None:
            unknown.append(item)
        else:
            item.values["vendor_id"] = vendor_id
            known.append(item)
    _plan(Solution, source, known, stored_solutions, writes, locked=locked)
    for write in writes:
        write()
    if any(i.status == CREATED for i in vendors):
        _refresh_statistics(Vendor, inserted=sum(i.status == CREATED for i in vendors))
    return unknown


def _with_keys(model: type[models.Model], source: str, keys) -> models.QuerySet:
    """The stored records of `source` with these external ids. On PostgreSQL one array
    parameter (= ANY(%s)) instead of IN with 5,000 parameters, which Django prepares one by
    one (a tenth of a batch's time). The exclude() repeats the condition of the partial unique
    index on (source, external_id), so PostgreSQL can use that index instead of a full scan."""
    qs = model.objects.filter(source=source).exclude(external_id="").order_by()
    if connection.vendor == "postgresql":
        column = f"{connection.ops.quote_name(model._meta.db_table)}.external_id"
        return qs.extra(where=[f"{column} = ANY(%s)"], params=[list(keys)])
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
        row = stored.get(item.external_id)
        if row is None:
            item.status = CREATED
            new.append(item)
            continue
        item.id = row["id"]
        if _changed(row, item.values):
            item.status = UPDATED
            changed.append(item)
            expected.append(row["change_seq"])
        else:
            item.status = UNCHANGED
    if new:
        rows = [{"source": source, "external_id": i.external_id, **i.values} for i in new]
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
        rows = [{"id": i.id, "is_deleted": False, **i.values} for i in changed]
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


# --------------------------------------------------------------------------------------------
# A full sync in several requests


def sync_session_open(*, source: str, sync_id: str, actor=None) -> CatalogSyncSession:
    """The session `sync_id` of `source`, started by its first page, locked until the end of
    the transaction: the pages of one session are applied one at a time, so its final page
    sees the keys of every page before it. Lock order: after the Idempotency-Key row, before
    the catalog's change counter. InvalidTransition (409) when it finished or expired."""
    session = (
        CatalogSyncSession.objects.select_for_update()
        .filter(source=source, sync_id=sync_id)
        .first()
    )
    if session is None:
        now = timezone.now()
        try:
            with transaction.atomic():
                session = CatalogSyncSession.objects.create(
                    source=source,
                    sync_id=sync_id,
                    started_by=actor if getattr(actor, "pk", None) else None,
                    started_at=now,
                    expires_at=now + SESSION_TTL,
                )
        except IntegrityError:
            # The same session's first page, sent twice at once: it has committed by now.
            session = CatalogSyncSession.objects.select_for_update().get(
                source=source, sync_id=sync_id
            )
    if session.finished_at is not None:
        raise InvalidTransition(
            _(
                "The full sync %(id)s of %(source)s already ended with its final page. Start "
                "the next full sync with a new sync_id."
            )
            % {"id": sync_id, "source": source}
        )
    if session.is_expired():
        raise InvalidTransition(
            _(
                "The full sync %(id)s of %(source)s expired before its final page (a full sync "
                "must end within %(hours)d hours of its first page); nothing was removed. "
                "Start again with a new sync_id."
            )
            % {"id": sync_id, "source": source, "hours": SESSION_TTL.total_seconds() // 3600}
        )
    return session


def sync_session_listed(*, session: CatalogSyncSession) -> tuple[set[str], set[str]]:
    """Every vendor and solution key the pages of `session` listed so far. One query."""
    vendors: set[str] = set()
    solutions: set[str] = set()
    for page_vendors, page_solutions in CatalogSyncSessionPage.objects.filter(
        session=session
    ).values_list("vendors", "solutions"):
        vendors.update(page_vendors)
        solutions.update(page_solutions)
    return vendors, solutions


def _refuse_empty_full_sync(source: str) -> None:
    raise SyncRequestInvalid(
        _(
            "This full sync lists no record, so it would remove every record of %(source)s. "
            'Nothing was changed. Send "confirm_empty": true to remove them all.'
        )
        % {"source": source},
        errors={"confirm_empty": [_("Required to remove every record of a source.")]},
    )


def report(
    *,
    source: str,
    mode: str,
    batches: list[BatchResult],
    tombstoned: list[dict[str, Any]],
    session: CatalogSyncSession | None = None,
) -> dict[str, Any]:
    counts = dict.fromkeys((CREATED, UPDATED, UNCHANGED, INVALID), 0)
    items: list[dict[str, Any]] = []
    for batch in batches:
        for name, value in batch.counts().items():
            counts[name] += value
        items += [i.as_report() for i in batch.vendors]
        items += [i.as_report() for i in batch.solutions]
    counts["deleted"] = len(tombstoned)
    body = {
        "source": source,
        "mode": mode,
        "counts": counts,
        "items": items,
        "tombstoned": tombstoned,
    }
    if session is not None:
        body["sync"] = {
            "sync_id": session.sync_id,
            "pages": session.pages,
            "final": session.finished_at is not None,
            "expires_at": session.expires_at.isoformat(),
            "counts": session.counts,
        }
    return body


def changed_anything(counts: dict[str, int]) -> bool:
    return bool(counts[CREATED] or counts[UPDATED] or counts["deleted"])


@transaction.atomic(savepoint=False)
def catalog_sync(
    *,
    source: str,
    mode: str,
    vendors: list[Any],
    solutions: list[Any],
    sync_id: str | None = None,
    final: bool = False,
    confirm_empty: bool = False,
    actor=None,
) -> dict:
    """Apply one push: upsert the valid items; in full mode also tombstone the records of
    `source` that the sync does not list (and resurrect those it lists again).

    A full sync is this one request, or with a `sync_id` every request with that id up to the
    one marked `final`: each page's keys are remembered, and only the final page tombstones
    what no page listed. A full sync that lists nothing tombstones the whole source only with
    `confirm_empty` (a client that sent an empty list by mistake must not empty the catalog)."""
    session = None
    if sync_id is not None:
        session = sync_session_open(source=source, sync_id=sync_id, actor=actor)
    batch = apply_batch(source=source, vendors=vendors, solutions=solutions)
    tombstoned: list[dict[str, Any]] = []
    if mode == MODE_FULL and session is None:
        if not (batch.listed_vendors or batch.listed_solutions or confirm_empty):
            _refuse_empty_full_sync(source)
        tombstoned = tombstone_unlisted(
            source=source, vendors=batch.listed_vendors, solutions=batch.listed_solutions
        )
    elif session is not None:
        CatalogSyncSessionPage.objects.create(
            session=session,
            vendors=sorted(batch.listed_vendors),
            solutions=sorted(batch.listed_solutions),
        )
        if final:
            listed_vendors, listed_solutions = sync_session_listed(session=session)
            if not (listed_vendors or listed_solutions or confirm_empty):
                _refuse_empty_full_sync(source)
            tombstoned = tombstone_unlisted(
                source=source, vendors=listed_vendors, solutions=listed_solutions
            )
            # The keys served their purpose; the session row stays to refuse late pages.
            CatalogSyncSessionPage.objects.filter(session=session).delete()
            session.finished_at = timezone.now()
        totals = session.counts or dict.fromkeys((CREATED, UPDATED, UNCHANGED, INVALID), 0)
        for name, value in batch.counts().items():
            totals[name] = totals.get(name, 0) + value
        totals["deleted"] = len(tombstoned)
        session.counts, session.pages = totals, session.pages + 1
        session.save(update_fields=["counts", "pages", "finished_at"])
    return report(source=source, mode=mode, batches=[batch], tombstoned=tombstoned, session=session)
