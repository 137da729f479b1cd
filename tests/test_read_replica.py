"""A read replica (DATABASE_REPLICA_URL) serves the dashboard's and the API's reads, and
nothing else: a real server over two databases that differ on purpose — the replica is a copy
of the primary in which one department is renamed — shows which one each request read.
Signing in, sessions, API tokens and every write stay on the primary."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import Server, prepare, production_env, serving, signed_in

RENAMED = "Human Resources (as the replica says)"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    tmp: Path = tmp_path_factory.mktemp("replica")
    primary = tmp / "db.sqlite3"
    replica = tmp / "replica.sqlite3"
    env = production_env(tmp)
    running = prepare(tmp, env)
    shutil.copy(primary, replica)  # the replica, caught up at this moment...
    with sqlite3.connect(replica) as db:  # ...then told a different story
        db.execute(  # every language of the name (django-modeltranslation keeps name_en…)
            "UPDATE stakeholders_department SET name = ?, name_en = ?, name_nl = ?, name_fr = ?"
            " WHERE code = 'HR'",
            [RENAMED] * 4,
        )
    running.env = {**env, "DATABASE_REPLICA_URL": f"sqlite:///{replica}"}
    with serving(running, tmp) as live:
        yield live


def department_names(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {name for (name,) in db.execute("SELECT name FROM stakeholders_department")}


def test_the_dashboard_reads_the_replica_and_other_pages_the_primary(server):
    cdo = signed_in(server, "cdo")  # the session is written to and read from the primary
    dashboard = cdo.get("/dashboard/")
    assert dashboard.status_code == 200
    assert RENAMED in dashboard.text
    reference = server.shell(
        "from decisions.models import Proposal; print(Proposal.objects.filter("
        "requesting_department__code='HR').exclude(status='draft').first().reference)"
    )
    detail = cdo.get(f"/proposals/{reference}/")  # not a replica page: the primary's names
    assert detail.status_code == 200
    assert "Human Resources" in detail.text
    assert RENAMED not in detail.text


def test_the_api_reads_the_replica_and_writes_the_primary(server):
    token = server.shell(
        "from django.contrib.auth import get_user_model; from api.services import api_token_create;"
        "u = get_user_model().objects.get(username='requester.hr');"
        "print(api_token_create(user=u, name='replica')[1])"
    )
    client = signed_in(server, "requester.hr")
    headers = {"Authorization": f"Bearer {token}"}  # a token just created: read from the primary
    departments = client.get("/api/v1/departments/", headers=headers)
    assert departments.status_code == 200
    assert RENAMED in {d["name"] for d in departments.json()["results"]}
    created = client.post(
        "/api/v1/proposals/",
        headers=headers,
        json={
            "title": "Written to the primary", "problem": "Where do writes go?",
            "requesting_department": "HR", "paying_department": "HR",
            "new_vendor_name": "Primary Inc", "new_solution_name": "Primary",
            "category": "engagement",
            "one_off_cost": {"amount": "100.00", "currency": "EUR"},
            "recurring_cost": {"amount": "0.00", "currency": "EUR"},
        },
    )  # fmt: skip
    assert created.status_code == 201, created.text
    count = (
        "from decisions.models import Proposal;"
        "print(Proposal.objects.filter(title='Written to the primary').count())"
    )
    assert server.shell(count) == "1"  # outside a request every read is the primary's
    replica = Path(server.env["DATABASE_REPLICA_URL"].removeprefix("sqlite:///"))
    with sqlite3.connect(replica) as db:
        (n,) = db.execute(
            "SELECT count(*) FROM decisions_proposal WHERE title = 'Written to the primary'"
        ).fetchone()
    assert n == 0
