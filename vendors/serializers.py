"""The catalog's API representations: vendors and solutions as the API renders them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import MoneySerializer, money
from vendors.models import TAG_MAX_LENGTH, TAGS_MAX, CatalogCustomField, Solution, Vendor

CUSTOM_HELP = _(
    "Values of the custom fields an administrator defined for this type of record (key → "
    "value: text, number, date as YYYY-MM-DD, boolean or a choice). The active definitions are "
    "listed by GET /api/v1/catalog/custom-fields/."
)


class RichRecordFields(serializers.Serializer):
    """The richer record's fields of a vendor and a solution, as the API and the feed send
    them: the JSON columns described (a list of strings, a free-form object), not as any."""

    tags = serializers.ListField(
        child=serializers.CharField(max_length=TAG_MAX_LENGTH),
        max_length=TAGS_MAX,
        read_only=True,
        help_text=_("Short labels, lower case, sorted."),
    )
    custom = serializers.DictField(read_only=True, help_text=CUSTOM_HELP)


class VendorRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vendor
        fields = ["id", "name"]


class VendorSerializer(RichRecordFields, serializers.ModelSerializer):
    class Meta:
        model = Vendor
        fields = [
            "id",
            "name",
            "website",
            "country",
            "description",
            "tags",
            "owner_name",
            "owner_email",
            "custom",
            "source",
            "external_id",
            "is_deleted",
            "created_at",
            "updated_at",
        ]


class SolutionSerializer(RichRecordFields, serializers.ModelSerializer):
    vendor = VendorRefSerializer()
    list_price = serializers.SerializerMethodField()

    class Meta:
        model = Solution
        fields = [
            "id",
            "name",
            "vendor",
            "description",
            "category",
            "pricing_model",
            "list_price",
            "price_unit",
            "deployment",
            "iso27001",
            "soc2",
            "sso",
            "has_api",
            "processes_personal_data",
            "data_location",
            "in_use",
            "lifecycle",
            "end_of_life_on",
            "tags",
            "owner_name",
            "owner_email",
            "custom",
            "source",
            "external_id",
            "is_deleted",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_list_price(self, obj: Solution) -> dict | None:
        return money(obj.list_price, obj.price_currency)


class CatalogCustomFieldSerializer(serializers.ModelSerializer):
    choices = serializers.ListField(
        source="choice_list",
        child=serializers.CharField(),
        help_text=_("The values a choice field allows (empty for other types)."),
    )
    description = serializers.CharField(source="help_text")

    class Meta:
        model = CatalogCustomField
        fields = ["key", "label", "applies_to", "type", "required", "max_length", "choices",
                  "description"]  # fmt: skip
