"""REST API of the catalog: vendors and solutions, read-only (writes go through catalog sync).
Both are catalog endpoints: a catalog-scoped token may use them."""

from __future__ import annotations

from rest_framework import viewsets

from api.conditional import ConditionalMixin
from api.permissions import SCOPE_CATALOG
from vendors.filters import SolutionFilterSet, VendorFilterSet
from vendors.models import Solution, Vendor
from vendors.serializers import SolutionSerializer, VendorSerializer


class VendorViewSet(ConditionalMixin, viewsets.ReadOnlyModelViewSet):
    """Vendors of the catalog. The detail answers an ETag (If-None-Match → 304)."""

    required_scope = SCOPE_CATALOG
    queryset = Vendor.objects.all()
    serializer_class = VendorSerializer
    filterset_class = VendorFilterSet
    search_fields = ["name"]
    ordering_fields = ["name", "updated_at", "id"]
    ordering = ["name", "id"]

    def filter_queryset(self, queryset):
        # Filters narrow lists; a detail is found by id, tombstone or not.
        if self.action == "retrieve":
            return queryset
        return super().filter_queryset(queryset)

    def retrieve(self, request, *args, **kwargs):
        return self.conditional_retrieve(self.get_object())


class SolutionViewSet(ConditionalMixin, viewsets.ReadOnlyModelViewSet):
    """Solutions of the catalog, with their vendor. The detail answers an ETag."""

    required_scope = SCOPE_CATALOG
    queryset = Solution.objects.select_related("vendor")
    serializer_class = SolutionSerializer
    filterset_class = SolutionFilterSet
    search_fields = ["name", "vendor__name"]
    # Cursor pagination needs non-null ordering columns (a NULL cursor position cannot be
    # compared), so nullable list_price is not offered.
    ordering_fields = ["name", "updated_at", "id"]
    ordering = ["name", "id"]

    def filter_queryset(self, queryset):
        # Filters narrow lists; a detail is found by id, tombstone or not.
        if self.action == "retrieve":
            return queryset
        return super().filter_queryset(queryset)

    def retrieve(self, request, *args, **kwargs):
        return self.conditional_retrieve(self.get_object())
