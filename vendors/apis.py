"""REST API of the catalog: vendors and solutions, read-only (writes go through catalog sync).
Both are catalog endpoints: a catalog-scoped token may use them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from api.conditional import ConditionalMixin
from api.permissions import SCOPE_CATALOG
from api.schema import error_responses
from vendors.filters import SolutionFilterSet, VendorFilterSet
from vendors.models import CatalogCustomField, Solution, Vendor
from vendors.serializers import (
    CatalogCustomFieldSerializer,
    SolutionSerializer,
    VendorSerializer,
)


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


class CatalogCustomFieldsSerializer(serializers.Serializer):
    fields = CatalogCustomFieldSerializer(many=True)  # type: ignore[assignment]


class CatalogCustomFieldsApi(APIView):
    """The active custom field definitions: what a record's `custom` object may hold."""

    required_scope = SCOPE_CATALOG

    @extend_schema(
        operation_id="catalog_custom_fields",
        summary=_("The custom fields of catalog records"),
        description=_(
            "The active custom field definitions, defined by an administrator: the keys a "
            "vendor's or solution's `custom` object may hold (applies_to), each value's type "
            "(text, number, date as YYYY-MM-DD, boolean, choice), whether it is required, "
            "a text's max_length and a choice's choices. The catalog sync refuses an item "
            "whose custom object breaks them, naming custom.<key>."
        ),
        responses={200: CatalogCustomFieldsSerializer, **error_responses(401, 403, 429)},
        tags=["catalog"],
    )
    def get(self, request):
        fields = CatalogCustomField.objects.filter(active=True).order_by("applies_to", "key")
        return Response({"fields": CatalogCustomFieldSerializer(fields, many=True).data})
