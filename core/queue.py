"""Queueing Celery tasks once the transaction commits, without the broker's health becoming
the user's problem.

A task is queued after the change it follows has committed: the change is done and the user
must be told so, whether or not the broker (Redis) takes the task. A publish that fails is
logged and the broker is not asked again for BROKER_RETRY_SECONDS (a circuit breaker: a request
that commits several changes waits for one failed connection, not one per task). Nothing is
lost: every queued task has a sweeper that finds work whose task never ran and queues it again
(decisions.tasks.sweep_notifications, webhooks.tasks.requeue_stalled_webhooks; see
docs/OPERATIONS.md). broker_available() is the health signal (core.health).

Without a broker (the embedded default, CELERY_TASK_ALWAYS_EAGER) the task runs at once, in
the request; its failure is logged, as a worker would, never raised into the committed request.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction

log = logging.getLogger(__name__)


class _BrokerCircuit:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open_until = 0.0

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self) -> bool:
        """Open for BROKER_RETRY_SECONDS; True when it was closed (a new outage)."""
        with self.lock:
            opening = not self.is_open()
            self.open_until = time.monotonic() + settings.BROKER_RETRY_SECONDS
        return opening

    def reset(self) -> None:
        self.open_until = 0.0


broker_circuit = _BrokerCircuit()


def enqueue_on_commit(task: Any, *args: Any, using: str | None = None) -> None:
    """Queue task(*args) once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(publish, task, *args), using=using)


def publish(task: Any, *args: Any) -> bool:
    """Queue task(*args) now; False when the broker could not take it (logged, never raised)."""
    eager = bool(task.app.conf.task_always_eager)
    if not eager and broker_circuit.is_open():
        log.info("broker unavailable: %s%r left to its sweeper", task.name, args)
        return False
    try:
        task.delay(*args)
    except Exception as error:
        if eager:  # the task itself failed, in the request: a worker would log it
            log.exception("task %s%r failed", task.name, args)
            return False
        if broker_circuit.trip():
            log.warning(
                "broker unavailable (%s): tasks are left to their sweepers for %ss",
                error,
                settings.BROKER_RETRY_SECONDS,
            )
        log.info("broker unavailable: %s%r left to its sweeper", task.name, args)
        return False
    return True


def broker_available() -> bool:
    """False while the broker recently refused a task (or there is none to refuse it)."""
    return not broker_circuit.is_open()
