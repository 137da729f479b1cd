"""REST API of the stakeholders app: departments and strategic goals (read-only), and the
signed-in user's API tokens."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from hrtech_gov.api import (
    SCOPE_SESSION,
    ApiFilterSet,
    MoneySerializer,
    StrictCharField,
    StrictInputSerializer,
    money,
)
from stakeholders import services
from stakeholders.models import ApiToken, Department, StrategicGoal, TokenScope


class DepartmentRefSerializer(serializers.ModelSerializer):
    """A department as other resources refer to it."""

    class Meta:
        model = Department
        fields = ["id", "code", "name"]


class DepartmentSerializer(serializers.ModelSerializer):
    annual_budget = serializers.SerializerMethodField()

    class Meta:
        model = Department
        fields = ["id", "code", "name", "annual_budget", "signoff_required", "is_active"]

    @extend_schema_field(MoneySerializer)
    def get_annual_budget(self, obj: Department) -> dict | None:
        return money(obj.annual_budget, obj.currency)


class DepartmentFilterSet(ApiFilterSet):
    class Meta:
        model = Department
        fields = ["signoff_required", "is_active"]


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Departments: who buys, who pays, who signs off."""

    queryset = Department.objects.all()
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilterSet
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    ordering = ["code"]


class StrategicGoalSerializer(serializers.ModelSerializer):
    owner = DepartmentRefSerializer(allow_null=True)

    class Meta:
        model = StrategicGoal
        fields = ["id", "code", "title", "description", "owner", "is_active"]


class StrategicGoalFilterSet(ApiFilterSet):
    class Meta:
        model = StrategicGoal
        fields = ["is_active", "owner"]


class StrategicGoalViewSet(viewsets.ReadOnlyModelViewSet):
    """The organisation's strategic goals, which proposals say they serve."""

    queryset = StrategicGoal.objects.select_related("owner")
    serializer_class = StrategicGoalSerializer
    filterset_class = StrategicGoalFilterSet
    search_fields = ["code", "title", "description"]
    ordering_fields = ["title", "code"]
    ordering = ["title"]


class ApiTokenOutputSerializer(serializers.ModelSerializer):
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "scope",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
            "is_active",
        ]


class ApiTokenCreatedSerializer(ApiTokenOutputSerializer):
    token = serializers.CharField(
        read_only=True,
        help_text=_("The secret: shown this once and never again. Store it safely."),
    )

    class Meta(ApiTokenOutputSerializer.Meta):
        fields = [*ApiTokenOutputSerializer.Meta.fields, "token"]


class ApiTokenInputSerializer(StrictInputSerializer):
    name = StrictCharField(max_length=100)
    scope = serializers.ChoiceField(choices=TokenScope.choices, default=TokenScope.FULL)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


@extend_schema(tags=["tokens"])
class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The signed-in user's API tokens. Managed from a browser session only: a token cannot
    mint or revoke tokens."""

    required_scope = SCOPE_SESSION
    queryset = ApiToken.objects.all()  # narrowed to the user's own in get_queryset
    serializer_class = ApiTokenOutputSerializer
    filter_backends: list = []
    ordering = ["-created_at"]

    def get_queryset(self):
        return ApiToken.objects.filter(user=self.request.user).order_by("-created_at", "-pk")

    @extend_schema(request=ApiTokenInputSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request):
        payload = ApiTokenInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        token, plaintext = services.api_token_create(user=request.user, **payload.validated_data)
        token.token = plaintext
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        """Revoke the token: it stops working at once and stays listed as revoked."""
        services.api_token_revoke(token=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
