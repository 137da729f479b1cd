"""The submission email sent by a real Celery worker, with Redis as the broker: the path that
runs in production, not the eager shortcut of the other tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from hrtech_gov.celery import app as celery_app
from tests.factories import make_proposal
from tests.services import need, need_redis, redis_answers, redis_url

pytestmark = [pytest.mark.celery_worker, pytest.mark.redis]


def database_url_of_test_db() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    """A Celery worker process on a queue of its own, sending email into files under tmp_path."""
    need("CELERY", redis_answers(redis_url()), "no Redis broker to start a Celery worker against")
    url = need_redis()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_test_db(),
        "REDIS_URL": url,
        "CELERY_QUEUE": queue,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": f"filemail://{mail_dir}",
        "DEBUG": "true",
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hrtech_gov", "worker", "--pool=solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", queue,
         "-l", "info", "-n", f"{queue}@%h"],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    saved = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue,
             celery_app.conf.broker_url)  # fmt: skip
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    celery_app.conf.broker_url = url
    try:
        yield mail_dir, Path(log.name)
    finally:
        (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue,
         celery_app.conf.broker_url) = saved  # fmt: skip
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_emails_the_reviewers_on_submission(org, worker):
    mail_dir, log = worker
    proposal = make_proposal(requester=org.requester, submit=True)

    deadline = time.monotonic() + 60
    text = ""
    # The file backend may append several messages to one file: count subjects, not files.
    while time.monotonic() < deadline and text.count("Subject: ") < 3:
        time.sleep(0.5)
        if mail_dir.exists():
            text = "\n".join(p.read_text() for p in mail_dir.iterdir())
    sent = text.count("Subject: ")
    assert sent == 3, f"worker sent {sent} emails; log:\n{log.read_text()}"
    assert f"[{proposal.reference}] Sign-off requested from IT Operations" in text
    assert org.it_reviewer.email in text
    assert org.mkt_head.email in text
    # The worker recorded that each department was notified: a redelivery sends nothing twice.
    assert proposal.signoffs.filter(notified_at__isnull=True).count() == 0
