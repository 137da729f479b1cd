"""The signed-in user's API tokens, through the API itself (from a browser session only)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from api import services
from api.fields import StrictCharField, StrictInputSerializer
from api.models import ApiToken, TokenScope
from api.permissions import SCOPE_SESSION


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
    name = StrictCharField(max_length=100, single_line=True)
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
        return ApiToken.objects.filter(user_id=self.request.user.pk or 0).order_by(
            "-created_at", "-pk"
        )

    @extend_schema(request=ApiTokenInputSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request):
        payload = ApiTokenInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        token, plaintext = services.api_token_create(user=request.user, **payload.validated_data)
        token.token = plaintext  # type: ignore[attr-defined]  # shown this once
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        """Revoke the token: it stops working at once and stays listed as revoked."""
        services.api_token_revoke(token=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
