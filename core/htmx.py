"""htmx: the request type of views that read django-htmx's `request.htmx` (set by
HtmxMiddleware), and the Vary header that keeps a fragment out of a whole-page visit."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class VaryOnHtmx:
    """Pages that answer htmx with a fragment and a browser with the whole page share a URL
    (htmx pushes the filtered URL). `Vary: HX-Request` keeps the browser's cache from giving the
    fragment back for a whole-page visit: Back to a filtered dashboard after leaving it showed a
    bare, unstyled fragment."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method in ("GET", "HEAD"):
            patch_vary_headers(response, ("HX-Request",))
        return response
