"""The life of a tool runs on dates: pilots that end, usage that stays low, contracts that come
up for renewal, retirements on their planned day. Each step here takes the day it runs for, does
what is due on that day and returns how many things it did; every step is idempotent (a second
run on the same day, or a run beside Celery beat, does nothing twice). `run_lifecycle` runs them
all, from beat (decisions.tasks.run_lifecycle) and from `manage.py run_lifecycle`."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.utils import timezone

from decisions.services.pilots import pilots_ended_step
from decisions.services.renewal_reminders import renewal_reminders_send

log = logging.getLogger(__name__)


def _retire_due(today: dt.date) -> int:
    from decisions.services.retirement import tools_retire_due

    return len(tools_retire_due(today=today))


def _standards_lapsed(today: dt.date) -> int:
    from landscape.services import standards_drop_lapsed

    return standards_drop_lapsed()


def _shelfware(today: dt.date) -> int:
    from decisions.services.shelfware import tools_shelfware_check

    return tools_shelfware_check(today=today)


# (name, step): the order is the order they run in. A step that fails is logged and the others
# still run; the next run takes it again.
STEPS: list[tuple[str, Callable[[dt.date], int]]] = [
    ("retirements due", _retire_due),
    ("renewal reminders", renewal_reminders_send),
    ("shelfware", _shelfware),
    # After the shelfware step: a tool flagged unused loses the standard in the same run.
    ("standards lapsed", _standards_lapsed),
    ("pilots ended", pilots_ended_step),
]


def run_lifecycle(*, today: dt.date | None = None) -> dict[str, int]:
    """Run every step for `today` (the local date by default). Returns what each step did."""
    today = today or timezone.localdate()
    done: dict[str, int] = {}
    for name, step in STEPS:
        try:
            done[name] = step(today)
        except Exception:  # one broken step must not stop the others
            log.exception("lifecycle step %r failed", name)
            done[name] = -1
    return done
