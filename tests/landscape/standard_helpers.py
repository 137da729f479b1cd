"""A tool that may become its category's standard today, for the tests that need one."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from landscape.models import Lifecycle, Tool, ToolLifecycleChange, ToolUsage
from tests.factories import SolutionFactory, ToolFactory


def eligible_tool(name: str = "Slack", category: str = "engagement", **kw) -> Tool:
    """Adopted 400 days ago, 80 of its 100 seats used last month."""
    tool = ToolFactory(solution=SolutionFactory(name=name, category=category), seats=100, **kw)
    change = ToolLifecycleChange.objects.create(
        tool=tool, from_lifecycle=Lifecycle.PILOT, to_lifecycle=Lifecycle.ADOPTED
    )
    ToolLifecycleChange.objects.filter(pk=change.pk).update(
        changed_at=timezone.now() - dt.timedelta(days=400)
    )
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    ToolUsage.objects.create(tool=tool, month=month, source="sso", active_users=80)
    return tool
