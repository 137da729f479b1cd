from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stakeholders.models import Currency


class CatalogRecord(models.Model):
    """Fields every catalog record shares: where it came from and whether it is still listed."""

    source = models.CharField(
        _("source"),
        max_length=50,
        blank=True,
        default="",
        help_text=_(
            "The feed or system this record is synchronised from; empty when entered here."
        ),
    )
    external_id = models.CharField(_("external id"), max_length=100, blank=True, default="")
    is_deleted = models.BooleanField(
        _("removed from catalog"),
        default=False,
        help_text=_(
            "A tombstone: the source no longer lists it. Kept for proposals that refer to it."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Vendor(CatalogRecord):
    name = models.CharField(_("name"), max_length=150)
    website = models.URLField(_("website"), blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO 3166 code"))
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="vendor_source_external_id_unique",
            ),
        ]
        indexes = [models.Index(fields=["name"], name="vendor_name")]  # catalog search, ordering

    def __str__(self) -> str:
        return self.name


class Category(models.TextChoices):
    TALENT_ACQUISITION = "talent_acquisition", _("Talent acquisition")
    CORE_HR_PAYROLL = "core_hr_payroll", _("Core HR and payroll")
    LEARNING = "learning", _("Learning")
    ENGAGEMENT = "engagement", _("Engagement and communication")
    PERFORMANCE = "performance", _("Performance and goals")
    MARKETING_AUTOMATION = "marketing_automation", _("Marketing automation")
    CRM = "crm", _("CRM")
    CONTENT = "content", _("Content and social")
    ANALYTICS = "analytics", _("Analytics")
    COLLABORATION = "collaboration", _("Collaboration")
    IT_OPERATIONS = "it_operations", _("IT operations")
    SECURITY = "security", _("Security and identity")


class PricingModel(models.TextChoices):
    PERPETUAL = "perpetual", _("Perpetual licence")
    PER_SEAT = "per_seat", _("Per-seat subscription")
    ON_DEMAND = "on_demand", _("On demand / usage")
    API = "api", _("API or white-label")
    FREE = "free", _("Free")


class Deployment(models.TextChoices):
    SAAS = "saas", _("SaaS")
    ON_PREMISE = "on_premise", _("On premise")
    HYBRID = "hybrid", _("Hybrid")


class Solution(CatalogRecord):
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="solutions")
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=30, choices=Category)
    pricing_model = models.CharField(_("pricing model"), max_length=20, choices=PricingModel)
    list_price = models.DecimalField(
        _("list price"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    price_currency = models.CharField(
        _("price currency"), max_length=3, choices=Currency, default=Currency.EUR
    )
    price_unit = models.CharField(
        _("price unit"), max_length=40, blank=True, help_text=_("For example: per seat per month.")
    )
    deployment = models.CharField(
        _("deployment"), max_length=12, choices=Deployment, default=Deployment.SAAS
    )
    iso27001 = models.BooleanField(_("ISO 27001"), default=False)
    soc2 = models.BooleanField(_("SOC 2"), default=False)
    sso = models.BooleanField(_("single sign-on"), default=False)
    has_api = models.BooleanField(_("API available"), default=False)
    processes_personal_data = models.BooleanField(_("processes personal data"), default=False)
    data_location = models.CharField(
        _("data location"), max_length=60, blank=True, help_text=_("Where data is held, e.g. EU.")
    )
    in_use = models.BooleanField(
        _("in use"), default=False, help_text=_("Part of the organisation's tool landscape.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("solution")
        verbose_name_plural = _("solutions")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="solution_source_external_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(list_price__isnull=True) | Q(list_price__gte=0),
                name="solution_price_not_negative",
            ),
        ]
        indexes = [
            # Catalog filters and "what we already use in this category".
            models.Index(fields=["category", "in_use"], name="solution_category_in_use"),
            models.Index(fields=["name"], name="solution_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.vendor.name})"


class Integration(models.Model):
    """A connection between two tools of the landscape: what breaks when one is removed."""

    source = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="integrations_out")
    target = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="integrations_in")
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="integration_unique"),
            models.CheckConstraint(
                condition=~Q(source=models.F("target")), name="integration_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source.name} → {self.target.name}"
