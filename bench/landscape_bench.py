"""The landscape's bench (`make bench-landscape`): a fleet of BENCH_TOOLS tools (default 2,000)
and BENCH_FLOWS integrations (default 5,000; a tenth through an integration platform) in a
dedicated PostgreSQL database (hrtech_gov_bench_landscape, or BENCH_DATABASE_URL), reused when it
holds them. Measured in-process, cold (the cache cleared before each request, so the drawing is
made each time):

- the integration map page (all tools; and one department's), through Django's test client:
  queries, layout, SVG and template;
- the removal impact of BENCH_IMPACT_SAMPLES tools (default 100), as the tool page and the API
  compute it (landscape.selectors.tool_impact);
- the landscape list and a tool page.

Figures go to bench/results.json under "landscape". Targets (issue 12): the map within 300 ms,
an impact query within 50 ms.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hrtech_gov_bench_landscape"
)
from bench.run import RESULTS, ensure_database, manage, setup_django  # noqa: E402

TOOLS = int(os.environ.get("BENCH_TOOLS", 2000))
FLOWS = int(os.environ.get("BENCH_FLOWS", 5000))
SAMPLES = int(os.environ.get("BENCH_IMPACT_SAMPLES", 100))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 20))
DEPARTMENTS = ["HR", "IT", "MKT", "FIN", "OPS", "SALES"]


def fill() -> None:
    from django.db import transaction

    from landscape.models import Integration, Lifecycle, Method, Tool
    from stakeholders.models import Department
    from vendors.models import Category, PricingModel, Solution, Vendor

    if Tool.objects.count() >= TOOLS and Integration.objects.count() >= FLOWS:
        return
    rng = random.Random(12)
    with transaction.atomic():
        departments = [
            Department.objects.get_or_create(code=code, defaults={"name": f"Department {code}"})[0]
            for code in DEPARTMENTS
        ]
        vendors = Vendor.objects.bulk_create(Vendor(name=f"Bench vendor {i}") for i in range(200))
        categories = list(Category.values)
        solutions = Solution.objects.bulk_create(
            Solution(
                vendor=vendors[i % len(vendors)],
                name=f"Bench tool {i:04d}",
                category=categories[i % len(categories)],
                pricing_model=PricingModel.PER_SEAT,
                in_use=True,
            )
            for i in range(TOOLS)
        )
        lifecycles = [Lifecycle.ADOPTED] * 6 + [Lifecycle.STANDARD, Lifecycle.PILOT]
        tools = Tool.objects.bulk_create(
            Tool(
                solution=s,
                owner_department=departments[i % len(departments)],
                lifecycle=lifecycles[i % len(lifecycles)],
                is_platform=i == 0,
            )
            for i, s in enumerate(solutions)
        )
        seen: set[tuple[int, int]] = set()
        flows = []
        while len(flows) < FLOWS:
            if rng.random() < 0.1:  # through the platform
                a, b = (tools[0], rng.choice(tools[1:]))
                a, b = (a, b) if rng.random() < 0.5 else (b, a)
                method = Method.PLATFORM
            else:
                # Mostly within a department, some across: clusters, as real landscapes are.
                a = rng.choice(tools[1:])
                pool = tools[1:] if rng.random() < 0.3 else tools[1 + tools.index(a) % 6 :: 6]
                b = rng.choice(pool)
                method = rng.choice([Method.API, Method.API, Method.FILE, Method.MANUAL])
            if a.pk == b.pk or (a.pk, b.pk) in seen:
                continue
            seen.add((a.pk, b.pk))
            flows.append(
                Integration(source=a, target=b, data=f"Flow {len(flows)}", method=method,
                            criticality=rng.choice(["low", "medium", "high", "critical"]))
            )  # fmt: skip
        Integration.objects.bulk_create(flows, batch_size=2000)


def timed(fn, n: int) -> list[float]:
    from django.core.cache import cache

    samples = []
    for _ in range(n):
        cache.clear()
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def figures(samples: list[float]) -> dict:
    samples = sorted(samples)
    return {
        "n": len(samples),
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[max(int(len(samples) * 0.95) - 1, 0)], 1),
        "max_ms": round(samples[-1], 1),
    }


def main() -> None:
    ensure_database()
    manage("migrate", "--noinput", "-v0")
    manage("collectstatic", "--noinput", "-v0")  # pages render with the production storage
    setup_django()
    fill()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from landscape import selectors
    from landscape.models import Integration, Tool

    user, _ = get_user_model().objects.get_or_create(username="bench.landscape")
    client = Client()
    client.force_login(user)

    def page(path: str):
        def get() -> None:
            response = client.get(path, HTTP_HOST="127.0.0.1")
            assert response.status_code == 200, (path, response.status_code)

        return get

    rng = random.Random(7)
    ids = list(Tool.objects.values_list("pk", flat=True))
    sample = rng.sample(ids, min(SAMPLES, len(ids)))
    impact_ms = []
    for pk in sample:
        tool = Tool.objects.get(pk=pk)
        started = time.perf_counter()
        found = selectors.tool_impact(tool)
        impact_ms.append((time.perf_counter() - started) * 1000)
        del found
    result = {
        "tools": Tool.objects.count(),
        "integrations": Integration.objects.filter(removed_at__isnull=True).count(),
        "map": figures(timed(page("/landscape/map/"), REQUESTS)),
        "map_one_department": figures(timed(page("/landscape/map/?department=HR"), REQUESTS)),
        "impact": figures(impact_ms),
        "list": figures(timed(page("/landscape/?sort=connections"), REQUESTS)),
        "tool_page": figures(timed(page(f"/landscape/tools/{sample[0]}/"), REQUESTS)),
        "targets_ms": {"map": 300, "impact": 50},
        "measured": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "load_average": round(os.getloadavg()[0], 1),
    }
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data["landscape"] = result
    RESULTS.write_text(json.dumps(data, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
