from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fiscal import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR
from core.money import MONEY, Currency
from core.text import validate_single_line


class Department(models.Model):
    code = models.CharField(
        _("code"), max_length=12, unique=True, help_text=_("For example HR, IT, MKT.")
    )
    name = models.CharField(_("name"), max_length=100, validators=[validate_single_line])
    annual_budget = models.DecimalField(
        _("annual budget"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency, default=Currency.EUR)
    signoff_required = models.BooleanField(
        _("sign-off required"),
        default=False,
        help_text=_("Every proposal needs this department's sign-off."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.CheckConstraint(
                condition=Q(annual_budget__gte=0), name="department_budget_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class DepartmentBudget(models.Model):
    """A department's budget for one fiscal year (core.fiscal), in its own currency; compared
    in the base currency. A year without a row falls back to Department.annual_budget (the
    standing yearly budget): decisions.budgets reads both. Kept simple (department, fiscal
    year, amount, currency) so that budgets can be loaded from a spreadsheet."""

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="budgets", verbose_name=_("department")
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"),
        validators=[MinValueValidator(FIRST_FISCAL_YEAR), MaxValueValidator(LAST_FISCAL_YEAR)],
        help_text=_("The calendar year the fiscal year starts in."),
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency, default=Currency.EUR)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-fiscal_year", "department__code"]
        verbose_name = _("department budget")
        verbose_name_plural = _("department budgets")
        constraints = [
            # One budget per department and year; also the index the year's budgets are read by.
            models.UniqueConstraint(
                fields=["department", "fiscal_year"], name="department_budget_per_year"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="department_budget_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=FIRST_FISCAL_YEAR, fiscal_year__lte=LAST_FISCAL_YEAR),
                name="department_budget_year_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department.code} {self.fiscal_year}"


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer (read-only)")
    MEMBER = "member", _("Member")
    REVIEWER = "reviewer", _("Reviewer")
    HEAD = "head", _("Head")


ROLE_RANK = {Role.VIEWER: -1, Role.MEMBER: 0, Role.REVIEWER: 1, Role.HEAD: 2}
# The roles a tier may ask a department to sign with (a viewer signs nothing).
SIGNING_ROLES = [(role.value, role.label) for role in Role if role != Role.VIEWER]


class MembershipQuerySet(models.QuerySet):
    def with_role_at_least(self, role: str) -> MembershipQuerySet:
        allowed = [r for r, rank in ROLE_RANK.items() if rank >= ROLE_RANK[Role(role)]]
        return self.filter(role__in=allowed)


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role, default=Role.MEMBER)
    approval_limit = models.DecimalField(
        _("approval limit"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "Highest total cost of ownership this person may sign for, in the base "
            "currency. Empty means no limit."
        ),
    )
    # Granted by single sign-on from the identity provider's groups (stakeholders/identity.py):
    # kept in step with them at each sign-in. Memberships made by hand are never touched by it.
    from_identity_provider = models.BooleanField(
        _("from the identity provider"),
        default=False,
        help_text=_(
            "Granted at sign-in from the person's groups at the identity provider, and removed "
            "there when the group is gone."
        ),
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "department"], name="membership_unique"),
            models.CheckConstraint(
                condition=Q(approval_limit__isnull=True) | Q(approval_limit__gte=0),
                name="membership_limit_not_negative",
            ),
        ]
        # Serves "who may sign for department X" (notifications, queues).
        indexes = [models.Index(fields=["department", "role"], name="membership_dept_role")]

    def __str__(self) -> str:
        return f"{self.user} — {self.department.code} {self.get_role_display()}"

    @property
    def may_propose(self) -> bool:
        """Members and above file proposals for their department; a viewer only reads."""
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role.MEMBER]

    def covers(self, *, role: str, amount: Decimal) -> bool:
        """True when this membership has at least `role` and a limit covering `amount`."""
        if ROLE_RANK[Role(self.role)] < ROLE_RANK[Role(role)]:
            return False
        return self.approval_limit is None or amount <= self.approval_limit


class ApprovalTier(models.Model):
    """A band of total cost of ownership and the decision-making unit it requires."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    min_tco = models.DecimalField(_("from TCO"), max_digits=14, decimal_places=2)
    max_tco = models.DecimalField(
        _("up to TCO"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Exclusive upper bound in the base currency; empty for no upper bound."),
    )
    signoff_role = models.CharField(
        _("role that must sign"),
        max_length=10,
        choices=SIGNING_ROLES,
        default=Role.REVIEWER,
        help_text=_("Minimum role each required department must sign with."),
    )
    cdo_decision_required = models.BooleanField(_("CDO decision required"), default=True)
    sla_days = models.PositiveSmallIntegerField(_("sign-off SLA (business days)"), default=5)
    # Consent mode: a department's sign-off is presumed given unless it objects by the due date;
    # an objection goes to the proposal's dissent log and the CDO decides (decisions.consent).
    consent_mode = models.BooleanField(
        _("consent mode"),
        default=False,
        help_text=_(
            "A department that has not objected by the due date is presumed to approve. An "
            "objection (reject or request changes, with a reason) does not end the round: it "
            "goes to the dissent log and the CDO decides."
        ),
    )

    class Meta:
        ordering = ["min_tco"]
        verbose_name = _("approval tier")
        verbose_name_plural = _("approval tiers")
        constraints = [
            models.CheckConstraint(condition=Q(min_tco__gte=0), name="tier_min_not_negative"),
            models.CheckConstraint(
                condition=Q(max_tco__isnull=True) | Q(max_tco__gt=models.F("min_tco")),
                name="tier_max_above_min",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StrategicGoal(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="goals",
        verbose_name=_("owning department"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("strategic goal")
        verbose_name_plural = _("strategic goals")

    def __str__(self) -> str:
        return self.title


class Delegation(models.Model):
    """Out of office: `delegate` may sign what `delegator` may sign, `starts_on` to `ends_on`."""

    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="delegations_given",
        verbose_name=_("on behalf of"),
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="delegations_received",
        verbose_name=_("signed by"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="delegations",
        help_text=_("Only this department's sign-offs; empty for all the delegator's departments."),
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (inclusive)"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="delegation_dates_ordered"
            ),
            models.CheckConstraint(
                condition=~Q(delegator=models.F("delegate")), name="delegation_not_to_self"
            ),
        ]
        # Serves "whose rights does this user hold today" on every sign-off and queue.
        indexes = [models.Index(fields=["delegate", "ends_on"], name="delegation_delegate_ends")]

    def __str__(self) -> str:
        return f"{self.delegate} for {self.delegator} ({self.starts_on} to {self.ends_on})"


class AnswerKind(models.TextChoices):
    YES_NO = "yes_no", _("Yes or no")
    TEXT = "text", _("Text")


class ChecklistQuestion(models.Model):
    """A question a department's reviewer answers when signing off; kept as data, edited in
    the admin. Answers are stored with the sign-off, question text included."""

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="checklist_questions"
    )
    text = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    kind = models.CharField(
        _("answer"), max_length=10, choices=AnswerKind, default=AnswerKind.YES_NO
    )
    required = models.BooleanField(_("required to approve"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["department", "position", "pk"]
        verbose_name = _("checklist question")
        verbose_name_plural = _("checklist questions")
        indexes = [models.Index(fields=["department", "is_active"], name="checklist_dept_active")]

    def __str__(self) -> str:
        return f"{self.department.code}: {self.text}"


class Preference(models.Model):
    """What a person chose for themselves: the language of their pages, notifications and
    emails. Blank follows the browser (its Accept-Language) in the pages, and the site's
    language (LANGUAGE_CODE) in what is written to them while they are away."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="preference",
        verbose_name=_("user"),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_(
            "The language of the pages, notifications and emails. Empty: the browser's language."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("preference")
        verbose_name_plural = _("preferences")

    def __str__(self) -> str:
        return f"{self.user}: {self.language or '—'}"


class ChatEvent(models.TextChoices):
    """What a department's chat channel may be told."""

    SIGNOFF_REQUESTED = "signoff_requested", _("Sign-off requested")
    REMINDER = "reminder", _("Overdue sign-off reminded or escalated")
    DECISION = "decision", _("Decision taken")


def validate_chat_events(value: object) -> None:
    known = set(ChatEvent.values)
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(e, str) and e in known for e in value)
    ):
        raise ValidationError(
            _("Choose one or more of: %(known)s."),
            code="chat_events",
            params={"known": ", ".join(ChatEvent.values)},
        )


def chat_events_all() -> list[str]:
    return list(ChatEvent.values)


class ChatChannel(models.Model):
    """A department's Slack or Teams channel (its incoming webhook). The URL, the platform and
    the active flag live on its webhook subscription: messages go through the webhook outbox,
    with its retries and its delivery log."""

    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        related_name="chat_channels",
        verbose_name=_("department"),
    )
    subscription = models.OneToOneField(
        "webhooks.WebhookSubscription",
        on_delete=models.CASCADE,
        related_name="chat_channel",
        verbose_name=_("webhook"),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    events = models.JSONField(
        _("events"), default=chat_events_all, validators=[validate_chat_events]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["department__code", "id"]
        verbose_name = _("chat channel")
        verbose_name_plural = _("chat channels")

    def __str__(self) -> str:
        return self.subscription.name

    def wants(self, event: str) -> bool:
        return event in self.events

    @property
    def url_hint(self) -> str:
        """The URL as it may be shown: its host and last characters (it is a secret)."""
        from webhooks.chat import masked_url

        return masked_url(self.subscription.url)

    @property
    def event_labels(self) -> list[str]:
        labels = dict(ChatEvent.choices)
        return [str(labels[e]) for e in self.events if e in labels]


class IdentityGroupMapping(models.Model):
    """What a group (a value of the identity provider's groups claim) gives at sign-in: a
    membership of a department with a role and an approval limit, or a group of this site (the
    CDO's group, "Chief Digital Officer"). Kept in the admin."""

    claim_value = models.CharField(
        _("group at the identity provider"),
        max_length=200,
        validators=[validate_single_line],
        help_text=_("A value of the groups claim, exactly as the identity provider sends it."),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="identity_group_mappings",
        verbose_name=_("department"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role, default=Role.MEMBER)
    approval_limit = models.DecimalField(
        _("approval limit"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("For a department: the membership's approval limit. Empty means no limit."),
    )
    group = models.ForeignKey(
        "auth.Group",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="identity_group_mappings",
        verbose_name=_("site group"),
        help_text=_("Instead of a department: a group of this site, such as the CDO's."),
    )

    class Meta:
        ordering = ["claim_value", "pk"]
        verbose_name = _("identity group mapping")
        verbose_name_plural = _("identity group mappings")
        constraints = [
            # Exactly one target: a department (with its role and limit) or a site group.
            models.CheckConstraint(
                condition=(Q(department__isnull=False) & Q(group__isnull=True))
                | (Q(department__isnull=True) & Q(group__isnull=False)),
                name="identity_mapping_one_target",
            ),
            models.CheckConstraint(
                condition=Q(approval_limit__isnull=True) | Q(approval_limit__gte=0),
                name="identity_mapping_limit_not_negative",
            ),
            models.UniqueConstraint(
                fields=["claim_value", "department"], name="identity_mapping_unique_department"
            ),
            models.UniqueConstraint(
                fields=["claim_value", "group"], name="identity_mapping_unique_group"
            ),
        ]
        # claim_value: serves the lookup of a person's groups at each sign-in.
        indexes = [models.Index(fields=["claim_value"], name="identity_mapping_claim")]

    def __str__(self) -> str:
        if self.group_id:
            return f"{self.claim_value} → {self.group}"
        return f"{self.claim_value} → {self.department} {self.get_role_display()}"

    def clean(self) -> None:
        if (self.department_id is None) == (self.group_id is None):
            raise ValidationError(_("Choose either a department or a site group, not both."))


class IdentityLink(models.Model):
    """The person an identity provider's subject (`sub`) signs in as, and the site groups that
    sign-in granted (taken away again when the provider's group is gone; groups given by hand
    stay)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="identity_link",
        verbose_name=_("user"),
    )
    subject = models.CharField(_("subject at the identity provider"), max_length=255, unique=True)
    granted_groups = models.ManyToManyField(
        "auth.Group", blank=True, related_name="+", verbose_name=_("groups granted at sign-in")
    )
    provider_groups = models.JSONField(_("groups at the last sign-in"), default=list, blank=True)
    last_sign_in = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    class Meta:
        verbose_name = _("identity link")
        verbose_name_plural = _("identity links")

    def __str__(self) -> str:
        return f"{self.user} ← {self.subject}"
