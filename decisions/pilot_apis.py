"""REST API of a proposal's pilot: read it (criteria with target and measured value, the
employees' scores, participants, the review and its verdicts), plan and measure it (its owner),
rate it (its participants), open its review (its owner), give a department's verdict (who
signs for that department) and decide a disputed review (the CDO). Thin views over
decisions.services.pilots: the same rights and states as the browser."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import StrictCharField, StrictInputSerializer, UserRefSerializer
from decisions import selectors
from decisions.models import (
    PilotDirection,
    PilotOutcome,
    PilotReviewStatus,
    Proposal,
    ProposalStatus,
)
from decisions.pilots import MAX_CRITERIA, PilotPanel, pilot_panel
from decisions.services import pilots
from stakeholders.models import Department

# --- Output ---------------------------------------------------------------------------------


class PilotCriterionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="criterion.pk")
    metric = serializers.CharField(source="criterion.metric")
    target = serializers.DecimalField(max_digits=14, decimal_places=2, source="criterion.target")
    unit = serializers.CharField(source="criterion.unit")
    how_measured = serializers.CharField(source="criterion.how_measured")
    direction = serializers.ChoiceField(
        choices=PilotDirection.choices, source="criterion.direction"
    )
    measured = serializers.DecimalField(
        max_digits=14, decimal_places=2, source="criterion.measured", allow_null=True
    )
    met = serializers.BooleanField(
        source="criterion.met",
        allow_null=True,
        help_text=gettext_lazy(
            "Whether the measured value reaches the target; null until measured."
        ),
    )
    average_score = serializers.DecimalField(
        max_digits=2,
        decimal_places=1,
        source="average",
        allow_null=True,
        help_text=gettext_lazy("The participants' average score, 1 to 5; null before any."),
    )
    answers = serializers.IntegerField()


class PilotScoresSerializer(serializers.Serializer):
    answers = serializers.IntegerField()
    promoters = serializers.IntegerField(help_text=gettext_lazy("Rated 9 or 10."))
    passives = serializers.IntegerField(help_text=gettext_lazy("Rated 7 or 8."))
    detractors = serializers.IntegerField(help_text=gettext_lazy("Rated 0 to 6."))
    promoter_score = serializers.IntegerField(
        allow_null=True,
        min_value=-100,
        max_value=100,
        help_text=gettext_lazy("% promoters minus % detractors; null without answers."),
    )


class PilotVerdictSerializer(serializers.Serializer):
    department = serializers.CharField(source="department.code")
    verdict = serializers.ChoiceField(choices=PilotOutcome.choices)
    reason = serializers.CharField()
    new_end = serializers.DateField(allow_null=True)
    by = UserRefSerializer(source="user")
    at = serializers.DateTimeField()


class PilotReviewSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    status = serializers.ChoiceField(choices=PilotReviewStatus.choices)
    outcome = serializers.SerializerMethodField()
    new_end = serializers.DateField(allow_null=True)
    rationale = serializers.CharField(help_text=gettext_lazy("The CDO's, when they decided."))
    decided_by = UserRefSerializer(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    verdicts = PilotVerdictSerializer(many=True, source="verdicts.all")

    @extend_schema_field(serializers.ChoiceField(choices=PilotOutcome.choices, allow_null=True))
    def get_outcome(self, review: Any) -> str | None:
        return review.outcome or None


class PilotRatingSerializer(serializers.Serializer):
    recommend = serializers.IntegerField(min_value=0, max_value=10)
    comment = serializers.CharField()
    scores = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_scores(self, rating: Any) -> dict[str, int]:
        """Score 1 to 5 by criterion id."""
        return {str(k): v for k, v in getattr(rating, "by_criterion", {}).items()}


class PilotSerializer(serializers.Serializer):
    reference = serializers.CharField(source="proposal.reference")
    status = serializers.ChoiceField(choices=ProposalStatus.choices, source="proposal.status")
    round = serializers.IntegerField()
    start = serializers.DateField(source="proposal.pilot_start", allow_null=True)
    end = serializers.DateField(source="proposal.pilot_end", allow_null=True)
    ended = serializers.BooleanField(help_text=gettext_lazy("Whether the end date has passed."))
    success_criteria_text = serializers.CharField(
        source="proposal.pilot_success_criteria",
        help_text=gettext_lazy("The proposal's criteria as free text (before measurable ones)."),
    )
    criteria = PilotCriterionSerializer(many=True)
    participants = UserRefSerializer(many=True)
    scores = PilotScoresSerializer()
    review = PilotReviewSerializer(allow_null=True)
    my_rating = PilotRatingSerializer(allow_null=True)
    may_rate = serializers.BooleanField(source="can_rate")
    may_plan = serializers.BooleanField(source="can_edit")
    may_open_review = serializers.BooleanField(source="can_open_review")
    may_decide = serializers.BooleanField(source="can_decide")


# --- Input ----------------------------------------------------------------------------------


class PilotCriterionInputSerializer(StrictInputSerializer):
    metric = StrictCharField(max_length=200)
    target = serializers.DecimalField(max_digits=14, decimal_places=2)
    unit = StrictCharField(max_length=30, required=False, allow_blank=True, default="")
    how_measured = StrictCharField(max_length=1000, required=False, allow_blank=True, default="")
    direction = serializers.ChoiceField(
        choices=PilotDirection.choices, required=False, default=PilotDirection.HIGHER
    )


class PilotMeasurementInputSerializer(StrictInputSerializer):
    criterion = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    value = serializers.DecimalField(max_digits=14, decimal_places=2)


class PilotUpdateInputSerializer(StrictInputSerializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    criteria = PilotCriterionInputSerializer(  # type: ignore[call-arg]
        many=True,
        required=False,
        max_length=MAX_CRITERIA,
        help_text=gettext_lazy("Replaces this round's criteria (before anyone rated)."),
    )
    participants = serializers.ListField(
        child=StrictCharField(max_length=254),
        required=False,
        max_length=pilots.MAX_PARTICIPANTS,
        help_text=gettext_lazy("Usernames or emails: replaces the participants."),
    )
    measurements = PilotMeasurementInputSerializer(  # type: ignore[call-arg]
        many=True,
        required=False,
        max_length=MAX_CRITERIA,
        help_text=gettext_lazy("The measured value of criteria, after the end."),
    )


class PilotScoreInputSerializer(StrictInputSerializer):
    criterion = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    score = serializers.IntegerField(min_value=1, max_value=5)


class PilotRatingInputSerializer(StrictInputSerializer):
    recommend = serializers.IntegerField(
        min_value=0,
        max_value=10,
        help_text=gettext_lazy("How likely you would recommend it to a colleague."),
    )
    scores = PilotScoreInputSerializer(many=True, max_length=MAX_CRITERIA)  # type: ignore[call-arg]
    comment = StrictCharField(max_length=1000, required=False, allow_blank=True, default="")


class PilotVerdictInputSerializer(StrictInputSerializer):
    department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.filter(is_active=True)
    )
    verdict = serializers.ChoiceField(choices=PilotOutcome.choices)
    reason = StrictCharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Required to extend or stop."),
    )
    new_end = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("To extend.")
    )


class PilotDecisionInputSerializer(StrictInputSerializer):
    outcome = serializers.ChoiceField(choices=PilotOutcome.choices)
    rationale = StrictCharField(max_length=2000)
    new_end = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("To extend.")
    )


# --- Views ----------------------------------------------------------------------------------


class _PilotApi(APIView):
    state_changes = True

    def proposal(self, request: Any, reference: str) -> Proposal:
        proposal = selectors.proposals_seen_by(request.user).filter(reference=reference).first()
        if proposal is None or proposal.kind != "new":
            raise Http404
        return proposal

    def pilot(self, request: Any, proposal: Proposal, *, code: int = 200) -> Response:
        proposal = Proposal.objects.select_related("tool__solution", "requester").get(
            pk=proposal.pk
        )
        panel: PilotPanel | None = pilot_panel(proposal, user=request.user, always=True)
        return Response(PilotSerializer(panel).data, status=code)


class PilotApi(_PilotApi):
    """A proposal's pilot. Anyone who can see the proposal reads it; its owner (the requester
    or the tool's business owner) plans it while it runs (dates, criteria, participants) and
    records the measurements after its end, until the review opens."""

    @extend_schema(responses=PilotSerializer)
    def get(self, request: Any, reference: str) -> Response:
        return self.pilot(request, self.proposal(request, reference))

    @extend_schema(request=PilotUpdateInputSerializer, responses=PilotSerializer)
    def patch(self, request: Any, reference: str) -> Response:
        proposal = self.proposal(request, reference)
        payload = PilotUpdateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        plan = {k: data[k] for k in ("start", "end", "criteria") if k in data}
        if "participants" in data:
            plan["participants"] = pilots.participants_named(data["participants"])
        if plan or "measurements" not in data:
            pilots.pilot_update(proposal=proposal, actor=request.user, **plan)
        if data.get("measurements"):
            pilots.pilot_measure(
                proposal=proposal,
                actor=request.user,
                values={m["criterion"]: m["value"] for m in data["measurements"]},
            )
        return self.pilot(request, proposal)


class PilotRatingApi(_PilotApi):
    """Rate the pilot (its participants, after its end): 0 to 10 would you recommend it, 1 to
    5 for every criterion. Once per round; final."""

    @extend_schema(request=PilotRatingInputSerializer, responses={201: PilotSerializer})
    def post(self, request: Any, reference: str) -> Response:
        proposal = self.proposal(request, reference)
        payload = PilotRatingInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        pilots.pilot_rate(
            proposal=proposal,
            actor=request.user,
            recommend=data["recommend"],
            scores={s["criterion"]: s["score"] for s in data["scores"]},
            comment=data["comment"],
        )
        return self.pilot(request, proposal, code=status.HTTP_201_CREATED)


class PilotReviewApi(_PilotApi):
    """Open the keep/extend/stop review (the owner, after the end, every criterion measured)."""

    @extend_schema(request=None, responses={201: PilotSerializer})
    def post(self, request: Any, reference: str) -> Response:
        proposal = self.proposal(request, reference)
        pilots.pilot_review_open(proposal=proposal, actor=request.user)
        return self.pilot(request, proposal, code=status.HTTP_201_CREATED)


class PilotVerdictApi(_PilotApi):
    """A department's verdict in the open review: keep, extend (a new end after today) or stop
    (with a reason), by someone who signs for that department; never the requester. When all
    departments agree, the outcome is applied; when they disagree the CDO decides."""

    @extend_schema(request=PilotVerdictInputSerializer, responses={201: PilotSerializer})
    def post(self, request: Any, reference: str) -> Response:
        proposal = self.proposal(request, reference)
        payload = PilotVerdictInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        pilots.pilot_verdict_give(proposal=proposal, actor=request.user, **payload.validated_data)
        return self.pilot(request, proposal, code=status.HTTP_201_CREATED)


class PilotDecisionApi(_PilotApi):
    """The CDO's decision on a review whose departments disagree (not on their own proposal)."""

    @extend_schema(request=PilotDecisionInputSerializer, responses=PilotSerializer)
    def post(self, request: Any, reference: str) -> Response:
        proposal = self.proposal(request, reference)
        payload = PilotDecisionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        pilots.pilot_decide(proposal=proposal, actor=request.user, **payload.validated_data)
        return self.pilot(request, proposal)
