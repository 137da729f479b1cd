"""REST API of the workflow: proposals, sign-offs and CDO decisions. Thin views: input
serializers parse, the services decide (the same rights and states as the browser), selectors
read, output serializers render."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from api.conditional import ConditionalMixin, check_if_match
from core.errors import InvalidTransition, NotAllowed
from core.export import FORMATS, XLSX_TYPE, export_response
from core.i18n import DEFAULT_LANGUAGE
from decisions import exports, selectors, services
from decisions.filters import DecisionFilterSet, ProposalFilterSet, SignOffFilterSet
from decisions.models import Decision, Proposal, SignOff, SignOffStatus
from decisions.radar import radar_blips
from decisions.rights import can_edit, is_owner, signing_rights
from decisions.serializers import (
    DecideInputSerializer,
    DecisionSerializer,
    ProposalDetailSerializer,
    ProposalInputSerializer,
    ProposalSerializer,
    SignOffDetailSerializer,
    SignOffInputSerializer,
    SignOffSerializer,
    VoiceInputSerializer,
    WithdrawInputSerializer,
)
from landscape.drawing import RINGS
from stakeholders.models import ChecklistQuestion


class ExportInputSerializer(serializers.Serializer):
    file_format = serializers.ChoiceField(
        choices=FORMATS,
        default="csv",
        help_text=gettext_lazy("csv (UTF-8 with a byte-order mark) or xlsx."),
    )


def export_schema(what: str) -> dict:
    """@extend_schema arguments of an export: the list's filters, a file as the answer."""
    return {
        "summary": f"Export {what}",
        "description": (
            f"Every {what[:-1]} the list's filters, search and ordering select (not a page), as "
            "CSV or Excel, streamed; headers and labels in English, values as data (ISO 8601 "
            "times, plain decimals beside a currency); text a spreadsheet would read as a "
            "formula starts with a quote."
        ),
        "filters": True,
        "parameters": [OpenApiParameter("file_format", OpenApiTypes.STR, enum=list(FORMATS))],
        "responses": {
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, XLSX_TYPE): OpenApiTypes.BINARY,
        },
    }


def export_answer(request, *, columns, rows, stem: str, sheet: str):
    """The export `?file_format=` asks for (400 for another), in English: machines read the
    API in the default language (core.i18n), whatever Accept-Language says."""
    payload = ExportInputSerializer(data=request.query_params)
    payload.is_valid(raise_exception=True)
    with translation.override(DEFAULT_LANGUAGE):
        return export_response(
            fmt=payload.validated_data["file_format"],
            columns=columns(),
            rows=rows,
            stem=stem,
            sheet=sheet,
        )


class ProposalViewSet(
    ConditionalMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Technology proposals. Every signed-in user reads every proposal (as in the browser);
    only the requester (or who filed it on their behalf: `on_behalf_of`) creates, edits (draft
    or changes requested), submits and withdraws."""

    lookup_field = "reference"
    lookup_value_regex = r"[^/]+"
    serializer_class = ProposalSerializer
    filterset_class = ProposalFilterSet
    search_fields = ["reference", "title", "new_solution_name", "solution__name"]
    ordering_fields = ["created_at", "updated_at", "reference", "title"]
    ordering = ["-created_at", "-pk"]
    state_changes = True

    def get_queryset(self):
        return selectors.proposals_for_api(user=self.request.user)

    @extend_schema(**export_schema("proposals"))
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request):
        proposals = self.filter_queryset(self.get_queryset())
        return export_answer(
            request,
            columns=exports.proposal_columns,
            rows=exports.proposal_rows(proposals),
            stem="proposals",
            sheet="Proposals",
        )

    def get_object(self) -> Proposal:
        try:
            return selectors.proposal_for_api(
                reference=self.kwargs["reference"], user=self.request.user
            )
        except Proposal.DoesNotExist:
            raise Http404 from None

    def get_output_serializer(self, obj):
        return ProposalDetailSerializer(obj, context=self.get_serializer_context())

    @extend_schema(responses=ProposalDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return self.conditional_retrieve(self.get_object())

    @extend_schema(request=ProposalInputSerializer, responses={201: ProposalDetailSerializer})
    def create(self, request):
        """Create a draft; you are its requester, or, with `on_behalf_of` (a member of the
        buying department, as you are), you file it for that person: they are its requester
        and you its `filed_by`."""
        payload = ProposalInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        proposal = services.proposal_create(requester=request.user, **payload.service_kwargs())
        return self.conditional_retrieve(
            selectors.proposal_for_api(reference=proposal.reference, user=request.user),
            status_code=status.HTTP_201_CREATED,
        )

    @extend_schema(request=ProposalInputSerializer, responses=ProposalDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Edit a draft (or a proposal returned for changes). Send If-Match with the ETag you
        read to be told (412) when someone changed it since."""
        proposal = self.get_object()
        # Rights first (as the service checks them again on the locked row): someone else's
        # proposal is 403 and a submitted one 409, whatever the body says.
        if not is_owner(user=request.user, proposal=proposal):
            raise NotAllowed(_("Only the requester, or who filed it for them, can edit it."))
        if not can_edit(user=request.user, proposal=proposal):
            raise InvalidTransition(
                _("A proposal that is %(status)s can no longer be edited.")
                % {"status": proposal.get_status_display().lower()}
            )
        payload = ProposalInputSerializer(
            data=request.data, partial=True, context={"proposal": proposal}
        )
        payload.is_valid(raise_exception=True)
        with transaction.atomic():
            # The ETag is compared with the row locked, so no other update slips in between.
            Proposal.objects.select_for_update(of=("self",)).get(pk=proposal.pk)
            check_if_match(request, self.current_etag(self.get_object()))
            services.proposal_update(
                proposal=proposal, actor=request.user, **payload.service_kwargs()
            )
        return self.conditional_retrieve(self.get_object())

    def _transition(self, request, service, **kwargs) -> Response:
        proposal = self.get_object()
        service(proposal=proposal, actor=request.user, **kwargs)
        return self.conditional_retrieve(self.get_object())

    @extend_schema(request=None, responses=ProposalDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, reference=None):
        """Submit for review (or resubmit after changes): fixes the tier and opens a round of
        sign-offs."""
        return self._transition(request, services.proposal_submit)

    @extend_schema(request=WithdrawInputSerializer, responses=ProposalDetailSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, reference=None):
        payload = WithdrawInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._transition(
            request, services.proposal_withdraw, reason=payload.validated_data["reason"]
        )

    @extend_schema(
        methods=["POST"], request=VoiceInputSerializer, responses=ProposalDetailSerializer
    )
    @extend_schema(methods=["DELETE"], request=None, responses={200: ProposalDetailSerializer})
    @action(detail=True, methods=["post", "delete"])
    def voice(self, request, reference=None):
        """Employee voice, while the proposal is in review: anyone who can see it but its
        requester says they would use it (`endorse`) or raises a `concern` (with a reason),
        optionally without their name; again to change it; DELETE takes it back."""
        proposal = self.get_object()
        if request.method == "DELETE":
            services.voice_withdraw(proposal=proposal, actor=request.user)
        else:
            payload = VoiceInputSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            services.voice_give(proposal=proposal, actor=request.user, **payload.validated_data)
        return self.conditional_retrieve(self.get_object())

    @extend_schema(request=DecideInputSerializer, responses={201: DecisionSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, reference=None):
        """The CDO's final decision on a proposal awaiting it, with a written rationale."""
        payload = DecideInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        proposal = self.get_object()
        decision = services.decision_take(
            proposal=proposal, actor=request.user, **payload.validated_data
        )
        decision = selectors.decisions_for_api().get(pk=decision.pk)
        return Response(DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


class SignOffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Sign-offs. The list is your queue: the pending sign-offs you may give now (including by
    delegation), overdue first. Any sign-off can be read by id."""

    serializer_class = SignOffSerializer
    queryset = SignOff.objects.none()  # for the schema; get_queryset decides
    filterset_class = SignOffFilterSet
    search_fields = ["proposal__reference", "proposal__title"]
    ordering_fields = ["due_on", "created_at", "id"]
    ordering = ["due_on", "pk"]
    state_changes = True

    def get_queryset(self):
        if self.action == "list":
            return selectors.signoffs_actionable_by(user=self.request.user).select_related(
                "department", "reviewer", "on_behalf_of"
            )
        return selectors.signoffs_for_api()

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def _detail(self, signoff: SignOff) -> dict:
        questions = list(
            ChecklistQuestion.objects.filter(department_id=signoff.department_id, is_active=True)
        )
        rights = signing_rights(
            user=self.request.user, proposal=signoff.proposal, signoffs=[signoff]
        )
        context = {"checklists": {signoff.department_id: questions}, "can_sign": bool(rights)}
        return SignOffDetailSerializer(signoff, context=context).data

    @extend_schema(responses=SignOffDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return Response(self._detail(self.get_object()))

    def _decide(self, request, outcome: str) -> Response:
        payload = SignOffInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        signoff = self.get_object()
        services.signoff_decide(
            signoff=signoff, actor=request.user, outcome=outcome, **payload.validated_data
        )
        return Response(self._detail(selectors.signoffs_for_api().get(pk=signoff.pk)))

    @extend_schema(request=SignOffInputSerializer, responses=SignOffDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve for your department; required checklist questions must be answered."""
        return self._decide(request, SignOffStatus.APPROVED)

    @extend_schema(request=SignOffInputSerializer, responses=SignOffDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject for your department: the proposal is rejected."""
        return self._decide(request, SignOffStatus.REJECTED)

    @extend_schema(request=SignOffInputSerializer, responses=SignOffDetailSerializer)
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, pk=None):
        """Return the proposal to its requester for changes."""
        return self._decide(request, SignOffStatus.CHANGES_REQUESTED)


class DecisionViewSet(viewsets.ReadOnlyModelViewSet):
    """The CDO's final decisions, newest first. POST /proposals/{reference}/decide/ takes one."""

    serializer_class = DecisionSerializer
    queryset = Decision.objects.none()
    filterset_class = DecisionFilterSet
    search_fields = ["proposal__reference", "proposal__title", "rationale"]
    ordering_fields = ["decided_at", "id"]
    ordering = ["-decided_at", "-pk"]

    def get_queryset(self):
        return selectors.decisions_for_api()

    @extend_schema(**export_schema("decisions"))
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request):
        decisions = self.filter_queryset(self.get_queryset())
        return export_answer(
            request,
            columns=exports.decision_columns,
            rows=exports.decision_rows(decisions),
            stem="decisions",
            sheet="Decisions",
        )


class RadarEntrySerializer(serializers.Serializer):
    """One entry, in the shape Thoughtworks' Build Your Own Radar reads (JSON source)."""

    name = serializers.CharField()
    ring = serializers.ChoiceField(choices=[(r, r) for r in RINGS])
    quadrant = serializers.CharField()
    isNew = serializers.BooleanField()
    status = serializers.ChoiceField(
        choices=[(s, s) for s in ("New", "Moved In", "Moved Out", "No Change")],
        help_text=gettext_lazy("Since last quarter (Build Your Own Radar's newer field)."),
    )
    description = serializers.CharField()


class RadarApi(APIView):
    """The technology radar, generated from the data (decisions.radar): Adopt = standard
    tools, Trial = pilots, Assess = new tools being decided, Hold = tools in sunset and
    rejections of the last 12 months. A plain list, loadable by Build Your Own Radar."""

    @extend_schema(responses=RadarEntrySerializer(many=True))
    def get(self, request):
        blips = radar_blips()
        return Response(
            [
                {
                    "name": b.entry.name,
                    "ring": b.entry.ring,
                    "quadrant": b.entry.quadrant,
                    "isNew": b.entry.is_new,
                    "status": b.status,
                    "description": b.entry.description,
                }
                for b in blips
            ]
        )
