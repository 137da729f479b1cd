"""The one outgoing HTTP client: timeouts, a size limit, redirects only where the caller allows
them, and retries with exponential backoff for the callers that want them. Built on httpx (the
exchange) and tenacity (the retries); used by the webhook sender and the catalog feed reader.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx
import tenacity

USER_AGENT = "hrtech-gov/1"
MAX_REDIRECTS = 10


class TransportError(Exception):
    """No HTTP answer: refused, reset, timed out, DNS, TLS, a malformed URL or answer."""


class RedirectRefused(Exception):
    """The answer redirects somewhere the caller does not allow; the message says why."""


class ResponseTooLarge(Exception):
    """The answer's body is larger than the caller's limit."""


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    body: bytes
    url: str  # after the redirects that were followed

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def send(
    method: str,
    url: str,
    *,
    timeout: float,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
    max_bytes: int = 1024 * 1024,
    redirects: Callable[[str], str | None] | None = None,
) -> Response:
    """One exchange, no retries. Any HTTP status is a Response. Redirects are followed only
    when `redirects` is given, and only to a URL for which it returns None (else
    RedirectRefused with what it returned); without it a 3xx comes back as it is, so a POST is
    never turned into a GET elsewhere. Reads at most `max_bytes` of the body."""
    scheme = url.split(":", 1)[0].lower()
    if scheme not in ("http", "https"):
        raise TransportError(f"Only http and https URLs are allowed, not {scheme!r}.")
    all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            for _hop in range(MAX_REDIRECTS + 1):
                with client.stream(method, url, content=content, headers=all_headers) as answer:
                    if answer.is_redirect and redirects is not None:
                        target = urljoin(url, answer.headers["location"])
                        if (why := redirects(target)) is not None:
                            raise RedirectRefused(why)
                        if answer.status_code in (301, 302, 303) and method != "GET":
                            method, content = "GET", None
                        url = target
                        continue
                    body = bytearray()
                    for chunk in answer.iter_bytes():
                        body += chunk
                        if len(body) > max_bytes:
                            raise ResponseTooLarge(f"{url}: the answer is larger than the limit.")
                    return Response(answer.status_code, answer.reason_phrase, bytes(body), url)
    except (httpx.TransportError, httpx.InvalidURL, httpx.UnsupportedProtocol) as error:
        raise TransportError(f"{type(error).__name__}: {error}") from error
    except httpx.HTTPError as error:  # anything else httpx refuses (a garbled answer)
        raise TransportError(f"{type(error).__name__}: {error}") from error
    raise TransportError(f"{url}: more than {MAX_REDIRECTS} redirects.")


def with_retries[T](
    call: Callable[[], T],
    *,
    retries: int,
    backoff: float,
    retry_on: Callable[[BaseException], bool],
    sleep: Callable[[float], None] = time.sleep,
    before_retry: Callable[[BaseException, int], None] | None = None,
) -> T:
    """`call()`, tried again up to `retries` times while it raises an error `retry_on`
    accepts, sleeping backoff, twice that, four times that, … in between. The last error is
    raised as it is."""

    def _before_sleep(state: tenacity.RetryCallState) -> None:
        if before_retry is not None and state.outcome is not None:
            error = state.outcome.exception()
            if error is not None:
                before_retry(error, state.attempt_number)

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(retries + 1),
        wait=tenacity.wait_exponential(multiplier=backoff, exp_base=2, min=0, max=3600),
        retry=tenacity.retry_if_exception(retry_on),
        sleep=sleep,
        before_sleep=_before_sleep,
        reraise=True,
    )
    return retrying(call)
