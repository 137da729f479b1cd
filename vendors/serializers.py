"""The catalog's API representations: vendors and solutions as the API renders them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import MoneySerializer, money
from vendors.models import Solution, Vendor


class VendorRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vendor
        fields = ["id", "name"]


class VendorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vendor
        fields = [
            "id",
            "name",
            "website",
            "country",
            "description",
            "source",
            "external_id",
            "is_deleted",
            "created_at",
            "updated_at",
        ]


class SolutionSerializer(serializers.ModelSerializer):
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
            "source",
            "external_id",
            "is_deleted",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_list_price(self, obj: Solution) -> dict | None:
        return money(obj.list_price, obj.price_currency)
