"""The API's representations of the workflow: output serializers that render proposals,
sign-offs and decisions, and input serializers that parse what clients send (the rules
themselves live in decisions.rules and the services)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import (
    DefaultLanguageCharField,
    DefaultLanguageModelSerializer,
    MoneySerializer,
    StrictCharField,
    StrictInputSerializer,
    UserRefSerializer,
    money,
)
from core.i18n import DEFAULT_LANGUAGE
from core.money import MAX_AMOUNT
from decisions.consent import dissent_log, is_objection, presumed_on
from decisions.dmu import WhoDecides, who_decides
from decisions.lockin import LockIn
from decisions.models import (
    Decision,
    DecisionOutcome,
    ExportFormat,
    LockInRating,
    Proposal,
    ProposalKind,
    RecurringPeriod,
    RenewalAction,
    SignOff,
    SignOffStatus,
    VoiceKind,
)
from decisions.rules import COST_FIELDS, proposal_errors, standard_in_the_way
from decisions.services import PROPOSAL_FIELDS
from decisions.tco import MAX_USAGE, CostModel, Scenario, TcoBreakdown
from decisions.voices import voice_summary
from landscape.models import Lane, Tool
from stakeholders.models import ApprovalTier, ChecklistQuestion, Department, Role, StrategicGoal
from stakeholders.serializers import DepartmentRefSerializer
from vendors.models import Category, Solution

# --------------------------------------------------------------------------------------------
# Output


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


class TierSerializer(DefaultLanguageModelSerializer):
    class Meta:
        model = ApprovalTier
        fields = ["id", "name", "signoff_role", "cdo_decision_required", "sla_days", "consent_mode"]


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
    consent_mode = serializers.BooleanField(
        read_only=True,
        help_text=gettext_lazy(
            "The tier's consent mode, fixed for the round: silence by the due date is consent."
        ),
    )
    presumed = serializers.BooleanField(
        read_only=True,
        help_text=gettext_lazy(
            "Approved because nobody objected by the due date (consent mode); no reviewer."
        ),
    )
    presumed_on = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Consent mode: the day the consent is (or was) presumed unless the department "
            "objects by the due date; null otherwise."
        )
    )
    objection = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Consent mode: a rejection or request for changes, which goes to the dissent log "
            "and the CDO instead of ending the round."
        )
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
            "by_guardrails",
            "due_on",
            "created_at",
            "decided_at",
            "consent_mode",
            "presumed",
            "presumed_on",
            "objection",
        ]

    def get_presumed_on(self, signoff: SignOff) -> dt.date | None:
        return presumed_on(signoff)

    def get_objection(self, signoff: SignOff) -> bool:
        return is_objection(signoff)


class ChecklistQuestionSerializer(DefaultLanguageModelSerializer):
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
    def get_checklist(self, signoff: SignOff) -> Any:
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
            "proposed_ranked_first",
        ]
        extra_kwargs = {
            "proposed_ranked_first": {
                "help_text": gettext_lazy(
                    "Whether the proposed solution ranked first in the scoring of the "
                    "alternatives when the decision was taken; null: nothing was scored."
                )
            }
        }


class DecisionInProposalSerializer(DecisionSerializer):
    class Meta(DecisionSerializer.Meta):
        fields = [f for f in DecisionSerializer.Meta.fields if f != "proposal"]


class SignOffInProposalSerializer(SignOffSerializer):
    class Meta(SignOffSerializer.Meta):
        fields = [f for f in SignOffSerializer.Meta.fields if f != "proposal"]


class GoalLinkSerializer(serializers.Serializer):
    code = serializers.CharField(source="goal.code")
    title = DefaultLanguageCharField(source="goal.title")
    note = serializers.CharField()


class DeciderSerializer(serializers.Serializer):
    department = DepartmentRefSerializer()
    required_role = serializers.ChoiceField(choices=Role.choices)
    status = serializers.ChoiceField(choices=SignOffStatus.choices, allow_null=True)
    by_guardrails = serializers.BooleanField(
        help_text=gettext_lazy("The plug-in lane: IT Operations' guardrails sign for it.")
    )


class GuardrailCheckSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    passed = serializers.BooleanField()
    why = serializers.CharField()

    def to_representation(self, instance: Any) -> Any:
        return instance.as_dict()


class LockInSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=LockInRating.choices)
    reasons = serializers.ListField(
        child=serializers.CharField(),
        help_text=gettext_lazy("What the rating's points were given for."),
    )


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
    consent_mode = serializers.BooleanField(
        help_text=gettext_lazy(
            "Consent mode: a department that does not object by its due date is presumed to "
            "approve; an objection goes to the dissent log and the CDO decides."
        )
    )
    lane = serializers.ChoiceField(
        choices=Lane.choices,
        help_text=gettext_lazy(
            "plug_in: the proposal meets every guardrail of IT Operations, which then need "
            "not sign; governed otherwise."
        ),
    )
    guardrails = GuardrailCheckSerializer(
        many=True,
        help_text=gettext_lazy(
            "A draft's preview: each active guardrail, passed or not, and why (empty once "
            "submitted: the audit trail keeps what was checked)."
        ),
    )


def _base_money(amount) -> dict | None:
    return money(amount, settings.BASE_CURRENCY)


class TcoLineSerializer(serializers.Serializer):
    text = serializers.CharField(help_text=gettext_lazy("The line, in the default language."))
    amount = MoneySerializer()
    scenario = serializers.ChoiceField(
        choices=Scenario.choices,
        allow_blank=True,
        help_text=gettext_lazy("Blank: the line counts in every scenario."),
    )


class TcoBreakdownSerializer(serializers.Serializer):
    """A proposal's TCO line by line, in its currency (decisions.tco), read-only."""

    cost_model = serializers.ChoiceField(
        choices=CostModel.choices,
        allow_blank=True,
        help_text=gettext_lazy("Blank: one-off and recurring costs."),
    )
    months = serializers.IntegerField(
        help_text=gettext_lazy("The months counted: the term, at least 12.")
    )
    floor_applied = serializers.BooleanField(
        help_text=gettext_lazy("The term is shorter than 12 months, so 12 are counted.")
    )
    lines = TcoLineSerializer(many=True)
    expected = MoneySerializer(help_text=gettext_lazy("The TCO in the expected scenario."))
    high = MoneySerializer(
        allow_null=True,
        help_text=gettext_lazy("The TCO in the high scenario (usage pricing); null otherwise."),
    )
    tier_scenario = serializers.ChoiceField(
        choices=Scenario.choices, help_text=gettext_lazy("The scenario that sets the tier.")
    )


def _model_amount(help_text: Any, *, decimal_places: int = 2) -> serializers.DecimalField:
    """An optional, non-negative input of a pricing model (decisions.tco), in the proposal's
    currency."""
    return serializers.DecimalField(
        max_digits=14, decimal_places=decimal_places, min_value=0, required=False,
        allow_null=True, help_text=help_text,
    )  # fmt: skip


def _model_percent(help_text: Any) -> serializers.DecimalField:
    """An optional percentage input of a pricing model (decisions.tco), 0 to 100."""
    return serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False,
        allow_null=True, help_text=help_text,
    )  # fmt: skip


def tco_breakdown_data(breakdown: TcoBreakdown) -> dict:
    currency = breakdown.currency
    return {
        "cost_model": breakdown.cost_model,
        "months": breakdown.months,
        "floor_applied": breakdown.floor_applied,
        "lines": [
            {"text": line.label, "amount": money(line.amount, currency), "scenario": line.scenario}
            for line in breakdown.lines
        ],
        "expected": money(breakdown.expected, currency),
        "high": money(breakdown.high, currency),
        "tier_scenario": breakdown.tier_scenario,
    }


class ProposalSerializer(serializers.ModelSerializer):
    """A proposal as lists show it."""

    requester = UserRefSerializer(
        help_text=gettext_lazy("The person the proposal is for: its owner.")
    )
    filed_by = UserRefSerializer(
        allow_null=True,
        help_text=gettext_lazy(
            "Who filed it on the requester's behalf (an assistant for a manager); null when "
            "the requester filed it."
        ),
    )
    requesting_department = DepartmentRefSerializer()
    paying_department = DepartmentRefSerializer()
    solution = SolutionRefSerializer(allow_null=True)
    provider_name = serializers.CharField()
    # Written from the rule submission kept (Proposal.tier_reason), in the default language as
    # the rest of the API's data; declared as the stored text was, so the schema is the same.
    tier_reason = DefaultLanguageCharField(
        allow_blank=True,
        required=False,
        label=capfirst(Proposal._meta.get_field("tier_reason_text").verbose_name),
        style={"base_template": "textarea.html"},
    )
    one_off_cost = serializers.SerializerMethodField()
    recurring_cost = serializers.SerializerMethodField()
    tco = serializers.SerializerMethodField(
        help_text=gettext_lazy("Total cost of ownership in the base currency, fixed at submission.")
    )
    tier_basis = serializers.SerializerMethodField()
    estimated_tco = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "The TCO from the current costs, in the proposal's currency; null when they give "
            "one too large to record."
        )
    )
    tier = TierSerializer(allow_null=True)

    class Meta:
        model = Proposal
        fields = [
            "reference",
            "title",
            "status",
            "kind",
            "tool",
            "retire_on",
            "renewal_action",
            "renewal_date",
            "requester",
            "filed_by",
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
            "cost_model",
            "seat_price",
            "seat_growth_pct",
            "usage_expected",
            "usage_high",
            "unit_price",
            "build_cost",
            "run_cost",
            "licence_price",
            "maintenance_pct",
            "employees_affected",
            "processes_personal_data",
            "lane",
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

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_estimated_tco(self, p: Proposal) -> dict | None:
        # Null when the costs give a TCO too large to record: submitting it is refused too.
        tco = p.compute_tco()
        return money(tco, p.currency) if tco <= MAX_AMOUNT else None


class ConcernSerializer(serializers.Serializer):
    reason = serializers.CharField()
    by = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("Null when shown without the name.")
    )
    at = serializers.DateTimeField()


class VoiceSummarySerializer(serializers.Serializer):
    endorsements = serializers.IntegerField(help_text=gettext_lazy("Employees who would use it."))
    concerns = ConcernSerializer(many=True)


class VoiceInputSerializer(StrictInputSerializer):
    kind = serializers.ChoiceField(choices=VoiceKind.choices)
    reason = StrictCharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Required for a concern."),
    )
    anonymous = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy("Show it without your name (the audit trail keeps it)."),
    )


class CategoryStandardSerializer(serializers.Serializer):
    tool = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="solution.name")
    vendor = serializers.CharField(source="solution.vendor.name")
    standard_since = serializers.DateTimeField()


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
    category_standard = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "The standard tool of the proposal's category when the proposal is for another "
            "tool (then `standard_why_not` is required); null otherwise."
        )
    )
    switching_cost = serializers.SerializerMethodField(
        help_text=gettext_lazy("The estimated cost of leaving, in the proposal's currency.")
    )
    voice = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Employee voice: how many would use it, and the concerns raised (with the name, "
            "unless shown without it)."
        )
    )
    tco_breakdown = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "The TCO line by line from the current costs, in the proposal's currency, and the "
            "scenario that sets the tier (read-only); null when the costs are too large to be "
            "recorded (who_decides.reason says why)."
        )
    )
    dissent = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "The dissent log (consent mode): every objection of every round, oldest first, "
            "with its reason."
        )
    )
    lock_in = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "The lock-in rating and its reasons; null when the pricing model is neither on "
            "demand nor API / white-label and no lock-in question was answered. A high rating "
            "asks the IT Operations head to sign."
        )
    )

    class Meta(ProposalSerializer.Meta):
        fields = [
            *ProposalSerializer.Meta.fields,
            "problem",
            "rationale",
            "alternatives",
            "category_standard",
            "standard_why_not",
            "end_user_involvement",
            "goals",
            "integrates_with",
            "integration_notes",
            "personal_data_notes",
            "dpa_signed",
            "sso",
            "certified",
            "data_location",
            "pilot_start",
            "pilot_end",
            "pilot_success_criteria",
            "signoffs",
            "earlier_signoffs",
            "decision",
            "decisions",
            "who_decides",
            "export_format",
            "exit_clause",
            "exit_notice_days",
            "proprietary_integrations",
            "switching_cost",
            "lock_in",
            "voice",
            "tco_breakdown",
            "dissent",
        ]

    @extend_schema_field(TcoBreakdownSerializer(allow_null=True))
    def get_tco_breakdown(self, p: Proposal) -> dict | None:
        breakdown = p.tco_breakdown
        amounts = [line.amount for line in breakdown.lines] + [breakdown.expected, breakdown.high]
        if any(amount is not None and abs(amount) > MAX_AMOUNT for amount in amounts):
            # Costs too large to record (a draft's; submitting it is refused): no breakdown,
            # who_decides.reason says why.
            return None
        # The lines' labels in the default language, as the API's other texts.
        with translation.override(DEFAULT_LANGUAGE):
            return tco_breakdown_data(breakdown)

    @extend_schema_field(SignOffInProposalSerializer(many=True))
    def get_dissent(self, p: Proposal) -> Any:
        return SignOffInProposalSerializer(dissent_log(p.signoffs.all()), many=True).data

    @extend_schema_field(VoiceSummarySerializer)
    def get_voice(self, p: Proposal) -> Any:
        return VoiceSummarySerializer(voice_summary(p)).data

    @extend_schema_field(SignOffInProposalSerializer(many=True))
    def get_signoffs(self, p: Proposal) -> Any:
        current = [s for s in p.signoffs.all() if s.round == p.round]
        return SignOffInProposalSerializer(current, many=True).data

    @extend_schema_field(SignOffInProposalSerializer(many=True))
    def get_earlier_signoffs(self, p: Proposal) -> Any:
        earlier = [s for s in p.signoffs.all() if s.round != p.round]
        return SignOffInProposalSerializer(earlier, many=True).data

    @extend_schema_field(DecisionInProposalSerializer(allow_null=True))
    def get_decision(self, p: Proposal) -> dict | None:
        current = next((d for d in p.decisions.all() if d.round == p.round), None)
        return DecisionInProposalSerializer(current).data if current else None

    @extend_schema_field(CategoryStandardSerializer(allow_null=True))
    def get_category_standard(self, p: Proposal) -> dict | None:
        standard = standard_in_the_way(p)
        return CategoryStandardSerializer(standard).data if standard is not None else None

    @extend_schema_field(WhoDecidesSerializer)
    def get_who_decides(self, p: Proposal) -> dict:
        return self._who_decides(p)

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_switching_cost(self, p: Proposal) -> dict | None:
        return money(p.switching_cost, p.currency)

    @extend_schema_field(LockInSerializer(allow_null=True))
    def get_lock_in(self, p: Proposal) -> dict | None:
        lock_in: LockIn | None = self._who_decides_of(p).lock_in
        return LockInSerializer(lock_in).data if lock_in is not None else None

    def _who_decides_of(self, p: Proposal) -> WhoDecides:
        # Both who_decides and lock_in read it: assessed once per proposal (a tier query).
        cache: dict[int, WhoDecides] = self.__dict__.setdefault("_who_decides_cache", {})
        if p.pk not in cache:
            cache[p.pk] = who_decides(proposal=p)
        return cache[p.pk]

    def _who_decides(self, p: Proposal) -> dict:
        return WhoDecidesSerializer(self._who_decides_of(p)).data


# --------------------------------------------------------------------------------------------
# Input


class GoalInputSerializer(StrictInputSerializer):
    goal = serializers.SlugRelatedField(
        slug_field="code", queryset=StrategicGoal.objects.filter(is_active=True)
    )
    note = StrictCharField(
        max_length=300, required=False, allow_blank=True, default="", single_line=True
    )


TEXT_LIMIT = 10_000
# Ten years: a longer notice is a typing mistake (the column holds up to 32767).
MAX_EXIT_NOTICE_DAYS_INPUT = 3650


class ProposalInputSerializer(StrictInputSerializer):
    """A draft's fields. On PATCH every field is optional; the result must still be a whole
    proposal (a solution or a new one named, a category, ordered pilot dates)."""

    kind = serializers.ChoiceField(
        choices=ProposalKind.choices,
        required=False,
        help_text=gettext_lazy(
            "new (the default): a tool to buy; retirement: retire `tool` from the landscape "
            "(its owners and the owners of every tool that depends on it sign); renewal: "
            "renew, renegotiate or cancel `tool`'s contract (renewal_action)."
        ),
    )
    tool = serializers.PrimaryKeyRelatedField(
        queryset=Tool.objects.select_related("solution"),
        required=False,
        allow_null=True,
        help_text=gettext_lazy("The landscape tool to retire or renew (GET /api/v1/tools/)."),
    )
    retire_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("A retirement: the day the tool is switched off once approved."),
    )
    renewal_action = serializers.ChoiceField(
        choices=RenewalAction.choices,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy(
            "A renewal of `tool`'s contract: renew or renegotiate (the new term is term_months, "
            "the new yearly cost recurring_cost) or cancel (the tool retires on the renewal "
            "date). Opened before the notice deadline, by the tool's owners."
        ),
    )
    title = StrictCharField(max_length=200, single_line=True)
    problem = StrictCharField(max_length=TEXT_LIMIT)
    rationale = StrictCharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    alternatives = StrictCharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    standard_why_not = StrictCharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy(
            "Why the category's standard tool does not serve (GET /api/v1/standards/): "
            "required when the category has a standard and this proposal is for another tool."
        ),
    )
    requesting_department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.filter(is_active=True)
    )
    on_behalf_of = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "On creation only: the username of the person you file it for, a member of the "
            "buying department as you are. They become its requester, you its filed_by."
        ),
    )
    paying_department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.filter(is_active=True)
    )
    solution = serializers.PrimaryKeyRelatedField(
        queryset=Solution.objects.filter(is_deleted=False), required=False, allow_null=True
    )
    new_vendor_name = StrictCharField(
        max_length=150, required=False, allow_blank=True, single_line=True
    )
    new_solution_name = StrictCharField(
        max_length=150, required=False, allow_blank=True, single_line=True
    )
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    one_off_cost = MoneySerializer(required=False)
    recurring_cost = MoneySerializer(required=False)
    recurring_period = serializers.ChoiceField(choices=RecurringPeriod.choices, required=False)
    term_months = serializers.IntegerField(min_value=0, max_value=600, required=False)
    seats = serializers.IntegerField(
        min_value=0, max_value=10_000_000, required=False, allow_null=True
    )
    cost_model = serializers.ChoiceField(
        choices=CostModel.choices,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy(
            "TCO by pricing model: blank (the default) for one-off and recurring costs; "
            "otherwise that model's inputs below, in the proposal's currency, give the TCO, and "
            "one_off_cost and recurring_cost (yearly) follow from them."
        ),
    )
    seat_price = _model_amount(
        gettext_lazy("per_seat: the price per seat per month (seats: the seats).")
    )
    seat_growth_pct = _model_percent(
        gettext_lazy("per_seat: the expected seat growth per year, in percent.")
    )
    usage_expected = serializers.IntegerField(
        min_value=0,
        max_value=MAX_USAGE,
        required=False,
        allow_null=True,
        help_text=gettext_lazy("on_demand and api: the expected usage (volume) per month."),
    )
    usage_high = serializers.IntegerField(
        min_value=0,
        max_value=MAX_USAGE,
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "on_demand (required) and api: a busy month's usage; the tier is chosen on it."
        ),
    )
    unit_price = _model_amount(
        gettext_lazy("on_demand and api: the price per unit of usage."), decimal_places=4
    )
    build_cost = _model_amount(gettext_lazy("api: the one-off integration build cost."))
    run_cost = _model_amount(gettext_lazy("api: the run cost per year."))
    licence_price = _model_amount(gettext_lazy("perpetual: the licence price (one-off)."))
    maintenance_pct = _model_percent(
        gettext_lazy("perpetual: the yearly maintenance, in percent of the licence.")
    )
    employees_affected = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False)
    end_user_involvement = StrictCharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    integration_notes = StrictCharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    processes_personal_data = serializers.BooleanField(required=False)
    personal_data_notes = StrictCharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    dpa_signed = serializers.BooleanField(
        required=False,
        help_text=gettext_lazy("The vendor signed the company's data-processing agreement."),
    )
    sso = serializers.BooleanField(
        required=False,
        help_text=gettext_lazy(
            "People sign in through the company's identity provider (the catalog's answer "
            "wins for a catalog solution)."
        ),
    )
    certified = serializers.BooleanField(
        required=False,
        help_text=gettext_lazy(
            "The vendor holds ISO 27001 or SOC 2 (the catalog's answer wins for a catalog "
            "solution)."
        ),
    )
    data_location = StrictCharField(
        max_length=60,
        required=False,
        allow_blank=True,
        single_line=True,
        help_text=gettext_lazy("Where the data is held, e.g. EU (the catalog's wins if known)."),
    )
    pilot_start = serializers.DateField(required=False, allow_null=True)
    pilot_end = serializers.DateField(required=False, allow_null=True)
    pilot_success_criteria = StrictCharField(
        max_length=TEXT_LIMIT, required=False, allow_blank=True
    )
    export_format = serializers.ChoiceField(
        choices=ExportFormat.choices,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy(
            "Lock-in and exit (asked when the solution is priced on demand or by API / "
            "white-label; unanswered, it counts against the offer): how our data leaves the "
            "tool. Blank: not answered."
        ),
    )
    exit_clause = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "Whether the contract lets us leave before its term ends; null: not answered."
        ),
    )
    exit_notice_days = serializers.IntegerField(
        min_value=0,
        max_value=MAX_EXIT_NOTICE_DAYS_INPUT,
        required=False,
        allow_null=True,
        help_text=gettext_lazy("The notice the exit clause asks, in days."),
    )
    proprietary_integrations = serializers.IntegerField(
        min_value=0,
        max_value=1000,
        required=False,
        help_text=gettext_lazy("How many integrations only work with this vendor's tool."),
    )
    switching_cost = MoneySerializer(
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "The estimated cost of leaving (migration, rebuilt integrations), in the same "
            "currency as the costs; null: not estimated."
        ),
    )
    goals = GoalInputSerializer(many=True, required=False)
    integrates_with = serializers.PrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=Solution.objects.filter(in_use=True, is_deleted=False),
        help_text=gettext_lazy("Ids of solutions in use that this tool integrates with."),
    )

    def validate_on_behalf_of(self, person):
        if self.context.get("proposal") is not None:
            raise serializers.ValidationError(_("Whom a proposal is for is set when it is filed."))
        return person

    def validate(self, attrs):
        proposal: Proposal | None = self.context.get("proposal")

        def current(name, default=None):
            if name in attrs:
                return attrs[name]
            return getattr(proposal, name) if proposal is not None else default

        errors: dict[str, list[str]] = {}
        costs = {k: attrs.pop(k) for k in COST_FIELDS if k in attrs}
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
        errors.update(self._switching_cost_in_currency(attrs, proposal, current("currency")))
        if errors:
            raise serializers.ValidationError(errors)
        # The whole-proposal rules (decisions.rules) on the proposal as it would be; costs are
        # Money objects here, so their errors name the amount.
        candidate = Proposal(**{f: current(f) for f in PROPOSAL_FIELDS if current(f) is not None})
        for name, message in proposal_errors(candidate).items():
            money_field = name in (*COST_FIELDS, "switching_cost")
            errors[f"{name}.amount" if money_field else name] = [message]
        if errors:
            raise serializers.ValidationError(errors)
        if candidate.category and not current("category"):
            attrs["category"] = candidate.category  # taken from the catalog solution
        if candidate.kind != ProposalKind.NEW and candidate.solution_id:
            attrs["solution"] = candidate.solution  # the retired tool's
        return attrs

    @staticmethod
    def _switching_cost_in_currency(
        attrs: dict, proposal: Proposal | None, currency: str | None
    ) -> dict[str, list[str]]:
        """The switching cost is stored as an amount in the proposal's currency, like its costs:
        a money object in another currency, or costs changing currency without it, is refused."""
        currency = currency or Proposal._meta.get_field("currency").get_default()
        switching = attrs.get("switching_cost")
        if switching is not None:
            attrs["switching_cost"] = switching["amount"]
            if switching["currency"] != currency:
                message = _("The switching cost must be in the proposal's currency, %(currency)s.")
                return {"switching_cost.currency": [message % {"currency": currency}]}
        elif (
            "switching_cost" not in attrs
            and proposal is not None
            and proposal.switching_cost is not None
            and currency != proposal.currency
        ):
            message = _("The costs change currency: send the switching cost in %(currency)s too.")
            return {"switching_cost.currency": [message % {"currency": currency}]}
        return {}

    def service_kwargs(self) -> dict:
        data = dict(self.validated_data)
        goals = data.pop("goals", None)
        integrates_with = data.pop("integrates_with", None)
        return {
            "data": {k: v for k, v in data.items() if k in PROPOSAL_FIELDS},
            "goals": {g["goal"]: g.get("note", "") for g in goals} if goals is not None else None,
            "integrates_with": integrates_with,
            **({"on_behalf_of": data["on_behalf_of"]} if data.get("on_behalf_of") else {}),
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
