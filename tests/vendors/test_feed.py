"""Pulling a catalog feed over HTTP (a local server) or from a file: pages, retries with
backoff, the run record, full mode only after every page, the command and the Celery task."""

from __future__ import annotations

import json
import time
from io import StringIO

import pytest
from celery.exceptions import Retry
from django.core.management import CommandError, call_command
from django.urls import reverse
from werkzeug import Response

from tests.vendors.sync_helpers import SOURCE, solution_item, vendor_item
from vendors import tasks
from vendors.models import CatalogSyncRun, Solution, SyncRunStatus, Vendor
from vendors.sync.feeds import catalog_feed_pull


def page(vendors, solutions, next_path=None, server=None):
    return {
        "vendors": [vendor_item(i) for i in vendors],
        "solutions": [solution_item(i, i % 2) for i in solutions],
        "next": server.url_for(next_path) if next_path else None,
    }


@pytest.fixture
def feed(httpserver):
    """A three-page feed: vendors v-0, v-1 then solutions s-0..s-5."""
    httpserver.expect_request("/feed").respond_with_json(
        page([0, 1], [0, 1], "/feed/2", httpserver)
    )
    httpserver.expect_request("/feed/2").respond_with_json(page([], [2, 3], "/feed/3", httpserver))
    # The last page links relatively; the feed resolves it against the page's URL.
    httpserver.expect_request("/feed/3").respond_with_json(
        {"solutions": [solution_item(4, 0), solution_item(5, 1)], "next": None}
    )
    return httpserver


def pull(server, *, full=False, **kwargs):
    sleeps: list[float] = []
    kwargs.setdefault("retries", 3)
    kwargs.setdefault("backoff", 0.5)
    kwargs.setdefault("timeout", 2)
    result = catalog_feed_pull(
        source=SOURCE, url=server.url_for("/feed"), full=full, sleep=sleeps.append, **kwargs
    )
    return result, sleeps


def test_it_reads_every_page_and_records_the_run(feed, db):
    result, sleeps = pull(feed)
    run = CatalogSyncRun.objects.get()
    assert run == result.run
    assert run.status == SyncRunStatus.SUCCEEDED
    assert run.pages == 3
    assert run.finished_at is not None
    assert run.error == ""
    assert run.counts == {"created": 8, "updated": 0, "unchanged": 0, "invalid": 0, "deleted": 0}
    assert Solution.objects.filter(source=SOURCE).count() == 6
    assert sleeps == []
    # Pulled again: nothing changes.
    again, _ = pull(feed)
    assert again.run.counts["unchanged"] == 8


def test_it_retries_a_page_that_fails_once_with_backoff(feed, db):
    feed.clear()
    feed.expect_oneshot_request("/feed").respond_with_data("busy", status=503)
    feed.expect_oneshot_request("/feed").respond_with_data("broken", status=500)
    feed.expect_request("/feed").respond_with_json({"vendors": [vendor_item(0)], "next": None})
    result, sleeps = pull(feed)
    assert result.run.status == SyncRunStatus.SUCCEEDED
    assert sleeps == [0.5, 1.0]  # exponential
    assert Vendor.objects.filter(external_id="v-0").exists()


def test_it_retries_a_page_that_times_out(httpserver, db):
    calls = []

    def slow_then_fast(request):
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.6)
        return Response(json.dumps({"vendors": [vendor_item(3)]}), mimetype="application/json")

    httpserver.expect_request("/feed").respond_with_handler(slow_then_fast)
    result, sleeps = pull(httpserver, timeout=0.3)
    assert result.run.status == SyncRunStatus.SUCCEEDED
    # The test server answers one request at a time: a retry may wait out the slow answer too.
    assert len(calls) >= 2
    assert sleeps[0] == 0.5
    assert len(sleeps) == len(calls) - 1


def test_it_fails_the_run_and_tombstones_nothing_when_a_page_keeps_failing(feed, db):
    # What an earlier sync stored: s-9 is not in the feed any more.
    Vendor.objects.create(source=SOURCE, external_id="v-9", name="Old vendor")
    feed.clear()
    feed.expect_request("/feed").respond_with_json(page([0, 1], [0, 1], "/feed/2", feed))
    feed.expect_request("/feed/2").respond_with_data("down", status=502)
    result, sleeps = pull(feed, full=True)
    run = result.run
    assert run.status == SyncRunStatus.FAILED
    assert "502" in run.error
    assert "4 attempts" in run.error
    assert sleeps == [0.5, 1.0, 2.0]
    assert run.pages == 1
    assert run.counts["created"] == 4
    assert run.counts["deleted"] == 0
    assert not Vendor.objects.filter(is_deleted=True).exists()
    assert result.tombstoned == []


def test_it_does_not_retry_a_page_that_is_not_there(httpserver, db):
    httpserver.expect_request("/feed").respond_with_data("no", status=404)
    result, sleeps = pull(httpserver)
    assert result.run.status == SyncRunStatus.FAILED
    assert "404" in result.run.error
    assert sleeps == []


def test_it_fails_on_a_page_that_is_not_a_feed(httpserver, db):
    httpserver.expect_request("/feed").respond_with_json({"vendors": {"not": "a list"}})
    result, _ = pull(httpserver)
    assert result.run.status == SyncRunStatus.FAILED
    assert "vendors" in result.run.error


def test_it_tombstones_what_the_feed_no_longer_lists_after_every_page_was_read(feed, db):
    Vendor.objects.create(source=SOURCE, external_id="v-9", name="Old vendor")
    Vendor.objects.create(source="elsewhere", external_id="v-9", name="Another source's")
    result, _ = pull(feed, full=True)
    assert result.run.status == SyncRunStatus.SUCCEEDED
    assert result.run.counts["deleted"] == 1
    assert [t["external_id"] for t in result.tombstoned] == ["v-9"]
    assert Vendor.objects.get(source=SOURCE, external_id="v-9").is_deleted
    assert not Vendor.objects.get(source="elsewhere").is_deleted


def test_it_reports_invalid_items_without_failing_the_run(httpserver, db):
    httpserver.expect_request("/feed").respond_with_json(
        {"vendors": [vendor_item(0), vendor_item(1, name=5)], "solutions": []}
    )
    result, _ = pull(httpserver)
    assert result.run.status == SyncRunStatus.SUCCEEDED
    assert result.run.counts["invalid"] == 1
    assert result.invalid_items[0]["errors"] == {"name": ["Expected a string."]}


def test_it_stops_a_feed_whose_pages_loop(httpserver, db):
    httpserver.expect_request("/feed").respond_with_json(
        {"vendors": [], "next": httpserver.url_for("/feed")}
    )
    result, _ = pull(httpserver)
    assert result.run.status == SyncRunStatus.FAILED
    assert "loop" in result.run.error


# --- The command and the task


def test_the_command_reads_a_file_and_prints_the_report(tmp_path, db):
    second = tmp_path / "page2.json"
    second.write_text(json.dumps({"solutions": [solution_item(0, 0)]}))
    first = tmp_path / "page1.json"
    first.write_text(json.dumps({"vendors": [vendor_item(0)], "next": "page2.json"}))
    out = StringIO()
    call_command("sync_catalog", "--source", SOURCE, "--file", str(first), stdout=out)
    report = json.loads(out.getvalue())
    assert report["status"] == "succeeded"
    assert report["pages"] == 2
    assert report["counts"]["created"] == 2
    assert Solution.objects.get(external_id="s-0").vendor.external_id == "v-0"


def test_the_command_reads_a_url_in_full_mode_and_fails_loudly(feed, db, settings):
    settings.CATALOG_FEED_RETRIES = 0
    out = StringIO()
    call_command(
        "sync_catalog", "--source", SOURCE, "--url", feed.url_for("/feed"), "--full", stdout=out
    )
    assert json.loads(out.getvalue())["counts"]["created"] == 8
    with pytest.raises(CommandError, match="failed"):
        call_command(
            "sync_catalog", "--source", SOURCE, "--url", feed.url_for("/nothing"), stdout=StringIO()
        )


def test_the_task_pulls_a_configured_feed(feed, db, settings):
    settings.CATALOG_FEEDS = {SOURCE: {"url": feed.url_for("/feed"), "full": True}}
    counts = tasks.sync_catalog_feed.delay(SOURCE).get()
    assert counts["created"] == 8
    assert CatalogSyncRun.objects.get().full is True
    assert tasks.sync_catalog_feed.delay("unknown").get() == {}


def test_the_task_asks_celery_to_retry_a_failed_run(httpserver, db, settings):
    settings.CATALOG_FEED_RETRIES = 0
    settings.CATALOG_FEEDS = {SOURCE: {"url": httpserver.url_for("/down")}}
    httpserver.expect_request("/down").respond_with_data("no", status=500)
    # Eager Celery raises the retry it would schedule (with backoff) on a worker.
    with pytest.raises(Retry, match="answered 500"):
        tasks.sync_catalog_feed.delay(SOURCE)
    assert CatalogSyncRun.objects.get().status == SyncRunStatus.FAILED


def test_the_admin_lists_the_runs(feed, admin_client):
    pull(feed)
    response = admin_client.get(
        reverse("admin:vendors_catalogsyncrun_changelist") + "?status=succeeded"
    )
    assert response.status_code == 200
    assert SOURCE in response.content.decode()
    run = CatalogSyncRun.objects.get()
    detail = admin_client.get(reverse("admin:vendors_catalogsyncrun_change", args=[run.pk]))
    assert detail.status_code == 200


# --- Configuration: CATALOG_FEEDS from the environment


def _settings_with(feeds: str):
    from tests.test_settings import manage

    code = "from django.conf import settings; print(sorted(settings.CELERY_BEAT_SCHEDULE.items()))"
    return manage("shell", "-c", code, DEBUG="true", CATALOG_FEEDS=feeds)


def test_it_schedules_each_configured_feed():
    result = _settings_with('{"acme": {"url": "https://acme.example/c.json", "every_minutes": 5}}')
    assert result.returncode == 0, result.stderr
    assert "'catalog-feed-acme'" in result.stdout
    assert "'args': ['acme']" in result.stdout
    assert "'schedule': 300.0" in result.stdout
    assert "run-signoff-sla" in result.stdout  # the other entries stay


@pytest.mark.parametrize(
    "feeds",
    [
        "[]",
        '{"acme": {}}',
        '{"acme": {"url": "ftp://x"}}',
        '{"acme": {"url": "https://x", "every_minutes": 0}}',
        '{"acme": {"url": "https://x", "ful": true}}',
    ],
)
def test_it_refuses_to_start_with_a_wrong_feed_configuration(feeds):
    result = _settings_with(feeds)
    assert result.returncode != 0
    assert "CATALOG_FEEDS" in result.stderr


# --- Where a feed may lead us: its own scheme, host and port only


def requested_paths(server) -> list[str]:
    return [request.path for request, _response in server.log]


@pytest.mark.parametrize(
    ("next_url", "message"),
    [
        ("file:///etc/passwd", "scheme file:"),
        ("ftp://localhost/catalog.json", "scheme ftp:"),
        ("data:application/json,%7B%22vendors%22%3A%5B%5D%7D", "scheme data:"),
        ("http://127.0.0.1:{port}/feed/2", "another host"),  # the same server, by another name
        ("//127.0.0.1:{port}/feed/2", "another host"),
        ("http://localhost:{other_port}/feed/2", "another host"),
        ("https://localhost:{port}/feed/2", "scheme https:"),
        ("http://localhost:99999/feed/2", "not a valid URL"),
    ],
)
def test_it_refuses_a_next_page_off_the_feeds_origin(httpserver, db, next_url, message):
    Vendor.objects.create(source=SOURCE, external_id="v-9", name="Old vendor")
    port = httpserver.port
    next_url = next_url.format(port=port, other_port=port + 1)
    httpserver.expect_request("/feed").respond_with_json(
        {"vendors": [vendor_item(0)], "next": next_url}
    )
    httpserver.expect_request("/feed/2").respond_with_json({"vendors": [vendor_item(1)]})
    result, sleeps = pull(httpserver, full=True)
    run = result.run
    assert run.status == SyncRunStatus.FAILED
    assert message in run.error
    assert "refusing its next page" in run.error
    assert requested_paths(httpserver) == ["/feed"]
    assert sleeps == []  # refused, not retried
    assert not Vendor.objects.filter(is_deleted=True).exists()
    assert not Vendor.objects.filter(external_id="v-1").exists()


def test_it_follows_a_relative_next_page_on_the_same_host(httpserver, db):
    httpserver.expect_request("/feed").respond_with_json(
        {"vendors": [vendor_item(0)], "next": "/feed/2?page=2"}
    )
    httpserver.expect_request("/feed/2").respond_with_json({"vendors": [vendor_item(1)]})
    result, _ = pull(httpserver)
    assert result.run.status == SyncRunStatus.SUCCEEDED
    assert result.run.pages == 2


def test_it_follows_a_redirect_on_the_feeds_host_only(httpserver, db):
    port = httpserver.port
    httpserver.expect_request("/feed").respond_with_data(
        "", status=302, headers={"Location": "/moved"}
    )
    httpserver.expect_request("/moved").respond_with_json(
        {"vendors": [vendor_item(0)], "next": "/away"}
    )
    httpserver.expect_request("/away").respond_with_data(
        "", status=301, headers={"Location": f"http://127.0.0.1:{port}/elsewhere"}
    )
    httpserver.expect_request("/elsewhere").respond_with_json({"vendors": [vendor_item(1)]})
    result, sleeps = pull(httpserver)
    run = result.run
    assert run.status == SyncRunStatus.FAILED
    assert "redirects to a URL the feed may not read" in run.error
    assert "another host" in run.error
    assert requested_paths(httpserver) == ["/feed", "/moved", "/away"]
    assert sleeps == []
    assert Vendor.objects.filter(external_id="v-0").exists()
    assert not Vendor.objects.filter(external_id="v-1").exists()


def test_it_does_not_follow_a_redirect_to_a_file(httpserver, db, tmp_path):
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"vendors": [vendor_item(7)]}))
    httpserver.expect_request("/feed").respond_with_data(
        "", status=302, headers={"Location": secret.as_uri()}
    )
    result, _ = pull(httpserver)
    assert result.run.status == SyncRunStatus.FAILED
    assert "scheme file:" in result.run.error
    assert not Vendor.objects.filter(external_id="v-7").exists()


@pytest.mark.parametrize("url", ["ftp://localhost/feed.json", "data:,{}", "gopher://x/", "x"])
def test_it_refuses_to_pull_a_feed_that_is_not_http_or_a_file(db, url):
    result = catalog_feed_pull(source=SOURCE, url=url, retries=0)
    assert result.run.status == SyncRunStatus.FAILED
    assert "http:, https: or a file" in result.run.error
    assert result.run.pages == 0


def file_feed(tmp_path, next_value):
    folder = tmp_path / "feed"
    folder.mkdir()
    first = folder / "page1.json"
    first.write_text(json.dumps({"vendors": [vendor_item(0)], "next": next_value}))
    return first


@pytest.mark.parametrize(
    ("next_value", "message"),
    [
        ("../outside.json", "outside the feed's folder"),
        ("/etc/passwd", "outside the feed's folder"),
        ("http://localhost:1/feed", "scheme http:"),
        ("data:,{}", "scheme data:"),
    ],
)
def test_it_keeps_a_file_feed_in_its_folder(tmp_path, db, next_value, message):
    (tmp_path / "outside.json").write_text(json.dumps({"vendors": [vendor_item(5)]}))
    first = file_feed(tmp_path, next_value)
    result = catalog_feed_pull(source=SOURCE, url=first.as_uri(), retries=0)
    assert result.run.status == SyncRunStatus.FAILED
    assert message in result.run.error
    assert not Vendor.objects.filter(external_id="v-5").exists()


def test_a_file_feed_may_link_to_a_file_in_a_subfolder(tmp_path, db):
    first = file_feed(tmp_path, "more/page2.json")
    (tmp_path / "feed" / "more").mkdir()
    (tmp_path / "feed" / "more" / "page2.json").write_text(
        json.dumps({"vendors": [vendor_item(1)]})
    )
    result = catalog_feed_pull(source=SOURCE, url=first.as_uri(), retries=0)
    assert result.run.status == SyncRunStatus.SUCCEEDED
    assert result.run.pages == 2


def test_the_command_reads_files_only_with_file(tmp_path, db):
    first = file_feed(tmp_path, None)
    with pytest.raises(CommandError, match="--url must be an http"):
        call_command("sync_catalog", "--source", SOURCE, "--url", first.as_uri())
    assert not CatalogSyncRun.objects.exists()


def test_it_removes_nothing_when_a_full_feed_lists_no_record(httpserver, db):
    Vendor.objects.create(source=SOURCE, external_id="v-9", name="Old vendor")
    httpserver.expect_request("/feed").respond_with_json({"vendors": [], "solutions": []})
    result, _ = pull(httpserver, full=True)
    assert result.run.status == SyncRunStatus.FAILED
    assert "listed no records" in result.run.error
    assert result.tombstoned == []
    assert result.run.counts["deleted"] == 0
    assert not Vendor.objects.get(external_id="v-9").is_deleted
