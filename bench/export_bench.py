"""The exports' bench (`make bench-export`, and `make bench`): the proposal list exported as CSV
and as Excel, every row, through real HTTP to gunicorn (one worker, DEBUG off) on a dedicated
PostgreSQL database of BENCH_EXPORT_ROWS proposals (default 100,000; hrtech_gov_bench_export,
or BENCH_DATABASE_URL), filled by bench/generate.py and reused when it already holds them.

For each format: the time to the first byte and to the last, the bytes and rows received, and
the worker's peak resident memory (VmHWM) before and after, a fresh worker each time, so that
what an export costs in memory is the growth of that peak. Figures go to bench/results.json
under "export"."""

from __future__ import annotations

import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", 100_000))
os.environ.setdefault(
    "BENCH_DATABASE_URL",
    "postgres://postgres@127.0.0.1:5432/hrtech_gov_bench_export"
    + ("" if ROWS == 100_000 else f"_{ROWS}"),
)
from bench.run import (  # noqa: E402
    RESULTS,
    ensure_database,
    env,
    free_port,
    manage,
    session_cookie,
    setup_django,
)

TARGETS = {"csv_peak_growth_mb": 50, "xlsx_peak_growth_mb": 50}


def worker_memory_mb(master_pid: int) -> dict[str, float]:
    """The (one) worker's resident memory now and at its peak, in MB."""
    [worker] = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{worker}/status").read_text().splitlines()
    )
    return {
        "rss_mb": round(int(fields["VmRSS"].split()[0]) / 1024, 1),
        "peak_mb": round(int(fields["VmHWM"].split()[0]) / 1024, 1),
    }


def serve() -> tuple[subprocess.Popen, int]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "hrtech_gov.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "1", "--timeout", "600", "--log-level", "warning"],
        cwd=ROOT, env=env(),
    )  # fmt: skip
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            time.sleep(0.2)
    return server, port


def export_once(port: int, path: str, cookie: str) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": cookie})
    response = conn.getresponse()
    first = response.read(1)
    first_byte = time.perf_counter() - started
    body = first + response.read()
    total = time.perf_counter() - started
    assert response.status == 200, (response.status, body[:300])
    conn.close()
    return {"first_byte_s": round(first_byte, 2), "total_s": round(total, 2), "body": body}


def count_rows(fmt: str, body: bytes) -> int:
    if fmt == "csv":
        return body.count(b"\r\n") - 1  # the header; no field here holds a line break
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    return sheet.count(b"<row ") - 1


def measure(fmt: str, cookie: str) -> dict:
    """One export on a fresh worker (warmed by one small page), its memory read before and
    after."""
    server, port = serve()
    try:
        export_once(port, "/proposals/?q=warm", cookie)
        before = worker_memory_mb(server.pid)
        result = export_once(port, f"/proposals/export.{fmt}", cookie)
        after = worker_memory_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    body = result.pop("body")
    return {
        **result,
        "bytes": len(body),
        "rows": count_rows(fmt, body),
        "rows_per_s": round(count_rows(fmt, body) / result["total_s"]),
        "worker_before": before,
        "worker_after": after,
        "peak_growth_mb": round(after["peak_mb"] - before["peak_mb"], 1),
    }


def main() -> None:
    ensure_database()
    manage("migrate", "--noinput", "-v0")
    manage("collectstatic", "--noinput", "-v0")  # the warm-up page's stylesheet, DEBUG off
    setup_django()
    from bench.generate import generate
    from decisions.models import Proposal

    started = time.perf_counter()
    sizes = generate(proposals=ROWS, solutions=2000, vendors=100)
    sizes["generate_seconds"] = round(time.perf_counter() - started, 1)
    # The CDO sees every submitted proposal (and no one's drafts but their own, of which none).
    cookie = session_cookie("bench.cdo")
    visible = Proposal.objects.exclude(status="draft").count()
    results = {"data": {**sizes, "rows_visible": visible}}
    for fmt in ("csv", "xlsx"):
        results[fmt] = measure(fmt, cookie)
        assert results[fmt]["rows"] == visible, (fmt, results[fmt]["rows"], visible)
        print(fmt, json.dumps(results[fmt]))
    measured = {f"{fmt}_peak_growth_mb": results[fmt]["peak_growth_mb"] for fmt in ("csv", "xlsx")}
    results["target"] = {
        name: {"target": t, "measured": measured[name], "met": measured[name] <= t}
        for name, t in TARGETS.items()
    }
    results["measured"] = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    results["load_average"] = round(os.getloadavg()[0], 1)
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data.setdefault("export", {})[str(ROWS)] = results
    RESULTS.write_text(json.dumps(data, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
