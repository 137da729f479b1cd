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

`DecisionDayCount` holds the decided proposals per UTC day of decision, whole days from
submission to decision, and rejected or not (triggers on decisions_proposal too): the
dashboard's 90-day count, approval rate and median add up its rows, and read proposals only
for the window's first, partial day and the one-day band of cycle times that holds the median
(`decided_since`).

`PendingSignOffCount` holds how many sign-offs are pending per department and due date, kept
the same way by triggers on decisions_signoff: the dashboard's overdue counts add up its rows
due before today (a few thousand) instead of counting every open sign-off.

`CommittedSpendCount` holds the committed proposals (approved, piloting, adopted) per paying
department, contract start month (UTC), term and currency, with their summed one-off costs and
TCOs, kept the same way (a counter with sums): decisions.budgets spreads its groups over the
fiscal years they fall in, for the budgets, the dashboard's bars and the CDO's card.

The spend by pricing model is the pricing model of each proposal's solution now: a trigger on
vendors_solution copies a changed pricing model to the proposals of that solution (fired only
for rows whose pricing model changed), which moves their counts like any proposal update.

`rebuild()` (`manage.py rebuild_read_models`) recomputes the table from the proposals, under a
lock that keeps writers out meanwhile; `recomputed()` is that computation, which the tests
compare with the maintained table after every kind of write.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from decisions.models import (
    COMMITTED_STATES,
    DECIDED_STATES,
    DecisionDayCount,
    PendingSignOffCount,
    Proposal,
    ProposalCount,
    ProposalStatus,
)

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

POSTGRESQL_UNINSTALL = (
    [
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


SQLITE_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS decisions_proposalcount_{op};" for op in ("insert", "update", "delete")
] + ["DROP TRIGGER IF EXISTS decisions_follow_solution_pricing;"]


# --- Counters: read models that count the rows of a table by a key, nothing else.


@dataclass(frozen=True)
class Counter:
    """A read model `table` (key `columns` + n) counting the rows of `source` that match
    `where`, by the key `pg_key` / `sqlite_key` (SQL over a row alias {r}). `watched`: the
    source's columns whose change can move a row (SQLite fires only then)."""

    name: str
    table: str
    source: str
    columns: tuple[str, ...]
    pg_key: str
    sqlite_key: str
    where: str
    watched: tuple[str, ...]
    # Amounts added up beside the count: (column, SQL over a row alias {r}).
    sums: tuple[tuple[str, str], ...] = ()

    @property
    def upsert(self) -> str:
        added = "".join(f", {c} = {self.table}.{c} + excluded.{c}" for c, _sql in self.sums)
        return (
            f"ON CONFLICT ({', '.join(self.columns)}) DO UPDATE SET "
            f"n = {self.table}.n + excluded.n{added}"
        )

    @property
    def value_columns(self) -> str:
        """n, then the sums' columns."""
        return ", ".join(["n", *(c for c, _sql in self.sums)])

    def _summed(self, r: str, sign: int | str) -> str:
        return "".join(f", {sign} * ({sql.format(r=r)})" for _c, sql in self.sums)

    def pg_delta(self, *parts: tuple[str, int]) -> str:
        aliases = [f"k{i}" for i in range(len(self.columns))]
        keys = ", ".join(aliases)
        values = ["n", *(f"s{i}" for i in range(len(self.sums)))]
        rows = " UNION ALL ".join(
            f"SELECT {self.pg_key.format(r='t')}, {sign} AS n{self._summed('t', sign)} "
            f"FROM {table} t WHERE {self.where.format(r='t')}"
            for table, sign in parts
        )
        totals = ", ".join(f"SUM({v})" for v in values)
        changed = " OR ".join(f"SUM({v}) <> 0" for v in values)
        return (
            f"{_HEAD_FIRST} "
            f"INSERT INTO {self.table} ({', '.join(self.columns)}, {self.value_columns}) "
            f"SELECT {keys}, {totals} FROM ({rows}) AS u({keys}, {', '.join(values)}) "
            f"GROUP BY {keys} HAVING {changed} ORDER BY {keys} {self.upsert};"
        )

    def sqlite_delta(self, row: str, sign: int) -> str:
        return (
            f"INSERT INTO {self.table} ({', '.join(self.columns)}, {self.value_columns}) "
            f"SELECT {self.sqlite_key.format(r=row)}, {sign}{self._summed(row, sign)} "
            f"WHERE {self.where.format(r=row)} {self.upsert};"
        )

    def postgresql_install(self) -> list[str]:
        statements = []
        for op, parts in _DELTAS.items():
            statements += [
                f"""CREATE OR REPLACE FUNCTION {self.name}_{op}() RETURNS trigger AS $$
                BEGIN {self.pg_delta(*parts)} RETURN NULL; END $$ LANGUAGE plpgsql;""",
                f"""CREATE TRIGGER {self.name}_{op} AFTER {op.upper()} ON {self.source}
                REFERENCING {_TRANSITION_TABLES[op]} FOR EACH STATEMENT
                EXECUTE FUNCTION {self.name}_{op}();""",
            ]
        return statements

    def postgresql_uninstall(self) -> list[str]:
        return [f"DROP TRIGGER IF EXISTS {self.name}_{op} ON {self.source};" for op in _DELTAS] + [
            f"DROP FUNCTION IF EXISTS {self.name}_{op}();" for op in _DELTAS
        ]

    def sqlite_install(self) -> list[str]:
        changed = " OR ".join(f"old.{column} IS NOT new.{column}" for column in self.watched)
        return [
            f"""CREATE TRIGGER {self.name}_insert AFTER INSERT ON {self.source}
            BEGIN {self.sqlite_delta("new", 1)} END;""",
            f"""CREATE TRIGGER {self.name}_update AFTER UPDATE ON {self.source} WHEN {changed}
            BEGIN {self.sqlite_delta("old", -1)} {self.sqlite_delta("new", 1)} END;""",
            f"""CREATE TRIGGER {self.name}_delete AFTER DELETE ON {self.source}
            BEGIN {self.sqlite_delta("old", -1)} END;""",
        ]

    def recount_sql(self, conn: BaseDatabaseWrapper) -> str:
        """SELECT the key and the count of every matching row of the source: what the read
        model must hold (a full scan)."""
        key = (self.pg_key if conn.vendor == "postgresql" else self.sqlite_key).format(r="r")
        group = ", ".join(str(i + 1) for i in range(len(self.columns)))
        sums = "".join(f", SUM({sql.format(r='r')})" for _c, sql in self.sums)
        return (
            f"SELECT {key}, COUNT(*){sums} FROM {self.source} r "
            f"WHERE {self.where.format(r='r')} GROUP BY {group}"
        )

    def sqlite_uninstall(self) -> list[str]:
        return [f"DROP TRIGGER IF EXISTS {self.name}_{op};" for op in _DELTAS]


_TRANSITION_TABLES = {
    "insert": "NEW TABLE AS new_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
}
_DELTAS: dict[str, tuple[tuple[str, int], ...]] = {
    "insert": (("new_rows", 1),),
    "update": (("old_rows", -1), ("new_rows", 1)),
    "delete": (("old_rows", -1),),
}

PENDING = Counter(
    name="decisions_pendingsignoff",
    table="decisions_pendingsignoffcount",
    source="decisions_signoff",
    columns=("department_id", "due_on"),
    pg_key="{r}.department_id, {r}.due_on",
    sqlite_key="{r}.department_id, {r}.due_on",
    where="{r}.status = 'pending' AND {r}.due_on IS NOT NULL",
    watched=("status", "due_on", "department_id"),
)
DECISION_DAYS = Counter(
    name="decisions_decisionday",
    table="decisions_decisiondaycount",
    source=SOURCE,
    columns=("decided_on", "cycle_days", "rejected"),
    # The UTC day of the decision; whole days from submission (floor); rejected or not.
    pg_key=(
        "({r}.decided_at AT TIME ZONE 'UTC')::date, "
        "floor(extract(epoch FROM {r}.decided_at - {r}.submitted_at) / 86400)::int, "
        "{r}.status = 'rejected'"
    ),
    # SQLite stores datetimes as UTC text; whole seconds, then whole days.
    sqlite_key=(
        "date({r}.decided_at), "
        "(CAST(strftime('%s', {r}.decided_at) AS INTEGER) "
        "- CAST(strftime('%s', {r}.submitted_at) AS INTEGER)) / 86400, "
        "{r}.status = 'rejected'"
    ),
    where=(
        "{r}.status IN (" + ", ".join(f"'{status}'" for status in DECIDED_STATES) + ") "
        "AND {r}.decided_at IS NOT NULL AND {r}.submitted_at IS NOT NULL"
    ),
    watched=("status", "decided_at", "submitted_at"),
)
# Committed spend (decisions.budgets): the committed proposals' one-off costs (in their own
# currency, by the key's currency) and TCOs (base currency), per paying department, month the
# contract starts (UTC) and term. The budgets spread each group over its fiscal years when
# read: a few thousand groups, not every committed proposal. The start: a renewal's renewal
# date, else the day of the decision (submission, creation for rows written without one).
COMMITTED_SPEND = Counter(
    name="decisions_committedspend",
    table="decisions_committedspendcount",
    source=SOURCE,
    columns=("paying_department_id", "start_month", "term_months", "currency"),
    pg_key=(
        "{r}.paying_department_id, "
        "date_trunc('month', COALESCE({r}.renewal_date, "
        "({r}.decided_at AT TIME ZONE 'UTC')::date, "
        "({r}.submitted_at AT TIME ZONE 'UTC')::date, "
        "({r}.created_at AT TIME ZONE 'UTC')::date))::date, "
        "{r}.term_months, {r}.currency"
    ),
    sqlite_key=(
        "{r}.paying_department_id, "
        "date(COALESCE({r}.renewal_date, {r}.decided_at, {r}.submitted_at, {r}.created_at), "
        "'start of month'), {r}.term_months, {r}.currency"
    ),
    where="{r}.status IN (" + ", ".join(f"'{status}'" for status in COMMITTED_STATES) + ")",
    watched=(
        "status",
        "paying_department_id",
        "renewal_date",
        "decided_at",
        "submitted_at",
        "created_at",
        "term_months",
        "currency",
        "one_off_cost",
        "tco",
    ),
    sums=(("one_off", "{r}.one_off_cost"), ("tco", "COALESCE({r}.tco, 0)")),
)
COUNTERS = (PENDING, DECISION_DAYS, COMMITTED_SPEND)
for _counter in COUNTERS:
    POSTGRESQL_INSTALL += _counter.postgresql_install()
    POSTGRESQL_UNINSTALL = _counter.postgresql_uninstall() + POSTGRESQL_UNINSTALL
    SQLITE_INSTALL += _counter.sqlite_install()
    SQLITE_UNINSTALL = _counter.sqlite_uninstall() + SQLITE_UNINSTALL


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
) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """What the read models must hold, computed from every row (a full scan): ProposalCount's
    keys, then the counters' (see `maintained`). With `proposals` (a model: a migration's
    historical one, or `rebuild`), ProposalCount's keys only."""
    rows = (
        (proposals or Proposal)
        .objects.using(using)
        .annotate(tier_key=Coalesce("tier_id", Value(0)))
        .values_list(*KEY[:3], "tier_key", *KEY[4:])
        .annotate(n=Count("pk"), total=Coalesce(Sum("tco"), Value(Decimal("0"))))
        .order_by()
    )
    counts = {tuple(row[:6]): (row[6], Decimal(row[7])) for row in rows}
    if proposals is None:
        for counter in COUNTERS:
            counts.update(_counter_rows(counter, counter.recount_sql(connections[using]), using))
    return counts


def _counter_rows(counter: Counter, sql: str, using: str) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """(counter name, *key) → (n, *sums); a counter without sums: (n, 0)."""
    width = len(counter.columns)
    with connections[using].cursor() as cursor:
        cursor.execute(sql)
        return {
            (counter.name, *map(_plain, row[:width])): (
                row[width],
                *([Decimal(str(v)) for v in row[width + 1 :]] or [Decimal("0")]),
            )
            for row in cursor.fetchall()
        }


def _plain(value: Any) -> Any:
    """A key's value as both drivers can give it (SQLite: a computed date is text and a
    boolean an integer), so that what is kept and what is recomputed compare."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def maintained(using: str = "default") -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """What the read models hold, without their empty keys (a count that went back to zero):
    ProposalCount's keys, and (counter name, *key) for the counters (PendingSignOffCount,
    DecisionDayCount)."""
    counts = {
        tuple(row[:6]): (row[6], Decimal(row[7]))
        for row in ProposalCount.objects.using(using).values_list(*KEY, "n", "tco")
        if row[6] or row[7]
    }
    for counter in COUNTERS:
        sql = (
            f"SELECT {', '.join(counter.columns)}, {counter.value_columns} "
            f"FROM {counter.table} WHERE n <> 0"
        )
        counts.update(_counter_rows(counter, sql, using))
    return counts


def reinstall(conn: BaseDatabaseWrapper) -> None:
    """Drop and create the triggers, then rebuild the counts (idempotent: after every migrate)."""
    with transaction.atomic(using=conn.alias):
        uninstall_triggers(conn)
        install_triggers(conn)
        rebuild(using=conn.alias)


def rebuild(using: str = "default") -> int:
    """Recompute the read models from the proposals and sign-offs; the number of keys
    written. Writers wait while it runs (PostgreSQL: SHARE lock on the tables counted; SQLite:
    one writer anyway), so the result is exact when it commits. Idempotent."""
    with transaction.atomic(using=using):
        conn = connections[using]
        if conn.vendor == "postgresql":
            with conn.cursor() as cursor:
                sources = sorted({SOURCE, *(counter.source for counter in COUNTERS)})
                cursor.execute(f"LOCK TABLE {', '.join(sources)} IN SHARE MODE")
        counts = recomputed(Proposal, using=using)  # ProposalCount's keys
        ProposalCount.objects.using(using).all().delete()
        ProposalCount.objects.using(using).bulk_create(
            [
                ProposalCount(**dict(zip(KEY, key, strict=True)), n=n, tco=tco)
                for key, (n, tco) in sorted(counts.items())
            ],
            batch_size=1000,
        )
        keys = len(counts)
        with conn.cursor() as cursor:
            for counter in COUNTERS:  # set-based: one statement per read model
                cursor.execute(f"DELETE FROM {counter.table}")
                cursor.execute(
                    f"INSERT INTO {counter.table} "
                    f"({', '.join(counter.columns)}, {counter.value_columns}) "
                    + counter.recount_sql(conn)
                )
                keys += max(cursor.rowcount, 0)
    return keys


# --- Reads


def decided_since(since: dt.datetime) -> tuple[int, int, float | None] | None:
    """(decided, rejected, median days from submission to decision) of the proposals decided
    at or after `since`, exact, from DecisionDayCount: its whole UTC days after `since`'s day,
    plus the proposals of that first, partial day read directly. The median: the histogram
    of whole days says which one-day band holds the middle rank(s); only that band's
    proposals are read and sorted. None when the two reads disagree (a decision landed in
    between): the caller then computes the window the long way."""
    first_day = since.astimezone(dt.UTC).date() + dt.timedelta(days=1)
    first_day_start = dt.datetime.combine(first_day, dt.time.min, tzinfo=dt.UTC)
    decided = Proposal.objects.filter(
        status__in=DECIDED_STATES, decided_at__isnull=False, submitted_at__isnull=False
    ).order_by()  # (the model's default ordering would sort the window)
    histogram: dict[int, int] = defaultdict(int)
    total = rejected = 0
    rows = (
        DecisionDayCount.objects.filter(decided_on__gte=first_day, n__gt=0)
        .values_list("cycle_days", "rejected")
        .annotate(total=Sum("n"))
        .order_by()
    )
    for cycle_days, was_rejected, n in rows:
        histogram[cycle_days] += n
        total += n
        rejected += n if was_rejected else 0
    partial: list[float] = []  # the first day's cycle times, in seconds
    for submitted, decided_at, status in decided.filter(
        decided_at__gte=since, decided_at__lt=first_day_start
    ).values_list("submitted_at", "decided_at", "status"):
        seconds = _cycle_seconds(submitted, decided_at)
        partial.append(seconds)
        histogram[math.floor(seconds / 86400)] += 1
        total += 1
        rejected += status == ProposalStatus.REJECTED
    if not total:
        return 0, 0, None
    ranks = [total // 2] if total % 2 else [total // 2 - 1, total // 2]
    middle: list[float] = []
    below = 0
    for band in sorted(histogram):
        offsets = [rank - below for rank in ranks if below <= rank < below + histogram[band]]
        if offsets:
            cycle = ExpressionWrapper(
                F("decided_at") - F("submitted_at"), output_field=DurationField()
            )
            in_band = sorted(
                [seconds for seconds in partial if math.floor(seconds / 86400) == band]
                + [
                    _cycle_seconds(submitted, decided_at)
                    for submitted, decided_at in decided.filter(decided_at__gte=first_day_start)
                    .alias(cycle=cycle)
                    .filter(
                        cycle__gte=dt.timedelta(days=band), cycle__lt=dt.timedelta(days=band + 1)
                    )
                    .values_list("submitted_at", "decided_at")
                ]
            )
            if len(in_band) != histogram[band]:
                return None
            middle += [in_band[offset] for offset in offsets]
        below += histogram[band]
    return total, rejected, sum(middle) / len(middle) / 86400


def _cycle_seconds(submitted: dt.datetime | None, decided: dt.datetime | None) -> float:
    if submitted is None or decided is None:  # the queries above read neither
        raise ValueError("a decided proposal without its submission or decision time")
    return (decided - submitted).total_seconds()


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
