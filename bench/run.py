"""`make bench`: page and API latency on a large PostgreSQL database, through real HTTP to
gunicorn with Redis as the cache (production-like).

Fills a dedicated database with BENCH_PROPOSALS proposals (default 100,000; about 3 sign-offs
each) and 10,000 solutions, reusing it when it already holds them (each size has its own
database: hrtech_gov_bench for the default, hrtech_gov_bench_<N> otherwise, or
BENCH_DATABASE_URL), serves the app with gunicorn (2 workers) and measures, in one run:

- the baseline: a trivial page (the sign-in page);
- the CDO dashboard warm (cached), and cold: a real sign-off committed before each request;
- the dashboard while a writer commits a real sign-off every second (p99 over the period);
- a reviewer's queue; the proposal API list (token); a catalog search;
- the gunicorn workers' resident memory after the run.

Figures go to bench/results.json under "pages" with the data sizes, and under
"pages_by_size" per number of proposals (merged with what other
parts of the bench write there, such as "sync"); bench/sync_bench.py then measures the catalog
sync and the change feed. BENCH_REQUESTS sets the requests per page, BENCH_LOAD_SECONDS the
length of the change-per-second period, BENCH_REDIS_URL the Redis database used (flushed).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
PROPOSALS = int(os.environ.get("BENCH_PROPOSALS", 100_000))
DB_URL = os.environ.get(
    "BENCH_DATABASE_URL",
    "postgres://postgres@127.0.0.1:5432/hrtech_gov_bench"
    + ("" if PROPOSALS == 100_000 else f"_{PROPOSALS}"),
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", 30))
SOLUTIONS = int(os.environ.get("BENCH_SOLUTIONS", 10_000))
VENDORS = max(SOLUTIONS // 20, 1)
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 200))
WARMUP = 20


def env() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": DB_URL,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "AUDIT_HMAC_KEY": "bench-only-audit-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "hrtech_gov.settings",
    }


def ensure_database() -> None:
    url = urlparse(DB_URL)
    name = url.path.lstrip("/")
    exists = subprocess.run(
        ["psql", "-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432),
         "-U", url.username or "postgres", "-tAc",
         f"SELECT 1 FROM pg_database WHERE datname = '{name}'", "postgres"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not exists:
        subprocess.run(
            ["psql", "-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432),
             "-U", url.username or "postgres", "-c", f'CREATE DATABASE "{name}"', "postgres"],
            check=True,
        )  # fmt: skip


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env(), check=True)


def setup_django() -> None:
    os.environ.update(env())
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def session_cookie(username: str) -> str:
    """A signed-in session for `username`, created the way the login view would."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.get(username=username)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    # The backend that signs people in (django-axes comes first, and only guards).
    store[BACKEND_SESSION_KEY] = next(
        b for b in settings.AUTHENTICATION_BACKENDS if not b.startswith("axes.")
    )
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def summary(path: str, samples: list[float], **extra) -> dict:
    samples = sorted(samples)

    def pct(p: float) -> float:
        return round(samples[max(int(len(samples) * p) - 1, 0)], 1)

    return {
        "path": path,
        "requests": len(samples),
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(samples[-1], 1),
        **extra,
    }


def get(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> float:
    """One GET, timed in ms; anything but 200 stops the bench."""
    start = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - start) * 1000
    if response.status != 200:
        raise SystemExit(f"{path} answered {response.status}: {body[:300]!r}")
    return elapsed


def time_page(port: int, path: str, headers: dict[str, str] | None = None) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    samples = [get(conn, path, headers or {}) for _ in range(WARMUP + REQUESTS)][WARMUP:]
    conn.close()
    return summary(path, samples)


class Writer:
    """Real changes, as a reviewer makes them: approving pending sign-offs through the service
    (row locks, audit event, read models, data version, notifications queued)."""

    def __init__(self) -> None:
        from django.contrib.auth import get_user_model

        from decisions.models import SignOff, SignOffStatus

        self.reviewer = get_user_model().objects.get(username="bench.reviewer")
        self.ids = list(
            SignOff.objects.filter(status=SignOffStatus.PENDING, department__code="HR")
            .order_by("pk")
            .values_list("pk", flat=True)[:5000]
        )
        self.done = 0

    def commit_one(self) -> None:
        from decisions import services
        from decisions.models import SignOff, SignOffStatus

        signoff = SignOff.objects.select_related("proposal").get(pk=self.ids.pop())
        services.signoff_decide(
            signoff=signoff, actor=self.reviewer, outcome=SignOffStatus.APPROVED
        )
        self.done += 1


def time_cold_dashboard(port: int, cookie: str, writer: Writer) -> dict:
    """The dashboard right after a change: a real sign-off committed before each request."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie}
    samples = []
    for i in range(WARMUP + REQUESTS // 2):
        writer.commit_one()
        elapsed = get(conn, "/dashboard/", headers)
        if i >= WARMUP:
            samples.append(elapsed)
    conn.close()
    return summary("/dashboard/ (a sign-off committed before each request)", samples)


def time_dashboard_under_writes(port: int, cookie: str, writer: Writer) -> dict:
    """The dashboard read in a loop for LOAD_SECONDS while a writer commits a sign-off every
    second (each change makes the cached figures stale)."""
    stop = threading.Event()
    before = writer.done

    def write() -> None:
        from django.db import connection

        while not stop.wait(1.0):
            writer.commit_one()
        connection.close()

    thread = threading.Thread(target=write)
    thread.start()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    samples = []
    deadline = time.monotonic() + LOAD_SECONDS
    try:
        while time.monotonic() < deadline:
            samples.append(get(conn, "/dashboard/", {"Cookie": cookie}))
    finally:
        stop.set()
        thread.join()
        conn.close()
    return summary(
        f"/dashboard/ for {LOAD_SECONDS} s, one sign-off committed per second",
        samples,
        changes=writer.done - before,
    )


def worker_rss_mb(master_pid: int) -> list[float]:
    """Resident memory of the gunicorn master's children (the workers), in MB."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [
        round(int(line.split()[1]) / 1024, 1)
        for pid in children
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("VmRSS:")
    ]


TARGETS = {
    "dashboard_cold_p95_ms": 50,
    "dashboard_under_writes_p99_ms": 100,
    "queue_p95_ms": 30,
    "proposal_api_p95_ms": 30,
    "worker_rss_mb": 200,
}


def main() -> None:
    ensure_database()
    manage("migrate", "--noinput", "-v0")
    manage("collectstatic", "--noinput", "-v0")
    setup_django()
    from bench.generate import generate

    started = time.perf_counter()
    sizes = generate(proposals=PROPOSALS, solutions=SOLUTIONS, vendors=VENDORS)
    sizes["generate_seconds"] = round(time.perf_counter() - started, 1)
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection

    from api.services import api_token_create
    from decisions.models import Proposal, SignOff
    from vendors.models import Solution

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # index-only scans need a fresh visibility map
    cache.clear()  # the bench's own Redis database
    cdo, reviewer = session_cookie("bench.cdo"), session_cookie("bench.reviewer")
    _token, token = api_token_create(
        user=get_user_model().objects.get(username="bench.cdo"), name="bench"
    )
    sizes.update(
        proposals=Proposal.objects.count(),
        signoffs=SignOff.objects.count(),
        solutions=Solution.objects.count(),
    )
    writer = Writer()

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "hrtech_gov.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env=env(),
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        pages = {
            "baseline": time_page(port, "/accounts/login/"),
            "dashboard": time_page(port, "/dashboard/", {"Cookie": cdo}),
            "dashboard_cold": time_cold_dashboard(port, cdo, writer),
            "dashboard_under_writes": time_dashboard_under_writes(port, cdo, writer),
            "queue": time_page(port, "/queue/", {"Cookie": reviewer}),
            "proposal_api": time_page(
                port, "/api/v1/proposals/", {"Authorization": f"Bearer {token}"}
            ),
            "catalog_search": time_page(
                port, "/catalog/?q=solution+01&category=learning", {"Cookie": cdo}
            ),
        }
        rss = worker_rss_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)

    measured = {
        "dashboard_cold_p95_ms": pages["dashboard_cold"]["p95_ms"],
        "dashboard_under_writes_p99_ms": pages["dashboard_under_writes"]["p99_ms"],
        "queue_p95_ms": pages["queue"]["p95_ms"],
        "proposal_api_p95_ms": pages["proposal_api"]["p95_ms"],
        "worker_rss_mb": max(rss) if rss else None,
    }
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["pages"] = pages
    results["pages_data"] = {**sizes, "worker_rss_mb": rss, "changes_committed": writer.done}
    results["pages_target"] = {
        name: {
            "target": target,
            "measured": measured[name],
            "met": measured[name] is not None and measured[name] <= target,
        }
        for name, target in TARGETS.items()
    }
    # Each data size keeps its own figures too: the README compares 100k with 1M.
    results.setdefault("pages_by_size", {})[str(sizes["proposals"])] = {
        "pages": pages,
        "data": results["pages_data"],
        "target": results["pages_target"],
        "date": time.strftime("%Y-%m-%d"),
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"data: {results['pages_data']}")
    print(f"{'page':24} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, f in pages.items():
        print(f"{name:24} {f['p50_ms']:8} {f['p95_ms']:8} {f['p99_ms']:8} {f['max_ms']:8}")
    for name, t in results["pages_target"].items():
        print(
            f"target {name}: {t['measured']} (≤ {t['target']}) {'met' if t['met'] else 'NOT met'}"
        )

    sync_bench = ROOT / "bench" / "sync_bench.py"
    if sync_bench.exists() and os.environ.get("BENCH_SKIP_SYNC") != "1":
        subprocess.run([sys.executable, str(sync_bench)], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
