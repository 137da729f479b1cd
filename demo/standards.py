"""The demo's standard tool: Confluence, the standard for collaboration, so that the intake form
points to it ("a standard tool exists for this job") when a manager proposes another wiki (the
demo's "Replace Confluence with Notion" draft must say why Confluence does not serve before it
can be submitted). Made through the real service by the demo CDO: Confluence has been in the
landscape for 400 days (demo.landscape), and its own usage rows here (source `entra-id`, the
sign-in log) give it 78 to 81% adoption of its 600 seats, whatever other demo usage adds (the
adoption of a month is the largest figure any source reports). Loaded last by seed_demo."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from landscape.adoption import month_add, month_start
from landscape.models import Tool, ToolUsage
from landscape.services import standard_set

STANDARD_TOOL = "Confluence"
USAGE_SOURCE = "entra-id"
# Active users in each of the last three months (oldest first), of its 600 seats.
ACTIVE_USERS = (468, 474, 486)


def seed_demo_standard() -> Tool | None:
    """Make Confluence the standard for collaboration, once; None when it is already (one
    query on a second run) or missing from the demo landscape."""
    tool = (
        Tool.objects.select_related("solution")
        .filter(solution__name=STANDARD_TOOL, solution__source="")
        .first()
    )
    if tool is None or tool.standard_since is not None:
        return None
    this_month = month_start(timezone.localdate())
    with transaction.atomic():
        for back, active in zip((3, 2, 1), ACTIVE_USERS, strict=True):
            ToolUsage.objects.update_or_create(
                tool=tool,
                month=month_add(this_month, -back),
                source=USAGE_SOURCE,
                defaults={"active_users": active, "licensed_seats": tool.seats},
            )
        cdo = get_user_model().objects.get(username="cdo")
        return standard_set(tool=tool, by=cdo)
