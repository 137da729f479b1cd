"""Playwright for Python driving Debian's Chromium against pytest-django's live server.

Every page a browser session visits is checked with axe-core (package.json, installed by
`make install`), and a serious or critical violation fails the test at teardown, naming the rule,
the elements and the URL:
- every HTML document the session loads (a GET, a POST's answer, an error page) is kept as it
  arrived, and at teardown is shown again in a twin page at the same width, its own CSS applied
  and its scripts kept from running, where axe checks it: the page as loaded, checked without
  racing the test (axe takes a few hundred milliseconds; the test would move on meanwhile);
- the live page, with whatever htmx swapped in, when the test takes a screenshot and at the end.
A page state (URL, width and markup) already checked in this run is not checked again.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Error as PlaywrightError

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
VIEWPORT = {"width": 1366, "height": 768}
SCREENSHOTS = Path(os.environ.get("ARTIFACTS_DIR", settings.BASE_DIR / "artifacts")) / "screenshots"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
AXE_IMPACTS = ("serious", "critical")
AXE_RUN = """async () => {
  if (typeof axe === "undefined") return null;
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
  }));
}"""
# A page state: its width and a hash of its markup. The masked CSRF token (64 letters and digits)
# differs in every response of the same page, so it is left out.
CSRF = re.compile(rb"[A-Za-z0-9]{64}")
AXE_STATE = """() => {
  const html = document.documentElement.outerHTML.replace(/[A-Za-z0-9]{64}/g, "");
  let hash = 2166136261;
  for (let i = 0; i < html.length; i++) hash = Math.imul(hash ^ html.charCodeAt(i), 16777619);
  return innerWidth + ":" + html.length + ":" + (hash >>> 0);
}"""
# What axe found for each page state checked in this run: the same markup at the same width gives
# the same answer (the login page, say, is the same for every session).
_checked: dict[tuple[str, str], list[dict]] = {}


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]
    url: str
    when: str


@dataclass(frozen=True)
class Document:
    """An HTML document as a session received it, and the width it was shown at."""

    url: str
    status: int
    body: bytes
    width: int


class Twin:
    """A page with JavaScript on, where axe checks documents that sessions received: each is
    served again as it arrived, with a Content Security Policy that keeps its own scripts from
    running (axe, injected through DevTools, is not governed by it), its CSS from the server."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport=VIEWPORT)
        # axe in every document it shows, without sending it over again each time.
        self.context.add_init_script(path=AXE)
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self._serving: Document | None = None
        self._address = ""
        self.context.route("**/*", self._serve)

    def _serve(self, route, request) -> None:
        document = self._serving
        if document and request.is_navigation_request() and request.url == self._address:
            route.fulfill(
                status=document.status,
                body=document.body,
                headers={
                    "Content-Type": "text/html; charset=utf-8",
                    "Content-Security-Policy": "script-src 'none'",
                },
            )
        else:
            route.fallback()

    def check(self, document: Document) -> list[dict]:
        key = (document.url, f"{document.width}:{_digest(document.body)}")
        if key not in _checked:
            self.page.set_viewport_size({"width": document.width, "height": VIEWPORT["height"]})
            self._serving, self._address = document, document.url.split("#")[0]
            try:
                self.page.goto(self._address)
            finally:
                self._serving = None
            _checked[key] = axe(self.page)
        return _checked[key]

    def close(self) -> None:
        self.context.close()


def _digest(body: bytes) -> str:
    return hashlib.blake2b(CSRF.sub(b"", body)).hexdigest()


def axe(page) -> list[dict]:
    """Run axe-core on the page as it stands, injected through the DevTools protocol, which the
    page's Content Security Policy does not govern; cached by page state."""
    key = (page.url, page.evaluate(AXE_STATE))
    if key not in _checked:
        if not page.evaluate("typeof axe !== 'undefined'"):
            page.evaluate(AXE.read_text())
        _checked[key] = page.evaluate(AXE_RUN)
    return _checked[key]


@pytest.fixture(scope="session")
def chromium():
    path = need_browser()
    need("BROWSER", AXE.exists(), f"no axe-core at {AXE}: run `make install` (needs npm)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_twin(chromium):
    twin = Twin(chromium)
    yield twin
    twin.close()


class Session:
    """One person's browser: their own cookies, every CSP violation they would see, and every
    HTML document they receive, for axe."""

    def __init__(self, browser, base_url: str, twin: Twin, *, javascript: bool = True):
        self.context = browser.new_context(
            base_url=base_url, viewport=VIEWPORT, java_script_enabled=javascript
        )
        self.javascript = javascript
        self.twin = twin
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
        self.a11y_violations: set[Violation] = set()
        self.checker_errors: list[str] = []
        self.documents: list[Document] = []
        self._reading = 0
        self.page.on(
            "console",
            lambda msg: msg.type == "error" and self.console_errors.append(msg.text),
        )
        self.context.on("response", self._keep_document)

    def _keep_document(self, response) -> None:
        """Keep each HTML document the session's pages load, as it arrived (its body is read
        now: after the next navigation the browser may have let it go)."""
        request = response.request
        if not request.is_navigation_request() or 300 <= response.status < 400:
            return
        if "text/html" not in response.headers.get("content-type", ""):
            return
        try:
            frame = response.frame
        except PlaywrightError:
            # A new tab's first document (a link with target="_blank", as the glossary's
            # links in forms): Playwright has no frame for it yet. The test checks that page
            # as it stands (check_accessibility), and close() checks every page still open.
            return
        if frame.parent_frame is not None:
            return
        width = (frame.page.viewport_size or VIEWPORT)["width"]
        self._reading += 1
        try:
            self.documents.append(Document(response.url, response.status, response.body(), width))
        except PlaywrightError as error:
            self.checker_errors.append(f"could not read {response.url}: {error}")
        finally:
            self._reading -= 1

    def login(self, username: str, password: str = "pw") -> None:
        page = self.page
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        seen = len(self.documents) + len(self.checker_errors)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/")
        # The home page's body is read by the response handler; a test that goes on at once
        # would navigate away before it is read (and the check would fail on nothing).
        for _ in range(250):
            if len(self.documents) + len(self.checker_errors) > seen and not self._reading:
                break
            page.wait_for_timeout(20)

    def screenshot(self, name: str) -> None:
        """A full-page screenshot under artifacts/screenshots/ (the name may hold a folder), and
        the page as it stands (with what htmx swapped in) checked with axe."""
        path = SCREENSHOTS / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=path, full_page=True)
        self.check_accessibility(self.page, f"at screenshot {name}")

    def check_accessibility(self, page=None, when: str = "") -> None:
        """Check the page as it stands now; without JavaScript, axe cannot run in it, so its
        document as it arrived is checked in the twin."""
        page = page or self.page
        if not page.url.startswith("http"):
            return
        if self.javascript:
            self._keep(axe(page), page.url, when)
        else:
            width = (page.viewport_size or VIEWPORT)["width"]
            document = Document(page.url, 200, page.content().encode(), width)
            self._keep(self.twin.check(document), page.url, when)

    def _keep(self, violations: list[dict] | None, url: str, when: str) -> None:
        if violations is None:
            self.checker_errors.append(f"axe did not run at {url} {when}")
            return
        for v in violations:
            if v["impact"] in AXE_IMPACTS:
                self.a11y_violations.add(
                    Violation(v["id"], v["impact"], v["help"], tuple(v["nodes"]), url, when)
                )

    def close(self) -> None:
        """Check every page still open as it stands, then every document loaded, then close."""
        for page in self.context.pages:
            self.check_accessibility(page, "at the end of the test")
        while self._reading:
            self.page.wait_for_timeout(20)
        self.context.close()
        for document in self.documents:
            self._keep(self.twin.check(document), document.url, "as loaded")


@pytest.fixture
def browser_for(chromium, axe_twin, live_server, transactional_db):
    sessions: list[Session] = []

    def open_as(username: str, *, javascript: bool = True) -> Session:
        session = Session(chromium, live_server.url, axe_twin, javascript=javascript)
        session.login(username)
        sessions.append(session)
        return session

    yield open_as
    for session in sessions:
        session.close()
    violations = [e for s in sessions for e in s.console_errors if "Content Security Policy" in e]
    assert not violations, f"The pages broke their Content Security Policy: {violations}"
    errors = [e for s in sessions for e in s.checker_errors]
    assert not errors, f"axe-core could not check these pages: {errors}"
    found: dict[tuple, list[str]] = {}
    for v in sorted(
        {v for s in sessions for v in s.a11y_violations}, key=lambda v: (v.url, v.rule, v.when)
    ):
        found.setdefault((v.rule, v.impact, v.url, v.targets, v.help), []).append(v.when)
    if found:
        pytest.fail(
            "axe-core found serious accessibility violations:\n"
            + "\n".join(
                f"{rule} ({impact}) at {url} ({'; '.join(whens)}): {', '.join(targets)} — {help}"
                for (rule, impact, url, targets, help), whens in found.items()
            ),
            pytrace=False,
        )
