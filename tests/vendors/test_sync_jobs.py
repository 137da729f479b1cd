"""Large syncs as jobs (issue 16): POST /api/v1/catalog/jobs/ stores a push for a worker, which
applies it in chunks through the push's own code; the job reports what one push of the same
items would, pages its invalid items, resumes after a lost worker and tells webhooks when it
ends."""

from __future__ import annotations

import io
import json
import time

import pytest
from django.db import transaction
from django.urls import reverse

from core.text import json_loads
from tests.decisions import test_celery_worker
from tests.factories import UserFactory
from tests.vendors.sync_helpers import (
    SOURCE,
    payload,
    solution_item,
    syncing_user,
    token_client,
    vendor_item,
)
from vendors.models import (
    CatalogSource,
    CatalogSyncJob,
    CatalogSyncJobChunk,
    CatalogSyncJobError,
    Solution,
    SyncJobStatus,
    Vendor,
)
from vendors.sync import jobs
from vendors.sync.push import catalog_sync
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db
worker = test_celery_worker.worker  # the real-worker fixture, shared
URL = reverse("api:catalog-jobs")


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch):
    # Chunks of 7 items: every test's job spans several, as a job of 200,000 items does.
    monkeypatch.setattr(jobs, "CHUNK_ITEMS", 7)


@pytest.fixture
def sam(db):
    return syncing_user("sam.sync")


@pytest.fixture
def client(sam):
    return token_client(sam)


def post(client, body, **kwargs):
    # json.dumps escapes lone surrogates (the test client's renderer would fail on them).
    return client.post(URL, json.dumps(body), content_type="application/json", **kwargs)


def submit(client, body, captured, **kwargs):
    with captured(execute=True):
        return post(client, body, **kwargs)


def messy_payload() -> dict:
    """Valid items and every way an item of one request can depend on another one: a vendor
    listed twice in different chunks, a solution of an invalid vendor a chunk earlier, a
    solution of a vendor sent after it, an item without external_id."""
    body = payload(vendors=20, solutions=30)
    body["vendors"][3]["country"] = "Narnia"  # invalid vendor v-3
    body["vendors"].append(vendor_item(1, name="Vendor one again"))  # v-1 twice, far apart
    body["vendors"].append({"name": "No id"})
    body["solutions"].append(solution_item(99, 3))  # of the invalid v-3
    body["solutions"].append(solution_item(98, 19))  # of a vendor in the last vendor chunk
    body["solutions"].append(solution_item(97, 404))  # of an unknown vendor
    body["solutions"][5]["name"] = "Bad \x00 name"
    body["solutions"][6]["name"] = "\ud800 lone"
    return body


def reference_report(body: dict) -> dict:
    """What one push of `body` does, rolled back (the push API caps a request at 5,000 items;
    the service itself does not)."""
    with transaction.atomic():
        report = catalog_sync(
            source=body["source"],
            mode=body.get("mode", "upsert"),
            vendors=json_loads(json.dumps(body["vendors"])),
            solutions=json_loads(json.dumps(body["solutions"])),
            confirm_deletions=body.get("confirm_deletions"),
            removed_vendors=body.get("removed", {}).get("vendors"),
            removed_solutions=body.get("removed", {}).get("solutions"),
        )
        transaction.set_rollback(True)
    return report


def all_errors(client, job_id: int, limit: int = 3) -> list[dict]:
    url = reverse("api:catalog-job-errors", args=[job_id])
    out, cursor = [], 0
    while True:
        page = client.get(url, {"cursor": cursor, "limit": limit}).json()
        out += page["errors"]
        if not page["has_more"]:
            return out
        cursor = page["next_cursor"]


def invalid_items(report: dict) -> list[dict]:
    return [
        {"type": i["type"], "external_id": i["external_id"], "errors": i["errors"]}
        for i in report["items"]
        if i["status"] == "invalid"
    ]


def test_a_job_reports_what_one_push_of_the_same_items_reports(
    client, django_capture_on_commit_callbacks
):
    body = messy_payload()
    expected = reference_report(body)
    response = submit(client, body, django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    job = response.json()
    assert response["Location"] == job["links"]["self"]

    done = client.get(response["Location"]).json()
    assert done["status"] == "succeeded"
    errors = all_errors(client, job["id"])
    assert [{k: e[k] for k in ("type", "external_id", "errors")} for e in errors] == (
        invalid_items(expected)
    )
    assert done["counts"] == expected["counts"]
    assert done["progress"] == {"processed": 55, "total": 55}
    errors = all_errors(client, job["id"])
    assert [{k: e[k] for k in ("type", "external_id", "errors")} for e in errors] == (
        invalid_items(expected)
    )
    # Each error names its item's place: vendors first, then solutions, as sent.
    assert [e["index"] for e in errors][:4] == [1, 3, 20, 21]


def test_a_job_refuses_to_remove_what_any_of_its_chunks_upserts(
    client, django_capture_on_commit_callbacks
):
    """A removal of a record the same job also upserts is refused, whichever chunk upserts it:
    the first (v-0, s-0), the last (v-19, s-29), or the chunk the removals travel with."""
    submit(client, payload(vendors=20, solutions=30), django_capture_on_commit_callbacks)
    body = payload(vendors=20, solutions=30)
    body["removed"] = {"vendors": ["v-0", "v-19"], "solutions": ["s-0", "s-29", "s-13"]}
    body["solutions"] = [s for s in body["solutions"] if s["external_id"] != "s-13"]
    expected = reference_report(body)
    response = submit(client, body, django_capture_on_commit_callbacks)
    job = client.get(response["Location"]).json()
    assert job["status"] == "succeeded"
    refused = {(e["type"], e["external_id"]) for e in all_errors(client, job["id"])}
    assert refused == {
        ("vendor", "v-0"),
        ("vendor", "v-19"),
        ("solution", "s-0"),
        ("solution", "s-29"),
    }
    assert refused == {(i["type"], i["external_id"]) for i in invalid_items(expected)}
    assert job["counts"] == expected["counts"]
    assert Solution.objects.get(external_id="s-13").is_deleted
    assert not Vendor.objects.filter(is_deleted=True).exists()


def test_a_job_in_full_mode_tombstones_what_it_does_not_list(
    client, django_capture_on_commit_callbacks
):
    submit(client, payload(vendors=10, solutions=20), django_capture_on_commit_callbacks)
    body = payload(vendors=10, solutions=18, mode="full")
    expected = reference_report(body)
    response = submit(client, body, django_capture_on_commit_callbacks)
    job = client.get(response["Location"]).json()
    assert job["status"] == "succeeded"
    assert job["counts"] == expected["counts"]
    assert job["counts"]["deleted"] == 2
    assert Solution.objects.filter(is_deleted=True).count() == 2


def test_a_full_job_past_the_deletion_guard_is_refused_with_nothing_stored(
    client, django_capture_on_commit_callbacks
):
    submit(client, payload(vendors=10, solutions=20), django_capture_on_commit_callbacks)
    response = submit(
        client, payload(vendors=10, solutions=2, mode="full"), django_capture_on_commit_callbacks
    )
    assert response.status_code == 400
    assert "confirm_deletions" in response.json()["errors"]
    assert CatalogSyncJob.objects.count() == 1
    assert Solution.objects.filter(is_deleted=True).count() == 0


def test_a_dry_run_job_reports_and_changes_nothing(client, django_capture_on_commit_callbacks):
    body = messy_payload()
    expected = reference_report(body)
    response = submit(client, body, django_capture_on_commit_callbacks, QUERY_STRING="dry_run=1")
    job = client.get(response["Location"]).json()
    assert job["dry_run"] is True
    assert job["status"] == "succeeded"
    assert job["counts"] == expected["counts"]
    assert len(all_errors(client, job["id"])) == expected["counts"]["invalid"]
    assert not Vendor.objects.exists()


def ndjson(body: dict) -> bytes:
    envelope = {k: v for k, v in body.items() if k not in ("vendors", "solutions")}
    lines = [json.dumps(envelope)]
    # Interleaved: the job still applies every vendor before any solution, as a push does.
    for n in range(max(len(body["vendors"]), len(body["solutions"]))):
        if n < len(body["solutions"]):
            lines.append(json.dumps({"solution": body["solutions"][n]}))
        if n < len(body["vendors"]):
            lines.append(json.dumps({"vendor": body["vendors"][n]}))
    return ("\n".join(lines) + "\n\n").encode()


def test_a_job_as_json_lines_reports_what_the_json_body_does(
    client, django_capture_on_commit_callbacks
):
    body = messy_payload()
    expected = reference_report(body)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, ndjson(body), content_type="application/x-ndjson")
    assert response.status_code == 202, response.content
    job = client.get(response["Location"]).json()
    assert job["counts"] == expected["counts"]
    assert job["progress"]["total"] == 55


@pytest.mark.parametrize("name", ["catalog.json", "catalog.ndjson"])
def test_a_job_as_an_uploaded_file(client, django_capture_on_commit_callbacks, name):
    body = payload(vendors=9, solutions=12)
    data = ndjson(body) if name.endswith("ndjson") else json.dumps(body).encode()
    file = io.BytesIO(data)
    file.name = name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"file": file}, format="multipart")
    assert response.status_code == 202, response.content
    job = client.get(response["Location"]).json()
    assert job["counts"]["created"] == 21
    assert CatalogSyncJob.objects.get().bytes == len(data)


def test_a_multipart_upload_without_a_file_is_refused(client):
    response = client.post(URL, {"other": "x"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"] == {"file": ["This field is required."]}


# --- Limits and bad input ---------------------------------------------------------------------


def test_more_items_than_a_job_takes_answer_413_and_store_nothing(client, settings):
    settings.CATALOG_SYNC_JOB_MAX_ITEMS = 10
    response = client.post(URL, payload(vendors=6, solutions=5), format="json")
    assert response.status_code == 413
    assert set(response.json()) == {"message", "errors"}
    lines = client.post(
        URL, ndjson(payload(vendors=6, solutions=5)), content_type="application/x-ndjson"
    )
    assert lines.status_code == 413
    assert "at most 10" in lines.json()["message"]
    assert not CatalogSyncJob.objects.exists()
    assert not CatalogSyncJobChunk.objects.exists()


def test_more_bytes_than_a_job_takes_answer_413(client, settings):
    body = payload(vendors=6, solutions=5)
    settings.CATALOG_SYNC_JOB_MAX_BYTES = len(json.dumps(body)) - 10
    response = post(client, body)
    assert response.status_code == 413
    assert "bytes" in response.json()["message"]
    lines = client.post(URL, ndjson(body), content_type="application/x-ndjson")
    assert lines.status_code == 413
    assert not CatalogSyncJob.objects.exists()


def test_the_synchronous_push_413_points_to_jobs(client, settings):
    settings.CATALOG_SYNC_JOB_MAX_ITEMS = 200_000
    big = payload(vendors=5001, solutions=0)
    response = client.post(reverse("api:catalog-sync"), big, format="json")
    assert response.status_code == 413
    assert "/api/v1/catalog/jobs/" in response.json()["message"]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (b'{"vendor": {"external_id": "v-9", "name": "x"', "JSON parse error"),
        (b'{"vendor": {"external_id": "v-9", "name": "a\x00b"}}', "JSON parse error"),
        (b'{"vendor": {"external_id": "\xff"}}', "not valid utf-8"),
        (b'{"vendor": {}, "solution": {}}', "one item a line"),
        (b'{"vendor": {"external_id": "v-9", "name": "a", "name": "b"}}', "duplicate key"),
        (b"[1, 2]", "one item a line"),
    ],
)
def test_a_malformed_line_refuses_the_upload_naming_it(client, line, problem):
    body = b'{"source": "acme-feed"}\n{"vendor": {"external_id": "v-1", "name": "A"}}\n' + line
    response = client.post(URL, body, content_type="application/x-ndjson")
    assert response.status_code == 400, response.content
    data = response.json()
    assert list(data["errors"]) == ["line 3"]
    assert problem.lower() in data["message"].lower()
    assert not CatalogSyncJob.objects.exists()


@pytest.mark.parametrize(
    "envelope",
    [b"", b"[]\n", b'{"source": "a\\u0000b"}\n', b'{"source": "\\ud800"}\n', b'{"mode": "x"}\n'],
)
def test_a_bad_envelope_is_refused(client, envelope):
    response = client.post(URL, envelope, content_type="application/x-ndjson")
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"message", "errors"}


def test_a_job_has_no_sync_id(client):
    body = payload(mode="full", sync_id="nightly")
    response = client.post(URL, body, format="json")
    assert response.status_code == 400
    assert "sync_id" in response.json()["errors"]


def test_escaped_nul_and_lone_surrogates_in_items_are_item_errors(
    client, django_capture_on_commit_callbacks
):
    body = (
        b'{"source": "acme-feed"}\n'
        b'{"vendor": {"external_id": "v-1", "name": "a\\u0000b"}}\n'
        b'{"vendor": {"external_id": "v-2", "name": "\\udc00"}}\n'
        b'{"vendor": {"external_id": "v-3", "name": "fine"}}\n'
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, body, content_type="application/x-ndjson")
    job = client.get(response["Location"]).json()
    assert job["counts"]["invalid"] == 2
    assert job["counts"]["created"] == 1
    errors = all_errors(client, job["id"])
    assert [e["external_id"] for e in errors] == ["v-1", "v-2"]
    assert all("name" in e["errors"] for e in errors)


# --- Permissions --------------------------------------------------------------------------------


def test_only_the_sources_writers_see_its_jobs(client, sam, django_capture_on_commit_callbacks):
    job_id = submit(client, payload(), django_capture_on_commit_callbacks).json()["id"]
    mallory = token_client(syncing_user("mallory.sync"))
    for url in (
        reverse("api:catalog-job", args=[job_id]),
        reverse("api:catalog-job-errors", args=[job_id]),
    ):
        assert mallory.get(url).status_code == 404
        assert client.get(url).status_code == 200
    assert mallory.get(URL).json()["results"] == []
    assert [j["id"] for j in client.get(URL).json()["results"]] == [job_id]
    # Granted the source, an account sees its jobs.
    sue = syncing_user("sue.sync")
    CatalogSource.objects.get(name=SOURCE).writers.add(sue)
    assert token_client(sue).get(reverse("api:catalog-job", args=[job_id])).status_code == 200


def test_another_account_may_not_submit_a_job_to_the_source(
    client, django_capture_on_commit_callbacks
):
    submit(client, payload(), django_capture_on_commit_callbacks)
    mallory = token_client(syncing_user("mallory.sync"))
    response = mallory.post(URL, payload(), format="json")
    assert response.status_code == 403
    assert CatalogSyncJob.objects.count() == 1


def test_without_the_sync_permission_jobs_are_refused(db):
    plain = token_client(UserFactory(username="plain"))
    assert plain.post(URL, payload(), format="json").status_code == 403
    assert plain.get(URL).status_code == 403


def test_a_job_fails_when_its_account_lost_the_source(
    client, sam, django_capture_on_commit_callbacks
):
    submit(client, payload(vendors=1, solutions=0), django_capture_on_commit_callbacks)
    response = client.post(URL, payload(), format="json")  # queued, not run
    CatalogSource.objects.filter(name=SOURCE).update(owner=UserFactory(username="new.owner"))
    job = jobs.catalog_sync_job_run(job_id=response.json()["id"])
    assert job.status == SyncJobStatus.FAILED
    assert "belongs to another integration" in job.error
    assert client.get(response["Location"]).status_code == 404


# --- A lost worker, paging, webhooks ------------------------------------------------------------


def test_a_job_whose_worker_died_resumes_where_it_stopped(
    client, monkeypatch, settings, django_capture_on_commit_callbacks
):
    body = messy_payload()
    expected = reference_report(body)
    job_id = post(client, body).json()["id"]  # queued: no commit hooks ran
    real = jobs._apply_chunk
    calls = []

    def dies_on_the_third_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise SystemExit("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs, "_apply_chunk", dies_on_the_third_chunk)
    with pytest.raises(SystemExit):
        jobs.catalog_sync_job_run(job_id=job_id)
    job = CatalogSyncJob.objects.get()
    assert job.status == SyncJobStatus.RUNNING
    assert job.processed == 14  # two chunks of 7 applied and kept
    monkeypatch.setattr(jobs, "_apply_chunk", real)

    # The sweeper finds it once it made no progress for a while, and queues it again.
    settings.CATALOG_SYNC_JOB_STALLED_AFTER_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.catalog_sync_jobs_requeue_stalled() == 1
    job.refresh_from_db()
    assert job.status == SyncJobStatus.SUCCEEDED
    assert job.attempts == 2
    assert job.counts == expected["counts"]
    assert [
        {"type": e.type, "external_id": e.external_id or None, "errors": e.errors}
        for e in CatalogSyncJobError.objects.order_by("index")
    ] == invalid_items(expected)


def test_a_job_that_keeps_losing_its_worker_is_failed(client, settings):
    job_id = client.post(URL, payload(), format="json").json()["id"]
    CatalogSyncJob.objects.filter(pk=job_id).update(
        status=SyncJobStatus.RUNNING, attempts=settings.CATALOG_SYNC_JOB_MAX_ATTEMPTS
    )
    settings.CATALOG_SYNC_JOB_STALLED_AFTER_SECONDS = 0
    assert jobs.catalog_sync_jobs_requeue_stalled() == 0
    job = CatalogSyncJob.objects.get()
    assert job.status == SyncJobStatus.FAILED
    assert "given up" in job.error
    assert not job.chunks.exists()


def test_running_a_finished_job_again_changes_nothing(client, django_capture_on_commit_callbacks):
    job_id = submit(client, messy_payload(), django_capture_on_commit_callbacks).json()["id"]
    before = client.get(reverse("api:catalog-job", args=[job_id])).json()
    assert jobs.catalog_sync_job_run(job_id=job_id) is None
    assert client.get(reverse("api:catalog-job", args=[job_id])).json() == before


def test_errors_are_paged_by_cursor(client, django_capture_on_commit_callbacks):
    body = payload(vendors=0, solutions=0)
    body["vendors"] = [{"external_id": f"v-{n}", "name": ""} for n in range(12)]
    job_id = submit(client, body, django_capture_on_commit_callbacks).json()["id"]
    url = reverse("api:catalog-job-errors", args=[job_id])
    first = client.get(url, {"limit": 5}).json()
    assert [e["index"] for e in first["errors"]] == [0, 1, 2, 3, 4]
    assert first["has_more"]
    assert first["next_cursor"] == 5
    last = client.get(url, {"cursor": 10, "limit": 5}).json()
    assert [e["index"] for e in last["errors"]] == [10, 11]
    assert last == {**last, "has_more": False, "next_cursor": None}
    assert client.get(url, {"cursor": -1}).status_code == 400
    assert client.get(url, {"limit": 1001}).status_code == 400


def test_the_list_and_a_job_cost_a_fixed_number_of_queries(
    client, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    for _n in range(3):
        submit(client, payload(), django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(8):
        assert len(client.get(URL).json()["results"]) == 3


def test_a_webhook_tells_when_a_job_ends(client, django_capture_on_commit_callbacks):
    WebhookSubscription.objects.create(
        name="Ops", url="http://127.0.0.1:9/hook", events=["catalog.sync_job.finished"]
    )
    job_id = submit(client, messy_payload(), django_capture_on_commit_callbacks).json()["id"]
    delivery = WebhookDelivery.objects.get(kind="catalog.sync_job.finished")
    assert delivery.payload["job"] == job_id
    assert delivery.payload["status"] == "succeeded"
    assert delivery.payload["counts"] == client.get(f"{URL}{job_id}/").json()["counts"]
    assert delivery.payload["counts"]["invalid"] == 12


@pytest.mark.postgres
@pytest.mark.celery_worker
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_applies_a_job(worker, settings):
    _mail, log = worker
    WebhookSubscription.objects.create(
        name="Ops", url="http://127.0.0.1:9/hook", events=["catalog.sync_job.finished"]
    )
    client = token_client(syncing_user("sam.sync"))
    body = payload(vendors=300, solutions=900)
    response = client.post(URL, body, format="json")
    assert response.status_code == 202
    deadline = time.monotonic() + 90
    job = response.json()
    while job["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.3)
        job = client.get(response["Location"]).json()
    assert job["status"] == "succeeded", log.read_text()[-3000:]
    assert job["counts"]["created"] == 1200
    assert job["progress"] == {"processed": 1200, "total": 1200}
    assert WebhookDelivery.objects.filter(kind="catalog.sync_job.finished").exists()
