"""REST API of the vendor risk questionnaire: the questions (everyone signed in reads them; IT
Operations' reviewers and heads add and change them) and a proposal's assessment (whoever sees
the proposal reads it; the requester and IT's reviewers answer, as decisions.risk says). Thin
views over decisions.services.risk: the same rights and states as the browser."""

from __future__ import annotations

from typing import Any

import django_filters
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import (
    ApiFilterSet,
    DefaultLanguageModelSerializer,
    StrictCharField,
    StrictInputSerializer,
    UserRefSerializer,
)
from core.errors import NotAllowed
from decisions import selectors
from decisions.lockin import lock_in_rating
from decisions.models import (
    RISK_WEIGHT_MAX,
    Proposal,
    RiskAnswerValue,
    RiskCategory,
    RiskFact,
    RiskQuestion,
    RiskRating,
)
from decisions.risk import (
    RiskAssessment,
    it_head_required,
    keeps_risk_questions,
    may_answer_as,
    risk_assessment,
)
from decisions.services import risk as services

# --- Questions --------------------------------------------------------------------------------


class RiskQuestionSerializer(DefaultLanguageModelSerializer):
    class Meta:
        model = RiskQuestion
        fields = [
            "id",
            "text",
            "category",
            "weight",
            "fact",
            "position",
            "is_active",
            "created_at",
            "updated_at",
        ]


class RiskQuestionInputSerializer(StrictInputSerializer):
    """A question as IT Operations writes it (PATCH: any subset). Ask it so that yes is safe."""

    text = StrictCharField(max_length=300, single_line=True)
    text_nl = StrictCharField(max_length=300, single_line=True, required=False, allow_blank=True)
    text_fr = StrictCharField(max_length=300, single_line=True, required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=RiskCategory.choices)
    weight = serializers.IntegerField(min_value=1, max_value=RISK_WEIGHT_MAX)
    fact = serializers.ChoiceField(
        choices=RiskFact.choices,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("The catalog fact that answers it where known; blank: none."),
    )
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    is_active = serializers.BooleanField(required=False)

    def service_data(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        for name in ("text_nl", "text_fr"):
            if name in data and not data[name]:
                data[name] = None  # blank: not translated (reads as the English)
        return data


class RiskQuestionFilterSet(ApiFilterSet):
    category = django_filters.ChoiceFilter(choices=RiskCategory.choices)

    class Meta:
        model = RiskQuestion
        fields = ["category", "is_active"]


class RiskQuestionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The vendor risk questionnaire's weighted questions (security, privacy, continuity). Every
    signed-in user reads them; IT Operations' reviewers and heads add and change them, and
    deactivate one with `is_active` (never deleted: the answers given stay readable)."""

    serializer_class = RiskQuestionSerializer
    queryset = RiskQuestion.objects.all()
    filterset_class = RiskQuestionFilterSet
    ordering_fields = ["position", "id"]
    ordering = ["position", "id"]
    state_changes = True

    def _keeps(self) -> None:
        # Refused before the body is read: only IT Operations' input is worth checking.
        if not keeps_risk_questions(self.request.user):
            raise NotAllowed(_("Only IT Operations keeps the vendor risk questions."))

    @extend_schema(request=RiskQuestionInputSerializer, responses={201: RiskQuestionSerializer})
    def create(self, request):
        """A new question (IT Operations)."""
        self._keeps()
        payload = RiskQuestionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        question = services.risk_question_create(actor=request.user, data=payload.service_data())
        return Response(
            RiskQuestionSerializer(RiskQuestion.objects.get(pk=question.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=RiskQuestionInputSerializer(partial=True), responses=RiskQuestionSerializer
    )
    def partial_update(self, request, pk=None):
        """Change a question, or deactivate or reactivate it with `is_active` (IT Operations)."""
        question = self.get_object()
        self._keeps()
        payload = RiskQuestionInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        services.risk_question_update(
            question=question, actor=request.user, data=payload.service_data()
        )
        return Response(RiskQuestionSerializer(RiskQuestion.objects.get(pk=question.pk)).data)


# --- A proposal's assessment ------------------------------------------------------------------


class RiskQuestionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    text = serializers.CharField()
    category = serializers.ChoiceField(choices=RiskCategory.choices)
    weight = serializers.IntegerField()
    fact = serializers.CharField(help_text=gettext_lazy("A RiskFact, or blank."))


class RiskItemSerializer(serializers.Serializer):
    question = RiskQuestionRefSerializer()
    answer = serializers.ChoiceField(
        choices=RiskAnswerValue.choices,
        allow_null=True,
        help_text=gettext_lazy("null: not answered (counts as a risk)."),
    )
    # A field named like a Field attribute: DRF's metaclass takes it off the class.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=[("catalog", "catalog"), ("proposal", "proposal"), ("person", "person"), ("", "")],
        help_text=gettext_lazy(
            "catalog or proposal: answered by a fact (cannot be answered here); person: "
            "answered by `by`; blank: not answered."
        ),
    )
    by = UserRefSerializer(allow_null=True)
    note = serializers.CharField()
    points = serializers.IntegerField(help_text=gettext_lazy("The weight a no or no answer adds."))


class RiskPanel:
    def __init__(self, proposal: Proposal, user: Any) -> None:
        self.reference = proposal.reference
        self.assessment: RiskAssessment | None = risk_assessment(proposal)
        self.may_answer = may_answer_as(user=user, proposal=proposal) is not None
        self.it_head_required = it_head_required(
            lock_in=lock_in_rating(proposal), risk=self.assessment
        )


class ProposalRiskSerializer(serializers.Serializer):
    reference = serializers.CharField()
    rating = serializers.SerializerMethodField()
    score = serializers.SerializerMethodField()
    points = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    unanswered = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()
    it_head_required = serializers.BooleanField(
        help_text=gettext_lazy(
            "IT Operations' head signs (a high vendor risk or lock-in), and no plug-in lane."
        )
    )
    may_answer = serializers.BooleanField(
        help_text=gettext_lazy("Whether you may answer now (PATCH).")
    )

    @extend_schema_field(serializers.ChoiceField(choices=RiskRating.choices, allow_null=True))
    def get_rating(self, panel: RiskPanel) -> str | None:
        return panel.assessment.rating if panel.assessment else None

    @extend_schema_field(
        serializers.IntegerField(
            min_value=0,
            max_value=100,
            allow_null=True,
            help_text=gettext_lazy(
                "Percent of the questions' weight at risk (no or not answered), rounded "
                "down; null when no question is kept."
            ),
        )
    )
    def get_score(self, panel: RiskPanel) -> int | None:
        return panel.assessment.score if panel.assessment else None

    @extend_schema_field(serializers.IntegerField(min_value=0))
    def get_points(self, panel: RiskPanel) -> int:
        return panel.assessment.points if panel.assessment else 0

    @extend_schema_field(serializers.IntegerField(min_value=0))
    def get_total(self, panel: RiskPanel) -> int:
        return panel.assessment.total if panel.assessment else 0

    @extend_schema_field(serializers.IntegerField(min_value=0))
    def get_unanswered(self, panel: RiskPanel) -> int:
        return panel.assessment.unanswered if panel.assessment else 0

    @extend_schema_field(RiskItemSerializer(many=True))
    def get_items(self, panel: RiskPanel) -> list[dict]:
        items = panel.assessment.items if panel.assessment else []
        return list(RiskItemSerializer(items, many=True).data)


class RiskAnswerInputSerializer(StrictInputSerializer):
    question = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    answer = serializers.ChoiceField(
        choices=RiskAnswerValue.choices,
        allow_null=True,
        help_text=gettext_lazy("null takes an answer back."),
    )
    note = StrictCharField(max_length=services.NOTE_MAX, required=False, allow_blank=True)


class ProposalRiskInputSerializer(StrictInputSerializer):
    answers = RiskAnswerInputSerializer(many=True, min_length=1, max_length=200)  # type: ignore[call-arg]


class ProposalRiskApi(APIView):
    """A proposal's vendor risk assessment: each question with its answer (a catalog fact's, or
    a person's), the weighted score and the rating (low, medium, high). A high rating asks IT
    Operations' head for IT's sign-off and keeps the tool out of the plug-in lane. PATCH
    answers some questions (the others keep theirs): the requester while the proposal is
    theirs to edit, a reviewer or head of IT Operations while IT's sign-off waits."""

    state_changes = True

    def proposal(self, request: Any, reference: str) -> Proposal:
        proposal = (
            selectors.proposals_seen_by(request.user)
            .select_related("solution", "tier")
            .filter(reference=reference)
            .first()
        )
        if proposal is None:
            raise Http404
        return proposal

    @extend_schema(responses=ProposalRiskSerializer)
    def get(self, request: Any, reference: str) -> Response:
        proposal = self.proposal(request, reference)
        return Response(ProposalRiskSerializer(RiskPanel(proposal, request.user)).data)

    @extend_schema(request=ProposalRiskInputSerializer, responses=ProposalRiskSerializer)
    def patch(self, request: Any, reference: str) -> Response:
        proposal = self.proposal(request, reference)
        payload = ProposalRiskInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rows = payload.validated_data["answers"]
        services.risk_answers_save(
            proposal=proposal,
            actor=request.user,
            answers={row["question"]: row["answer"] for row in rows},
            notes={row["question"]: row.get("note", "") for row in rows},
        )
        proposal = self.proposal(request, reference)
        return Response(ProposalRiskSerializer(RiskPanel(proposal, request.user)).data)
