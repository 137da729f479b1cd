"""The demo's monthly usage: the adopted and standard tools of the demo fleet used about as
their proposals promised, and one tool nobody uses any more — Slack, adopted over a year ago,
whose users moved to the standard Microsoft Teams: four months below a sixth of its seats. The
seed does not flag it; `manage.py run_lifecycle` (or the nightly beat) does, and drafts its
retirement for its owner (the Yammer rule, decisions.services.shelfware)."""

from __future__ import annotations

import datetime as dt
import zlib

from django.utils import timezone

from landscape.adoption import month_add, promised_users_many
from landscape.models import Lifecycle, Tool, ToolUsage

UNUSED_TOOL = "Slack Business+"
# Slack's last eight months, oldest first, as shares of its seats: used, then deserted.
UNUSED_SHARES = (0.72, 0.70, 0.66, 0.58, 0.16, 0.13, 0.11, 0.09)
HEALTHY_MONTHS = 12
SOURCE = "okta"


def _share(name: str, month: int) -> float:
    """A healthy tool's adoption in a month: 55 to 93%, steady per tool, a little noise."""
    seed = zlib.crc32(name.encode())
    return 0.55 + (seed % 30) / 100 + ((seed >> month % 7) % 10) / 100


def load_demo_usage(*, today: dt.date | None = None) -> tuple[int, int]:
    """Create the demo's missing usage rows (the months before `today`'s); leave existing ones.
    Returns (created, there). Two queries when everything is there."""
    today = today or timezone.localdate()
    last = month_add(today.replace(day=1), -1)
    tools = [
        tool
        for tool in Tool.objects.filter(
            lifecycle__in=[Lifecycle.ADOPTED, Lifecycle.STANDARD]
        ).select_related("solution")
        if tool.seats or tool.solution.name == UNUSED_TOOL
    ]
    promised = promised_users_many(tools)
    rows: list[ToolUsage] = []
    for tool in tools:
        people = promised.get(tool.pk) or tool.seats or 0
        if not people:
            continue
        name = tool.solution.name
        if name == UNUSED_TOOL:
            shares = list(UNUSED_SHARES)
        else:
            shares = [_share(name, m) for m in range(HEALTHY_MONTHS)]
        first = month_add(last, -(len(shares) - 1))
        for index, share in enumerate(shares):
            active = min(int(people * share), tool.seats or people)
            rows.append(
                ToolUsage(
                    tool=tool,
                    month=month_add(first, index),
                    source=SOURCE,
                    active_users=active,
                    licensed_seats=tool.seats,
                )
            )
    there = set(
        ToolUsage.objects.filter(tool__in=tools, source=SOURCE).values_list("tool_id", "month")
    )
    missing = [row for row in rows if (row.tool_id, row.month) not in there]
    if missing:
        ToolUsage.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing), len(rows) - len(missing)
