"""The outgoing HTTP client (core.http) against a real local server: what the webhook sender and
the feed reader rely on."""

from __future__ import annotations

import pytest
from werkzeug import Response

from core import http


def test_it_answers_any_status_with_its_body(httpserver):
    httpserver.expect_request("/teapot").respond_with_data("short and stout", status=418)
    answer = http.send("GET", httpserver.url_for("/teapot"), timeout=2)
    assert (answer.status, answer.ok, answer.body) == (418, False, b"short and stout")


def test_it_does_not_follow_a_redirect_unless_allowed(httpserver):
    httpserver.expect_request("/old").respond_with_response(
        Response(status=302, headers={"Location": "/new"})
    )
    httpserver.expect_request("/new").respond_with_data("moved here")
    # A POST is never turned into a GET elsewhere: the 302 comes back as it is.
    assert http.send("POST", httpserver.url_for("/old"), timeout=2, content=b"{}").status == 302
    followed = http.send("GET", httpserver.url_for("/old"), timeout=2, redirects=lambda url: None)
    assert (followed.status, followed.body, followed.url) == (
        200,
        b"moved here",
        httpserver.url_for("/new"),
    )


def test_it_refuses_a_redirect_its_caller_refuses(httpserver):
    httpserver.expect_request("/old").respond_with_response(
        Response(status=301, headers={"Location": "http://elsewhere.example/"})
    )
    with pytest.raises(http.RedirectRefused, match="not there"):
        http.send("GET", httpserver.url_for("/old"), timeout=2, redirects=lambda url: "not there")


def test_it_stops_reading_past_the_size_limit(httpserver):
    httpserver.expect_request("/big").respond_with_data("x" * 5000)
    with pytest.raises(http.ResponseTooLarge):
        http.send("GET", httpserver.url_for("/big"), timeout=2, max_bytes=1000)


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "file:///etc/passwd", "http://127.0.0.1:9/closed"]
)
def test_it_reports_what_is_not_an_answer_as_a_transport_error(url):
    with pytest.raises(http.TransportError):
        http.send("GET", url, timeout=1)


def test_it_retries_with_doubling_backoff_then_raises_the_last_error():
    sleeps: list[float] = []
    calls = []

    def flaky():
        calls.append(1)
        raise TimeoutError(f"attempt {len(calls)}")

    with pytest.raises(TimeoutError, match="attempt 4"):
        http.with_retries(
            flaky, retries=3, backoff=0.5, retry_on=lambda e: True, sleep=sleeps.append
        )
    assert sleeps == [0.5, 1.0, 2.0]


def test_it_does_not_retry_what_its_caller_says_is_final():
    sleeps: list[float] = []

    def broken():
        raise ValueError("final")

    with pytest.raises(ValueError, match="final"):
        http.with_retries(
            broken,
            retries=3,
            backoff=1,
            retry_on=lambda e: isinstance(e, TimeoutError),
            sleep=sleeps.append,
        )
    assert sleeps == []
