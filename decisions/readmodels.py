"""Read models kept with the writes: the dashboard reads small tables, never all history.

`ProposalCount` (decisions.models) holds, per combination of the dashboard's dimensions
(status, buying and paying department, tier, category, pricing model), how many proposals there
are and their summed TCO. Database triggers on decisions_proposal keep it, in the transaction of
the change, whatever wrote the row: the workflow's services, the admin, bulk inserts, SQL.

- PostgreSQL: one statement-level trigger per operation, with transition tables: a statement
  that writes many rows (a bulk insert) adds its delta once per key, grouped. The keys are
  updated in key order; each key is one row, incremented with INSERT … ON CONFLICT DO UPDATE
  (atomic under concurrency). Before touching a key the trigger locks the audit chain's head
  row, which every audited transaction locks anyway until it commits: the two locks are then
  always taken in one order (head, then keys). Without that, a transaction holding a key and
  waiting for the head (to record its event) deadlocks with one that recorded an event first
  and then writes a proposal with that key (seen with six concurrent workflows).
- SQLite (the embedded default): row triggers doing the same upserts.

`PendingSignOffCount` holds how many sign-offs are pending per department and due date, kept
the same way by triggers on decisions_signoff: the dashboard's overdue counts add up its rows
due before today (a few thousand) instead of counting every open sign-off.

The spend by pricing model is the pricing model of each proposal's solution now: a trigger on
vendors_solution copies a changed pricing model to the proposals of that solution (fired only
for rows whose pricing model changed), which moves their counts like any proposal update.

`rebuild()` (`manage.py rebuild_read_models`) recomputes the table from the proposals, under a
lock that keeps writers out meanwhile; `recomputed()` is that computation, which the tests
compare with the maintained table after every kind of write.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from decisions.models import PendingSignOffCount, Proposal, ProposalCount, SignOff, SignOffStatus

KEY = (
    "status",
    "requesting_department_id",
    "paying_department_id",
    "tier_id",
    "category",
    "pricing_model",
)
TABLE = "decisions_proposalcount"
SOURCE = "decisions_proposal"

# The key of a proposal row, as SQL over a row alias (PostgreSQL and SQLite alike).
_KEY_SQL = (
    "{r}.status, {r}.requesting_department_id, {r}.paying_department_id, "
    "COALESCE({r}.tier_id, 0), {r}.category, {r}.pricing_model"
)
_COLUMNS = ", ".join(KEY) + ", n, tco"
_UPSERT = (
    f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET "
    f"n = {TABLE}.n + excluded.n, tco = {TABLE}.tco + excluded.tco"
)


# The audit chain head first (see above); no row yet (no event ever recorded) locks nothing.
_HEAD_FIRST = "PERFORM 1 FROM decisions_auditchainhead WHERE id = 1 FOR UPDATE;"


def _pg_delta(*parts: tuple[str, int]) -> str:
    """The grouped delta of the transition tables `parts` ((table, +1 or -1), ...), upserted,
    after the audit head's lock."""
    rows = " UNION ALL ".join(
        f"SELECT {_KEY_SQL.format(r='t')}, {sign} AS n, {sign} * COALESCE(t.tco, 0) AS tco "
        f"FROM {table} t"
        for table, sign in parts
    )
    return (
        f"{_HEAD_FIRST} "
        f"INSERT INTO {TABLE} ({_COLUMNS}) "
        f"SELECT s, rd, pd, ti, c, pm, SUM(n), SUM(tco) "
        f"FROM ({rows}) AS u(s, rd, pd, ti, c, pm, n, tco) "
        f"GROUP BY s, rd, pd, ti, c, pm HAVING SUM(n) <> 0 OR SUM(tco) <> 0 "
        f"ORDER BY s, rd, pd, ti, c, pm {_UPSERT};"
    )


POSTGRESQL_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION decisions_proposalcount_insert() RETURNS trigger AS $$
    BEGIN {_pg_delta(("new_rows", 1))} RETURN NULL; END $$ LANGUAGE plpgsql;
    """,
    f"""
    CREATE OR REPLACE FUNCTION decisions_proposalcount_update() RETURNS trigger AS $$
    BEGIN {_pg_delta(("old_rows", -1), ("new_rows", 1))} RETURN NULL; END $$ LANGUAGE plpgsql;
    """,
    f"""
    CREATE OR REPLACE FUNCTION decisions_proposalcount_delete() RETURNS trigger AS $$
    BEGIN {_pg_delta(("old_rows", -1))} RETURN NULL; END $$ LANGUAGE plpgsql;
    """,
    f"""
    CREATE TRIGGER decisions_proposalcount_insert AFTER INSERT ON {SOURCE}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION decisions_proposalcount_insert();
    """,
    f"""
    CREATE TRIGGER decisions_proposalcount_update AFTER UPDATE ON {SOURCE}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION decisions_proposalcount_update();
    """,
    f"""
    CREATE TRIGGER decisions_proposalcount_delete AFTER DELETE ON {SOURCE}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION decisions_proposalcount_delete();
    """,
]
POSTGRESQL_INSTALL += [
    """
    CREATE OR REPLACE FUNCTION decisions_follow_solution_pricing() RETURNS trigger AS $$
    BEGIN
        UPDATE decisions_proposal SET pricing_model = NEW.pricing_model
        WHERE solution_id = NEW.id AND pricing_model IS DISTINCT FROM NEW.pricing_model;
        RETURN NULL;
    END $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER decisions_follow_solution_pricing AFTER UPDATE OF pricing_model
    ON vendors_solution FOR EACH ROW
    WHEN (OLD.pricing_model IS DISTINCT FROM NEW.pricing_model)
    EXECUTE FUNCTION decisions_follow_solution_pricing();
    """,
]
# --- Pending sign-offs per department and due date

PENDING_TABLE = "decisions_pendingsignoffcount"
PENDING_SOURCE = "decisions_signoff"
_PENDING_UPSERT = (
    f"ON CONFLICT (department_id, due_on) DO UPDATE SET n = {PENDING_TABLE}.n + excluded.n"
)
_PENDING_ROW = "{r}.status = 'pending' AND {r}.due_on IS NOT NULL"


def _pg_pending_delta(*parts: tuple[str, int]) -> str:
    rows = " UNION ALL ".join(
        f"SELECT t.department_id, t.due_on, {sign} AS n FROM {table} t "
        f"WHERE {_PENDING_ROW.format(r='t')}"
        for table, sign in parts
    )
    return (
        f"{_HEAD_FIRST} "
        f"INSERT INTO {PENDING_TABLE} (department_id, due_on, n) "
        f"SELECT d, due, SUM(n) FROM ({rows}) AS u(d, due, n) "
        f"GROUP BY d, due HAVING SUM(n) <> 0 ORDER BY d, due {_PENDING_UPSERT};"
    )


_PG_PENDING = {
    "insert": (("new_rows", 1),),
    "update": (("old_rows", -1), ("new_rows", 1)),
    "delete": (("old_rows", -1),),
}
for _op, _parts in _PG_PENDING.items():
    _tables = {"insert": "NEW TABLE AS new_rows", "delete": "OLD TABLE AS old_rows"}.get(
        _op, "OLD TABLE AS old_rows NEW TABLE AS new_rows"
    )
    POSTGRESQL_INSTALL += [
        f"""
        CREATE OR REPLACE FUNCTION decisions_pendingsignoff_{_op}() RETURNS trigger AS $$
        BEGIN {_pg_pending_delta(*_parts)} RETURN NULL; END $$ LANGUAGE plpgsql;
        """,
        f"""
        CREATE TRIGGER decisions_pendingsignoff_{_op} AFTER {_op.upper()} ON {PENDING_SOURCE}
        REFERENCING {_tables} FOR EACH STATEMENT
        EXECUTE FUNCTION decisions_pendingsignoff_{_op}();
        """,
    ]

POSTGRESQL_UNINSTALL = (
    [
        f"DROP TRIGGER IF EXISTS decisions_pendingsignoff_{op} ON {PENDING_SOURCE};"
        for op in ("insert", "update", "delete")
    ]
    + [
        f"DROP FUNCTION IF EXISTS decisions_pendingsignoff_{op}();"
        for op in ("insert", "update", "delete")
    ]
    + [
        "DROP TRIGGER IF EXISTS decisions_follow_solution_pricing ON vendors_solution;",
        "DROP FUNCTION IF EXISTS decisions_follow_solution_pricing();",
    ]
    + [
        f"DROP TRIGGER IF EXISTS decisions_proposalcount_{op} ON {SOURCE};"
        for op in ("insert", "update", "delete")
    ]
    + [
        f"DROP FUNCTION IF EXISTS decisions_proposalcount_{op}();"
        for op in ("insert", "update", "delete")
    ]
)


def _sqlite_upsert(row: str, sign: int) -> str:
    return (
        f"INSERT INTO {TABLE} ({_COLUMNS}) VALUES ({_KEY_SQL.format(r=row)}, {sign}, "
        f"{sign} * COALESCE({row}.tco, 0)) {_UPSERT};"
    )


_CHANGED = " OR ".join(f"old.{column} IS NOT new.{column}" for column in (*KEY, "tco"))
SQLITE_INSTALL = [
    f"""CREATE TRIGGER decisions_proposalcount_insert AFTER INSERT ON {SOURCE}
    BEGIN {_sqlite_upsert("new", 1)} END;""",
    f"""CREATE TRIGGER decisions_proposalcount_update AFTER UPDATE ON {SOURCE}
    WHEN {_CHANGED}
    BEGIN {_sqlite_upsert("old", -1)} {_sqlite_upsert("new", 1)} END;""",
    f"""CREATE TRIGGER decisions_proposalcount_delete AFTER DELETE ON {SOURCE}
    BEGIN {_sqlite_upsert("old", -1)} END;""",
]
SQLITE_INSTALL += [
    """CREATE TRIGGER decisions_follow_solution_pricing AFTER UPDATE OF pricing_model
    ON vendors_solution WHEN old.pricing_model IS NOT new.pricing_model
    BEGIN
        UPDATE decisions_proposal SET pricing_model = new.pricing_model
        WHERE solution_id = new.id AND pricing_model IS NOT new.pricing_model;
    END;""",
]


def _sqlite_pending(row: str, sign: int) -> str:
    return (
        f"INSERT INTO {PENDING_TABLE} (department_id, due_on, n) "
        f"SELECT {row}.department_id, {row}.due_on, {sign} "
        f"WHERE {_PENDING_ROW.format(r=row)} {_PENDING_UPSERT};"
    )


SQLITE_INSTALL += [
    f"""CREATE TRIGGER decisions_pendingsignoff_insert AFTER INSERT ON {PENDING_SOURCE}
    BEGIN {_sqlite_pending("new", 1)} END;""",
    f"""CREATE TRIGGER decisions_pendingsignoff_update AFTER UPDATE ON {PENDING_SOURCE}
    WHEN old.status IS NOT new.status OR old.due_on IS NOT new.due_on
        OR old.department_id IS NOT new.department_id
    BEGIN {_sqlite_pending("old", -1)} {_sqlite_pending("new", 1)} END;""",
    f"""CREATE TRIGGER decisions_pendingsignoff_delete AFTER DELETE ON {PENDING_SOURCE}
    BEGIN {_sqlite_pending("old", -1)} END;""",
]
SQLITE_UNINSTALL = (
    [
        f"DROP TRIGGER IF EXISTS decisions_pendingsignoff_{op};"
        for op in ("insert", "update", "delete")
    ]
    + [
        f"DROP TRIGGER IF EXISTS decisions_proposalcount_{op};"
        for op in ("insert", "update", "delete")
    ]
    + ["DROP TRIGGER IF EXISTS decisions_follow_solution_pricing;"]
)


def install_triggers(conn: BaseDatabaseWrapper) -> None:
    statements = POSTGRESQL_INSTALL if conn.vendor == "postgresql" else SQLITE_INSTALL
    with conn.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def uninstall_triggers(conn: BaseDatabaseWrapper) -> None:
    statements = POSTGRESQL_UNINSTALL if conn.vendor == "postgresql" else SQLITE_UNINSTALL
    with conn.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def recomputed(
    proposals: Any = None, using: str = "default"
) -> dict[tuple[Any, ...], tuple[int, Decimal]]:
    """The counts computed from every proposal (a full scan): what ProposalCount must hold.
    `proposals`: the model to read (a migration passes its historical one)."""
    rows = (
        (proposals or Proposal)
        .objects.using(using)
        .annotate(tier_key=Coalesce("tier_id", Value(0)))
        .values_list(*KEY[:3], "tier_key", *KEY[4:])
        .annotate(n=Count("pk"), total=Coalesce(Sum("tco"), Value(Decimal("0"))))
        .order_by()
    )
    counts = {tuple(row[:6]): (row[6], Decimal(row[7])) for row in rows}
    if proposals is None:  # (a migration passes its historical model: proposals only)
        counts.update(_pending_recomputed(using))
    return counts


def _pending_recomputed(using: str) -> dict[tuple[Any, ...], tuple[int, Decimal]]:
    rows = (
        SignOff.objects.using(using)
        .filter(status=SignOffStatus.PENDING, due_on__isnull=False)
        .values_list("department_id", "due_on")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {("pending", department, due): (n, Decimal("0")) for department, due, n in rows}


def maintained() -> dict[tuple[Any, ...], tuple[int, Decimal]]:
    """What the read models hold, without their empty keys (a count that went back to zero):
    ProposalCount's keys, and ("pending", department, due date) for PendingSignOffCount."""
    counts = {
        tuple(row[:6]): (row[6], Decimal(row[7]))
        for row in ProposalCount.objects.values_list(*KEY, "n", "tco")
        if row[6] or row[7]
    }
    counts.update(
        (("pending", department, due), (n, Decimal("0")))
        for department, due, n in PendingSignOffCount.objects.values_list(
            "department_id", "due_on", "n"
        )
        if n
    )
    return counts


def reinstall(conn: BaseDatabaseWrapper) -> None:
    """Drop and create the triggers, then rebuild the counts (idempotent: after every migrate)."""
    with transaction.atomic(using=conn.alias):
        uninstall_triggers(conn)
        install_triggers(conn)
        rebuild(using=conn.alias)


def rebuild(using: str = "default") -> int:
    """Recompute ProposalCount from the proposals; the number of keys written. Writers wait
    while it runs (PostgreSQL: SHARE lock on the proposals; SQLite: one writer anyway), so the
    result is exact when it commits. Idempotent."""
    with transaction.atomic(using=using):
        conn = connections[using]
        if conn.vendor == "postgresql":
            with conn.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {SOURCE}, {PENDING_SOURCE} IN SHARE MODE")
        counts = recomputed(using=using)
        ProposalCount.objects.using(using).all().delete()
        ProposalCount.objects.using(using).bulk_create(
            [
                ProposalCount(**dict(zip(KEY, key, strict=True)), n=n, tco=tco)
                for key, (n, tco) in sorted(counts.items(), key=str)
                if key[0] != "pending"
            ],
            batch_size=1000,
        )
        PendingSignOffCount.objects.using(using).all().delete()
        PendingSignOffCount.objects.using(using).bulk_create(
            [
                PendingSignOffCount(department_id=key[1], due_on=key[2], n=n)
                for key, (n, _tco) in counts.items()
                if key[0] == "pending"
            ],
            batch_size=1000,
        )
    return len(counts)


# --- Reads


def overdue_by_department(today: Any) -> dict[int, int]:
    """Pending sign-offs due before `today`, per department id, from PendingSignOffCount."""
    rows = (
        PendingSignOffCount.objects.filter(due_on__lt=today, n__gt=0)
        .values_list("department_id")
        .annotate(total=Sum("n"))
        .order_by()
    )
    return {department: int(total) for department, total in rows}


def counts(q: Q | None = None) -> QuerySet[ProposalCount]:
    """The maintained counts matching `q` (over ProposalCount's columns)."""
    rows = ProposalCount.objects.filter(n__gt=0)
    return rows.filter(q) if q is not None else rows
