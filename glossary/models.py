"""The shared glossary: the organisation's "unified language". A term has one shared definition
and, where a department means something else by it, that department's meaning. Every change of
a text keeps its previous version."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.text import validate_single_line
from stakeholders.models import Department

NAME_MAX = 80
TEXT_MAX = 2000


class Term(models.Model):
    name = models.CharField(
        pgettext_lazy("glossary", "term"), max_length=NAME_MAX, validators=[validate_single_line]
    )
    # The anchor (/glossary/#slug) and the term page's address; kept when the term is renamed,
    # so that links already shared keep working.
    slug = models.SlugField(_("slug"), max_length=NAME_MAX + 10, unique=True, editable=False)
    definition = models.TextField(_("shared definition"), max_length=TEXT_MAX)
    created_at = models.DateTimeField(_("added"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now, editable=False)

    class Meta:
        ordering = [Lower("name")]
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary terms")
        constraints = [
            # "User" and "user" are one term: the linking matches without case.
            models.UniqueConstraint(Lower("name"), name="glossary_term_name_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class DepartmentMeaning(models.Model):
    """What `department` means by `term` where it differs from the shared definition."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="meanings")
    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        related_name="glossary_meanings",
        verbose_name=_("department"),
    )
    text = models.TextField(_("meaning in this department"), max_length=TEXT_MAX)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["department__code"]
        verbose_name = _("department meaning")
        verbose_name_plural = _("department meanings")
        constraints = [
            # Also serves the term pages' "meanings of this term" (its leading column).
            models.UniqueConstraint(fields=["term", "department"], name="glossary_meaning_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.term} ({self.department.code})"


class VersionField(models.TextChoices):
    NAME = "name", pgettext_lazy("glossary", "Term")
    DEFINITION = "definition", _("Shared definition")
    MEANING = "meaning", _("Department meaning")


class TermVersion(models.Model):
    """One change of one text of a term: who, when, the text before and after. Append-only."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="versions")
    field = models.CharField(_("what"), max_length=12, choices=VersionField)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    old_text = models.TextField(_("before"), blank=True)
    new_text = models.TextField(_("after"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("term version")
        verbose_name_plural = _("term versions")
        # Serves the term page's history, newest first.
        indexes = [models.Index(fields=["term", "-changed_at"], name="glossary_version_term_at")]

    def __str__(self) -> str:
        return f"{self.term} {self.field} {self.changed_at:%Y-%m-%d}"
