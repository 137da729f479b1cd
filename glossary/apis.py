"""REST API of the glossary: its terms with their definitions (read-only; heads edit them in
the browser). Every signed-in user and every full-scope token reads them."""

from __future__ import annotations

from rest_framework import viewsets

from glossary.selectors import terms_listed
from glossary.serializers import TermSerializer


class TermViewSet(viewsets.ReadOnlyModelViewSet):
    """The glossary: each term's shared definition and what each department means by it where
    that differs. `search` looks in names, definitions and meanings; a term is addressed by its
    slug (its anchor on /glossary/)."""

    serializer_class = TermSerializer
    lookup_field = "slug"
    search_fields = ["name", "definition", "meanings__text"]
    ordering_fields = ["slug", "id"]
    ordering = ["slug"]

    def get_queryset(self):
        return terms_listed().order_by("slug")
