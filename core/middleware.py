"""Input no page or query can use, refused before it reaches one: a NUL or a lone surrogate in
the path, in the query string or in a form's fields (PostgreSQL refuses NUL in any query: a
500 if it got that far). Answered 400, in the API's error shape under /api/."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core.text import unreadable

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RefuseUnreadableInput:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = self.unreadable_part(request)
        if where is None:
            return self.get_response(request)
        message = _("The %(where)s contains characters that cannot be used.") % {"where": where}
        if request.path.startswith("/api/"):
            return JsonResponse({"message": message, "errors": {}}, status=400)
        return HttpResponseBadRequest(render_to_string("400.html", {"message": message}))

    @staticmethod
    def unreadable_part(request: HttpRequest) -> str | None:
        if unreadable(request.path):
            return str(_("address"))
        if any(
            unreadable(key) or any(unreadable(value) for value in values)
            for key, values in request.GET.lists()
        ):
            return str(_("query string"))
        if (
            request.method == "POST"
            and request.content_type in FORM_TYPES
            and any(
                unreadable(key) or any(unreadable(v) for v in values if isinstance(v, str))
                for key, values in request.POST.lists()
            )
        ):
            return str(_("form"))
        return None
