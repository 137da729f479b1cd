"""Cursor pagination for every list."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    """Cursor pagination: stable under concurrent inserts, no COUNT(*). Views with an
    OrderingFilter keep their ordering; the default is newest first by primary key."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-pk"
