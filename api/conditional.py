"""Conditional requests: ETag / If-None-Match on reads, If-Match on updates."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.http import parse_etags, quote_etag
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api.errors import PreconditionFailed


def etag_for_data(data: Any) -> str:
    """A strong ETag of a representation: changes whenever anything the client sees changes,
    nested objects included."""
    raw = json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder, separators=(",", ":"))
    return quote_etag(hashlib.sha256(raw.encode()).hexdigest()[:32])


def _strip_weak(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def etag_matches(header: str | None, etag: str, *, weak: bool = True) -> bool:
    """Whether an If-None-Match (weak comparison) or If-Match (strong) header matches."""
    if not header:
        return False
    tags = parse_etags(header)
    if "*" in tags:
        return True
    if weak:
        return _strip_weak(etag) in {_strip_weak(t) for t in tags}
    return etag in tags


def check_if_match(request, current_etag: str) -> None:
    """Raise PreconditionFailed when the request carries an If-Match that is not current.
    If-Match is optional: without it the update goes ahead."""
    header = request.headers.get("If-Match")
    if header and not etag_matches(header, current_etag, weak=False):
        raise PreconditionFailed()


def not_modified(request, etag: str) -> Response | None:
    if etag_matches(request.headers.get("If-None-Match"), etag):
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    return None


class ConditionalMixin:
    """For views whose detail answers an ETag: `get_etag(obj, data)` defaults to a hash of the
    representation. Use `conditional_retrieve(obj)` in retrieve, and `check_if_match(request,
    self.current_etag(obj))` before an update (inside the transaction that locks the row)."""

    def get_etag(self, obj, data) -> str:
        return etag_for_data(data)

    def current_etag(self, obj) -> str:
        data = self.get_output_serializer(obj).data
        return self.get_etag(obj, data)

    def get_output_serializer(self, obj: Any) -> Any:
        return self.get_serializer(obj)  # type: ignore[attr-defined]

    def conditional_retrieve(self, obj, *, status_code: int = 200) -> Response:
        data = self.get_output_serializer(obj).data
        etag = self.get_etag(obj, data)
        request: Request = self.request  # type: ignore[attr-defined]  # the view's
        if request.method in ("GET", "HEAD") and (response := not_modified(request, etag)):
            return response
        return Response(data, status=status_code, headers={"ETag": etag})
