"""REST API of a proposal's scoring: read the comparison (options * criteria, the weighted
totals per department and overall, the ranks), add and remove alternatives (its requester),
record a department's scores (its reviewers, while the proposal is in review); and the
departments' weighted criteria (everyone signed in reads them, each department's head keeps
them). Thin views over decisions.services.scoring: the same rights and states as the browser."""

from __future__ import annotations

from typing import Any

import django_filters
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import ApiFilterSet, StrictCharField, StrictInputSerializer
from core.errors import DomainError
from decisions import selectors
from decisions.models import Proposal, ProposalAlternative
from decisions.rights import is_owner
from decisions.scoring import (
    ALTERNATIVE_STATES,
    METHOD,
    compare,
    scoring_department_ids,
)
from decisions.scoring_models import (
    SCORE_MAX,
    SCORE_MIN,
    WEIGHT_MAX,
    WEIGHT_MIN,
    ScoringCriterion,
)
from decisions.services import scoring
from stakeholders.models import Department
from vendors.models import Solution

MAX_ID = 2**31 - 1

# --- Output ---------------------------------------------------------------------------------


class ScoringOptionSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text=gettext_lazy('"proposed" for the proposed solution, else the alternative\'s id.')
    )
    name = serializers.CharField()
    solution = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("The catalog solution, when it is one.")
    )
    overall = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        allow_null=True,
        help_text=gettext_lazy("The mean of the counted departments' totals; null: none yet."),
    )
    rank = serializers.IntegerField(allow_null=True)


class ScoringCriterionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    weight = serializers.IntegerField(min_value=1, max_value=10)
    scores = serializers.ListField(
        child=serializers.IntegerField(allow_null=True, min_value=1, max_value=5),
        help_text=gettext_lazy("One per option, in the options' order; null: not scored."),
    )


class ScoringDepartmentSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    counted = serializers.BooleanField(
        help_text=gettext_lazy("Whether it scored every option in full (it counts overall).")
    )
    criteria = ScoringCriterionSerializer(many=True)
    totals = serializers.ListField(
        child=serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True),
        help_text=gettext_lazy("The weighted average per option, in the options' order."),
    )
    may_score = serializers.BooleanField()


class ScoringSerializer(serializers.Serializer):
    reference = serializers.CharField()
    method = serializers.CharField(help_text=gettext_lazy("How the totals are computed."))
    options = ScoringOptionSerializer(many=True)
    departments = ScoringDepartmentSerializer(many=True)
    proposed_ranked_first = serializers.BooleanField(allow_null=True)
    may_change_alternatives = serializers.BooleanField()


def scoring_data(proposal: Proposal, user: Any) -> dict[str, Any]:
    result = compare(proposal)
    scorer_of = scoring_department_ids(user=user, proposal=proposal)
    return {
        "reference": proposal.reference,
        "method": str(METHOD),
        "options": [
            {
                "key": o.key,
                "name": o.label,
                "solution": (
                    proposal.solution_id
                    if o.is_proposed
                    else (o.alternative.solution_id if o.alternative else None)
                ),
                "overall": result.overall.get(o.key),
                "rank": result.ranks.get(o.key),
            }
            for o in result.options
        ],
        "departments": [
            {
                "code": d.department.code,
                "name": d.department.name,
                "counted": d.complete,
                "criteria": [
                    {"id": c.pk, "name": c.name, "weight": c.weight, "scores": s} for c, s in d.rows
                ],
                "totals": d.total_cells,
                "may_score": d.department.pk in scorer_of,
            }
            for d in result.departments
        ],
        "proposed_ranked_first": result.proposed_ranked_first,
        "may_change_alternatives": bool(
            user.is_authenticated
            and is_owner(user=user, proposal=proposal)
            and proposal.status in ALTERNATIVE_STATES
        ),
    }


# --- Input ----------------------------------------------------------------------------------


class AlternativeInputSerializer(StrictInputSerializer):
    solution = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("A catalog solution's id; or give a name instead."),
    )
    name = StrictCharField(
        max_length=150, required=False, allow_blank=True, default="", single_line=True
    )
    vendor_name = StrictCharField(
        max_length=150, required=False, allow_blank=True, default="", single_line=True
    )


class ScoreInputSerializer(StrictInputSerializer):
    option = StrictCharField(
        max_length=12, help_text=gettext_lazy('"proposed" or an alternative\'s id.')
    )
    criterion = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    score = serializers.IntegerField(
        min_value=SCORE_MIN,
        max_value=SCORE_MAX,
        allow_null=True,
        help_text=gettext_lazy("1 to 5; null clears the score."),
    )


class ScoresInputSerializer(StrictInputSerializer):
    department = StrictCharField(max_length=20, help_text=gettext_lazy("Department code."))
    scores = ScoreInputSerializer(many=True, max_length=200)  # type: ignore[call-arg]


# --- Views ----------------------------------------------------------------------------------


class _ScoringApi(APIView):
    state_changes = True

    def proposal(self, request: Any, reference: str) -> Proposal:
        proposal = selectors.proposals_seen_by(request.user).filter(reference=reference).first()
        if proposal is None:
            raise Http404
        return proposal

    def answer(self, request: Any, proposal: Proposal, *, code: int = 200) -> Response:
        proposal = Proposal.objects.select_related("solution__vendor").get(pk=proposal.pk)
        return Response(ScoringSerializer(scoring_data(proposal, request.user)).data, status=code)


class ScoringApi(_ScoringApi):
    """A proposal's scoring: its options side by side on the criteria of the departments that
    sign its current round, with the weighted totals and how they are computed. Anyone who can
    see the proposal reads it."""

    @extend_schema(responses=ScoringSerializer)
    def get(self, request: Any, reference: str) -> Response:
        return self.answer(request, self.proposal(request, reference))


class ScoringAlternativesApi(_ScoringApi):
    """Add an alternative (the requester, until the proposal awaits the CDO): a catalog
    solution (`solution`) or a named one (`name`, `vendor_name`)."""

    @extend_schema(request=AlternativeInputSerializer, responses={201: ScoringSerializer})
    def post(self, request: Any, reference: str) -> Response:
        proposal = self.proposal(request, reference)
        payload = AlternativeInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        solution = None
        if data["solution"] is not None:
            solution = Solution.objects.filter(pk=data["solution"]).first()
            if solution is None:
                raise DomainError(_("No such solution in the catalog."), field="solution")
        scoring.alternative_add(
            proposal=proposal,
            actor=request.user,
            solution=solution,
            name=data["name"],
            vendor_name=data["vendor_name"],
        )
        return self.answer(request, proposal, code=status.HTTP_201_CREATED)


class ScoringAlternativeApi(_ScoringApi):
    """Remove an alternative, with its scores (the requester, until the proposal awaits the
    CDO)."""

    @extend_schema(request=None, responses={200: ScoringSerializer})
    def delete(self, request: Any, reference: str, pk: int) -> Response:
        proposal = self.proposal(request, reference)
        alternative = ProposalAlternative.objects.filter(proposal=proposal, pk=pk).first()
        if alternative is None:
            raise Http404
        scoring.alternative_remove(alternative=alternative, actor=request.user)
        return self.answer(request, proposal)


class ScoringScoresApi(_ScoringApi):
    """Record a department's scores of the options on its criteria (a reviewer or head of a
    department that signs the current round, while the proposal is in review; never the
    requester). All or nothing; a null score clears it."""

    @extend_schema(request=ScoresInputSerializer, responses=ScoringSerializer)
    def post(self, request: Any, reference: str) -> Response:
        proposal = self.proposal(request, reference)
        payload = ScoresInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        department = Department.objects.filter(code=data["department"], is_active=True).first()
        if department is None:
            raise DomainError(_("No such department."), field="department")
        scores = {(s["option"], s["criterion"]): s["score"] for s in data["scores"]}
        scoring.scores_set(
            proposal=proposal, actor=request.user, department=department, scores=scores
        )
        return self.answer(request, proposal)


# --- The departments' criteria ----------------------------------------------------------------


class CriterionSerializer(serializers.ModelSerializer):
    department: serializers.SlugRelatedField[Department] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=gettext_lazy("Department code.")
    )

    class Meta:
        model = ScoringCriterion
        fields = ["id", "department", "name", "weight", "position", "is_active"]


class CriterionInputSerializer(StrictInputSerializer):
    """A criterion as its department's head writes it (PATCH: any subset but the department)."""

    department = StrictCharField(max_length=20, help_text=gettext_lazy("Department code."))
    name = StrictCharField(max_length=120, single_line=True)
    weight = serializers.IntegerField(
        min_value=WEIGHT_MIN,
        max_value=WEIGHT_MAX,
        help_text=gettext_lazy("From 1 (minor) to 10 (decisive)."),
    )
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    is_active = serializers.BooleanField(required=False)


class CriterionFilterSet(ApiFilterSet):
    department = django_filters.CharFilter(
        field_name="department__code", max_length=20, help_text=gettext_lazy("Department code.")
    )

    class Meta:
        model = ScoringCriterion
        fields = ["department", "is_active"]


class ScoringCriterionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The departments' weighted criteria for scoring a proposal's alternatives. Everyone
    signed in reads them (they are what reviewers score on); a department's head (or an
    administrator) adds and changes its own. A criterion is not deleted: `is_active: false`
    takes it out of the comparisons shown afterwards and keeps the scores given on it."""

    serializer_class = CriterionSerializer
    queryset = ScoringCriterion.objects.select_related("department").filter(
        department__is_active=True
    )
    filterset_class = CriterionFilterSet
    ordering_fields = ["position", "id"]
    # Attributes of the row, as the cursor pagination reads them from the last one it gives.
    ordering = ["department_id", "position", "id"]
    state_changes = True

    def _detail(self, criterion: ScoringCriterion, code: int = status.HTTP_200_OK) -> Response:
        fresh = ScoringCriterion.objects.select_related("department").get(pk=criterion.pk)
        return Response(CriterionSerializer(fresh).data, status=code)

    @extend_schema(request=CriterionInputSerializer, responses={201: CriterionSerializer})
    def create(self, request: Any) -> Response:
        """A new criterion of the department (its head)."""
        payload = CriterionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        department = Department.objects.filter(code=data.pop("department"), is_active=True).first()
        if department is None:
            raise DomainError(_("No such department."), field="department")
        created = scoring.criterion_save(actor=request.user, department=department, **data)
        return self._detail(created, status.HTTP_201_CREATED)

    @extend_schema(request=CriterionInputSerializer(partial=True), responses=CriterionSerializer)
    def partial_update(self, request: Any, pk: str | None = None) -> Response:
        """Change a criterion's name, weight, position or whether it is active (its
        department's head)."""
        criterion = self.get_object()
        payload = CriterionInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        if "department" in data and data.pop("department") != criterion.department.code:
            raise DomainError(_("A criterion stays in its department."), field="department")
        kept = {
            "name": criterion.name,
            "weight": criterion.weight,
            "position": criterion.position,
            "is_active": criterion.is_active,
        }
        saved = scoring.criterion_save(
            actor=request.user,
            department=criterion.department,
            criterion=criterion,
            **{**kept, **data},
        )
        return self._detail(saved)
