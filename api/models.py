"""API tokens: machines authenticate with one; only a hash of its secret is stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TokenScope(models.TextChoices):
    FULL = "full", _("Full access (everything the user may do)")
    CATALOG = "catalog", _("Catalog only (vendors, solutions, catalog sync)")
    USAGE = "usage", _("Usage only (report tools' monthly usage, read adoption)")


class ApiToken(models.Model):
    """A REST API token for machines. Only a SHA-256 hash of the secret is stored; the short
    prefix (not secret) finds the row so verification is one indexed lookup and one compare."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    # Serves the lookup on every token-authenticated request (unique implies the index).
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scope = models.CharField(_("scope"), max_length=10, choices=TokenScope, default=TokenScope.FULL)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        db_table = "stakeholders_apitoken"  # where it was created (docs/adr/0001)
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        # "My tokens" page and API list.
        indexes = [models.Index(fields=["user", "created_at"], name="apitoken_user_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired()
