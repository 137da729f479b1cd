"""Browser pages filter with the same django-filter FilterSets as the API, but leniently: a
value the API would answer 400 for (an unknown status in a bookmarked URL) is ignored on a page,
which shows the list unfiltered by it rather than an error."""

from __future__ import annotations

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
