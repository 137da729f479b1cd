"""Playwright for Python driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.services import need, need_browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(os.environ.get("ARTIFACTS_DIR", settings.BASE_DIR / "artifacts")) / "screenshots"
# axe-core (package.json, installed by `make install`): every page a journey screenshots is
# checked for accessibility violations; a serious or critical one fails the test.
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
AXE_IMPACTS = ("serious", "critical")
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
  }));
}"""


@pytest.fixture(scope="session")
def chromium():
    path = need_browser()
    need("BROWSER", AXE.exists(), f"no axe-core at {AXE}: run `make install` (needs npm)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Session:
    """One person's browser: their own cookies, and every CSP violation they would see."""

    def __init__(self, browser, base_url: str, *, javascript: bool = True):
        self.browser, self.base_url, self.javascript = browser, base_url, javascript
        self.context = browser.new_context(
            base_url=base_url,
            viewport={"width": 1280, "height": 900},
            java_script_enabled=javascript,
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        # Name the element behind each CSP violation, so a failure says what to fix.
        self.page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => console.error("
            "'Content Security Policy violation: ' + e.violatedDirective + ' by ' + "
            "(e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 160) : e.target)"
            " + ' at ' + location.pathname));"
        )
        self.console_errors: list[str] = []
        self.a11y_violations: list[str] = []
        self.page.on(
            "console",
            lambda msg: msg.type == "error" and self.console_errors.append(msg.text),
        )

    def login(self, username: str, password: str = "pw") -> None:
        page = self.page
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/")

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
        self.check_accessibility(name)

    def check_accessibility(self, name: str) -> None:
        """Run axe-core on the page as it stands (injected through the DevTools protocol, which
        the page's Content Security Policy does not govern); keep what is serious."""
        if not self.javascript:
            self.check_accessibility_of_the_html(name)
            return
        self.run_axe(self.page, name)

    def run_axe(self, page, name: str) -> None:
        if not page.evaluate("typeof axe !== 'undefined'"):
            page.evaluate(AXE.read_text())
        for violation in page.evaluate(AXE_RUN):
            if violation["impact"] in AXE_IMPACTS:
                self.a11y_violations.append(f"{name} ({self.page.url}): {violation}")

    def check_accessibility_of_the_html(self, name: str) -> None:
        """A page without JavaScript: axe-core needs timers, which do not run there (its
        promise would never settle). It checks the same HTML at the same URL (answered from
        here, so a page that answered a POST is not fetched again) in a page that runs only
        axe: the page's own scripts are not loaded, its styles are."""
        url, html = self.page.url, self.page.content()
        context = self.browser.new_context(base_url=self.base_url, viewport=self.page.viewport_size)
        try:
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.route("**/*.js", lambda route: route.abort())
            page.route(
                url,
                lambda route: route.fulfill(
                    status=200, content_type="text/html; charset=utf-8", body=html
                ),
            )
            page.goto(url)
            self.run_axe(page, name)
        finally:
            context.close()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def browser_for(chromium, live_server, transactional_db):
    sessions: list[Session] = []

    def open_as(username: str, *, javascript: bool = True) -> Session:
        """`javascript=False`: the page's scripts do not run (htmx neither), as for a browser
        without JavaScript; Playwright's own probes still do, and axe-core checks its HTML
        (Session.check_accessibility_of_the_html)."""
        session = Session(chromium, live_server.url, javascript=javascript)
        session.login(username)
        sessions.append(session)
        return session

    yield open_as
    for session in sessions:
        session.close()
    violations = [e for s in sessions for e in s.console_errors if "Content Security Policy" in e]
    assert not violations, f"The pages broke their Content Security Policy: {violations}"
    inaccessible = [v for s in sessions for v in s.a11y_violations]
    assert not inaccessible, f"axe-core found serious accessibility violations: {inaccessible}"
