"""REST API of the workflow: proposals, sign-offs and CDO decisions. Thin views: input
serializers parse, the services in decisions/services.py decide (the same rights and states as
the browser), selectors read, output serializers render."""

from __future__ import annotations

import django_filters
from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from decisions import selectors, services
from decisions.errors import DomainError, InvalidTransition, NotAllowed
from decisions.models import (
    Decision,
    DecisionOutcome,
    Proposal,
    ProposalStatus,
    RecurringPeriod,
    SignOff,
    SignOffStatus,
)
from decisions.rights import can_edit, signing_right
from hrtech_gov.api import (
    ApiFilterSet,
    ConditionalMixin,
    MoneySerializer,
    StrictBooleanFilter,
    StrictCharField,
    StrictInputSerializer,
    check_if_match,
    money,
)
from stakeholders.apis import DepartmentRefSerializer
from stakeholders.models import (
    ApprovalTier,
    ChecklistQuestion,
    Department,
    Role,
    StrategicGoal,
)
from vendors.models import Category, Solution

# --------------------------------------------------------------------------------------------
# Output serializers


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    username = serializers.CharField(source="get_username")
    full_name = serializers.SerializerMethodField()

    def get_full_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


class SolutionRefSerializer(serializers.ModelSerializer):
    vendor = serializers.SerializerMethodField()

    class Meta:
        model = Solution
        fields = ["id", "name", "vendor"]

    @extend_schema_field(
        {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
    )
    def get_vendor(self, solution: Solution) -> dict:
        return {"id": solution.vendor_id, "name": solution.vendor.name}


class TierSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApprovalTier
        fields = ["id", "name", "signoff_role", "cdo_decision_required", "sla_days"]


class ProposalRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Proposal
        fields = ["reference", "title", "status"]


class AnswerSerializer(serializers.Serializer):
    question = serializers.CharField()
    answer = serializers.CharField()


class SignOffSerializer(serializers.ModelSerializer):
    proposal = ProposalRefSerializer()
    department = DepartmentRefSerializer()
    reviewer = UserRefSerializer(allow_null=True)
    on_behalf_of = UserRefSerializer(allow_null=True)
    answers = serializers.DictField(
        child=AnswerSerializer(),
        help_text=gettext_lazy("Checklist question id → the question as asked and the answer."),
    )

    class Meta:
        model = SignOff
        fields = [
            "id",
            "proposal",
            "department",
            "round",
            "required_role",
            "status",
            "reviewer",
            "on_behalf_of",
            "answers",
            "comment",
            "due_on",
            "created_at",
            "decided_at",
        ]


class ChecklistQuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistQuestion
        fields = ["id", "text", "help_text", "kind", "required"]


class SignOffDetailSerializer(SignOffSerializer):
    checklist = serializers.SerializerMethodField(
        help_text=gettext_lazy("The department's checklist: answer it by question id.")
    )
    can_sign = serializers.SerializerMethodField(
        help_text=gettext_lazy("Whether you may approve, reject or request changes now.")
    )

    class Meta(SignOffSerializer.Meta):
        fields = [*SignOffSerializer.Meta.fields, "checklist", "can_sign"]

    @extend_schema_field(ChecklistQuestionSerializer(many=True))
    def get_checklist(self, signoff: SignOff) -> list:
        questions = self.context.get("checklists", {}).get(signoff.department_id, [])
        return ChecklistQuestionSerializer(questions, many=True).data

    def get_can_sign(self, signoff: SignOff) -> bool:
        can_sign = self.context.get("can_sign")
        if can_sign is not None:
            return bool(can_sign)
        return False


class DecisionSerializer(serializers.ModelSerializer):
    proposal = ProposalRefSerializer()
    decided_by = UserRefSerializer()

    class Meta:
        model = Decision
        fields = [
            "id",
            "proposal",
            "round",
            "outcome",
            "rationale",
            "conditions",
            "decided_by",
            "decided_at",
        ]


class DecisionInProposalSerializer(DecisionSerializer):
    class Meta(DecisionSerializer.Meta):
        fields = [f for f in DecisionSerializer.Meta.fields if f != "proposal"]


class SignOffInProposalSerializer(SignOffSerializer):
    class Meta(SignOffSerializer.Meta):
        fields = [f for f in SignOffSerializer.Meta.fields if f != "proposal"]


class GoalLinkSerializer(serializers.Serializer):
    code = serializers.CharField(source="goal.code")
    title = serializers.CharField(source="goal.title")
    note = serializers.CharField()


class DeciderSerializer(serializers.Serializer):
    department = DepartmentRefSerializer()
    required_role = serializers.ChoiceField(choices=Role.choices)
    status = serializers.ChoiceField(choices=SignOffStatus.choices, allow_null=True)


class WhoDecidesSerializer(serializers.Serializer):
    fixed = serializers.BooleanField(
        help_text=gettext_lazy(
            "True once submitted (the tier is fixed); false for a draft's preview."
        )
    )
    tier = TierSerializer(allow_null=True)
    reason = serializers.CharField()
    departments = DeciderSerializer(many=True)
    cdo_decision_required = serializers.BooleanField()


def _base_money(amount) -> dict | None:
    return money(amount, settings.BASE_CURRENCY)


class ProposalSerializer(serializers.ModelSerializer):
    """A proposal as lists show it."""

    requester = UserRefSerializer()
    requesting_department = DepartmentRefSerializer()
    paying_department = DepartmentRefSerializer()
    solution = SolutionRefSerializer(allow_null=True)
    provider_name = serializers.CharField()
    one_off_cost = serializers.SerializerMethodField()
    recurring_cost = serializers.SerializerMethodField()
    tco = serializers.SerializerMethodField(
        help_text=gettext_lazy("Total cost of ownership in the base currency, fixed at submission.")
    )
    tier_basis = serializers.SerializerMethodField()
    estimated_tco = serializers.SerializerMethodField(
        help_text=gettext_lazy("The TCO from the current costs, in the proposal's currency.")
    )
    tier = TierSerializer(allow_null=True)

    class Meta:
        model = Proposal
        fields = [
            "reference",
            "title",
            "status",
            "requester",
            "requesting_department",
            "paying_department",
            "solution",
            "new_vendor_name",
            "new_solution_name",
            "provider_name",
            "category",
            "currency",
            "one_off_cost",
            "recurring_cost",
            "recurring_period",
            "term_months",
            "seats",
            "employees_affected",
            "processes_personal_data",
            "round",
            "tier",
            "tier_reason",
            "tco",
            "tier_basis",
            "estimated_tco",
            "created_at",
            "updated_at",
            "submitted_at",
            "decided_at",
        ]

    @extend_schema_field(MoneySerializer)
    def get_one_off_cost(self, p: Proposal) -> dict | None:
        return money(p.one_off_cost, p.currency)

    @extend_schema_field(MoneySerializer)
    def get_recurring_cost(self, p: Proposal) -> dict | None:
        return money(p.recurring_cost, p.currency)

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_tco(self, p: Proposal) -> dict | None:
        return _base_money(p.tco)

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_tier_basis(self, p: Proposal) -> dict | None:
        return _base_money(p.tier_basis)

    @extend_schema_field(MoneySerializer)
    def get_estimated_tco(self, p: Proposal) -> dict | None:
        return money(p.compute_tco(), p.currency)


class ProposalDetailSerializer(ProposalSerializer):
    """A proposal with its five answers, current sign-offs, earlier rounds and decisions."""

    goals = GoalLinkSerializer(source="goal_links", many=True)
    integrates_with = SolutionRefSerializer(many=True)
    signoffs = serializers.SerializerMethodField(
        help_text=gettext_lazy("The sign-offs of the current round.")
    )
    earlier_signoffs = serializers.SerializerMethodField()
    decision = serializers.SerializerMethodField(
        help_text=gettext_lazy("The CDO's decision on the current round, if taken.")
    )
    decisions = DecisionInProposalSerializer(many=True)
    who_decides = serializers.SerializerMethodField()

    class Meta(ProposalSerializer.Meta):
        fields = [
            *ProposalSerializer.Meta.fields,
            "problem",
            "rationale",
            "alternatives",
            "end_user_involvement",
            "goals",
            "integrates_with",
            "integration_notes",
            "personal_data_notes",
            "pilot_start",
            "pilot_end",
            "pilot_success_criteria",
            "signoffs",
            "earlier_signoffs",
            "decision",
            "decisions",
            "who_decides",
        ]

    @extend_schema_field(SignOffInProposalSerializer(many=True))
    def get_signoffs(self, p: Proposal) -> list:
        current = [s for s in p.signoffs.all() if s.round == p.round]
        return SignOffInProposalSerializer(current, many=True).data

    @extend_schema_field(SignOffInProposalSerializer(many=True))
    def get_earlier_signoffs(self, p: Proposal) -> list:
        earlier = [s for s in p.signoffs.all() if s.round != p.round]
        return SignOffInProposalSerializer(earlier, many=True).data

    @extend_schema_field(DecisionInProposalSerializer(allow_null=True))
    def get_decision(self, p: Proposal) -> dict | None:
        current = next((d for d in p.decisions.all() if d.round == p.round), None)
        return DecisionInProposalSerializer(current).data if current else None

    @extend_schema_field(WhoDecidesSerializer)
    def get_who_decides(self, p: Proposal) -> dict:
        return who_decides(p)


def who_decides(p: Proposal) -> dict:
    """The derived decision-making unit: fixed from the tier and the sign-offs once submitted,
    previewed with the same assessment submission uses while a draft."""
    if p.tier_id is not None and p.round:
        current = [s for s in p.signoffs.all() if s.round == p.round]
        return {
            "fixed": True,
            "tier": TierSerializer(p.tier).data,
            "reason": p.tier_reason,
            "departments": [
                {
                    "department": DepartmentRefSerializer(s.department).data,
                    "required_role": s.required_role,
                    "status": s.status,
                }
                for s in current
            ],
            "cdo_decision_required": p.tier.cdo_decision_required,
        }
    departments = Department.objects.filter(signoff_required=True, is_active=True)
    try:
        assessment = services.assess_tier(proposal=p, at=timezone.now())
    except DomainError as error:
        tier, reason = None, error.message
    else:
        tier, reason = assessment.tier, assessment.reason
    return {
        "fixed": False,
        "tier": TierSerializer(tier).data if tier else None,
        "reason": str(reason),
        "departments": [
            {
                "department": DepartmentRefSerializer(d).data,
                "required_role": tier.signoff_role if tier else Role.REVIEWER,
                "status": None,
            }
            for d in departments
        ],
        "cdo_decision_required": bool(tier and tier.cdo_decision_required),
    }


# --------------------------------------------------------------------------------------------
# Input serializers


class GoalInputSerializer(StrictInputSerializer):
    goal = serializers.SlugRelatedField(
        slug_field="code", queryset=StrategicGoal.objects.filter(is_active=True)
    )
    note = StrictCharField(max_length=300, required=False, allow_blank=True, default="")


TEXT_LIMIT = 10_000
# The fields the TCO is computed from.
TCO_FIELDS = ("currency", "one_off_cost", "recurring_cost", "recurring_period", "term_months")


class ProposalInputSerializer(StrictInputSerializer):
    """A draft's fields. On PATCH every field is optional; the result must still be a whole
    proposal (a solution or a new one named, a category, ordered pilot dates)."""

    title = StrictCharField(max_length=200)
    problem = StrictCharField(max_length=TEXT_LIMIT)
    rationale = StrictCharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    alternatives = StrictCharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    requesting_department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.filter(is_active=True)
    )
    paying_department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.filter(is_active=True)
    )
    solution = serializers.PrimaryKeyRelatedField(
        queryset=Solution.objects.filter(is_deleted=False), required=False, allow_null=True
    )
    new_vendor_name = StrictCharField(max_length=150, required=False, allow_blank=True)
    new_solution_name = StrictCharField(max_length=150, required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    one_off_cost = MoneySerializer(required=False)
    recurring_cost = MoneySerializer(required=False)
    recurring_period = serializers.ChoiceField(choices=RecurringPeriod.choices, required=False)
    term_months = serializers.IntegerField(min_value=0, max_value=600, required=False)
    seats = serializers.IntegerField(
        min_value=0, max_value=10_000_000, required=False, allow_null=True
    )
    employees_affected = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False)
    end_user_involvement = StrictCharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    integration_notes = StrictCharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    processes_personal_data = serializers.BooleanField(required=False)
    personal_data_notes = StrictCharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    pilot_start = serializers.DateField(required=False, allow_null=True)
    pilot_end = serializers.DateField(required=False, allow_null=True)
    pilot_success_criteria = StrictCharField(
        max_length=TEXT_LIMIT, required=False, allow_blank=True
    )
    goals = GoalInputSerializer(many=True, required=False)
    integrates_with = serializers.PrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=Solution.objects.filter(in_use=True, is_deleted=False),
        help_text=gettext_lazy("Ids of solutions in use that this tool integrates with."),
    )

    def validate(self, attrs):
        proposal: Proposal | None = self.context.get("proposal")

        def current(name, default=None):
            if name in attrs:
                return attrs[name]
            return getattr(proposal, name) if proposal is not None else default

        errors: dict[str, list[str]] = {}
        costs = {k: attrs.pop(k) for k in ("one_off_cost", "recurring_cost") if k in attrs}
        currencies = {m["currency"] for m in costs.values()}
        if len(currencies) > 1:
            errors["recurring_cost.currency"] = [
                _("Both costs must be in the same currency as the one-off cost.")
            ]
        elif currencies:
            currency = currencies.pop()
            if proposal is not None and len(costs) == 1 and currency != proposal.currency:
                name = next(iter(costs))
                errors[f"{name}.currency"] = [
                    _(
                        "The proposal's costs are in %(currency)s: send both costs to change "
                        "the currency."
                    )
                    % {"currency": proposal.currency}
                ]
            attrs["currency"] = currency
        for name, value in costs.items():
            attrs[name] = value["amount"]
            if value["amount"] < 0:
                errors[f"{name}.amount"] = [_("A cost cannot be negative.")]
        if not errors and any(name in attrs for name in TCO_FIELDS):
            # Each amount fits its column, but the TCO (up to 600 months of a monthly cost, in
            # the base currency) must fit too, or submission could not record it.
            candidate = Proposal(
                **{name: current(name) for name in TCO_FIELDS if current(name) is not None}
            )
            blame = services.proposal_tco_limit_field(proposal=candidate)
            if blame is not None:
                errors[f"{blame}.amount"] = [services.tco_limit_message()]

        solution = current("solution")
        if not solution and not (current("new_solution_name", "") or "").strip():
            errors["new_solution_name"] = [
                _("Pick a solution from the catalog or name the new one you propose.")
            ]
        if solution and not current("category"):
            attrs["category"] = solution.category
        elif not current("category"):
            errors["category"] = [_("Choose the category of tool.")]
        start, end = current("pilot_start"), current("pilot_end")
        if start and end and end < start:
            errors["pilot_end"] = [_("The pilot cannot end before it starts.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def service_kwargs(self) -> dict:
        data = dict(self.validated_data)
        goals = data.pop("goals", None)
        integrates_with = data.pop("integrates_with", None)
        return {
            "data": {k: v for k, v in data.items() if k in services.PROPOSAL_FIELDS},
            "goals": {g["goal"]: g.get("note", "") for g in goals} if goals is not None else None,
            "integrates_with": integrates_with,
        }


class WithdrawInputSerializer(StrictInputSerializer):
    reason = StrictCharField(max_length=1000, required=False, allow_blank=True, default="")


class DecideInputSerializer(StrictInputSerializer):
    outcome = serializers.ChoiceField(choices=DecisionOutcome.choices)
    rationale = StrictCharField(max_length=5000)
    conditions = StrictCharField(max_length=5000, required=False, allow_blank=True, default="")


class SignOffInputSerializer(StrictInputSerializer):
    comment = StrictCharField(max_length=5000, required=False, allow_blank=True, default="")
    answers = serializers.DictField(
        child=StrictCharField(max_length=5000, allow_blank=True),
        required=False,
        default=dict,
        help_text=gettext_lazy(
            'Checklist question id → answer (yes/no questions take "yes" or "no"). '
            "Required questions must be answered to approve."
        ),
    )

    def validate_answers(self, answers: dict) -> dict:
        bad = [key for key in answers if not str(key).isdigit()]
        if bad:
            raise serializers.ValidationError(
                _("Answer by checklist question id; unknown keys: %(keys)s.")
                % {"keys": ", ".join(sorted(bad))}
            )
        return answers


# --------------------------------------------------------------------------------------------
# Views


class ProposalFilterSet(ApiFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ProposalStatus.choices)
    requesting_department = django_filters.CharFilter(
        field_name="requesting_department__code", help_text=gettext_lazy("Department code.")
    )
    paying_department = django_filters.CharFilter(
        field_name="paying_department__code", help_text=gettext_lazy("Department code.")
    )
    tier = django_filters.CharFilter(field_name="tier__name", help_text=gettext_lazy("Tier name."))
    category = django_filters.ChoiceFilter(choices=Category.choices)
    mine = StrictBooleanFilter(
        method="filter_mine", help_text=gettext_lazy("Only the proposals you requested.")
    )

    class Meta:
        model = Proposal
        fields = ["status", "requesting_department", "paying_department", "tier", "category"]

    def filter_mine(self, queryset, name, value):
        if value is None:
            return queryset
        user = self.request.user
        return queryset.filter(requester=user) if value else queryset.exclude(requester=user)


class ProposalViewSet(
    ConditionalMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Technology proposals. Every signed-in user reads every proposal (as in the browser);
    only the requester creates, edits (draft or changes requested), submits and withdraws."""

    lookup_field = "reference"
    lookup_value_regex = r"[^/]+"
    serializer_class = ProposalSerializer
    filterset_class = ProposalFilterSet
    search_fields = ["reference", "title", "new_solution_name", "solution__name"]
    ordering_fields = ["created_at", "updated_at", "reference", "title"]
    ordering = ["-created_at", "-pk"]
    state_changes = True

    def get_queryset(self):
        return selectors.proposals_for_api()

    def get_object(self) -> Proposal:
        try:
            return selectors.proposal_for_api(reference=self.kwargs["reference"])
        except Proposal.DoesNotExist:
            raise Http404 from None

    def get_output_serializer(self, obj):
        return ProposalDetailSerializer(obj, context=self.get_serializer_context())

    @extend_schema(responses=ProposalDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return self.conditional_retrieve(self.get_object())

    @extend_schema(request=ProposalInputSerializer, responses={201: ProposalDetailSerializer})
    def create(self, request):
        """Create a draft; you are its requester."""
        payload = ProposalInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        proposal = services.proposal_create(requester=request.user, **payload.service_kwargs())
        return self.conditional_retrieve(
            selectors.proposal_for_api(reference=proposal.reference),
            status_code=status.HTTP_201_CREATED,
        )

    @extend_schema(request=ProposalInputSerializer, responses=ProposalDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Edit a draft (or a proposal returned for changes). Send If-Match with the ETag you
        read to be told (412) when someone changed it since."""
        proposal = self.get_object()
        # Rights first (as the service checks them again on the locked row): someone else's
        # proposal is 403 and a submitted one 409, whatever the body says.
        if proposal.requester_id != request.user.pk:
            raise NotAllowed(_("Only the requester can edit this proposal."))
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


class SignOffFilterSet(ApiFilterSet):
    status = django_filters.ChoiceFilter(choices=SignOffStatus.choices)
    department = django_filters.CharFilter(field_name="department__code")

    class Meta:
        model = SignOff
        fields = ["status", "department"]


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
        right = None
        if (
            signoff.status == SignOffStatus.PENDING
            and signoff.proposal.status == ProposalStatus.IN_REVIEW
            and signoff.round == signoff.proposal.round
        ):
            right = signing_right(user=self.request.user, signoff=signoff)
        context = {"checklists": {signoff.department_id: questions}, "can_sign": bool(right)}
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


class DecisionFilterSet(ApiFilterSet):
    outcome = django_filters.ChoiceFilter(choices=DecisionOutcome.choices)
    proposal = django_filters.CharFilter(
        field_name="proposal__reference", help_text=gettext_lazy("Proposal reference.")
    )

    class Meta:
        model = Decision
        fields = ["outcome", "proposal"]


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
