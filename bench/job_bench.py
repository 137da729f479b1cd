"""Catalog sync jobs' throughput (`make bench-job`): the catalog of bench/sync_bench.py (by
default 190,460 solutions, 20 to each of their 9,523 vendors: 199,983 items, under a job's limit)
sent as ONE job, POST /api/v1/catalog/jobs/ with a JSON-lines body, through gunicorn, applied
by a real Celery worker into PostgreSQL; timed from the upload to the job's end, against the
floor of PostgreSQL loading the same rows by COPY (bench/sync_bench.copy_floor). Figures go to
bench/results.json under "sync_job".

BENCH_JOB_SOLUTIONS sets the size; BENCH_DATABASE_URL and BENCH_REDIS_URL as for bench/run.py.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_SYNC_SOLUTIONS", os.environ.get("BENCH_JOB_SOLUTIONS", "190460"))

from bench import sync_bench  # noqa: E402  (the path above makes bench importable)
from bench.run import RESULTS, ensure_database, env, free_port, manage, setup_django  # noqa: E402


def json_lines() -> bytes:
    lines = [json.dumps({"source": sync_bench.SOURCE, "mode": "upsert"})]
    lines += [json.dumps({"vendor": sync_bench.vendor(v)}) for v in range(sync_bench.VENDORS)]
    lines += [json.dumps({"solution": sync_bench.solution(s)}) for s in range(sync_bench.SOLUTIONS)]
    return ("\n".join(lines) + "\n").encode()


def wait_for_port(port: int) -> None:
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def run_job(port: int, token: str, body: bytes) -> tuple[float, dict]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    conn.request("POST", "/api/v1/catalog/jobs/", body=body, headers=headers)
    response = conn.getresponse()
    raw = response.read()
    if response.status != 202:
        raise SystemExit(f"job refused: {response.status} {raw[:300]!r}")
    location = response.getheader("Location") or ""
    path = location[location.index("/api/") :]
    submitted = time.perf_counter() - started
    while True:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        job = json.loads(conn.getresponse().read())
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.2)
    elapsed = time.perf_counter() - started
    conn.close()
    if job["status"] != "succeeded":
        raise SystemExit(f"job failed: {job}")
    job["submitted_seconds"] = round(submitted, 2)
    return elapsed, job


def main() -> None:
    ensure_database()
    manage("migrate", "--noinput", "-v0")
    setup_django()
    body = json_lines()
    items = sync_bench.SOLUTIONS + sync_bench.VENDORS
    port = free_port()
    queue = f"bench-job-{port}"
    server_env = {**env(), "CELERY_QUEUE": queue, "CELERY_TASK_ALWAYS_EAGER": "false"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "hrtech_gov.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--timeout", "600", "--log-level", "warning"],
        cwd=ROOT, env=server_env,
    )  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hrtech_gov", "worker", "--pool=solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", queue,
         "-l", "warning"],
        cwd=ROOT, env=server_env,
    )  # fmt: skip
    try:
        wait_for_port(port)
        # gunicorn's workers load the application on their first request: not part of a job.
        for _ in range(4):
            warm = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            warm.request("GET", "/health/")
            warm.getresponse().read()
            warm.close()
        token = sync_bench.prepare()
        elapsed, job = run_job(port, token, body)
        floor = sync_bench.copy_floor(sync_bench.batches())
    finally:
        for process in (server, worker):
            process.send_signal(signal.SIGTERM)
        for process in (server, worker):
            process.wait(timeout=60)
        sync_bench.clear()
    assert job["counts"]["created"] == items, job["counts"]
    figures = {
        "items": items,
        "bytes": len(body),
        "upload_seconds": job["submitted_seconds"],
        "job_seconds": round(elapsed, 2),
        "job_items_per_second": round(items / elapsed),
        "floor_seconds": round(floor, 2),
        "floor_items_per_second": round(items / floor),
        "ratio_to_floor": round(elapsed / floor, 2),
    }
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["sync_job"] = figures
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
