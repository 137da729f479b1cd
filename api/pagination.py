"""Cursor pagination for every list, and the list's query parameters checked strictly: a
`page_size` that is not a positive whole number, or an `ordering` the list does not offer,
answers 400 naming it rather than being ignored (a page size above the most is the most)."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request


class ApiCursorPagination(CursorPagination):
    """Cursor pagination: stable under concurrent inserts, no COUNT(*). Views with an
    OrderingFilter keep their ordering; the default is newest first by primary key."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-pk"

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if not raw:  # not given (or given empty)
            return self.page_size
        if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
            raise serializers.ValidationError(
                {
                    self.page_size_query_param: [
                        _("A whole number from 1 (at most %(max)d are given).")
                        % {"max": self.max_page_size}
                    ]
                }
            )
        return min(int(raw), self.max_page_size)  # more than the most is the most

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = _(
                    "How many per page (at most %(max)d are given; default %(default)d)."
                ) % {"max": self.max_page_size, "default": self.page_size}
        return parameters

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        """The page as OpenAPI 3.1 says it (DRF's own uses 3.0's `nullable`)."""
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {**link, "description": _("The next page; null on the last.")},
                "previous": {**link, "description": _("The page before; null on the first.")},
                "results": schema,
            },
        }


class StrictOrderingFilter(OrderingFilter):
    """`ordering` with the fields the list offers (a leading - for descending), or 400."""

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        fields = sorted(getattr(view, "ordering_fields", None) or [])
        if not fields:
            return []
        term = "-?(" + "|".join(re.escape(f) for f in fields) + ")"
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": _("Comma-separated fields to sort by, - for descending: %(f)s.")
                % {"f": ", ".join(fields)},
                "schema": {"type": "string", "pattern": f"^({term}(,{term})*)?$"},
            }
        ]

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> Any:
        raw = request.query_params.get(self.ordering_param)
        if raw:
            fields = raw.split(",")
            valid = {
                name for name, _label in self.get_valid_fields(queryset, view, {"request": request})
            }
            unknown = [f for f in fields if not f or f.lstrip("-") not in valid]
            if unknown:
                raise serializers.ValidationError(
                    {
                        self.ordering_param: [
                            _("Unknown ordering %(terms)s; choose from: %(valid)s.")
                            % {
                                "terms": ", ".join(repr(f) for f in unknown),
                                "valid": ", ".join(sorted(valid)),
                            }
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)
