"""Webhook subscriptions (receivers registered by an administrator) and the delivery outbox."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from webhooks.registry import PING, event_kind_choices, subscribable_kinds


def webhook_secret_new() -> str:
    """A new webhook signing secret: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def validate_webhook_events(value: Any) -> None:
    # Not code="invalid": the JSONField would replace the message with its own for that code.
    known = {kind for kind, _label in subscribable_kinds()}
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise ValidationError(_("A list of event kinds."), code="not_a_list")
    unknown = sorted(set(value) - known)
    if unknown:
        raise ValidationError(
            _("Unknown event kinds: %(unknown)s. Known: %(known)s."),
            code="unknown_kind",
            params={"unknown": ", ".join(unknown), "known": ", ".join(sorted(known))},
        )


class WebhookPlatform(models.TextChoices):
    """What a receiver understands. A signed receiver gets every event it subscribes to, as the
    signed JSON envelope; a chat channel (a department's Slack or Teams incoming webhook) gets
    only the messages written for it, in its platform's own format, unsigned."""

    SIGNED = "signed", _("Signed JSON")
    SLACK = "slack", _("Slack")
    TEAMS = "teams", _("Microsoft Teams")


CHAT_PLATFORMS = (WebhookPlatform.SLACK, WebhookPlatform.TEAMS)


class WebhookSubscription(models.Model):
    """A receiver of outgoing webhooks, registered by an administrator, or a department's chat
    channel (stakeholders.ChatChannel), which delivers through the same outbox."""

    name = models.CharField(_("name"), max_length=100)
    platform = models.CharField(
        _("platform"), max_length=10, choices=WebhookPlatform, default=WebhookPlatform.SIGNED
    )
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
        db_table = "decisions_webhooksubscription"  # where it was created (docs/adr/0001)
        ordering = ["name"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.name

    @property
    def is_chat(self) -> bool:
        return self.platform in CHAT_PLATFORMS

    def wants(self, kind: str) -> bool:
        """Whether this subscription receives events of this kind (a ping reaches everyone)."""
        return not self.events or kind in self.events or kind == PING


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
    kind = models.CharField(_("kind"), max_length=40, choices=event_kind_choices)
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
        db_table = "decisions_webhookdelivery"  # where it was created (docs/adr/0001)
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
