"""The request body: JSON only, with the same size limit as the rest of the site, no duplicate
keys and no absurd nesting."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

from api.errors import RequestTooLarge, too_large_message
from core.text import strict_json_loads


class LimitedJSONParser(parsers.JSONParser):
    """JSON with DATA_UPLOAD_MAX_MEMORY_SIZE enforced. DRF reads the request stream itself,
    bypassing Django's check on request.body, so without this a huge body would be parsed."""

    def max_bytes(self) -> int | None:
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    def parse(self, stream, media_type=None, parser_context=None):
        limit = self.max_bytes()
        request = (parser_context or {}).get("request")
        if limit is not None and request is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise RequestTooLarge(too_large_message(limit))
        if stream is None:
            raise exceptions.ParseError(_("The request body is empty."))
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(too_large_message(limit))
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return strict_json_loads(raw, encoding=encoding)
        except ValueError as error:
            raise exceptions.ParseError(str(error)) from error
