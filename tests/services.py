"""Checks for the services some tests need. In CI the REQUIRE_* switches turn a missing service
into a failure instead of a skip, so a green run means those tests really ran."""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.db import connection

TRUE = {"1", "true", "yes", "on"}


def required(name: str) -> bool:
    return os.environ.get(f"REQUIRE_{name}", "").strip().lower() in TRUE


def need(name: str, available: bool, why: str) -> None:
    """Skip the test when the service is missing, or fail it when REQUIRE_<name> is set."""
    if available:
        return
    if required(name):
        pytest.fail(f"REQUIRE_{name} is set but {why}", pytrace=False)
    pytest.skip(why)


def need_postgres() -> None:
    need("POSTGRES", connection.vendor == "postgresql", "the tests do not run on PostgreSQL")


def redis_url() -> str:
    return os.environ.get("REDIS_URL", "")


def redis_answers(url: str) -> bool:
    if not url:
        return False
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 6379), 2
        ) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def need_redis() -> str:
    url = redis_url()
    need("REDIS", redis_answers(url), f"Redis does not answer at REDIS_URL={url or '(unset)'}")
    return url


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def need_browser() -> str:
    need("BROWSER", bool(shutil.which(CHROMIUM)), f"no Chromium at {CHROMIUM}")
    return CHROMIUM
