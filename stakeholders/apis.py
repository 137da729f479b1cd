"""REST API of the stakeholders app: departments and strategic goals (read-only), and the
departments' chat channels (their head's, the CDO's), and single sign-on's identity group
mappings (the administrator's)."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotAllowed
from stakeholders import identity, services
from stakeholders.filters import DepartmentFilterSet, StrategicGoalFilterSet
from stakeholders.models import ChatChannel, Department, IdentityGroupMapping, StrategicGoal
from stakeholders.selectors import chat_channels_may_manage, chat_channels_of
from stakeholders.serializers import (
    ChatChannelInputSerializer,
    ChatChannelSerializer,
    DepartmentSerializer,
    IdentityGroupMappingInputSerializer,
    IdentityGroupMappingSerializer,
    StrategicGoalSerializer,
)


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Departments: who buys, who pays, who signs off."""

    queryset = Department.objects.all()
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilterSet
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    ordering = ["code"]


class StrategicGoalViewSet(viewsets.ReadOnlyModelViewSet):
    """The organisation's strategic goals, which proposals say they serve."""

    queryset = StrategicGoal.objects.select_related("owner")
    serializer_class = StrategicGoalSerializer
    filterset_class = StrategicGoalFilterSet
    search_fields = ["code", "title", "description"]
    ordering_fields = ["title", "code"]
    ordering = ["title"]


def _department(pk: int) -> Department:
    department = Department.objects.filter(pk=pk).first()
    if department is None:
        raise Http404
    return department


class DepartmentChatChannelsApi(APIView):
    """A department's chat channels (Slack, Teams): its head, the CDO and the administrator
    list them and add one."""

    @extend_schema(responses=ChatChannelSerializer(many=True))
    def get(self, request, pk: int):
        """The department's channels, URLs masked."""
        department = _department(pk)
        if not chat_channels_may_manage(request.user, department):
            raise NotAllowed(_("Only the head of %(dept)s or the CDO manages its chat channels.")
                             % {"dept": department.name})  # fmt: skip
        channels = chat_channels_of(department)
        return Response(ChatChannelSerializer(channels, many=True).data)

    @extend_schema(request=ChatChannelInputSerializer, responses={201: ChatChannelSerializer})
    def post(self, request, pk: int):
        """Add a channel: name, platform, url; language, events and is_active optional."""
        department = _department(pk)
        if not chat_channels_may_manage(request.user, department):  # before reading the body
            raise NotAllowed(_("Only the head of %(dept)s or the CDO manages its chat channels.")
                             % {"dept": department.name})  # fmt: skip
        payload = ChatChannelInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        channel = services.chat_channel_create(
            actor=request.user, department=department, data=dict(payload.validated_data)
        )
        return Response(ChatChannelSerializer(channel).data, status=status.HTTP_201_CREATED)


class ChatChannelApi(APIView):
    """One chat channel: read, change (PATCH) or remove it. Someone who may not manage its
    department's channels does not see it (404)."""

    def _channel(self, request, pk: int) -> ChatChannel:
        channel = ChatChannel.objects.select_related("subscription", "department").filter(pk=pk)
        found = channel.first()
        if found is None or not chat_channels_may_manage(request.user, found.department):
            raise Http404
        return found

    @extend_schema(responses=ChatChannelSerializer)
    def get(self, request, pk: int):
        return Response(ChatChannelSerializer(self._channel(request, pk)).data)

    @extend_schema(
        request=ChatChannelInputSerializer(partial=True), responses=ChatChannelSerializer
    )
    def patch(self, request, pk: int):
        channel = self._channel(request, pk)
        payload = ChatChannelInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        channel = services.chat_channel_update(
            actor=request.user, channel=channel, data=dict(payload.validated_data)
        )
        return Response(ChatChannelSerializer(channel).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        services.chat_channel_delete(actor=request.user, channel=self._channel(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _mappings_may(request) -> None:
    user = request.user
    if not (user.is_authenticated and user.is_superuser):
        raise NotAllowed(_("Only an administrator keeps the identity group mappings."))


class IdentityGroupMappingsApi(APIView):
    """Single sign-on's identity group mappings (the administrator's): which group at the
    identity provider gives which department membership or site group at sign-in."""

    @extend_schema(responses=IdentityGroupMappingSerializer(many=True))
    def get(self, request):
        """Every mapping, by group name. Two queries whatever their number."""
        _mappings_may(request)
        mappings = IdentityGroupMapping.objects.select_related("department", "group")
        return Response(IdentityGroupMappingSerializer(mappings, many=True).data)

    @extend_schema(
        request=IdentityGroupMappingInputSerializer,
        responses={201: IdentityGroupMappingSerializer},
    )
    def post(self, request):
        """Add a mapping: claim_value, and a department (role, approval_limit) or a group."""
        _mappings_may(request)  # before reading the body
        payload = IdentityGroupMappingInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        mapping = identity.identity_mapping_create(
            actor=request.user, data=dict(payload.validated_data)
        )
        return Response(
            IdentityGroupMappingSerializer(mapping).data, status=status.HTTP_201_CREATED
        )


class IdentityGroupMappingApi(APIView):
    """One identity group mapping: read, change (PATCH) or remove it. It takes effect at each
    person's next sign-in."""

    def _mapping(self, request, pk: int) -> IdentityGroupMapping:
        _mappings_may(request)
        mapping = IdentityGroupMapping.objects.select_related("department", "group")
        found = mapping.filter(pk=pk).first()
        if found is None:
            raise Http404
        return found

    @extend_schema(responses=IdentityGroupMappingSerializer)
    def get(self, request, pk: int):
        return Response(IdentityGroupMappingSerializer(self._mapping(request, pk)).data)

    @extend_schema(
        request=IdentityGroupMappingInputSerializer(partial=True),
        responses=IdentityGroupMappingSerializer,
    )
    def patch(self, request, pk: int):
        mapping = self._mapping(request, pk)
        payload = IdentityGroupMappingInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        mapping = identity.identity_mapping_update(
            actor=request.user, mapping=mapping, data=dict(payload.validated_data)
        )
        return Response(IdentityGroupMappingSerializer(mapping).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        identity.identity_mapping_delete(actor=request.user, mapping=self._mapping(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
