"""The Redis cache, kept out of the way when Redis is away.

What this site keeps in the cache can all be lost: the API's throttle counters, the API token
brute-force lock, the cached read models (keyed by core.dataversion), the token page's parked
secret. So when Redis does not answer, ResilientRedisCache answers as an empty cache that keeps
nothing — a get finds nothing, a set keeps nothing, an add claims nothing — logs a warning and
stops asking Redis for CACHE_RETRY_SECONDS (a circuit breaker: one failed connection per
process per interval, not one per cache call). Throttling then lets requests through and read
models are computed afresh: slower, never an error page.

cache_available() is the health signal: False while the circuit is open (see core.health).
Code that cannot do its job without the cache (showing a new API token's secret once) asks it
and says so to the user. outages() counts how often the circuit opened, so that
core.dataversion can make everything cached before an outage stale once Redis is back: the
version bumps of the writes made meanwhile were lost with it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

log = logging.getLogger(__name__)

# Connection options for Redis: fail fast (a request waits at most this long for Redis, once
# per CACHE_RETRY_SECONDS), do not retry inside redis-py (the circuit retries later).
FAIL_FAST_OPTIONS = {
    "socket_connect_timeout": 0.5,
    "socket_timeout": 1.0,
    "retry": Retry(NoBackoff(), 0),
}


class _Circuit:
    """Shared by every thread of the process (Django makes one cache object per thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open_until = 0.0
        self.outages = 0

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self, error: Exception) -> None:
        with self.lock:
            opening = not self.is_open()
            self.open_until = time.monotonic() + settings.CACHE_RETRY_SECONDS
            if opening:
                self.outages += 1
        if opening:
            log.warning(
                "cache unavailable (%s); answering as an empty cache for %ss",
                error,
                settings.CACHE_RETRY_SECONDS,
            )


_circuits: dict[str, _Circuit] = {}
_circuits_lock = threading.Lock()


def _circuit_for(location: str) -> _Circuit:
    with _circuits_lock:
        return _circuits.setdefault(location, _Circuit())


class ResilientRedisCache(RedisCache):
    """Django's Redis cache; when Redis fails, an empty cache that keeps nothing (see above)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = {**params, "OPTIONS": {**FAIL_FAST_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self.circuit = _circuit_for(str(server))

    def _guarded[T](self, fallback: T, call: Callable[[], T]) -> T:
        if self.circuit.is_open():
            return fallback
        try:
            return call()
        except RedisError as error:
            self.circuit.trip(error)
            return fallback

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._guarded(default, partial(super().get, key, default, version))

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        return self._guarded({}, partial(super().get_many, keys, version))

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._guarded(False, partial(super().has_key, key, version))

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return self._guarded(False, partial(super().add, key, value, timeout, version))

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._guarded(None, partial(super().set, key, value, timeout, version))

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> list[Any]:
        return self._guarded(list(data), partial(super().set_many, data, timeout, version))

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._guarded(False, partial(super().touch, key, timeout, version))

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._guarded(False, partial(super().delete, key, version))

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._guarded(None, partial(super().delete_many, keys, version))

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        if self.circuit.is_open():
            raise ValueError("cache unavailable")  # as for a key that is not there
        try:
            return super().incr(key, delta, version)
        except RedisError as error:
            self.circuit.trip(error)
            raise ValueError("cache unavailable") from error

    def clear(self) -> None:
        self._guarded(None, partial(super().clear))

    def ping(self) -> bool:
        """Whether Redis answers now (the health check); a failure opens the circuit."""
        if self.circuit.is_open():
            return False
        try:
            return bool(self._cache.get_client(write=False).ping())
        except RedisError as error:
            self.circuit.trip(error)
            return False


def cache_available() -> bool:
    """False while the default cache is a Redis that recently failed; True otherwise."""
    backend = caches["default"]
    return not (isinstance(backend, ResilientRedisCache) and backend.circuit.is_open())


def cache_outages() -> int:
    """How often the default cache's circuit has opened in this process (0 without Redis)."""
    backend = caches["default"]
    return backend.circuit.outages if isinstance(backend, ResilientRedisCache) else 0
