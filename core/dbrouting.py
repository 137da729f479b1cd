"""Reads that may go to a PostgreSQL read replica (DATABASE_REPLICA_URL): the dashboard's and
the API's GETs, by default (REPLICA_READ_PREFIXES).

ReplicaReadsMiddleware marks a GET or HEAD request under one of those prefixes; while it runs,
ReplicaRouter sends reads there, except:
- inside a transaction on the primary (what it reads must be what it is about to write);
- of the apps whose freshness is a matter of security or of signing in: sessions, users and
  permissions, django-axes' lockouts, API tokens (a revoked token must stop working at once).
Every write goes to the primary, and only the primary is migrated. Without a replica
configured, neither the router nor the middleware is installed.

A replica lags behind by its replication delay: a page read from it can miss a change committed
a moment ago. Cached figures are kept DASHBOARD_CACHE_SECONDS (shorter with a replica) so that
such a miss does not outlive the delay for long.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PRIMARY = "default"
PRIMARY_ONLY_APPS = {"sessions", "auth", "contenttypes", "admin", "axes", "api"}

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


class ReplicaRouter:
    def db_for_read(self, model: type, **hints: Any) -> str:
        if (
            _replica_reads.get()
            and model._meta.app_label not in PRIMARY_ONLY_APPS  # type: ignore[attr-defined]
            and not connections[PRIMARY].in_atomic_block
        ):
            return REPLICA
        return PRIMARY

    def db_for_write(self, model: type, **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the same data on both

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY


class ReplicaReadsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefixes = tuple(settings.REPLICA_READ_PREFIXES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or not request.path.startswith(self.prefixes):
            return self.get_response(request)
        token = _replica_reads.set(True)
        try:
            return self.get_response(request)
        finally:
            _replica_reads.reset(token)
