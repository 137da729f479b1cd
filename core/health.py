"""/health/: whether this instance can serve, and what it serves without.

200 {"status": "ok"} when the database, the cache and the broker answer; 200 "degraded" when
only the cache or the broker is away (the site serves: throttling and cached reads degrade,
tasks wait for their sweepers; core.cache, core.queue); 503 "unavailable" when the database
does not answer. For load balancers and monitoring: no sign-in, nothing but these words.

HealthMiddleware answers it first in the stack, before the HTTPS redirect and the host check:
a load balancer probes over plain HTTP with the instance's address as its host.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import current_app
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.cache import ResilientRedisCache
from core.queue import broker_available, broker_circuit

log = logging.getLogger(__name__)

OK, UNAVAILABLE, NOT_USED = "ok", "unavailable", "not used"


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        log.warning("health: database unavailable", exc_info=True)
        return UNAVAILABLE
    return OK


def cache_status() -> str:
    backend = caches["default"]
    if not isinstance(backend, ResilientRedisCache):
        return NOT_USED  # the local-memory cache of the embedded default cannot be away
    return OK if backend.ping() else UNAVAILABLE


def broker_status() -> str:
    app = current_app
    if app.conf.task_always_eager:
        return NOT_USED  # tasks run in the request
    if not broker_available():
        return UNAVAILABLE
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
    except Exception:
        broker_circuit.trip()
        log.warning("health: broker unavailable", exc_info=True)
        return UNAVAILABLE
    return OK


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    checks = {"database": database_status(), "cache": cache_status(), "broker": broker_status()}
    if checks["database"] != OK:
        status, code = "unavailable", 503
    elif UNAVAILABLE in checks.values():
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JsonResponse({"status": status, "checks": checks}, status=code)


class HealthMiddleware:
    PATH = "/health/"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == self.PATH:
            return health(request)
        return self.get_response(request)
