"""The catalog's bulk writer: new rows by COPY (PostgreSQL) and changed rows by one UPDATE …
FROM (VALUES …), each numbered in the change sequence under the catalog's counter lock
(vendors.models.reserve_change_seqs). What a catalog sync writes with."""

from __future__ import annotations

import csv
import io
import json
import operator
from dataclasses import dataclass
from typing import Any

from django.db import connections, models
from django.utils import timezone

from vendors.models import reserve_change_seqs


class CatalogConflict(Exception):
    """A row changed between an optimistic read and the write: redo the batch under the lock."""


def _number_rows(rows: list[dict], *, using: str, created: bool) -> None:
    first = reserve_change_seqs(len(rows), using=using)
    now = timezone.now()
    for offset, row in enumerate(rows):
        row["change_seq"] = first + offset
        row["updated_at"] = now
        if created:
            row["created_at"] = now


class _Lines(list):
    """A file for csv.writer that keeps each written row as one string."""

    write = list.append


@dataclass
class PreparedInsert:
    """New rows of one table, encoded for COPY before the counter lock is taken; only their
    change numbers (the last column) are added under the lock."""

    model: type[models.Model]
    ids: list[int]
    lines: list[str]  # CSV rows without the change number and the line end
    columns: list[str]
    using: str

    def execute(self) -> None:
        conn = connections[self.using]
        first = reserve_change_seqs(len(self.lines), using=self.using)
        body = "".join(f"{line},{first + offset}\n" for offset, line in enumerate(self.lines))
        quoted = ", ".join(conn.ops.quote_name(c) for c in self.columns)
        table = conn.ops.quote_name(self.model._meta.db_table)
        # wrap_database_errors: psycopg2's own errors as Django's (IntegrityError, …).
        with conn.cursor() as cursor, conn.wrap_database_errors:
            cursor.cursor.copy_expert(
                f"COPY {table} ({quoted}) FROM STDIN WITH (FORMAT csv)", io.StringIO(body)
            )


def catalog_insert_prepare(
    model: type[models.Model], rows: list[dict], *, using="default"
) -> PreparedInsert:
    """PostgreSQL only: take ids for new rows (dicts by attname) from the table's identity
    sequence in one query (no lock needed) and encode them as CSV for COPY: every string quoted
    (so "" is an empty string and an unquoted empty field NULL), by the C csv writer."""
    conn = connections[using]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    # Formatted once: str() of a datetime per row would cost more than the rest of the row.
    defaults["created_at"] = defaults["updated_at"] = timezone.now().isoformat()
    names = [f.attname for f in fields if f.attname != "change_seq"]
    json_names = [f.attname for f in fields if isinstance(f, models.JSONField)]
    if json_names:  # jsonb columns as JSON text, not Python's repr
        defaults.update((name, json.dumps(defaults[name])) for name in json_names)
        rows = [{**row, **{n: json.dumps(row[n]) for n in json_names if n in row}} for row in rows]
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    lines = _Lines()
    writer = csv.writer(lines, quoting=csv.QUOTE_STRINGS, lineterminator="")
    getter = operator.itemgetter(*names)
    writer.writerows((pk, *getter({**defaults, **row})) for pk, row in zip(ids, rows, strict=True))
    return PreparedInsert(model, ids, lines, ["id", *names, "change_seq"], using)


def catalog_insert(model: type[models.Model], rows: list[dict], *, using="default") -> list[int]:
    """Insert new catalog rows (dicts by attname), numbered in the change sequence; returns
    their ids in order. Inside a transaction (the counter lock). On PostgreSQL: ids from the
    identity sequence and one COPY (Django's bulk_create spends ~10x longer building its SQL
    than PostgreSQL takes to store the rows); elsewhere bulk_create."""
    if connections[using].vendor == "postgresql":
        prepared = catalog_insert_prepare(model, rows, using=using)
        prepared.execute()
        return prepared.ids
    _number_rows(rows, using=using, created=True)
    objs: list[Any] = [model(**row) for row in rows]
    models.QuerySet(model, using=using).bulk_create(objs)  # the plain one: numbered above
    return [obj.pk for obj in objs]


def catalog_update(
    model: type[models.Model],
    rows: list[dict],
    *,
    expected_seqs: list[int] | None = None,
    using="default",
) -> None:
    """Update catalog rows (dicts by attname with "id"; all with the same keys), numbered in the
    change sequence. Inside a transaction. With `expected_seqs` (the change numbers read), raise
    CatalogConflict when any row changed since. On PostgreSQL one UPDATE … FROM (VALUES …):
    Django's bulk_update builds a CASE per row, which PostgreSQL evaluates row by row."""
    _number_rows(rows, using=using, created=False)
    names = [name for name in rows[0] if name != "id"]
    conn = connections[using]
    if conn.vendor != "postgresql":
        if expected_seqs is not None:
            stored = dict(
                models.QuerySet(model, using=using)
                .filter(pk__in=[row["id"] for row in rows])
                .values_list("pk", "change_seq")
            )
            if any(stored.get(r["id"]) != e for r, e in zip(rows, expected_seqs, strict=True)):
                raise CatalogConflict()
        objs: list[Any] = [model(**row) for row in rows]
        fields = [model._meta.get_field(n).name for n in names]
        models.QuerySet(model, using=using).bulk_update(objs, fields)
        return
    from psycopg2.extras import execute_values  # type: ignore[import-untyped]

    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    qn = conn.ops.quote_name
    casts = [f"%s::{by_attname[n].db_type(conn)}" for n in ["id", *names]]
    aliases = [qn(n) for n in ["id", *names]]
    json_names = {n for n in names if isinstance(by_attname[n], models.JSONField)}
    values = [
        [row["id"], *(json.dumps(row[n]) if n in json_names else row[n] for n in names)]
        for row in rows
    ]
    check = ""
    if expected_seqs is not None:
        casts.append("%s::bigint")
        aliases.append("expected_seq")
        for value, expected in zip(values, expected_seqs, strict=True):
            value.append(expected)
        check = " AND t.change_seq = v.expected_seq"
    # Identifiers are the model's own, quoted; every value goes as a parameter.
    sets = ", ".join(f"{qn(n)} = v.{qn(n)}" for n in names)
    # Identifiers are the model's own, quoted; every value goes as a parameter.
    sql = (
        f"UPDATE {qn(model._meta.db_table)} AS t SET {sets} FROM (VALUES %s) "  # noqa: S608
        f"AS v ({', '.join(aliases)}) WHERE t.id = v.id{check}"
    )
    with conn.cursor() as cursor, conn.wrap_database_errors:
        execute_values(
            cursor.cursor, sql, values, template=f"({', '.join(casts)})", page_size=len(rows)
        )
        if cursor.cursor.rowcount != len(rows):
            raise CatalogConflict()
