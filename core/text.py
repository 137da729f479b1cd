"""Text from outside that the database cannot or should not store, refused where it enters.

- NUL (U+0000): PostgreSQL refuses it in text (a 500 if it reaches a query).
- Lone UTF-16 surrogates (U+D800 to U+DFFF on their own): JSON's "\\ud800" escape decodes to one,
  and no database encoding can store it. JSON bodies (the API, catalog feeds) are read with
  `json_loads`, which replaces every string holding one by an `InvalidText`: a str with the
  surrogates replaced, so nothing downstream can fail on it, that every field refuses with a
  clear message ("not valid Unicode") instead of storing the replacement.
- NaN and Infinity are not JSON: `json_loads` refuses them.
- Line breaks in single-line fields (names, titles): they would reach email headers and
  one-line displays; `validate_single_line` refuses them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SURROGATE = re.compile("[\ud800-\udfff]")
LINE_BREAK = re.compile("[\r\n\x0b\x0c\x85\u2028\u2029]")


class InvalidText(str):
    """A JSON string that held lone surrogates, with each replaced by U+FFFD: harmless to
    handle, and refused by every field that takes text."""

    __slots__ = ()


def has_surrogates(text: str) -> bool:
    return SURROGATE.search(text) is not None


def unreadable(text: str) -> str | None:
    """Why `text` cannot be stored (a message), or None when it can."""
    if isinstance(text, InvalidText) or has_surrogates(text):
        return str(_("Contains characters that are not valid Unicode (a lone surrogate)."))
    if "\x00" in text:
        return str(_("Contains a NUL character."))
    return None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        if has_surrogates(value):
            return InvalidText(SURROGATE.sub("\ufffd", value))
        return value
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        cleaned = {}
        for key, item in value.items():
            if has_surrogates(key):
                raise ValueError("an object key is not valid Unicode (a lone surrogate)")
            cleaned[key] = _clean(item)
        return cleaned
    return value


# A surrogate can only come from a \u escape (as UTF-8 bytes it is not valid UTF-8 and fails to
# decode first): bodies without one, nearly all, are not walked.
ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def json_loads(text: str, **kwargs: Any) -> Any:
    """json.loads, refusing NaN and Infinity (not JSON), with strings holding lone surrogates
    turned into InvalidText. ValueError for what is not JSON."""
    data = json.loads(text, parse_constant=_refuse_constant, **kwargs)
    if ESCAPED_SURROGATE.search(text) is None:
        return data
    try:
        return _clean(data)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def validate_single_line(value: str) -> None:
    """A name or a title: one line."""
    if isinstance(value, str) and LINE_BREAK.search(value):
        raise ValidationError(_("Line breaks are not allowed here."), code="line_break")


def validate_storable(value: str) -> None:
    """Text a database can store: no NUL, no lone surrogate."""
    if isinstance(value, str) and (message := unreadable(value)) is not None:
        raise ValidationError(message, code="unreadable")


def strict_json_loads(raw: bytes, *, encoding: str = "utf-8") -> Any:
    """A JSON document as the API reads every body: NaN/Infinity refused, strings with lone
    surrogates marked (core.text), no duplicate keys, no absurd nesting. ValueError with a
    message for a person when it is not such a document."""
    try:
        text = raw.decode(encoding)
        data = json_loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except RecursionError:
        # json's decoder recurses once per level: thousands of "[" exhaust the stack long
        # before the size limit. Answer as for any other malformed body, never a 500.
        raise ValueError(_too_deep_message()) from None
    except UnicodeDecodeError as error:
        raise ValueError(str(_("The body is not valid %(enc)s.")) % {"enc": encoding}) from error
    except ValueError as error:
        raise ValueError(str(_("JSON parse error - %(error)s")) % {"error": str(error)}) from error
    if _depth_exceeds(data, JSON_MAX_DEPTH):
        # Shallower than the recursion limit but still deeper than any resource of ours:
        # refused here so that serializers and error reports never walk such a structure.
        raise ValueError(_too_deep_message())
    return data


# No resource nests more than a few levels (a proposal's goals: object → list → object).
JSON_MAX_DEPTH = 64


def _too_deep_message() -> str:
    return str(_("JSON is nested too deeply (the limit is %(limit)d levels).")) % {
        "limit": JSON_MAX_DEPTH
    }


def _depth_exceeds(data: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` levels deep. Iterative, so that the
    check itself cannot exhaust the stack."""
    stack: list[tuple[Any, int]] = [(data, 1)]
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


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(str(_("duplicate key %(key)r")) % {"key": key})
        seen[key] = value
    return seen
