"""The usage ingestion bench (`make bench-usage`, and `make bench`): BENCH_USAGE_ROWS monthly
usage rows (default 100,000: BENCH_USAGE_TOOLS tools, default 2,000, for 50 months) sent through
the service POST /api/v1/usage/ and the CSV import use (landscape.usage.usage_ingest), in
batches of USAGE_BATCH_MAX items, by an IT Operations reviewer, on a dedicated PostgreSQL
database (hrtech_gov_bench_usage, or BENCH_DATABASE_URL).

Two passes: the first creates every row (the usage table emptied before), the second sends the
same rows again (all unchanged: the idempotent path). Figures (rows per second, per pass, and
the batch latency) go to bench/results.json under "usage"."""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hrtech_gov_bench_usage"
)
from bench.run import RESULTS, ensure_database, manage, setup_django  # noqa: E402

ROWS = int(os.environ.get("BENCH_USAGE_ROWS", 100_000))
TOOLS = int(os.environ.get("BENCH_USAGE_TOOLS", 2000))
MONTHS = -(-ROWS // TOOLS)  # ceil: months per tool
TODAY = dt.date(2026, 12, 5)


def fill() -> list[int]:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from landscape.models import Lifecycle, Tool
    from stakeholders.models import Department, Membership, Role
    from vendors.models import Category, PricingModel, Solution, Vendor

    tools = list(Tool.objects.order_by("pk").values_list("pk", flat=True)[:TOOLS])
    if len(tools) >= TOOLS:
        return tools
    with transaction.atomic():
        it, _ = Department.objects.get_or_create(code="IT", defaults={"name": "IT Operations"})
        vendor = Vendor.objects.create(name="Usage bench vendor")
        solutions = Solution.objects.bulk_create(
            Solution(vendor=vendor, name=f"Usage bench tool {i:05d}",
                     category=Category.values[i % len(Category.values)],
                     pricing_model=PricingModel.PER_SEAT, in_use=True)
            for i in range(TOOLS - len(tools))
        )  # fmt: skip
        Tool.objects.bulk_create(
            Tool(solution=s, owner_department=it, lifecycle=Lifecycle.ADOPTED, seats=500)
            for s in solutions
        )
        user, _ = get_user_model().objects.get_or_create(username="bench.usage")
        Membership.objects.get_or_create(user=user, department=it, defaults={"role": Role.REVIEWER})
    return list(Tool.objects.order_by("pk").values_list("pk", flat=True)[:TOOLS])


def items(tools: list[int]) -> list[dict]:
    first = dt.date(TODAY.year - 5, 1, 1)
    out = []
    for m in range(MONTHS):
        index = first.year * 12 + first.month - 1 + m
        month = f"{index // 12}-{index % 12 + 1:02d}"
        for n, tool in enumerate(tools):
            if len(out) == ROWS:
                return out
            active = (n * 7 + m * 13) % 450
            out.append({"tool": tool, "month": month, "active_users": active,
                        "licensed_seats": 500, "source": "okta"})  # fmt: skip
    return out


def run_pass(user, rows: list[dict], size: int) -> dict:
    from landscape.usage import usage_ingest

    counts: dict[str, int] = {}
    batch_ms = []
    started = time.perf_counter()
    for start in range(0, len(rows), size):
        t0 = time.perf_counter()
        report = usage_ingest(
            actor=user, items=rows[start : start + size], default_source="api", today=TODAY
        )
        batch_ms.append((time.perf_counter() - t0) * 1000)
        for status, n in report.counts.items():
            counts[status] = counts.get(status, 0) + n
    seconds = time.perf_counter() - started
    batch_ms.sort()
    return {
        "rows": len(rows),
        "seconds": round(seconds, 2),
        "rows_per_second": round(len(rows) / seconds),
        "batch_p50_ms": round(statistics.median(batch_ms), 1),
        "batch_p95_ms": round(batch_ms[max(int(len(batch_ms) * 0.95) - 1, 0)], 1),
        "counts": counts,
    }


def main() -> None:
    ensure_database()
    manage("migrate", "--noinput", "-v0")
    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from landscape.models import ToolUsage

    tools = fill()
    user = get_user_model().objects.get(username="bench.usage")
    rows = items(tools)
    ToolUsage.objects.all().delete()
    size = settings.USAGE_BATCH_MAX
    first = run_pass(user, rows, size)
    second = run_pass(user, rows, size)
    assert first["counts"].get("created") == len(rows), first
    assert second["counts"].get("unchanged") == len(rows), second
    result = {
        "rows": len(rows),
        "tools": len(tools),
        "batch": size,
        "first_pass": first,
        "second_pass_unchanged": second,
        "measured": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "load_average": round(os.getloadavg()[0], 1),
    }
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data["usage"] = result
    RESULTS.write_text(json.dumps(data, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
