"""Redis away, as the code sees it: the cache answers as an empty cache and asks Redis again
only after CACHE_RETRY_SECONDS; the data version moves once Redis is back; a task queued after
commit is left to its sweeper, the broker asked once per BROKER_RETRY_SECONDS. (The whole site
with Redis away, through a real server: tests/test_redis_away.py.)"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from celery import Celery
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.test import override_settings

from core import health
from core.cache import cache_available
from core.dataversion import data_version
from core.queue import broker_circuit, enqueue_on_commit, publish
from tests.services import need_redis


class Listener:
    """A TCP port that accepts connections and closes them at once (a Redis that fails), or,
    with `upstream`, forwards them there until `stop()` (a Redis that goes away)."""

    def __init__(self, upstream: tuple[str, int] | None = None) -> None:
        self.upstream = upstream
        self.accepted = 0
        self.open = True
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _serve(self) -> None:
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            if not self.open or self.upstream is None:
                conn.close()
                continue
            up = socket.create_connection(self.upstream)
            self.conns += [conn, up]
            for a, b in ((conn, up), (up, conn)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.close()

    def stop(self) -> None:
        """Drop every connection and refuse new ones (close them on accept)."""
        self.open = False
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
                conn.close()
        self.conns.clear()

    def start(self) -> None:
        self.open = True

    def close(self) -> None:
        self.stop()
        self.sock.close()


@pytest.fixture
def failing_redis() -> Iterator[Listener]:
    listener = Listener()
    yield listener
    listener.close()


def resilient(url: str) -> dict:
    return {"default": {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": url}}


def test_an_unreachable_cache_answers_as_an_empty_one_and_is_asked_once_per_interval(
    failing_redis, settings, caplog
):
    settings.CACHE_RETRY_SECONDS = 60
    with override_settings(CACHES=resilient(failing_redis.url)), caplog.at_level(logging.WARNING):
        assert cache.get("k", "default") == "default"
        cache.set("k", 1)
        assert cache.add("k", 1) is False  # claims nothing
        assert cache.get_or_set("k", lambda: 42) == 42  # computed, not kept
        with pytest.raises(ValueError, match="cache unavailable"):
            cache.incr("k")  # as for a key that is not there
        assert cache.delete("k") is False
        assert cache.get_many(["a", "b"]) == {}
        assert cache_available() is False
        assert health.cache_status() == health.UNAVAILABLE
    assert failing_redis.accepted == 1  # one failed connection, then the circuit held
    warnings = [r for r in caplog.records if "cache unavailable" in r.getMessage()]
    assert len(warnings) == 1  # logged once per outage, not once per call


def test_the_cache_is_asked_again_after_the_interval(failing_redis, settings):
    settings.CACHE_RETRY_SECONDS = 0
    with override_settings(CACHES=resilient(failing_redis.url)):
        cache.get("a")
        cache.get("b")
    assert failing_redis.accepted == 2


@pytest.mark.redis
@pytest.mark.django_db
def test_after_an_outage_the_data_version_moves_so_nothing_cached_before_is_served(settings):
    upstream = urlparse(need_redis())
    proxy = Listener(upstream=(upstream.hostname or "127.0.0.1", upstream.port or 6379))
    settings.CACHE_RETRY_SECONDS = 0
    try:
        with override_settings(CACHES=resilient(proxy.url)):
            cache.clear()
            before = data_version()
            assert data_version() == before  # stable while nothing changes
            proxy.stop()  # Redis away: writes made now cannot bump the version
            assert cache.get("anything") is None
            proxy.start()  # back
            after = data_version()
            assert after != before
            assert data_version() == after  # one bump per outage, not per read
    finally:
        proxy.close()


def test_a_cache_that_answers_is_available():
    expected = health.OK if django_settings.REDIS_URL else health.NOT_USED  # the embedded default
    assert health.cache_status() == expected
    assert cache_available() is True


# --- The broker


@pytest.fixture
def broker_away(failing_redis, settings) -> Iterator[tuple[Celery, Listener]]:
    settings.BROKER_RETRY_SECONDS = 60
    app = Celery("outage-test", broker=failing_redis.url, set_as_current=False)
    app.conf.broker_connection_timeout = 1
    app.conf.task_publish_retry_policy = {"max_retries": 1, "interval_start": 0}
    broker_circuit.reset()
    yield app, failing_redis
    broker_circuit.reset()


def test_a_task_the_broker_cannot_take_is_logged_and_the_broker_asked_once(broker_away, caplog):
    app, listener = broker_away

    @app.task(name="outage.noop")
    def noop(x: int) -> int:
        return x

    with caplog.at_level(logging.INFO, logger="core.queue"):
        assert publish(noop, 1) is False
        tried = listener.accepted
        assert publish(noop, 2) is False
        assert publish(noop, 3) is False
    assert tried >= 1
    assert listener.accepted == tried  # the circuit held: no new connection for tasks 2 and 3
    assert any("broker unavailable" in r.message for r in caplog.records)
    assert any("outage.noop(3,)" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_stays_committed_when_its_task_cannot_be_queued(broker_away):
    from stakeholders.models import Department

    app, _listener = broker_away

    @app.task(name="outage.after_commit")
    def after_commit(x: int) -> int:
        return x

    with transaction.atomic():
        Department.objects.create(code="OPS", name="Operations")
        enqueue_on_commit(after_commit, 1)  # runs at commit, fails, raises nothing
    assert Department.objects.filter(code="OPS").exists()


def test_without_a_broker_a_failing_task_runs_in_the_request_and_is_only_logged(caplog):
    app = Celery("eager-test", set_as_current=False)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True

    @app.task(name="eager.fails")
    def fails() -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="core.queue"):
        assert publish(fails) is False
    assert "eager.fails" in caplog.text
    assert broker_circuit.is_open() is False  # a failing task is not a broker outage


# --- /health/


@pytest.mark.django_db
def test_health_is_ok_when_what_is_used_answers(client):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert set(body["checks"].values()) <= {"ok", "not used"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_is_503_when_the_database_does_not_answer(rf, monkeypatch):
    def refuse(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", refuse)
    response = health.health(rf.get("/health/"))
    assert response.status_code == 503
    assert json.loads(response.content)["status"] == "unavailable"


@pytest.mark.django_db
def test_a_load_balancer_probes_health_over_http_by_the_instance_address(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["hrtech.example.com"]
    probe = client.get("/health/", HTTP_HOST="10.1.2.3:8000")
    assert probe.status_code == 200
    assert probe.json()["status"] == "ok"
    # Every other page keeps both rules.
    assert client.get("/accounts/login/", HTTP_HOST="10.1.2.3:8000").status_code == 400
    redirect = client.get("/accounts/login/", HTTP_HOST="hrtech.example.com")
    assert redirect.status_code == 301
