"""What was imported: one row per confirmed import (the page lists the latest, the admin all).
The records it created or changed carry their own history (audit events, glossary versions,
the catalog's change feed); this is the file's."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    CATALOG = "catalog", _("Catalog")
    TOOLS = "tools", _("Tools")
    BUDGETS = "budgets", _("Department budgets")
    YEARLY_BUDGETS = "yearly_budgets", _("Budgets per fiscal year")
    GLOSSARY = "glossary", _("Glossary")


class ImportRun(models.Model):
    kind = models.CharField(_("what"), max_length=20, choices=ImportKind)
    filename = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    rows = models.PositiveIntegerField(_("rows"))
    created = models.PositiveIntegerField(_("added"))
    updated = models.PositiveIntegerField(_("updated"))
    unchanged = models.PositiveIntegerField(_("unchanged"))
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        ordering = ["-imported_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [
            # The import page: the latest imports of one kind.
            models.Index(fields=["kind", "-imported_at"], name="importrun_kind_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.filename}"
