from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stakeholders.models import ApprovalTier, Currency, Department, Role, StrategicGoal
from vendors.models import Category, Solution

MONEY = {"max_digits": 14, "decimal_places": 2}


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
# States in which a proposal is "in flight": decided by nobody yet.
OPEN_STATES = {
    ProposalStatus.IN_REVIEW,
    ProposalStatus.AWAITING_DECISION,
    ProposalStatus.CHANGES_REQUESTED,
}


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


class RecurringPeriod(models.TextChoices):
    MONTHLY = "monthly", _("per month")
    YEARLY = "yearly", _("per year")


class ReferenceCounter(models.Model):
    """The last proposal number handed out in a year (TP-2026-0042); locked while incremented."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Proposal(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=20, choices=ProposalStatus, default=ProposalStatus.DRAFT
    )
    # Why?
    problem = models.TextField(_("problem to solve"))
    rationale = models.TextField(_("why this tool"), blank=True)
    alternatives = models.TextField(_("alternatives considered"), blank=True)
    # Who is buying? Who is paying?
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals"
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
    new_vendor_name = models.CharField(_("new vendor"), max_length=150, blank=True)
    new_solution_name = models.CharField(_("new solution"), max_length=150, blank=True)
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
    # Pilot.
    pilot_start = models.DateField(_("pilot start"), null=True, blank=True)
    pilot_end = models.DateField(_("pilot end"), null=True, blank=True)
    pilot_success_criteria = models.TextField(_("pilot success criteria"), blank=True)
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
    tier_reason = models.TextField(_("why this tier"), blank=True)
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
                condition=Q(solution__isnull=False) | ~Q(new_solution_name=""),
                name="proposal_names_a_solution",
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
            # Spend per paying department.
            models.Index(fields=["paying_department", "status"], name="proposal_payer_status"),
            # The dashboard's 90-day figures.
            models.Index(fields=["decided_at"], name="proposal_decided_at"),
            # The sign-off matrix: what is in flight, oldest first.
            models.Index(
                fields=["submitted_at"],
                condition=Q(status__in=["in_review", "awaiting_decision"]),
                name="proposal_in_flight",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

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
        so that on-demand pricing cannot slip under a tier threshold. In the proposal's currency."""
        months = max(self.term_months or 0, 12)
        return (self.one_off_cost + self.monthly_recurring * months).quantize(Decimal("0.01"))

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATES


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
            # The review queue: pending sign-offs of a department, overdue first.
            models.Index(fields=["department", "status", "due_on"], name="signoff_queue"),
            # The SLA task: pending sign-offs past their due date.
            models.Index(
                fields=["due_on"],
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


EVENT_LABELS = {
    "proposal.created": _("Proposal created"),
    "proposal.updated": _("Proposal edited"),
    "proposal.submitted": _("Submitted for review"),
    "proposal.status_changed": _("Status changed"),
    "signoff.approved": _("Sign-off approved"),
    "signoff.rejected": _("Sign-off rejected"),
    "signoff.changes_requested": _("Changes requested"),
    "signoff.reminded": _("Overdue sign-off reminded"),
    "signoff.escalated": _("Overdue sign-off escalated"),
    "decision.approved": _("CDO approved"),
    "decision.rejected": _("CDO rejected"),
    "decision.returned": _("CDO returned it for changes"),
    "comment.added": _("Comment added"),
}


class AppendOnlyError(Exception):
    pass


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Events are append-only.")

    def delete(self):
        raise AppendOnlyError("Events are append-only.")


class AuditChainHead(models.Model):
    """One row: the last event's sequence number and hash. Writers lock it, so the chain is
    linear even with concurrent transactions."""

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash[:12]}"


class Event(models.Model):
    """The audit trail: append-only, each row carrying the hash of the one before it."""

    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=40)
    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(editable=False)
    payload = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["proposal", "seq"], name="event_proposal_seq")]  # timeline

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Events are append-only.")

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.kind, self.kind))

    @property
    def status_change(self) -> tuple[str, str] | None:
        """The (from, to) status labels of a status change, for display."""
        if "to" not in self.payload:
            return None
        labels = dict(ProposalStatus.choices)
        before, after = self.payload.get("from", ""), self.payload["to"]
        return str(labels.get(before, before)), str(labels.get(after, after))


class WebhookEventKind(models.TextChoices):
    PROPOSAL_SUBMITTED = "proposal.submitted", _("Proposal submitted")
    SIGNOFF_DECIDED = "signoff.decided", _("Sign-off decided")
    DECISION_TAKEN = "decision.taken", _("Decision taken")
    CATALOG_SYNCED = "catalog.synced", _("Catalog synced")
    PING = "ping", _("Test event")


def webhook_secret_new() -> str:
    """A new webhook signing secret: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def validate_webhook_events(value) -> None:
    # Not code="invalid": the JSONField would replace the message with its own for that code.
    known = set(WebhookEventKind.values) - {WebhookEventKind.PING}
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise ValidationError(_("A list of event kinds."), code="not_a_list")
    unknown = sorted(set(value) - known)
    if unknown:
        raise ValidationError(
            _("Unknown event kinds: %(unknown)s. Known: %(known)s."),
            code="unknown_kind",
            params={"unknown": ", ".join(unknown), "known": ", ".join(sorted(known))},
        )


class WebhookSubscription(models.Model):
    """A receiver of outgoing webhooks, registered by an administrator."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(
        _("URL"), max_length=500, validators=[URLValidator(schemes=["http", "https"])]
    )
    # Shared with the receiver, who recomputes the HMAC of every body with it.
    secret = models.CharField(
        _("signing secret"),
        max_length=100,
        default=webhook_secret_new,
        help_text=_("Generated; give it to the receiver to verify the X-Hrtech-Signature header."),
    )
    events = models.JSONField(
        _("events"),
        default=list,
        blank=True,
        validators=[validate_webhook_events],
        help_text=_("The kinds of event to send; empty for all."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.name

    def wants(self, kind: str) -> bool:
        """Whether this subscription receives events of this kind (a ping reaches everyone)."""
        return not self.events or kind in self.events or kind == WebhookEventKind.PING


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one subscription, and what happened when we sent it (the delivery log)."""

    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    event_id = models.UUIDField(_("event id"))
    kind = models.CharField(_("kind"), max_length=40, choices=WebhookEventKind)
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=WebhookDeliveryStatus,
        default=WebhookDeliveryStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(
        _("last HTTP status"), null=True, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # Set while a worker is sending; a second worker's claim (a conditional UPDATE) then fails.
    # A worker killed mid-send leaves it set: the claim treats it as stale after a lease.
    locked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            # A task or a caller that runs twice cannot deliver one event twice to a subscriber.
            models.UniqueConstraint(
                fields=["subscription", "event_id"], name="webhook_delivery_once"
            ),
        ]
        indexes = [
            # The admin's delivery log, filtered by status, newest first.
            models.Index(fields=["status", "created_at"], name="webhook_delivery_status"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.subscription_id} ({self.status})"
