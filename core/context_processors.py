"""What every page's layout needs from the request, whatever the app."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def language_next(request: HttpRequest) -> dict[str, Any]:
    """Where the header's language buttons come back to: the page itself when it was fetched
    with GET. A page rendered in answer to a POST (a refusal, a form with its errors) sits at
    an action's URL that may answer POST only (405): then the page the form was posted from
    (the Referer, same origin only), else the home page. A view that knows the page's own URL
    says so with `page_url` in its context, which base.html prefers."""
    # A language chosen with the buttons (the cookie): the header offers to follow the browser
    # again.
    chosen = bool(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if request.method in ("GET", "HEAD"):
        return {"language_next": request.get_full_path(), "language_chosen": chosen}
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return {
            "language_next": parts.path + (f"?{parts.query}" if parts.query else ""),
            "language_chosen": chosen,
        }
    return {"language_next": "/", "language_chosen": chosen}
