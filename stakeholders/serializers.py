"""The organisation's API representations: departments, strategic goals, chat channels, the
single sign-on's identity group mappings."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import (
    DefaultLanguageModelSerializer,
    MoneySerializer,
    StrictCharField,
    StrictInputSerializer,
    money,
)
from stakeholders.models import (
    ChatChannel,
    ChatEvent,
    Department,
    IdentityGroupMapping,
    Role,
    StrategicGoal,
)
from webhooks.chat import masked_url
from webhooks.models import CHAT_PLATFORMS


class DepartmentRefSerializer(DefaultLanguageModelSerializer):
    """A department as other resources refer to it."""

    class Meta:
        model = Department
        fields = ["id", "code", "name"]


class DepartmentSerializer(DefaultLanguageModelSerializer):
    annual_budget = serializers.SerializerMethodField()

    class Meta:
        model = Department
        fields = ["id", "code", "name", "annual_budget", "signoff_required", "is_active"]

    @extend_schema_field(MoneySerializer)
    def get_annual_budget(self, obj: Department) -> dict | None:
        return money(obj.annual_budget, obj.currency)


class StrategicGoalSerializer(DefaultLanguageModelSerializer):
    owner = DepartmentRefSerializer(allow_null=True)

    class Meta:
        model = StrategicGoal
        fields = ["id", "code", "title", "description", "owner", "is_active"]


# --- Chat channels ----------------------------------------------------------------------------


class ChatChannelSerializer(serializers.Serializer):
    """A department's chat channel. Its webhook URL is a secret: only a hint of it is shown."""

    id = serializers.IntegerField()
    department = serializers.CharField(source="department.code")
    name = serializers.CharField(source="subscription.name")
    platform = serializers.ChoiceField(
        choices=[(p.value, p.label) for p in CHAT_PLATFORMS], source="subscription.platform"
    )
    url_hint = serializers.SerializerMethodField(
        help_text=gettext_lazy("The URL's host and last characters; the URL is never shown.")
    )
    language = serializers.ChoiceField(choices=settings.LANGUAGES)
    events = serializers.ListField(child=serializers.ChoiceField(choices=ChatEvent.choices))
    is_active = serializers.BooleanField(source="subscription.is_active")
    created_at = serializers.DateTimeField()

    def get_url_hint(self, obj: ChatChannel) -> str:
        return masked_url(obj.subscription.url)


class ChatChannelInputSerializer(StrictInputSerializer):
    """A chat channel as its department's head writes it (PATCH: any subset; a URL left out
    is kept)."""

    name = StrictCharField(max_length=100, single_line=True)
    platform = serializers.ChoiceField(choices=[(p.value, p.label) for p in CHAT_PLATFORMS])
    url = StrictCharField(
        max_length=500,
        help_text=gettext_lazy(
            "The channel's incoming-webhook URL (https); stored, never shown back."
        ),
    )
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        help_text=gettext_lazy("The language its messages are written in."),
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=ChatEvent.choices),
        allow_empty=False,
        max_length=len(ChatEvent.choices),
        required=False,
        help_text=gettext_lazy("What the channel is told; all of them when left out."),
    )
    is_active = serializers.BooleanField(required=False)


class IdentityGroupMappingSerializer(serializers.ModelSerializer):
    """What a group at the identity provider gives at sign-in."""

    department = DepartmentRefSerializer(allow_null=True)
    group: serializers.SlugRelatedField[Group] = serializers.SlugRelatedField(
        slug_field="name", read_only=True, allow_null=True
    )
    approval_limit = serializers.DecimalField(
        max_digits=14, decimal_places=2, coerce_to_string=True, allow_null=True
    )

    class Meta:
        model = IdentityGroupMapping
        fields = ["id", "claim_value", "department", "role", "approval_limit", "group"]


class IdentityGroupMappingInputSerializer(StrictInputSerializer):
    """A mapping as the administrator writes it: a department (its code, with a role and an
    approval limit) or a site group (its name), not both. PATCH: any subset."""

    claim_value = StrictCharField(
        max_length=200,
        single_line=True,
        help_text=gettext_lazy("A value of the groups claim, as the identity provider sends it."),
    )
    department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.all(), required=False, allow_null=True
    )
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    approval_limit = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Empty (null) means no limit."),
    )
    group = serializers.SlugRelatedField(
        slug_field="name",
        queryset=Group.objects.all(),
        required=False,
        allow_null=True,
        help_text=gettext_lazy("A group of this site, such as the CDO's, instead of a department."),
    )
