"""Terms of the glossary linked where they appear in a text (form help, checklist questions).

The text is user content: every part of it is escaped, only the links are markup. The first
occurrence of each term becomes a link to its anchor on the glossary page: whole words only
(a plural's "s" included), without case, the longest term first ("personal data" before
"data"), with the definition as its tooltip (the department's own meaning where one is asked
for and given). The link opens the glossary in a new tab: the texts linked are forms' labels
and help, and following a link must not lose what the person has typed.

Cost: the terms are read once per request, whatever the number of texts or terms — from the
cache (keyed by the data version, which every change of a term bumps after its commit), or one
query when the cache has none. Within a request they are remembered in the thread.
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeData, SafeString
from django.utils.text import Truncator

from core.dataversion import data_version

TOOLTIP_CHARS = 300
CACHE_SECONDS = 3600


@dataclass(frozen=True)
class Entry:
    name: str
    slug: str
    definition: str
    meanings: dict[str, str] = field(default_factory=dict)  # department code → meaning


_local = threading.local()


def request_begins(**_kwargs: Any) -> None:
    _local.in_request = True
    _local.entries = None


def request_ends(**_kwargs: Any) -> None:
    _local.in_request = False
    _local.entries = None


def forget() -> None:
    """Drop what this thread remembers (after a change of a term in this request)."""
    _local.entries = None


def _load() -> tuple[Entry, ...]:
    """One query: each term with its meanings joined (a term without one comes once, with
    None for the department)."""
    from glossary.models import Term

    rows = Term.objects.order_by().values_list(
        "pk", "name", "slug", "definition", "meanings__department__code", "meanings__text"
    )
    terms: dict[int, tuple[str, str, str]] = {}
    meanings: dict[int, dict[str, str]] = {}
    for pk, name, slug, definition, code, text in rows:
        terms[pk] = (name, slug, definition)
        if code is not None:
            meanings.setdefault(pk, {})[code] = text
    entries = [
        Entry(name=name, slug=slug, definition=definition, meanings=meanings.get(pk, {}))
        for pk, (name, slug, definition) in terms.items()
    ]
    # Longest first: the alternation then prefers "personal data" to "data" at one place.
    entries.sort(key=lambda e: (-len(e.name), e.name.casefold()))
    return tuple(entries)


def glossary_entries() -> tuple[Entry, ...]:
    """Every term with its definitions, longest name first."""
    if getattr(_local, "in_request", False) and _local.entries is not None:
        return _local.entries
    key = f"glossary:entries:{data_version()}"
    try:
        entries = cache.get(key)
    except Exception:  # the cache is away: read the database (core.cache explains)
        entries = None
    if entries is None:
        entries = _load()
        # Nothing kept when the cache is away: read again next time.
        with contextlib.suppress(Exception):
            cache.set(key, entries, CACHE_SECONDS)
    if getattr(_local, "in_request", False):
        _local.entries = entries
    return entries


def _pattern_part(name: str) -> str:
    # A space in a term matches any run of white space in the text (a line break included).
    return r"\s+".join(re.escape(word) for word in name.split())


@functools.lru_cache(maxsize=8)
def _matcher(names: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(_pattern_part(n) for n in names)
    # Whole words: no letter, digit or underscore just before or after the match, but for a
    # plural's "s" or "es" ("integrations" is the term "integration"; "username" is no "user").
    return re.compile(rf"(?<!\w)(?P<term>{alternatives})(?:e?s)?(?!\w)", re.IGNORECASE)


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def link_terms(text: Any, *, department: str | None = None) -> Any:
    """`text` with the first occurrence of each glossary term linked, as safe HTML. Text that
    is already HTML (SafeData) is left as it is: it is not ours to take apart."""
    if text is None or isinstance(text, SafeData):
        return text
    text = str(text)
    entries = glossary_entries()
    if not text or not entries:
        return escape(text)
    by_key = {_key(e.name): e for e in entries}
    matcher = _matcher(tuple(e.name for e in entries))
    base = reverse("glossary")
    parts: list[str] = []
    linked: set[str] = set()
    position = 0
    for match in matcher.finditer(text):
        entry = by_key.get(_key(match.group("term")))
        if entry is None or entry.slug in linked:
            continue
        linked.add(entry.slug)
        tooltip = (department and entry.meanings.get(department)) or entry.definition
        parts.append(escape(text[position : match.start()]))
        parts.append(
            format_html(
                '<a class="term" href="{}#{}" title="{}" target="_blank" rel="noopener">{}</a>',
                base,
                entry.slug,
                Truncator(tooltip).chars(TOOLTIP_CHARS),
                match.group(0),
            )
        )
        position = match.end()
    parts.append(escape(text[position:]))
    # Safe: every piece above is escaped text or format_html's escaped link.
    return SafeString("".join(parts))
