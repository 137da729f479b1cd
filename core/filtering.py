"""Browser pages filter with the same django-filter FilterSets as the API, but leniently: a
value the API would answer 400 for (an unknown status in a bookmarked URL) is ignored on a page,
which shows the list unfiltered by it rather than an error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django_filters import FilterSet


def lenient_filterset[F: FilterSet](filterset_class: type[F], data: QueryDict, **kwargs: Any) -> F:
    """A bound, valid filter set: the parameters that do not validate are left out."""
    filterset: F = filterset_class(data, **kwargs)
    if filterset.is_valid():
        return filterset
    valid = data.copy()
    for name in filterset.errors:
        valid.pop(name, None)
    filterset = filterset_class(valid, **kwargs)
    filterset.is_valid()
    return filterset


def active_filters(filterset: FilterSet) -> dict[str, str]:
    """The filters in use, as query parameters (for links, cache keys and the form)."""
    return {
        name: filterset.data.get(name, "")
        for name, value in filterset.form.cleaned_data.items()
        if value not in (None, "", [], ())
    }


def query_string(filters: dict[str, str]) -> str:
    """The filters in use as a URL's query ("?status=draft&q=pay"; "" when none): what a link
    to the same list elsewhere (an export) carries."""
    if not filters:
        return ""
    query = QueryDict(mutable=True)
    query.update(filters)
    return f"?{query.urlencode()}"


MAX_PAGE = 10_000


@dataclass
class OffsetPage:
    """A page of a filtered list, read by offset with one row more than shown (whether there is
    a next page), never counting everything that matches: a page costs what it shows."""

    rows: list[Any]
    number: int
    previous_link: str | None
    next_link: str | None


def page_number(value: str | None) -> int:
    """The page asked for: 1 unless a positive number (a bookmarked or edited URL never fails),
    at most MAX_PAGE pages deep."""
    try:
        return min(max(int(value or 1), 1), MAX_PAGE)
    except ValueError:
        return 1


def offset_page(
    queryset: Any, data: QueryDict, *, filters: dict[str, str], size: int
) -> OffsetPage:
    """The page `data["page"]` asks for, with links that keep the `filters` in use."""
    number = page_number(data.get("page"))
    start = (number - 1) * size
    rows = list(queryset[start : start + size + 1])

    def link(n: int) -> str:
        query = QueryDict(mutable=True)
        query.update(filters)
        if n > 1:
            query["page"] = str(n)
        return f"?{query.urlencode()}"

    return OffsetPage(
        rows=rows[:size],
        number=number,
        previous_link=link(number - 1) if number > 1 else None,
        next_link=link(number + 1) if len(rows) > size else None,
    )
