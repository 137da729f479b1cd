"""PostgreSQL: a batch staged in a temporary table, compared with the catalog and merged into it
by set-based statements.

A batch's valid items go to a temporary table in one COPY; one join then tells, per item,
whether its record exists, its id and change number, and whether any field differs (the
comparison runs in PostgreSQL, not on rows fetched into Python); new records are inserted and
changed ones updated by one INSERT … SELECT and one UPDATE … FROM each, from the staged rows.
Reading every stored row back into Python (Django's values()) and comparing it there cost more
than the whole write of a first sync.

The temporary table lives until the transaction ends (ON COMMIT DROP), so it suits any
connection pooling; inside one transaction it is emptied before each use."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection, models
from django.utils import timezone

from vendors.models import reserve_change_seqs
from vendors.writer import CatalogConflict


@dataclass(frozen=True)
class Stored:
    """What the catalog holds for a staged item."""

    id: int
    change_seq: int
    differs: bool  # a field differs, or the record is a tombstone


class _Lines(list):
    write = list.append


def _qn(name: str | None) -> str:
    if name is None:
        raise TypeError("not a concrete column")
    return connection.ops.quote_name(name)


def _stage_name(model: type[models.Model]) -> str:
    return f"catalog_stage_{model._meta.model_name}"


def _columns(model: type[models.Model], fields: tuple[str, ...]) -> list[models.Field]:
    """The staged columns: the item's fields (by attname), e.g. vendor_id for a solution."""
    columns = [model._meta.get_field(name) for name in fields]
    if not all(isinstance(f, models.Field) for f in columns):
        raise TypeError(f"not concrete fields: {fields}")
    return cast(list[models.Field], columns)


def stage(model: type[models.Model], fields: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """Put `rows` (dicts with "external_id" and `fields` by attname, in item order) into the
    model's temporary staging table, numbered by their position ("ord"). Two statements."""
    table = _qn(_stage_name(model))
    columns = _columns(model, fields)
    definition = ", ".join(
        [
            "ord integer",
            "external_id text",
            *(f"{_qn(f.column)} {f.db_type(connection)}" for f in columns),
        ]
    )
    attnames = [f.attname for f in columns]
    lines = _Lines()
    # Every string quoted, so "" is an empty string and an unquoted empty field NULL.
    writer = csv.writer(lines, quoting=csv.QUOTE_STRINGS, lineterminator="\n")
    json_names = {f.attname for f in columns if isinstance(f, models.JSONField)}
    if json_names:
        # jsonb columns (tags, custom) as JSON text; an empty one without a call.
        rows = [{**row, **{name: _json(row[name]) for name in json_names}} for row in rows]
    writer.writerows(
        (ord_, row["external_id"], *(row[name] for name in attnames))
        for ord_, row in enumerate(rows)
    )
    quoted = ", ".join(["ord", "external_id", *(_qn(f.column) for f in columns)])
    with connection.cursor() as cursor, connection.wrap_database_errors:
        # Our own table and column names, quoted; the rows go by COPY.
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {table} ({definition}) ON COMMIT DROP; "
            f"TRUNCATE {table}"
        )
        cursor.cursor.copy_expert(
            f"COPY {table} ({quoted}) FROM STDIN WITH (FORMAT csv)", io.StringIO("".join(lines))
        )


def _json(value: Any) -> str:
    if not value:
        return "[]" if isinstance(value, list) else "{}"
    return json.dumps(value, separators=(",", ":"))


def compare(
    model: type[models.Model], fields: tuple[str, ...], *, source: str
) -> dict[int, Stored]:
    """The staged items whose record `source` already holds, by position: its id, change
    number and whether it differs. One query: a join on the partial unique index of
    (source, external_id)."""
    table, target = _qn(_stage_name(model)), _qn(model._meta.db_table)
    columns = [_qn(f.column) for f in _columns(model, fields)]
    mine = ", ".join(f"t.{c}" for c in columns)
    theirs = ", ".join(f"s.{c}" for c in columns)
    with connection.cursor() as cursor:
        # One probe of the partial unique index on (source, external_id) per staged item (its
        # condition repeated so that it applies). LATERAL … LIMIT 1 keeps it so: as a plain
        # join the planner may hash every record of the source instead, a cost that grows
        # with the source, not with the batch.
        cursor.execute(
            f"SELECT s.ord, t.id, t.change_seq, t.differs FROM {table} s "  # noqa: S608
            f"CROSS JOIN LATERAL (SELECT t.id, t.change_seq, t.is_deleted OR ROW({mine}) "
            f"IS DISTINCT FROM ROW({theirs}) AS differs FROM {target} t WHERE t.source = %s "
            "AND t.external_id = s.external_id AND NOT (t.external_id = '') LIMIT 1) t",
            [source],
        )
        return {ord_: Stored(pk, seq, differs) for ord_, pk, seq, differs in cursor.fetchall()}


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Ids for new rows from the table's identity sequence (no lock needed)."""
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def insert_staged(
    model: type[models.Model],
    fields: tuple[str, ...],
    *,
    source: str,
    ords: list[int],
    ids: list[int],
) -> None:
    """Insert the staged items at `ords` as new records with `ids`, numbered in the change
    sequence (under its lock, taken here). One statement."""
    if not ords:
        return
    table, target = _qn(_stage_name(model)), _qn(model._meta.db_table)
    staged = [f.column for f in _columns(model, fields)]
    # Every other column takes its model default (in_use, is_deleted, …).
    others = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key
        and f.column not in staged
        and f.attname not in ("source", "external_id", "change_seq", "created_at", "updated_at")
    ]
    first = reserve_change_seqs(len(ords))
    now = timezone.now()
    names = [
        "id", "source", "external_id", *staged, *(f.column for f in others),
        "created_at", "updated_at", "change_seq",
    ]  # fmt: skip
    values = [
        "n.id", "%(source)s", "s.external_id", *(f"s.{_qn(c)}" for c in staged),
        *(f"%(d{i})s" for i in range(len(others))),
        "%(now)s", "%(now)s", "%(first)s + n.idx - 1",
    ]  # fmt: skip
    params: dict[str, Any] = {
        "source": source,
        "now": now,
        "first": first,
        "ords": ords,
        "ids": ids,
    }
    params.update(
        (f"d{i}", f.get_db_prep_save(f.get_default(), connection)) for i, f in enumerate(others)
    )
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(
            f"INSERT INTO {target} ({', '.join(_qn(n) for n in names)}) "  # noqa: S608
            f"SELECT {', '.join(values)} FROM {table} s JOIN "
            "unnest(%(ords)s::integer[], %(ids)s::bigint[]) WITH ORDINALITY AS n(ord, id, idx) "
            "ON n.ord = s.ord ORDER BY n.idx",
            params,
        )


def update_staged(
    model: type[models.Model],
    fields: tuple[str, ...],
    *,
    ords: list[int],
    ids: list[int],
    expected_seqs: list[int] | None,
) -> None:
    """Write the staged items at `ords` over the records `ids` (and revive tombstones),
    numbered in the change sequence. With `expected_seqs` (the change numbers compare() read),
    CatalogConflict when any of them changed since. One statement."""
    if not ords:
        return
    table, target = _qn(_stage_name(model)), _qn(model._meta.db_table)
    staged = [_qn(f.column) for f in _columns(model, fields)]
    first = reserve_change_seqs(len(ords))
    sets = ", ".join(
        [*(f"{c} = s.{c}" for c in staged), "is_deleted = false", "updated_at = %(now)s",
         "change_seq = %(first)s + n.idx - 1"]
    )  # fmt: skip
    check = " AND t.change_seq = n.expected" if expected_seqs is not None else ""
    params: dict[str, Any] = {
        "now": timezone.now(),
        "first": first,
        "ords": ords,
        "ids": ids,
        "expected": expected_seqs if expected_seqs is not None else [0] * len(ords),
    }
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(
            f"UPDATE {target} t SET {sets} FROM {table} s JOIN "  # noqa: S608
            "unnest(%(ords)s::integer[], %(ids)s::bigint[], %(expected)s::bigint[]) "
            "WITH ORDINALITY AS n(ord, id, expected, idx) ON n.ord = s.ord "
            f"WHERE t.id = n.id{check}",
            params,
        )
        if cursor.rowcount != len(ords):
            raise CatalogConflict()
