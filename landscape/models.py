"""The fleet: the tools this organisation runs (a catalog solution as it is used here, with its
owners, lifecycle, lane, data and contract) and the integrations between them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.money import Currency
from core.text import validate_single_line


class Lifecycle(models.TextChoices):
    PILOT = "pilot", _("Pilot")
    ADOPTED = "adopted", _("Adopted")
    STANDARD = "standard", _("Standard")
    SUNSET = "sunset", _("Sunset")
    RETIRED = "retired", _("Retired")


# The moves a tool's lifecycle may make. Into `sunset` only through an approved retirement
# proposal; out of `retired` only through a new proposal's pilot or adoption.
LIFECYCLE_MOVES: dict[str, set[str]] = {
    Lifecycle.PILOT: {Lifecycle.ADOPTED, Lifecycle.RETIRED},
    Lifecycle.ADOPTED: {Lifecycle.STANDARD, Lifecycle.SUNSET},
    Lifecycle.STANDARD: {Lifecycle.ADOPTED, Lifecycle.SUNSET},
    Lifecycle.SUNSET: {Lifecycle.RETIRED, Lifecycle.ADOPTED},
    Lifecycle.RETIRED: {Lifecycle.PILOT, Lifecycle.ADOPTED},
}
# Tools that are part of the running landscape (the map, the impact of a removal).
LIVE_LIFECYCLES = [Lifecycle.PILOT, Lifecycle.ADOPTED, Lifecycle.STANDARD, Lifecycle.SUNSET]


class Lane(models.TextChoices):
    GOVERNED = "governed", _("Governed by IT")
    PLUG_IN = "plug_in", _("Plug-in lane")


class Classification(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    CONFIDENTIAL = "confidential", _("Confidential")
    RESTRICTED = "restricted", _("Restricted")


class Tool(models.Model):
    solution = models.OneToOneField(
        "vendors.Solution",
        on_delete=models.PROTECT,
        related_name="tool",
        verbose_name=_("solution"),
    )
    owner_department = models.ForeignKey(
        "stakeholders.Department",
        on_delete=models.PROTECT,
        related_name="tools",
        verbose_name=_("owner department"),
    )
    business_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tools_owned",
        verbose_name=_("business owner"),
    )
    it_steward = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tools_stewarded",
        verbose_name=_("IT steward"),
    )
    lifecycle = models.CharField(
        _("lifecycle"), max_length=10, choices=Lifecycle, default=Lifecycle.PILOT
    )
    lifecycle_changed_at = models.DateTimeField(_("lifecycle changed"), null=True, blank=True)
    lane = models.CharField(_("lane"), max_length=10, choices=Lane, default=Lane.GOVERNED)
    is_platform = models.BooleanField(
        _("integration platform"),
        default=False,
        help_text=_("The integration platform itself (iPaaS, ESB): flows through it are governed."),
    )
    seats = models.PositiveIntegerField(_("seats"), null=True, blank=True)
    personal_data = models.BooleanField(_("holds personal data"), default=False)
    classification = models.CharField(
        _("data classification"),
        max_length=12,
        choices=Classification,
        default=Classification.INTERNAL,
    )
    contract_start = models.DateField(_("contract start"), null=True, blank=True)
    term_months = models.PositiveSmallIntegerField(_("term (months)"), null=True, blank=True)
    notice_days = models.PositiveSmallIntegerField(_("notice period (days)"), null=True, blank=True)
    auto_renews = models.BooleanField(_("renews automatically"), default=False)
    yearly_cost = models.DecimalField(
        _("yearly cost"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency, default=Currency.EUR)
    retire_on = models.DateField(
        _("planned retirement"),
        null=True,
        blank=True,
        help_text=_("Set when a retirement is approved; the tool is retired on that day."),
    )
    # The life of a tool after adoption (decisions.services.schedule runs the rules on dates).
    shelfware_since = models.DateField(
        _("shelfware since"),
        null=True,
        blank=True,
        help_text=_(
            "Set when adoption stayed below the threshold for the months the rule asks; "
            "cleared when it recovers."
        ),
    )
    standard_since = models.DateTimeField(
        _("standard since"),
        null=True,
        blank=True,
        help_text=_("Set when the CDO makes the tool the standard for its category."),
    )
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["solution__name"]
        verbose_name = _("tool")
        verbose_name_plural = _("tools")
        constraints = [
            models.CheckConstraint(
                condition=Q(yearly_cost__isnull=True) | Q(yearly_cost__gte=0),
                name="tool_yearly_cost_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["owner_department", "lifecycle"], name="tool_owner_lifecycle"),
            models.Index(fields=["lifecycle", "retire_on"], name="tool_lifecycle_retire_on"),
        ]

    def __str__(self) -> str:
        return self.solution.name

    @property
    def name(self) -> str:
        return self.solution.name

    @property
    def is_live(self) -> bool:
        return self.lifecycle in LIVE_LIFECYCLES


class ToolLifecycleChange(models.Model):
    """Who moved a tool's lifecycle, when and why: the tool page's history."""

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="lifecycle_changes")
    from_lifecycle = models.CharField(max_length=10, choices=Lifecycle, blank=True)
    to_lifecycle = models.CharField(max_length=10, choices=Lifecycle)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("why"), max_length=500, blank=True)
    # The proposal behind the change (adoption, retirement), by reference: the landscape sits
    # below the workflow and does not know its models.
    proposal_reference = models.CharField(max_length=20, blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("lifecycle change")
        verbose_name_plural = _("lifecycle changes")
        indexes = [models.Index(fields=["tool", "-changed_at"], name="tool_change_tool_time")]

    def __str__(self) -> str:
        return f"{self.tool_id}: {self.from_lifecycle or '—'} → {self.to_lifecycle}"


class Method(models.TextChoices):
    API = "api", _("API")
    FILE = "file", _("File transfer")
    PLATFORM = "platform", _("Integration platform")
    MANUAL = "manual", _("Manual")


class Criticality(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Integration(models.Model):
    """Data flowing from one tool to another. Removed integrations are kept (history), marked."""

    source = models.ForeignKey(
        Tool, on_delete=models.PROTECT, related_name="flows_out", verbose_name=_("from")
    )
    target = models.ForeignKey(
        Tool, on_delete=models.PROTECT, related_name="flows_in", verbose_name=_("to")
    )
    data = models.CharField(_("data that flows"), max_length=200, validators=[validate_single_line])
    method = models.CharField(_("method"), max_length=10, choices=Method, default=Method.API)
    criticality = models.CharField(
        _("criticality"), max_length=10, choices=Criticality, default=Criticality.MEDIUM
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source__solution__name", "target__solution__name"]
        verbose_name = _("tool integration")
        verbose_name_plural = _("tool integrations")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "data"],
                condition=Q(removed_at__isnull=True),
                name="tool_integration_unique_live",
            ),
            models.CheckConstraint(
                condition=~Q(source=F("target")), name="tool_integration_not_self"
            ),
        ]
        indexes = [
            models.Index(
                fields=["source"], condition=Q(removed_at__isnull=True), name="tool_flow_out_live"
            ),
            models.Index(
                fields=["target"], condition=Q(removed_at__isnull=True), name="tool_flow_in_live"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}: {self.data}"

    @property
    def is_live(self) -> bool:
        return self.removed_at is None


class GuardrailKind(models.TextChoices):
    """The checks the code knows how to evaluate (landscape.guardrails); a guardrail names one."""

    SSO = "sso", _("Single sign-on through the company identity provider")
    NO_PERSONAL_DATA_OR_DPA = (
        "no_personal_data_or_dpa",
        _("No personal data, or a signed data-processing agreement"),
    )
    EU_DATA = "eu_data", _("Data stays in the EU")
    PLATFORM_ONLY = "platform_only", _("Connects only through the integration platform")
    YEARLY_COST_UNDER = "yearly_cost_under", _("Yearly cost under a threshold")
    CERTIFIED = "certified", _("ISO 27001 or SOC 2 certified")


class Guardrail(models.Model):
    """One of IT Operations' guardrails for the plug-in lane: a proposal for a new tool that
    meets every active guardrail needs no sign-off from IT (the guardrails stand for it), and
    its tool joins the fleet in the plug-in lane. Kept as data: IT Operations edits them in the
    admin and through the API; never deleted (the audit trail names them), deactivated."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120, validators=[validate_single_line])
    description = models.TextField(_("description"), blank=True, max_length=2000)
    kind = models.CharField(_("check"), max_length=30, choices=GuardrailKind)
    threshold = models.DecimalField(
        _("threshold"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("For a yearly cost check: the yearly cost must stay under this amount."),
    )
    currency = models.CharField(
        _("threshold currency"), max_length=3, choices=Currency, default=Currency.EUR
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("guardrail")
        verbose_name_plural = _("guardrails")
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__isnull=True) | Q(threshold__gte=0),
                name="guardrail_threshold_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind="yearly_cost_under") | Q(threshold__isnull=False),
                name="guardrail_cost_check_has_threshold",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CalendarFeed(models.Model):
    """A person's iCalendar feed of renewals (decisions.renewals.feed): one per user, reached by
    a secret URL for calendar apps, which send no session. Only the SHA-256 of the token is
    stored, as for API tokens; rotating replaces it, revoking stops it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"calendar feed of {self.user_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ToolUsage(models.Model):
    """How many people used a tool in one calendar month, as one source reports it (the usage
    API, a CSV export of a SaaS admin console, the admin). Several sources may report the same
    month; landscape.adoption reads the largest figure (see there)."""

    tool = models.ForeignKey(
        Tool, on_delete=models.CASCADE, related_name="usage", verbose_name=_("tool")
    )
    # The first day of the month the figures are for.
    month = models.DateField(_("month"))
    source = models.SlugField(
        _("source"),
        max_length=40,
        help_text=_("Where the figures come from: api, csv, admin, or the SaaS tool's name."),
    )
    active_users = models.PositiveIntegerField(_("active users"))
    licensed_seats = models.PositiveIntegerField(_("licensed seats"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["tool", "-month", "source"]
        verbose_name = _("tool usage")
        verbose_name_plural = _("tool usage")
        constraints = [
            # The idempotency key of POST /api/v1/usage/ and the CSV import.
            models.UniqueConstraint(
                fields=["tool", "month", "source"], name="tool_usage_unique_source_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="tool_usage_month_first_day"),
        ]
        indexes = [
            # adoption_latest/_many and adoption_trend: a tool's months, newest first.
            models.Index(fields=["tool", "-month"], name="tool_usage_tool_month"),
        ]

    def __str__(self) -> str:
        return f"{self.tool_id} {self.month:%Y-%m} {self.source}: {self.active_users}"
