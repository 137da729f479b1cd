"""A real server in another process (gunicorn, production settings, DEBUG off) over its own
SQLite database, for tests that check the whole site from outside: with Redis away
(tests/test_redis_away.py), with a read replica (tests/test_read_replica.py)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from django.conf import settings

PASSWORD = "demo"


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    env: dict[str, str]

    def manage(self, *args: str, **extra: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env={**self.env, **extra},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def shell(self, code: str, **extra: str) -> str:
        return self.manage("shell", "-c", code, **extra).strip().splitlines()[-1]


def production_env(tmp: Path, **extra: str) -> dict[str, str]:
    """Production settings over a SQLite file in `tmp`, without Redis unless `extra` says."""
    skip = {"DEBUG", "SECRET_KEY", "AUDIT_HMAC_KEY", "DATABASE_URL", "REDIS_URL"}
    env = {k: v for k, v in os.environ.items() if k not in skip and not k.startswith("REQUIRE_")}
    env.update(
        DEBUG="false",
        SECRET_KEY="process-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz-0123",
        AUDIT_HMAC_KEY="process-test-audit-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp / "static"),
        EMAIL_URL=f"filemail://{tmp / 'mail'}",
    )
    env.update(extra)
    return env


def prepare(tmp: Path, env: dict[str, str]) -> Server:
    """The database migrated and seeded with the demo data, the assets collected."""
    server = Server(url="", env=env)
    server.manage("migrate", "--noinput", "-v0")
    server.manage("seed_demo")
    server.manage("collectstatic", "--noinput", "-v0")
    return server


@contextmanager
def serving(server: Server, tmp: Path) -> Iterator[Server]:
    """gunicorn serving `server.env` until the block ends."""
    port = free_port()
    server.url = f"http://127.0.0.1:{port}"
    log = open(tmp / "gunicorn.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "hrtech_gov.wsgi", "-b", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", "4", "--log-level", "warning"],
        cwd=settings.BASE_DIR, env=server.env, stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{server.url}/health/", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, (tmp / "gunicorn.log").read_text()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def signed_in(server: Server, username: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=10, follow_redirects=False)
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    response = client.post(
        "/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf(page.text)},
        headers={"Referer": f"{server.url}/accounts/login/"},
    )
    assert response.status_code == 302, response.text[:500]
    return client


def csrf(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)
