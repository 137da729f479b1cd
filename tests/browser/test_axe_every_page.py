"""The accessibility check of browser_for itself: a page is checked though the test never looked
at it, with or without JavaScript, and a page changed in place is checked as it stands at a
screenshot. A page with an image without alternative text stands in for any violation."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import Session

pytestmark = pytest.mark.browser

INACCESSIBLE = (
    '<!doctype html><html lang="en"><head><title>Inaccessible</title></head>'
    '<body><main><h1>Inaccessible</h1><img src="/static/favicon.svg"></main></body></html>'
)


@pytest.fixture
def session_on(chromium, axe_twin, live_server, transactional_db):
    """A session of nobody (no login, so no teardown check fails the test on purpose); closing it
    runs the checks."""

    def open_session(*, javascript: bool = True) -> Session:
        session = Session(chromium, live_server.url, axe_twin, javascript=javascript)
        session.page.route(
            "**/inaccessible/",
            lambda route: route.fulfill(body=INACCESSIBLE, content_type="text/html"),
        )
        return session

    return open_session


def found(session: Session) -> set[tuple[str, str, str]]:
    return {(v.rule, urlsplit(v.url).path, v.when) for v in session.a11y_violations}


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without"])
def test_a_page_left_without_a_screenshot_is_still_checked(session_on, javascript):
    session = session_on(javascript=javascript)
    session.page.goto("/inaccessible/")
    session.page.goto("/accounts/login/")
    session.close()
    assert found(session) == {("image-alt", "/inaccessible/", "as loaded")}
    assert not session.checker_errors


def test_a_page_changed_in_place_is_checked_as_it_stands(session_on):
    """As at each screenshot (Session.screenshot calls the same check) and at the end."""
    session = session_on()
    session.page.goto("/accounts/login/")
    session.check_accessibility(session.page, "as a screenshot would")
    assert found(session) == set()
    # What an htmx swap would do: new markup in the page, no new document.
    session.page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        " '<img src=\"/static/favicon.svg\">')"
    )
    session.check_accessibility(session.page, "after the swap")
    session.close()
    assert found(session) == {
        ("image-alt", "/accounts/login/", "after the swap"),
        ("image-alt", "/accounts/login/", "at the end of the test"),
    }
