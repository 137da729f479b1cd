"""Redis (cache and broker) away: the site keeps serving, and tells the truth.

A real server (gunicorn, production settings, DEBUG off) whose REDIS_URL points at a closed
port: the API answers (throttling degrades), a proposal submitted in the browser is committed
and shown as submitted (its notification tasks are left to the sweeper, which then sends
them), /health/ says "degraded", and the token page, which cannot show a secret without its
cache, says so instead of creating a token whose secret would be lost."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
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


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    tmp: Path = tmp_path_factory.mktemp("redis-away")
    port = free_port()
    skip = {"DEBUG", "SECRET_KEY", "AUDIT_HMAC_KEY", "DATABASE_URL", "REDIS_URL"}
    env = {k: v for k, v in os.environ.items() if k not in skip and not k.startswith("REQUIRE_")}
    env.update(
        DEBUG="false",
        SECRET_KEY="redis-away-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz-0123",
        AUDIT_HMAC_KEY="redis-away-audit-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp / "static"),
        EMAIL_URL=f"filemail://{tmp / 'mail'}",
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
    )
    server = Server(url=f"http://127.0.0.1:{port}", env=env)
    server.manage("migrate", "--noinput", "-v0")
    server.manage("seed_demo")
    server.manage("collectstatic", "--noinput", "-v0")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "hrtech_gov.wsgi", "-b", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", "4", "--log-level", "warning"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / "gunicorn.log", "w"),  # noqa: SIM115 (closed with the process)
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


def test_health_says_degraded_and_names_what_is_away(server):
    response = httpx.get(f"{server.url}/health/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "cache": "unavailable", "broker": "unavailable"},
    }


def test_the_api_answers_with_its_throttle_degraded(server):
    token = server.shell(
        "from django.contrib.auth import get_user_model; from api.services import api_token_create;"
        "u = get_user_model().objects.get(username='requester.hr');"
        "print(api_token_create(user=u, name='outage')[1])"
    )
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(3):
        response = httpx.get(f"{server.url}/api/v1/proposals/", headers=headers, timeout=10)
        assert response.status_code == 200, response.text[:500]
        assert "results" in response.json()
    wrong = httpx.get(f"{server.url}/api/v1/proposals/", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.json()["message"]


def test_a_submit_commits_shows_the_truth_and_the_sweeper_sends_its_notifications(server):
    client = signed_in(server, "requester.hr")
    form = client.get("/proposals/new/")
    assert form.status_code == 200
    hr = re.search(r'<option value="(\d+)"[^>]*>\s*Human Resources', form.text)
    assert hr, "HR is not offered as the requesting department"
    started = time.monotonic()
    response = client.post(
        "/proposals/new/",
        data={
            "csrfmiddlewaretoken": csrf(form.text),
            "title": "Outage-proof survey tool", "problem": "No feedback loop.",
            "requesting_department": hr.group(1), "paying_department": hr.group(1),
            "new_vendor_name": "Pulse Inc", "new_solution_name": "Pulse",
            "category": "engagement", "currency": "EUR", "one_off_cost": "0",
            "recurring_cost": "100", "recurring_period": "monthly", "term_months": "12",
            "employees_affected": "10", "submit": "1",
        },
        headers={"Referer": f"{server.url}/proposals/new/"},
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert response.status_code == 302, response.text[:1000]
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert "Outage-proof survey tool" in page.text
    assert "In review" in page.text
    # Bounded: one failed connection to the broker, not one (with retries) per queued task.
    assert elapsed < 5, elapsed

    count = (
        "from decisions.models import Notification, Proposal;"
        "p = Proposal.objects.get(title='Outage-proof survey tool');"
        "print(p.status, Notification.objects.filter(proposal=p).count())"
    )
    assert server.shell(count) == "in_review 0"  # the notification tasks never reached a broker
    # The sweeper (run here without a broker: its tasks run in-process) finds and sends them.
    sweep = {"REDIS_URL": "", "NOTIFICATION_SWEEP_MIN_AGE_MINUTES": "0"}
    server.shell("from decisions.tasks import sweep_notifications; print(sweep_notifications())",
                 **sweep)  # fmt: skip
    status, notified = server.shell(count).split()
    assert status == "in_review"
    assert int(notified) >= 3  # one reviewer per signing department at least


def test_the_token_page_says_it_cannot_show_a_secret_rather_than_losing_one(server):
    client = signed_in(server, "requester.it")
    page = client.get("/api-tokens/")
    assert page.status_code == 200
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text)
    assert nonce, "no nonce on the token form"
    response = client.post(
        "/api-tokens/",
        data={"csrfmiddlewaretoken": csrf(page.text), "nonce": nonce.group(1),
              "name": "laptop", "scope": "full"},
        headers={"Referer": f"{server.url}/api-tokens/"},
        follow_redirects=True,
    )  # fmt: skip
    assert response.status_code in (200, 400)
    assert "cannot be created on this page right now" in response.text
    tokens = (
        "from api.models import ApiToken;"
        "print(ApiToken.objects.filter(user__username='requester.it').count())"
    )
    assert server.shell(tokens) == "0"
