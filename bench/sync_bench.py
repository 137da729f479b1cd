"""Catalog sync throughput, through real HTTP to gunicorn into PostgreSQL (part of `make bench`).

Sends 100,000 solutions with their 5,000 vendors to POST /api/v1/catalog/sync/ in requests of at
most 5,000 items, then sends the same requests again (the no-change replay), and in the same run
times PostgreSQL itself loading the same rows with one COPY per table into scratch tables of the
same shape (columns, defaults, indexes and constraints: CREATE TABLE … LIKE … INCLUDING ALL) as
the floor. Between the replay and the floor it reads the whole change feed through
GET /api/v1/catalog/changes/ from cursor 0, in pages of 1,000, one request after the other as an
integrator would (the figure: changes per second). Figures go to bench/results.json under "sync"
(the page figures stay).

BENCH_DATABASE_URL picks the database (as for bench/run.py); BENCH_SYNC_SOLUTIONS lowers the size
for a quick look; BENCH_SYNC_CLIENTS sets how many requests are in flight at once (default 2, the
gunicorn workers); BENCH_SYNC_ROUNDS how many times the whole measure is repeated (default 3; the
figures are the medians, each round's are kept too).
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402  (the path above makes bench importable when run directly)
    RESULTS,
    ensure_database,
    env,
    free_port,
    manage,
    setup_django,
)

SOLUTIONS = int(os.environ.get("BENCH_SYNC_SOLUTIONS", 100_000))
PER_VENDOR = 20
VENDORS = max(SOLUTIONS // PER_VENDOR, 1)
BATCH = 5000
CLIENTS = int(os.environ.get("BENCH_SYNC_CLIENTS", 2))
ROUNDS = int(os.environ.get("BENCH_SYNC_ROUNDS", 3))
WORKERS = int(os.environ.get("BENCH_SYNC_WORKERS", 2))
SOURCE = "sync-bench"
CATEGORIES = [
    "talent_acquisition",
    "core_hr_payroll",
    "learning",
    "engagement",
    "marketing_automation",
    "crm",
    "analytics",
    "it_operations",
]
COUNTS = re.compile(rb'"counts":(\{[^}]*\})')
PRICING = ["perpetual", "per_seat", "on_demand", "api", "free"]


def vendor(v: int) -> dict:
    return {
        "external_id": f"v{v:06d}",
        "name": f"Sync bench vendor {v:06d}",
        "website": f"https://vendor{v}.example.com",
        "country": ["NL", "DE", "FR", "GB", "US"][v % 5],
        "description": "A vendor synchronised by the benchmark.",
    }


def solution(s: int) -> dict:
    return {
        "external_id": f"s{s:07d}",
        "vendor": f"v{s // PER_VENDOR:06d}",
        "name": f"Sync bench solution {s:07d}",
        "description": "A solution synchronised by the benchmark, with a realistic description.",
        "category": CATEGORIES[s % len(CATEGORIES)],
        "pricing_model": PRICING[s % len(PRICING)],
        "list_price": f"{(s % 500) + 0.5:.2f}",
        "price_currency": ["EUR", "USD", "GBP"][s % 3],
        "price_unit": "per seat per month",
        "deployment": "saas",
        "iso27001": s % 3 == 0,
        "soc2": s % 4 == 0,
        "sso": s % 2 == 0,
        "has_api": s % 5 != 0,
        "processes_personal_data": s % 2 == 1,
        "data_location": "EU",
    }


def batches() -> list[bytes]:
    """Requests of at most BATCH items, each vendor in the request with its solutions."""
    per_request = BATCH // (PER_VENDOR + 1)
    bodies = []
    for first in range(0, VENDORS, per_request):
        vendor_ids = range(first, min(first + per_request, VENDORS))
        body = {
            "source": SOURCE,
            "mode": "upsert",
            "vendors": [vendor(v) for v in vendor_ids],
            "solutions": [
                solution(s)
                for v in vendor_ids
                for s in range(v * PER_VENDOR, min((v + 1) * PER_VENDOR, SOLUTIONS))
            ],
        }
        assert len(body["vendors"]) + len(body["solutions"]) <= BATCH
        bodies.append(json.dumps(body).encode())
    return bodies


def clear() -> None:
    """Remove what the benchmark synced (the page benchmark's catalog must stay 10,000
    solutions), and the dead rows it leaves in the tables and indexes."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM vendors_solution WHERE source = %s AND NOT EXISTS "
            "(SELECT 1 FROM decisions_proposal p WHERE p.solution_id = vendors_solution.id)",
            [SOURCE],
        )
        cursor.execute(
            "DELETE FROM vendors_vendor v WHERE source = %s AND NOT EXISTS "
            "(SELECT 1 FROM vendors_solution s WHERE s.vendor_id = v.id)",
            [SOURCE],
        )
        cursor.execute("VACUUM ANALYZE vendors_vendor")
        cursor.execute("VACUUM ANALYZE vendors_solution")
    connection.close()


def prepare() -> str:
    """A clean slate for the source and a catalog-scoped token for a syncing user."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db import connection

    from api.services import api_token_create

    clear()
    user, _ = get_user_model().objects.get_or_create(username="bench.sync")
    user.user_permissions.add(Permission.objects.get(codename="sync_catalog"))
    _token, plaintext = api_token_create(user=user, name="sync bench", scope="catalog")
    connection.close()
    return plaintext


def send_all(
    port: int, token: str, bodies: list[bytes], expect: str, *, check: bool = True
) -> float:
    """POST every body, CLIENTS at a time; checks every item got the expected status."""
    queue = list(enumerate(bodies))
    lock = threading.Lock()
    failures: list[str] = []

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        while True:
            with lock:
                if not queue:
                    break
                index, body = queue.pop(0)
            conn.request("POST", "/api/v1/catalog/sync/", body=body, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            if response.status != 200:
                failures.append(f"batch {index}: {response.status} {raw[:300]!r}")
                continue
            # Only the counts (near the start of the report): parsing the whole 600 KB report
            # would take CPU from the server on this same machine.
            found = COUNTS.search(raw)
            if found is None:
                failures.append(f"batch {index}: no counts in {raw[:300]!r}")
                continue
            counts = json.loads(found.group(1))
            if check and counts[expect] != sum(v for k, v in counts.items() if k != "deleted"):
                failures.append(f"batch {index}: expected all {expect}, got {counts}")
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit("sync bench failed:\n" + "\n".join(failures[:10]))
    return elapsed


FEED_PAGE = 1000


def read_feed(port: int, token: str) -> tuple[int, float]:
    """Read the change feed from the start to its end, page after page: (changes, seconds).
    Every page is parsed (as a client would) and checked to follow the one before."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {"Authorization": f"Bearer {token}"}
    cursor, changes = 0, 0
    started = time.perf_counter()
    while True:
        conn.request("GET", f"/api/v1/catalog/changes/?cursor={cursor}&limit={FEED_PAGE}",
                     headers=headers)  # fmt: skip
        response = conn.getresponse()
        raw = response.read()
        if response.status != 200:
            raise SystemExit(f"feed read failed: {response.status} {raw[:300]!r}")
        page = json.loads(raw)
        if page["changes"] and page["changes"][0]["seq"] <= cursor:
            raise SystemExit(f"feed read failed: a page went back behind cursor {cursor}")
        changes += len(page["changes"])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    elapsed = time.perf_counter() - started
    conn.close()
    return changes, elapsed


# CSV reads an unquoted empty value as NULL: the owner contact's empty strings stay strings.
COPY_OPTIONS = "(FORMAT csv, FORCE_NOT_NULL (owner_name, owner_email))"


def copy_floor(bodies: list[bytes]) -> float:
    """PostgreSQL loading the same rows with one COPY per table, into scratch tables shaped
    like the real ones (indexes and constraints included), in one transaction."""
    from django.db import connection, transaction

    vendor_rows, solution_rows = io.StringIO(), io.StringIO()
    vendor_csv, solution_csv = csv.writer(vendor_rows), csv.writer(solution_rows)
    now = "2026-11-24 00:00:00+00"
    seq = 0
    for raw in bodies:
        body = json.loads(raw)
        for v in body["vendors"]:
            seq += 1
            vendor_csv.writerow(
                [SOURCE, v["external_id"], "f", now, now, seq, v["name"], v["website"],
                 v["country"], v["description"], "[]", "", "", "{}"]
            )  # fmt: skip
        for s in body["solutions"]:
            seq += 1
            solution_csv.writerow(
                [SOURCE, s["external_id"], "f", now, now, seq, int(s["vendor"][1:]) + 1,
                 s["name"], s["description"], s["category"], s["pricing_model"],
                 s["list_price"], s["price_currency"], s["price_unit"], s["deployment"],
                 s["iso27001"], s["soc2"], s["sso"], s["has_api"],
                 s["processes_personal_data"], s["data_location"], False, "[]", "", "", "{}",
                 "active"]
            )  # fmt: skip
    vendor_columns = (
        "source, external_id, is_deleted, created_at, updated_at, change_seq, name, website, "
        "country, description, tags, owner_name, owner_email, custom"
    )
    solution_columns = (
        "source, external_id, is_deleted, created_at, updated_at, change_seq, vendor_id, name, "
        "description, category, pricing_model, list_price, price_currency, price_unit, "
        "deployment, iso27001, soc2, sso, has_api, processes_personal_data, data_location, "
        "in_use, tags, owner_name, owner_email, custom, lifecycle"
    )
    with connection.cursor() as cursor:
        for table in ("bench_floor_vendor", "bench_floor_solution"):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute("CREATE TABLE bench_floor_vendor (LIKE vendors_vendor INCLUDING ALL)")
        cursor.execute("CREATE TABLE bench_floor_solution (LIKE vendors_solution INCLUDING ALL)")
    vendor_rows.seek(0)
    solution_rows.seek(0)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg2's own cursor, for COPY
        raw.copy_expert(
            f"COPY bench_floor_vendor ({vendor_columns}) FROM STDIN WITH {COPY_OPTIONS}",
            vendor_rows,
        )
        raw.copy_expert(
            f"COPY bench_floor_solution ({solution_columns}) FROM STDIN WITH {COPY_OPTIONS}",
            solution_rows,
        )
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_floor_solution")
        assert cursor.fetchone()[0] == SOLUTIONS
        cursor.execute("DROP TABLE bench_floor_vendor, bench_floor_solution")
    connection.close()
    return elapsed


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    ensure_database()
    manage("migrate", "--noinput", "-v0")
    setup_django()
    bodies = batches()
    items = SOLUTIONS + VENDORS

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "hrtech_gov.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", str(WORKERS), "--timeout", "300",
         "--log-level", "warning"],
        cwd=ROOT, env=env(),
    )  # fmt: skip
    rounds = []
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        # Warm-up: every worker's first request loads the URL configuration and the API.
        warm = json.dumps({"source": SOURCE, "vendors": [vendor(0)], "solutions": []}).encode()
        send_all(port, prepare(), [warm] * (2 * WORKERS), "created", check=False)
        # Each round from a clean slate: the first sync, the replay, then the floor, so that
        # all three see the same machine (other processes on it make single runs noisy).
        for _round in range(ROUNDS):
            token = prepare()
            first = send_all(port, token, bodies, "created")
            replay = send_all(port, token, bodies, "unchanged")
            feed_changes, feed = read_feed(port, token)
            floor = copy_floor(bodies)
            rounds.append({"first": round(first, 2), "replay": round(replay, 2),
                           "floor": round(floor, 2), "feed": round(feed, 2),
                           "feed_changes": feed_changes})  # fmt: skip
            print(f"round: first {first:.2f} s, replay {replay:.2f} s, floor {floor:.2f} s, "
                  f"feed {feed_changes} changes in {feed:.2f} s")  # fmt: skip
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        clear()

    first = median([r["first"] for r in rounds])
    replay = median([r["replay"] for r in rounds])
    floor = median([r["floor"] for r in rounds])
    feed = median([r["feed"] for r in rounds])
    feed_changes = rounds[-1]["feed_changes"]
    feed_rate = feed_changes / feed
    figures = {
        "items": items,
        "solutions": SOLUTIONS,
        "vendors": VENDORS,
        "requests": len(bodies),
        "clients": CLIENTS,
        "gunicorn_workers": WORKERS,
        "rounds": rounds,
        "first_seconds": round(first, 2),
        "replay_seconds": round(replay, 2),
        "floor_seconds": round(floor, 2),
        "first_items_per_second": round(items / first),
        "replay_items_per_second": round(items / replay),
        "floor_items_per_second": round(items / floor),
        "ratio_to_floor": round(first / floor, 2),
        "replay_speedup": round(first / replay, 2),
        "feed_changes": feed_changes,
        "feed_page_size": FEED_PAGE,
        "feed_seconds": round(feed, 2),
        "feed_changes_per_second": round(feed_rate),
        # Issue 11's targets.
        "target": {
            "first_within_x_floor": 2,
            "replay_faster_than_first_x": 2,
            "feed_changes_per_second": 20_000,
        },
        "met": {
            "first_within_x_floor": first <= 2 * floor,
            "replay_faster_than_first_x": first >= 2 * replay,
            "feed_changes_per_second": feed_rate >= 20_000,
        },
    }
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["sync"] = figures
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
