"""Redis (cache and broker) away: the site keeps serving, and tells the truth.

A real server (gunicorn, production settings, DEBUG off) whose REDIS_URL points at a closed
port: the API answers (throttling degrades), a proposal submitted in the browser is committed
and shown as submitted (its notification tasks are left to the sweeper, which then sends
them), /health/ says "degraded", and the token page, which cannot show a secret without its
cache, says so instead of creating a token whose secret would be lost."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.processes import (
    Server,
    csrf,
    free_port,
    prepare,
    production_env,
    serving,
    signed_in,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    tmp: Path = tmp_path_factory.mktemp("redis-away")
    # Nothing listens at that port: Redis, the cache and the broker, is away.
    env = production_env(tmp, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    with serving(prepare(tmp, env), tmp) as running:
        yield running


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
