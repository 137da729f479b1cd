"""REST API of the landscape: tools (read, edit, lifecycle moves, removal impact) and the
integrations between them (read, create one or many, edit, remove). Every signed-in user reads;
writes are checked by the services (landscape.rights): IT Operations, or a tool's owners."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.errors import NotAllowed
from landscape import selectors, services
from landscape.filters import IntegrationFilterSet, ToolFilterSet
from landscape.models import Guardrail, Integration, Tool
from landscape.rights import governs_landscape
from landscape.serializers import (
    GuardrailInputSerializer,
    GuardrailSerializer,
    ImpactSerializer,
    IntegrationBulkReportSerializer,
    IntegrationBulkSerializer,
    IntegrationInputSerializer,
    IntegrationPatchSerializer,
    IntegrationSerializer,
    LaneInputSerializer,
    LifecycleInputSerializer,
    StandardToolSerializer,
    StandardWithdrawInputSerializer,
    ToolInputSerializer,
    ToolSerializer,
)
from landscape.services import IntegrationInput
from landscape.standards import standards


class ToolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The tools this organisation runs. Filter by owner `department`, `lifecycle`, `lane`,
    `category`; `q` searches names."""

    serializer_class = ToolSerializer
    filterset_class = ToolFilterSet
    ordering_fields = ["id", "lifecycle_changed_at"]
    ordering = ["id"]
    state_changes = True

    def get_queryset(self):
        return selectors.tools_listed()

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def _tool(self) -> Tool:
        tool: Tool = self.get_object()
        return tool

    @extend_schema(request=ToolInputSerializer, responses=ToolSerializer)
    def partial_update(self, request, pk=None):
        """Change a tool's owners, data, contract or notes (its owners or IT Operations)."""
        tool = self._tool()
        payload = ToolInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.tool_update(tool=tool, actor=request.user, data=payload.service_data())
        return Response(ToolSerializer(self.get_queryset().get(pk=tool.pk)).data)

    @extend_schema(request=LifecycleInputSerializer, responses=ToolSerializer)
    @action(detail=True, methods=["post"])
    def lifecycle(self, request, pk=None):
        """Move the tool's lifecycle by hand, with a reason: a pilot adopted or stopped (its
        owners), standard and back, or an early retirement in sunset (IT Operations). Into
        sunset only through an approved retirement proposal."""
        tool = self._tool()
        payload = LifecycleInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.tool_move(tool=tool, actor=request.user, **payload.validated_data)
        return Response(ToolSerializer(self.get_queryset().get(pk=tool.pk)).data)

    @extend_schema(request=LaneInputSerializer, responses=ToolSerializer)
    @action(detail=True, methods=["post"])
    def lane(self, request, pk=None):
        """Pull a plug-in tool back into the governed lane, with a reason (IT Operations, at
        any time). A tool enters the plug-in lane only through a proposal that meets every
        guardrail."""
        tool = self._tool()
        payload = LaneInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.tool_lane_move(tool=tool, actor=request.user, **payload.validated_data)
        return Response(ToolSerializer(self.get_queryset().get(pk=tool.pk)).data)

    @extend_schema(
        methods=["post"],
        request=None,
        responses=ToolSerializer,
        summary="Make the tool the standard for its category",
    )
    @extend_schema(
        methods=["delete"],
        request=StandardWithdrawInputSerializer,
        responses={200: ToolSerializer},
        summary="Withdraw the tool's standard",
    )
    @action(detail=True, methods=["post", "delete"])
    def standard(self, request, pk=None):
        """POST: the CDO makes the tool the standard for its category (adopted long enough,
        adoption at or above the threshold, not shelfware or retiring: 409 says why not); the
        previous standard of the category is withdrawn. DELETE: the CDO withdraws it, with a
        `reason`. Anyone else: 403."""
        tool = self._tool()
        if request.method == "DELETE":
            payload = StandardWithdrawInputSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            services.standard_withdraw(
                tool=tool, by=request.user, reason=payload.validated_data["reason"]
            )
        else:
            services.standard_set(tool=tool, by=request.user)
        return Response(ToolSerializer(self.get_queryset().get(pk=tool.pk)).data)

    @extend_schema(responses=ImpactSerializer)
    @action(detail=True, methods=["get"])
    def impact(self, request, pk=None):
        """What breaks if the tool goes: the tools connected to it (`direct`), every tool its
        data flows on to (`transitive`), the integrations that break, and their owner
        departments (who sign its retirement). A retired tool breaks nothing."""
        tool = self._tool()
        return Response(ImpactSerializer(selectors.tool_impact(tool)).data)


class StandardsApi(generics.ListAPIView):
    """The standard tool of each category that has one (the commodity the intake form points
    to first), by category. Not paged: one row per category at most."""

    serializer_class = StandardToolSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        return standards()


class IntegrationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Data flows between tools (`source` → `target`). Removed integrations stay readable
    (`removed=true`); the list shows live ones unless `removed` is given."""

    serializer_class = IntegrationSerializer
    filterset_class = IntegrationFilterSet
    ordering_fields = ["id", "updated_at"]
    ordering = ["id"]
    state_changes = True

    def get_queryset(self):
        return Integration.objects.select_related(
            "source__solution",
            "source__owner_department",
            "target__solution",
            "target__owner_department",
            "owner",
        )

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        if "removed" not in self.request.query_params:
            queryset = queryset.filter(removed_at__isnull=True)
        return super().filter_queryset(queryset)

    def _detail(self, integration: Integration, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=integration.pk)
        return Response(IntegrationSerializer(fresh).data, status=code)

    @extend_schema(request=IntegrationInputSerializer, responses={201: IntegrationSerializer})
    def create(self, request):
        """Connect two tools (IT Operations, or an owner of either end)."""
        payload = IntegrationInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        created = services.integration_create(
            actor=request.user, spec=IntegrationInput(**payload.validated_data)
        )
        return self._detail(created, status.HTTP_201_CREATED)

    @extend_schema(request=IntegrationPatchSerializer, responses=IntegrationSerializer)
    def partial_update(self, request, pk=None):
        integration = self.get_object()
        payload = IntegrationPatchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.integration_update(
            integration=integration, actor=request.user, data=dict(payload.validated_data)
        )
        return self._detail(integration)

    @extend_schema(request=None, responses={200: IntegrationSerializer})
    def destroy(self, request, pk=None):
        """Remove the integration (it stays readable, marked removed)."""
        integration = self.get_object()
        services.integration_remove(integration=integration, actor=request.user)
        return self._detail(integration)

    @extend_schema(
        request=IntegrationBulkSerializer, responses={200: IntegrationBulkReportSerializer}
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """Create many integrations at once (an import): each item is checked and created on
        its own, so a bad item never blocks the good ones; the report lists the new ids and,
        by item index, each refused item's errors. 403 when you may connect none of them."""
        payload = IntegrationBulkSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rows: list[IntegrationInput | dict[str, list[str]]] = []
        for item in payload.validated_data["items"]:
            one = IntegrationInputSerializer(data=item)
            if one.is_valid():
                rows.append(IntegrationInput(**one.validated_data))
            else:
                rows.append({k: [str(m) for m in v] for k, v in one.errors.items()})
        report = services.integrations_import(actor=request.user, rows=rows)
        if report.not_allowed == len(rows):
            raise NotAllowed(_("You may connect none of these tools."))
        return Response(
            IntegrationBulkReportSerializer(
                {"created": report.created, "errors": {str(k): v for k, v in report.errors.items()}}
            ).data
        )


class GuardrailViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """IT Operations' guardrails for the plug-in lane: a proposal for a new tool that meets
    every active one runs in the plug-in lane (the guardrails sign for IT Operations). Everyone
    signed in reads them; IT Operations creates, changes and deactivates them."""

    serializer_class = GuardrailSerializer
    queryset = Guardrail.objects.all()
    ordering_fields = ["position", "code", "id"]
    ordering = ["position", "code"]
    state_changes = True

    def _governs(self) -> None:
        # Refused before the body is read: only IT Operations' input is worth checking.
        if not governs_landscape(self.request.user):
            raise NotAllowed(_("Only IT Operations keeps the plug-in lane's guardrails."))

    def _detail(self, guardrail: Guardrail, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            GuardrailSerializer(Guardrail.objects.get(pk=guardrail.pk)).data, status=code
        )

    @extend_schema(request=GuardrailInputSerializer, responses={201: GuardrailSerializer})
    def create(self, request):
        """A new guardrail (IT Operations)."""
        self._governs()
        payload = GuardrailInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        created = services.guardrail_create(actor=request.user, data=payload.service_data())
        return self._detail(created, status.HTTP_201_CREATED)

    @extend_schema(request=GuardrailInputSerializer(partial=True), responses=GuardrailSerializer)
    def partial_update(self, request, pk=None):
        """Change a guardrail, or reactivate it with `is_active` (IT Operations)."""
        guardrail = self.get_object()
        self._governs()
        payload = GuardrailInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        services.guardrail_update(
            guardrail=guardrail, actor=request.user, data=payload.service_data()
        )
        return self._detail(guardrail)

    @extend_schema(request=None, responses={200: GuardrailSerializer})
    def destroy(self, request, pk=None):
        """Deactivate the guardrail (IT Operations): it stays readable, and the sign-offs it
        stood for keep naming it."""
        guardrail = self.get_object()
        self._governs()
        services.guardrail_update(
            guardrail=guardrail, actor=request.user, data={"is_active": False}
        )
        return self._detail(guardrail)
