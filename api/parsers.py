"""The request body: JSON only, with the same size limit as the rest of the site, no duplicate
keys and no absurd nesting."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

from api.errors import RequestTooLarge, too_large_message
from core.text import json_loads


class LimitedJSONParser(parsers.JSONParser):
    """JSON with DATA_UPLOAD_MAX_MEMORY_SIZE enforced. DRF reads the request stream itself,
    bypassing Django's check on request.body, so without this a huge body would be parsed."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        if limit is not None and request is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise RequestTooLarge(too_large_message())
        if stream is None:
            raise exceptions.ParseError(_("The request body is empty."))
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(too_large_message())
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
            # NaN/Infinity refused; strings with lone surrogates marked (core.text).
            data = json_loads(text, object_pairs_hook=_refuse_duplicate_keys)
        except RecursionError:
            # json's decoder recurses once per level: thousands of "[" exhaust the stack long
            # before the size limit. Answer as for any other malformed body, never a 500.
            raise exceptions.ParseError(_too_deep_message()) from None
        except UnicodeDecodeError as error:
            raise exceptions.ParseError(
                _("The body is not valid %(enc)s.") % {"enc": encoding}
            ) from (error)
        except ValueError as error:
            raise exceptions.ParseError(
                _("JSON parse error - %(error)s") % {"error": str(error)}
            ) from error
        if _depth_exceeds(data, JSON_MAX_DEPTH):
            # Shallower than the recursion limit but still deeper than any resource of ours:
            # refused here so that serializers and error reports never walk such a structure.
            raise exceptions.ParseError(_too_deep_message())
        return data


# No resource nests more than a few levels (a proposal's goals: object → list → object).
JSON_MAX_DEPTH = 64


def _too_deep_message() -> str:
    return _("JSON is nested too deeply (the limit is %(limit)d levels).") % {
        "limit": JSON_MAX_DEPTH
    }


def _depth_exceeds(data, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` levels deep. Iterative, so that the
    check itself cannot exhaust the stack."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _refuse_duplicate_keys(pairs):
    seen: dict = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(_("duplicate key %(key)r") % {"key": key})
        seen[key] = value
    return seen
