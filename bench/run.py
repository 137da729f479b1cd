"""`make bench`: page latency on a large PostgreSQL database, through real HTTP to gunicorn.

Fills a dedicated database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/
hrtech_gov_bench) with 100,000 proposals, ~300,000 sign-offs and 10,000 solutions, serves the app
with gunicorn, and times the CDO dashboard, a reviewer's queue, a catalog search and a trivial
page (the baseline) in the same run. Figures go to bench/results.json (merged with what other
parts of the bench write there, such as "sync") and a summary is printed.

Sizes can be lowered for a quick look: BENCH_PROPOSALS, BENCH_SOLUTIONS, BENCH_REQUESTS.
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
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hrtech_gov_bench")
PROPOSALS = int(os.environ.get("BENCH_PROPOSALS", 100_000))
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
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_page(port: int, path: str, cookie: str | None) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    samples = []
    for i in range(WARMUP + REQUESTS):
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}: {body[:300]!r}")
        if i >= WARMUP:
            samples.append(elapsed)
    conn.close()
    samples.sort()
    return {
        "path": path,
        "requests": len(samples),
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 1),
        "max_ms": round(samples[-1], 1),
    }


def time_uncached_dashboard(runs: int = 15) -> dict:
    """The dashboard when its cache is cold (right after a change), in-process: the figures
    and the matrix computed on the full data set every time."""
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client
    from django.test.utils import override_settings

    with override_settings(ALLOWED_HOSTS=["testserver"]):
        client = Client()
        client.force_login(get_user_model().objects.get(username="bench.cdo"))
        client.get("/dashboard/")
        samples = []
        for _ in range(runs):
            cache.clear()
            start = time.perf_counter()
            assert client.get("/dashboard/").status_code == 200
            samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "path": "/dashboard/ (cache cleared before each request, Django test client)",
        "requests": runs,
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 1),
        "max_ms": round(samples[-1], 1),
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
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    cdo, reviewer = session_cookie("bench.cdo"), session_cookie("bench.reviewer")
    from decisions.models import Proposal, SignOff
    from vendors.models import Solution

    sizes.update(
        proposals=Proposal.objects.count(),
        signoffs=SignOff.objects.count(),
        solutions=Solution.objects.count(),
    )
    connection.close()

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
            "baseline": time_page(port, "/accounts/login/", None),
            "dashboard": time_page(port, "/dashboard/", cdo),
            "queue": time_page(port, "/queue/", reviewer),
            "catalog_search": time_page(port, "/catalog/?q=solution+01&category=learning", cdo),
        }
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)

    pages["dashboard_uncached_inprocess"] = time_uncached_dashboard()

    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["pages"] = pages
    results["pages_data"] = sizes
    results["pages_target"] = {
        "dashboard_p95_under_ms": 150,
        "dashboard_p95_within_x_baseline": 5,
        "met": pages["dashboard"]["p95_ms"] < 150
        and pages["dashboard"]["p95_ms"] <= 5 * pages["baseline"]["p95_ms"],
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"data: {sizes}")
    print(f"{'page':16} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, figures in pages.items():
        print(f"{name:16} {figures['p50_ms']:8} {figures['p95_ms']:8} {figures['max_ms']:8}")

    sync_bench = ROOT / "bench" / "sync_bench.py"
    if sync_bench.exists() and os.environ.get("BENCH_SKIP_SYNC") != "1":
        subprocess.run([sys.executable, str(sync_bench)], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
