"""`manage.py run_lifecycle` and the hourly task take every lifecycle step due on a day, once."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from decisions import tasks
from decisions.services import schedule
from landscape.models import Lifecycle
from tests.factories import ToolFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("run_lifecycle", *args, stdout=out)
    return out.getvalue()


def test_run_lifecycle_retires_a_tool_on_its_planned_day_once(org):
    today = timezone.localdate()
    tool = ToolFactory(lifecycle=Lifecycle.SUNSET, retire_on=today + dt.timedelta(days=3))
    assert "retirements due: 0" in run("--today", str(today + dt.timedelta(days=2)))
    tool.refresh_from_db()
    assert tool.lifecycle == Lifecycle.SUNSET
    assert "retirements due: 1" in run("--today", str(today + dt.timedelta(days=3)))
    tool.refresh_from_db()
    assert tool.lifecycle == Lifecycle.RETIRED
    # Twice on the same day, or from the task beside it, does nothing again.
    assert "retirements due: 0" in run("--today", str(today + dt.timedelta(days=3)))
    assert tasks.run_lifecycle()["retirements due"] == 0


def test_a_failing_step_is_reported_and_the_others_still_run(monkeypatch):
    calls = []

    def broken(today):
        raise RuntimeError("boom")

    monkeypatch.setattr(schedule, "STEPS", [
        ("broken", broken), ("fine", lambda today: calls.append(today) or 2)])  # fmt: skip
    assert schedule.run_lifecycle(today=dt.date(2026, 3, 1)) == {"broken": -1, "fine": 2}
    assert calls == [dt.date(2026, 3, 1)]
    with pytest.raises(CommandError, match="failed: broken"):
        run()


def test_run_lifecycle_refuses_a_day_that_is_not_a_date():
    with pytest.raises(CommandError, match="--today"):
        run("--today", "2026-02-30")
