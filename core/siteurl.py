"""The site's own address, for the links emails and webhooks carry.

SITE_URL when it is set (production must set it: `manage.py check --deploy` says so). Without
it — the demo, `make run` on whatever port — the address the current request came in on: the
demo runs its tasks in the request (eager Celery), so the links in its emails point where the
user is; outside a request, http://127.0.0.1:8000.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.core import checks
from django.http import HttpRequest, HttpResponse

DEFAULT = "http://127.0.0.1:8000"
_origin: ContextVar[str | None] = ContextVar("request_origin", default=None)


def site_url() -> str:
    if settings.SITE_URL:
        return str(settings.SITE_URL).rstrip("/")
    return _origin.get() or DEFAULT


class RequestOriginMiddleware:
    """Remembers the request's origin (scheme and validated host) while it is served."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SITE_URL:
            return self.get_response(request)
        token = _origin.set(request.build_absolute_uri("/").rstrip("/"))
        try:
            return self.get_response(request)
        finally:
            _origin.reset(token)


@checks.register(checks.Tags.security, deploy=True)
def check_site_url(**kwargs: object) -> list[checks.CheckMessage]:
    if settings.SITE_URL:
        return []
    return [
        checks.Warning(
            "SITE_URL is not set: links in emails and webhooks sent by workers will point to "
            f"{DEFAULT}.",
            hint="Set SITE_URL to the address users reach the site at.",
            id="hrtech.W001",
        )
    ]
