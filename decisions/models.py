from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.money import MONEY, Currency
from core.templatetags.money import money_format
from core.text import validate_single_line
from decisions.tco import CostModel, TcoBreakdown, model_tco, tco_breakdown
from landscape.models import Lane
from stakeholders.models import ApprovalTier, Department, Role, StrategicGoal
from vendors.models import Category, PricingModel, Solution


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    AWAITING_DECISION = "awaiting_decision", _("Awaiting CDO decision")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    PILOTING = "piloting", _("Piloting")
    ADOPTED = "adopted", _("Adopted")
    RETIRED = "retired", _("Retired")


# States in which the requester may still edit the proposal.
EDITABLE_STATES = {ProposalStatus.DRAFT, ProposalStatus.CHANGES_REQUESTED}
# States in which a proposal is open: not decided yet (back with its requester included).
OPEN_STATES = {
    ProposalStatus.IN_REVIEW,
    ProposalStatus.AWAITING_DECISION,
    ProposalStatus.CHANGES_REQUESTED,
}
# States in which the departments or the CDO are deciding: what the sign-off matrix shows.
IN_FLIGHT_STATES = [ProposalStatus.IN_REVIEW, ProposalStatus.AWAITING_DECISION]
# States in which the money is committed: counted against the paying department's budget, and
# the tools the organisation has chosen for a category.
COMMITTED_STATES = [ProposalStatus.APPROVED, ProposalStatus.PILOTING, ProposalStatus.ADOPTED]
# States whose TCO counts towards the same vendor's 12-month total when a tier is chosen (no
# split purchases): everything committed or still being decided.
VENDOR_TOTAL_STATES = [*IN_FLIGHT_STATES, *COMMITTED_STATES]
# What the decision counts as in the dashboard's 90-day figures (withdrawals excluded).
DECIDED_STATES = [*COMMITTED_STATES, ProposalStatus.REJECTED, ProposalStatus.RETIRED]


# The state machine: every status change the services may make. Anything else is refused.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    ProposalStatus.DRAFT: {ProposalStatus.IN_REVIEW, ProposalStatus.WITHDRAWN},
    ProposalStatus.IN_REVIEW: {
        ProposalStatus.AWAITING_DECISION,
        ProposalStatus.APPROVED,
        ProposalStatus.REJECTED,
        ProposalStatus.CHANGES_REQUESTED,
        ProposalStatus.WITHDRAWN,
    },
    ProposalStatus.AWAITING_DECISION: {
        ProposalStatus.APPROVED,
        ProposalStatus.REJECTED,
        ProposalStatus.CHANGES_REQUESTED,
        ProposalStatus.WITHDRAWN,
    },
    ProposalStatus.CHANGES_REQUESTED: {ProposalStatus.IN_REVIEW, ProposalStatus.WITHDRAWN},
    ProposalStatus.APPROVED: {ProposalStatus.PILOTING, ProposalStatus.ADOPTED},
    ProposalStatus.PILOTING: {ProposalStatus.ADOPTED, ProposalStatus.RETIRED},
    ProposalStatus.ADOPTED: {ProposalStatus.RETIRED},
    ProposalStatus.REJECTED: set(),
    ProposalStatus.WITHDRAWN: set(),
    ProposalStatus.RETIRED: set(),
}


class ProposalKind(models.TextChoices):
    NEW = "new", _("New tool")
    RETIREMENT = "retirement", _("Retirement")
    RENEWAL = "renewal", _("Renewal")


class RenewalAction(models.TextChoices):
    """What a renewal proposal asks for the contract coming up for renewal."""

    RENEW = "renew", _("Renew")
    RENEGOTIATE = "renegotiate", _("Renegotiate")
    CANCEL = "cancel", pgettext_lazy("renewal action", "Cancel")  # end the contract


# Renewal actions that keep the tool under a new contract (a new term and yearly cost).
CONTINUING_RENEWALS = {RenewalAction.RENEW, RenewalAction.RENEGOTIATE}


class RecurringPeriod(models.TextChoices):
    MONTHLY = "monthly", _("per month")
    YEARLY = "yearly", _("per year")


class ExportFormat(models.TextChoices):
    """How our data leaves the tool when we leave it (blank: not answered)."""

    OPEN = "open", _("Open standard (CSV, JSON, a standard API)")
    PROPRIETARY = "proprietary", _("Proprietary format")
    NONE = "none", _("No export")


class LockInRating(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class ReferenceCounter(models.Model):
    """The last proposal number handed out in a year (TP-2026-0042); locked while incremented."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class TierRule(models.TextChoices):
    """What a proposal's tier was chosen on (kept instead of a sentence: decisions.pricing)."""

    TCO = "tco", _("Its TCO")
    VENDOR_12_MONTHS = "vendor_12_months", _("Its TCO plus the same vendor's last 12 months")


def tier_sentence(*, tco: Decimal, earlier: Decimal, tier_name: str) -> str:
    """Why a tier, in the active language: "TCO 41,300.00 EUR falls in tier “Medium”"."""
    values = {
        "tco": money_format(tco, settings.BASE_CURRENCY),
        "earlier": money_format(earlier, settings.BASE_CURRENCY),
        "tier": tier_name,
    }
    if earlier:
        return (
            gettext(
                "TCO %(tco)s plus %(earlier)s for the same vendor in the last 12 months "
                "falls in tier “%(tier)s”."
            )
            % values
        )
    return gettext("TCO %(tco)s falls in tier “%(tier)s”.") % values


class Proposal(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200, validators=[validate_single_line])
    status = models.CharField(
        _("status"), max_length=20, choices=ProposalStatus, default=ProposalStatus.DRAFT
    )
    # Why?
    problem = models.TextField(_("problem to solve"))
    rationale = models.TextField(_("why this tool"), blank=True)
    alternatives = models.TextField(_("alternatives considered"), blank=True)
    # Required when the category has a standard tool and this is another (decisions.rules).
    standard_why_not = models.TextField(
        _("why the standard tool does not serve"), blank=True, max_length=5000
    )
    # Who is buying? Who is paying?
    # `requester` is the person the proposal is for: its owner everywhere ("my proposals",
    # notifications, exports, the CDO's own proposal). `filed_by` is who filed it on their
    # behalf (an assistant for a manager); empty when the requester filed it themselves.
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals_filed",
        verbose_name=_("filed by"),
        help_text=_("Set when someone filed the proposal on the requester's behalf."),
    )
    requesting_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="requested_proposals",
        verbose_name=_("buying department"),
    )
    paying_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="paid_proposals",
        verbose_name=_("paying department"),
    )
    # Who is providing?
    solution = models.ForeignKey(
        Solution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("solution from the catalog"),
    )
    # What the proposal is about: a new tool (the default), or one of the fleet's tools to
    # retire or renew (landscape.Tool, named in `tool`).
    kind = models.CharField(
        _("kind"), max_length=12, choices=ProposalKind, default=ProposalKind.NEW
    )
    tool = models.ForeignKey(
        "landscape.Tool",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("tool"),
        help_text=_("The tool to retire or renew; for a new tool, the tool it became."),
    )
    retire_on = models.DateField(
        _("planned retirement day"),
        null=True,
        blank=True,
        help_text=_("A retirement proposal: the day the tool is switched off once approved."),
    )
    # A renewal (decisions.renewals): renew, renegotiate (the new term and yearly cost are
    # term_months and recurring_cost, yearly) or cancel, for the term ending on renewal_date.
    renewal_action = models.CharField(
        _("renewal action"), max_length=12, choices=RenewalAction, blank=True
    )
    renewal_date = models.DateField(
        _("renewal date"),
        null=True,
        blank=True,
        help_text=_("A renewal: the renewal date of the contract term it decides."),
    )
    new_vendor_name = models.CharField(
        _("new vendor"), max_length=150, blank=True, validators=[validate_single_line]
    )
    new_solution_name = models.CharField(
        _("new solution"), max_length=150, blank=True, validators=[validate_single_line]
    )
    category = models.CharField(_("category"), max_length=30, choices=Category)
    # Costs.
    currency = models.CharField(_("currency"), max_length=3, choices=Currency, default=Currency.EUR)
    one_off_cost = models.DecimalField(_("one-off cost"), default=Decimal("0"), **MONEY)
    recurring_cost = models.DecimalField(_("recurring cost"), default=Decimal("0"), **MONEY)
    recurring_period = models.CharField(
        _("recurring period"),
        max_length=10,
        choices=RecurringPeriod,
        default=RecurringPeriod.YEARLY,
    )
    term_months = models.PositiveSmallIntegerField(
        _("contract term (months)"),
        default=12,
        help_text=_("0 for no fixed term; the cost of ownership counts at least 12 months."),
    )
    seats = models.PositiveIntegerField(_("seats"), null=True, blank=True)
    # TCO by pricing model (decisions.tco): blank, the one-off and recurring costs above; a
    # model, its inputs below (in the proposal's currency), from which the costs above follow.
    cost_model = models.CharField(
        _("priced as"),
        max_length=20,
        choices=CostModel,
        blank=True,
        help_text=_("Leave empty to give the one-off and recurring costs yourself."),
    )
    seat_price = models.DecimalField(_("price per seat per month"), null=True, blank=True, **MONEY)
    seat_growth_pct = models.DecimalField(
        _("expected seat growth per year, in percent"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
    )
    usage_expected = models.PositiveIntegerField(
        _("expected usage per month"),
        null=True,
        blank=True,
        help_text=_("Units (calls, credits, users…) a month; for API / white-label, the volume."),
    )
    usage_high = models.PositiveIntegerField(
        _("high usage per month"),
        null=True,
        blank=True,
        help_text=_("A busy month's usage: the tier is chosen on it."),
    )
    unit_price = models.DecimalField(
        _("price per unit"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    build_cost = models.DecimalField(_("integration build cost"), null=True, blank=True, **MONEY)
    run_cost = models.DecimalField(_("run cost per year"), null=True, blank=True, **MONEY)
    licence_price = models.DecimalField(_("licence price"), null=True, blank=True, **MONEY)
    maintenance_pct = models.DecimalField(
        _("yearly maintenance, in percent of the licence"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
    )
    # People.
    employees_affected = models.PositiveIntegerField(_("employees affected"), default=0)
    end_user_involvement = models.TextField(_("how end users were involved"), blank=True)
    goals = models.ManyToManyField(
        StrategicGoal, through="ProposalGoal", blank=True, related_name="proposals"
    )
    integrates_with = models.ManyToManyField(
        Solution,
        blank=True,
        related_name="integrating_proposals",
        verbose_name=_("integrates with tools in use"),
    )
    integration_notes = models.TextField(_("integration notes"), blank=True)
    processes_personal_data = models.BooleanField(_("processes personal data"), default=False)
    personal_data_notes = models.TextField(_("personal data notes"), blank=True)
    # Lock-in and exit (decisions.lockin rates them): asked whenever the catalog solution is
    # priced on demand or by API / white-label, and may be answered for any proposal. Blank or
    # null: not answered.
    export_format = models.CharField(
        _("data export format"), max_length=12, choices=ExportFormat, blank=True
    )
    exit_clause = models.BooleanField(
        _("exit clause"),
        null=True,
        blank=True,
        help_text=_("Whether the contract lets us leave before its term ends."),
    )
    exit_notice_days = models.PositiveSmallIntegerField(
        _("exit notice (days)"), null=True, blank=True
    )
    proprietary_integrations = models.PositiveSmallIntegerField(
        _("proprietary integrations"),
        default=0,
        help_text=_("Integrations that only work with this vendor's tool."),
    )
    switching_cost = models.DecimalField(
        _("estimated switching cost"),
        null=True,
        blank=True,
        help_text=_("In the proposal's currency: migrating away, rebuilding integrations."),
        **MONEY,
    )
    # The plug-in lane's answers, checked against IT Operations' guardrails (the catalog's
    # facts win where the catalog has them: single sign-on, certifications, data location).
    dpa_signed = models.BooleanField(
        _("data-processing agreement signed"),
        default=False,
        help_text=_("The vendor has signed the company's data-processing agreement."),
    )
    sso = models.BooleanField(
        _("single sign-on"),
        default=False,
        help_text=_("People sign in through the company's identity provider."),
    )
    certified = models.BooleanField(
        _("ISO 27001 or SOC 2"), default=False, help_text=_("The vendor holds either.")
    )
    data_location = models.CharField(
        _("data location"),
        max_length=60,
        blank=True,
        validators=[validate_single_line],
        help_text=_("Where the data is held, e.g. EU, Germany."),
    )
    # Pilot.
    pilot_start = models.DateField(_("pilot start"), null=True, blank=True)
    pilot_end = models.DateField(_("pilot end"), null=True, blank=True)
    pilot_success_criteria = models.TextField(_("pilot success criteria"), blank=True)
    # A pilot extended by its review starts a new round (criteria, ratings and review per round).
    pilot_round = models.PositiveSmallIntegerField(_("pilot round"), default=1)
    # Fixed at submission: who decides, and why.
    round = models.PositiveSmallIntegerField(_("review round"), default=0)
    tier = models.ForeignKey(
        ApprovalTier, on_delete=models.PROTECT, null=True, blank=True, related_name="proposals"
    )
    tco = models.DecimalField(
        _("total cost of ownership"),
        null=True,
        blank=True,
        help_text=_("In the base currency, fixed at submission."),
        **MONEY,
    )
    tier_basis = models.DecimalField(
        _("amount the tier was chosen on"),
        null=True,
        blank=True,
        help_text=_("TCO plus the same vendor's proposals of the last 12 months."),
        **MONEY,
    )
    # Why this tier: the rule, with the amounts above and the tier, is the sentence that
    # `tier_reason` writes in the reader's language. A proposal submitted before the rule was kept
    # has the sentence it stored then (in English) and no rule.
    tier_rule = models.CharField(_("tier chosen on"), max_length=20, choices=TierRule, blank=True)
    tier_reason_text = models.TextField(_("why this tier"), blank=True)
    lane = models.CharField(
        _("lane"),
        max_length=10,
        choices=Lane,
        default=Lane.GOVERNED,
        help_text=_(
            "Plug-in: it met every guardrail at submission, and the guardrails stand for "
            "IT Operations' sign-off."
        ),
    )
    # The pricing model of the proposal's solution (blank: a vendor not in the catalog), copied
    # here so that the dashboard's spend by pricing model is one of ProposalCount's dimensions.
    # save() copies it when the solution is chosen; a trigger on the catalog (decisions.
    # readmodels) follows the solution's changes, whoever writes them.
    pricing_model = models.CharField(
        _("pricing model"), max_length=20, choices=PricingModel, blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        constraints = [
            models.CheckConstraint(
                condition=Q(one_off_cost__gte=0) & Q(recurring_cost__gte=0),
                name="proposal_costs_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(switching_cost__isnull=True) | Q(switching_cost__gte=0),
                name="proposal_switching_cost_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(solution__isnull=False) | ~Q(new_solution_name=""),
                name="proposal_names_a_solution",
            ),
            models.CheckConstraint(
                condition=Q(kind="new") | Q(tool__isnull=False),
                name="proposal_retirement_names_a_tool",
            ),
            models.CheckConstraint(
                condition=Q(pilot_start__isnull=True)
                | Q(pilot_end__isnull=True)
                | Q(pilot_end__gte=models.F("pilot_start")),
                name="proposal_pilot_dates_ordered",
            ),
        ]
        indexes = [
            # Dashboard and lists filter by status; "my proposals" by requester.
            models.Index(fields=["status", "submitted_at"], name="proposal_status_submitted"),
            models.Index(fields=["requester", "status"], name="proposal_requester_status"),
            # "My proposals" of someone who files on others' behalf; their drafts.
            models.Index(
                fields=["filed_by", "status"],
                condition=Q(filed_by__isnull=False),
                name="proposal_filed_by_status",
            ),
            # Spend per paying department.
            models.Index(fields=["paying_department", "status"], name="proposal_payer_status"),
            # The dashboard's 90-day figures: a window of decisions, read from the index alone.
            models.Index(
                fields=["decided_at"],
                include=[
                    "submitted_at",
                    "status",
                    "requesting_department",
                    "paying_department",
                    "tier",
                    "category",
                ],
                condition=Q(
                    submitted_at__isnull=False,
                    status__in=[str(status) for status in DECIDED_STATES],
                ),
                name="proposal_decided_window",
            ),
            # The API's list: newest first (and by last change), a page at a time.
            models.Index(fields=["created_at", "id"], name="proposal_created"),
            models.Index(fields=["updated_at", "id"], name="proposal_updated"),
            models.Index(fields=["title", "id"], name="proposal_title"),
            # ?kind=retirement: the few proposals that are not for a new tool.
            models.Index(
                fields=["kind", "created_at"], condition=~Q(kind="new"), name="proposal_kind"
            ),
            # The renewal calendar and reminders: a tool's renewals by term.
            models.Index(
                fields=["tool", "renewal_date"],
                condition=Q(kind="renewal"),
                name="proposal_renewal_term",
            ),
            # The sign-off matrix: what is in flight, oldest first.
            models.Index(
                fields=["submitted_at"],
                condition=Q(status__in=["in_review", "awaiting_decision"]),
                name="proposal_in_flight",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "solution" in update_fields:
            solution = self.solution if self.solution_id else None
            self.pricing_model = solution.pricing_model if solution is not None else ""
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "pricing_model"}
        super().save(*args, **kwargs)

    @property
    def tier_reason(self) -> str:
        """Why this tier, in the active language (reads `tier`: select it with the proposal)."""
        tier = self.tier if self.tier_id else None
        if self.tier_rule and tier and self.tco is not None and self.tier_basis is not None:
            earlier = self.tier_basis - self.tco
            if self.tier_rule == TierRule.TCO:
                earlier = Decimal("0")
            return tier_sentence(tco=self.tco, earlier=earlier, tier_name=tier.name)
        return self.tier_reason_text

    @property
    def provider_name(self) -> str:
        if self.solution_id:
            return str(self.solution)
        vendor = f" ({self.new_vendor_name})" if self.new_vendor_name else ""
        return f"{self.new_solution_name}{vendor}"

    @property
    def monthly_recurring(self) -> Decimal:
        if self.recurring_period == RecurringPeriod.YEARLY:
            return self.recurring_cost / 12
        return self.recurring_cost

    def compute_tco(self) -> Decimal:
        """One-off plus recurring over the term, never less than 12 months of recurring cost,
        so that on-demand pricing cannot slip under a tier threshold. In the proposal's currency.
        Priced by a model, the scenario that sets the tier (decisions.tco)."""
        if self.cost_model:
            return model_tco(self)
        months = max(self.term_months or 0, 12)
        return (self.one_off_cost + self.monthly_recurring * months).quantize(Decimal("0.01"))

    @property
    def tco_breakdown(self) -> TcoBreakdown:
        """The TCO line by line, in the proposal's currency and the active language."""
        return tco_breakdown(self)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATES


class ProposalCount(models.Model):
    """A read model: how many proposals there are, and their summed TCO, for each combination of
    the dashboard's dimensions. A few thousand rows however long the history: the dashboard's
    counts and spend read it instead of scanning every proposal.

    Kept by database triggers on decisions_proposal (decisions/readmodels.py installs them), so
    every write path counts — the services, the admin, bulk inserts, raw SQL — in the same
    transaction as the change. `manage.py rebuild_read_models` recomputes it from scratch.
    Absent values are 0 (no tier) and "" (no pricing model), so that the key is unique."""

    status = models.CharField(max_length=20, choices=ProposalStatus)
    requesting_department_id = models.BigIntegerField()
    paying_department_id = models.BigIntegerField()
    tier_id = models.BigIntegerField()
    category = models.CharField(max_length=30)
    pricing_model = models.CharField(max_length=20)
    n = models.BigIntegerField(default=0)
    tco = models.DecimalField(max_digits=24, decimal_places=2, default=Decimal("0"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "status",
                    "requesting_department_id",
                    "paying_department_id",
                    "tier_id",
                    "category",
                    "pricing_model",
                ],
                name="proposalcount_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.status}: {self.n}"


class DecisionDayCount(models.Model):
    """A read model: the decided proposals per day of decision (UTC), whole days from
    submission to decision, and whether the outcome was a rejection. The dashboard's 90-day
    figures add up these rows (a few thousand even at a thousand decisions a day) and read the
    proposals themselves only for the window's first, partial day and for the one-day band of
    cycle times that holds the median. Kept by triggers on decisions_proposal
    (decisions/readmodels.py), like ProposalCount."""

    decided_on = models.DateField()
    cycle_days = models.IntegerField()
    rejected = models.BooleanField()
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["decided_on", "cycle_days", "rejected"], name="decisionday_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.decided_on} +{self.cycle_days}d: {self.n}"


class PendingSignOffCount(models.Model):
    """A read model: how many sign-offs are pending per department and due date. As many rows as
    (department, due date) pairs with open work: the dashboard's overdue counts add up the
    rows due before today instead of counting every open sign-off. Kept by database triggers on
    decisions_signoff (decisions/readmodels.py), like ProposalCount."""

    department_id = models.BigIntegerField()
    due_on = models.DateField()
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department_id", "due_on"], name="pendingsignoff_key")
        ]

    def __str__(self) -> str:
        return f"{self.department_id} due {self.due_on}: {self.n}"


class CommittedSpendCount(models.Model):
    """A read model: the committed proposals (approved, piloting, adopted) per paying
    department, month their contract starts (UTC), term and currency, with their summed one-off
    costs (in that currency) and TCOs (base currency). decisions.budgets spreads each group over
    the fiscal years it falls in; a few thousand rows however long the history. Kept by
    triggers on decisions_proposal (decisions/readmodels.py), like ProposalCount."""

    paying_department_id = models.BigIntegerField()
    start_month = models.DateField()
    term_months = models.IntegerField()
    currency = models.CharField(max_length=3)
    n = models.BigIntegerField(default=0)
    one_off = models.DecimalField(max_digits=24, decimal_places=2, default=Decimal("0"))
    tco = models.DecimalField(max_digits=24, decimal_places=2, default=Decimal("0"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["paying_department_id", "start_month", "term_months", "currency"],
                name="committedspend_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.paying_department_id} from {self.start_month}: {self.n}"


class ProposalGoal(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="goal_links")
    goal = models.ForeignKey(StrategicGoal, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("how it serves the goal"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "goal"], name="proposal_goal_unique")
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} → {self.goal_id}"


class SignOffStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    CANCELLED = "cancelled", _("Cancelled")


class SignOff(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="signoffs")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="signoffs")
    round = models.PositiveSmallIntegerField(_("round"))
    required_role = models.CharField(_("required role"), max_length=10, choices=Role)
    status = models.CharField(
        _("status"), max_length=20, choices=SignOffStatus, default=SignOffStatus.PENDING
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signoffs",
    )
    answers = models.JSONField(_("checklist answers"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # Approved at submission by IT Operations' guardrails (the plug-in lane), not a reviewer.
    by_guardrails = models.BooleanField(_("satisfied by the guardrails"), default=False)
    # Consent mode, copied from the tier when the round starts (a tier edited in the admin does
    # not change a running round). `presumed`: approved because nobody objected by the due date.
    consent_mode = models.BooleanField(_("consent mode"), default=False)
    presumed = models.BooleanField(_("consent presumed"), default=False)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Set when a delegate signed for someone out of office."),
    )
    # Copied from the proposal when the round starts; neither changes while a round runs. The
    # queue and the dashboard then count open sign-offs from this table alone (an open
    # sign-off is always of a proposal in review, at its current round: the services cancel
    # the pending ones whenever a round ends).
    proposal_requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # Who filed the proposal on the requester's behalf, copied like proposal_requester: neither
    # of them signs it, not even as a delegate.
    proposal_filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    tco = models.DecimalField(_("TCO of the round"), null=True, blank=True, **MONEY)
    # Each step of the SLA is taken once: a task run twice, or after a restart, sends nothing
    # twice because it claims the step by setting its timestamp in a conditional UPDATE.
    notified_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_head_at = models.DateTimeField(null=True, blank=True)
    escalated_cdo_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["department__code"]
        verbose_name = _("sign-off")
        verbose_name_plural = _("sign-offs")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "department", "round"], name="signoff_one_per_department_round"
            ),
        ]
        indexes = [
            # The review queue: a department's open sign-offs, overdue first, with what the
            # queue filters on (role, limit, requester) in the index: counted without the table.
            models.Index(
                fields=["department", "due_on", "id"],
                include=["required_role", "tco", "proposal_requester", "proposal_filed_by"],
                condition=Q(status="pending"),
                name="signoff_open_queue",
            ),
            # The SLA task and the dashboard's overdue counts: open sign-offs by due date.
            models.Index(
                fields=["due_on"],
                include=["department"],
                condition=Q(status="pending"),
                name="signoff_pending_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal.reference} {self.department.code} r{self.round}"


class DecisionOutcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned for changes")


class Decision(models.Model):
    """The CDO's final decision on one round of a proposal."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="decisions")
    round = models.PositiveSmallIntegerField(_("round"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=DecisionOutcome)
    rationale = models.TextField(_("rationale"))
    conditions = models.TextField(_("conditions"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="decisions"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    # The scoring of the alternatives when the decision was taken (decisions.scoring), and
    # whether the proposed solution (the one decided on) ranked first; None: nothing scored.
    scoring = models.JSONField(_("scoring of the alternatives"), default=dict, blank=True)
    proposed_ranked_first = models.BooleanField(
        _("proposed solution ranked first"), null=True, blank=True
    )

    class Meta:
        ordering = ["-decided_at"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        permissions = [("decide_proposal", _("Can take the CDO's final decision"))]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "round"], name="decision_one_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal.reference}: {self.get_outcome_display()}"


class VoiceKind(models.TextChoices):
    ENDORSE = "endorse", _("I would use this")
    CONCERN = "concern", _("Concern")


class Voice(models.Model):
    """An employee's voice on a proposal in review: they would use the tool, or they have a
    concern (with its reason). One voice a person a proposal, which they may change or take
    back while the proposal is decided. A concern may be shown without the name; the audit
    trail keeps it."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="voices")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="voices"
    )
    kind = models.CharField(_("voice"), max_length=10, choices=VoiceKind)
    reason = models.TextField(_("why"), max_length=1000, blank=True)
    anonymous = models.BooleanField(_("show without my name"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("employee voice")
        verbose_name_plural = _("employee voices")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "person"], name="voice_one_per_person"),
            models.CheckConstraint(
                condition=~Q(kind="concern") | ~Q(reason=""), name="voice_concern_has_a_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.proposal_id}"


class Comment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    body = models.TextField(_("comment"), max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return f"{self.author} on {self.proposal_id}"


class NotificationKind(models.TextChoices):
    SIGNOFF_REQUESTED = "signoff_requested", _("Sign-off requested")
    REMINDER = "reminder", _("Sign-off overdue")
    ESCALATION = "escalation", _("Sign-off escalated")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    DECISION_NEEDED = "decision_needed", _("Decision needed")
    DECISION = "decision", _("Decision taken")
    PILOT = "pilot", _("Pilot")
    SHELFWARE = "shelfware", _("Unused tool")
    RENEWAL = "renewal", _("Renewal due")
    CONSENT = "consent", _("Consent presumed")
    ONBOARDING = "onboarding", _("Onboarding task")


class Notification(models.Model):
    """An in-app notification (the bell); the same message is also emailed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind)
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    message = models.CharField(_("message"), max_length=300)
    url = models.CharField(max_length=300, blank=True)
    # One notification per (user, key): a task that runs twice creates it once.
    dedupe_key = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["user", "dedupe_key"], name="notification_once"),
        ]
        # The bell's unread count and the list of a user's notifications.
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return f"{self.user}: {self.message}"


class RenewalReminder(models.Model):
    """A renewal reminder sent (decisions.renewals.reminders): one per tool, notice deadline and
    threshold (90, 30, 7 days before), claimed by its unique constraint so that two runs, or a
    run beside beat, send it once."""

    tool = models.ForeignKey("landscape.Tool", on_delete=models.CASCADE, related_name="+")
    notice_deadline = models.DateField(_("notice deadline"))
    days_before = models.PositiveSmallIntegerField(_("days before the deadline"))
    sent_on = models.DateField(_("sent on"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("renewal reminder")
        verbose_name_plural = _("renewal reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["tool", "notice_deadline", "days_before"], name="renewal_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tool_id} {self.notice_deadline} -{self.days_before}d"


class ShelfwareFlag(models.Model):
    """A tool flagged as unused by the Yammer rule (decisions.services.shelfware): its adoption
    stayed below the threshold for the months the rule asks. It holds the figures that made the
    rule fire and the retirement proposal drafted for the owner; it ends dismissed (the owner
    keeps the tool, with a reason) or cleared (adoption recovered)."""

    tool = models.ForeignKey(
        "landscape.Tool",
        on_delete=models.CASCADE,
        related_name="shelfware_flags",
        verbose_name=_("tool"),
    )
    flagged_on = models.DateField(_("flagged on"))
    # [{"month": "2026-07", "active_users": 12, "promised_users": 400, "adoption": "0.0300"}]
    months = models.JSONField(_("months below the threshold"), default=list)
    threshold = models.DecimalField(_("threshold"), max_digits=5, decimal_places=4)
    retirement = models.ForeignKey(
        Proposal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("retirement proposal drafted"),
    )
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dismissed by"),
    )
    dismissed_at = models.DateTimeField(_("dismissed"), null=True, blank=True)
    dismiss_reason = models.TextField(_("why it stays"), blank=True, max_length=2000)
    cleared_on = models.DateField(
        _("cleared on"), null=True, blank=True, help_text=_("When adoption recovered.")
    )

    class Meta:
        ordering = ["-flagged_on", "-pk"]
        verbose_name = _("unused-tool flag")
        verbose_name_plural = _("unused-tool flags")
        constraints = [
            # One open flag per tool: a second run of the rule, even a concurrent one, cannot
            # flag (and draft a retirement for) the same tool twice.
            models.UniqueConstraint(
                fields=["tool"],
                condition=Q(dismissed_at__isnull=True, cleared_on__isnull=True),
                name="shelfware_flag_one_open_per_tool",
            ),
        ]
        # A tool's flags, newest first (the rule's dismissal check, the tool page).
        indexes = [models.Index(fields=["tool", "-flagged_on"], name="shelfware_flag_tool")]

    def __str__(self) -> str:
        return f"{self.tool_id} {self.flagged_on}"

    @property
    def is_open(self) -> bool:
        return self.dismissed_at is None and self.cleared_on is None

    @property
    def last_month(self) -> str:
        return str(self.months[-1]["month"]) if self.months else ""


# The pilot's criteria, participants, ratings and keep/extend/stop review (decisions.pilots).
# The decision-to-implementation handoff: onboarding templates and tasks (decisions.handoff).
from decisions.handoff_models import *  # noqa: E402, F403
from decisions.pilot_models import *  # noqa: E402, F403

# The vendor risk questionnaire's questions and answers (decisions.risk).
from decisions.risk_models import *  # noqa: E402, F403

# Weighted scoring of a proposal's alternatives (decisions.scoring).
from decisions.scoring_models import *  # noqa: E402, F403
