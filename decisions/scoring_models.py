"""Weighted scoring of a proposal's alternatives: each department's weighted criteria (kept by
its head), the alternatives a requester sets beside the proposed solution (a catalog solution
or a named vendor's), and the scores each signing department's reviewers give every option on
their department's criteria. The comparison is computed in decisions.scoring.

Imported at the end of decisions.models, which re-exports these models."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.text import validate_single_line
from decisions.models import Proposal
from stakeholders.models import Department
from vendors.models import Solution

__all__ = ["AlternativeScore", "ProposalAlternative", "ScoringCriterion"]

# A criterion's weight, and a score, lie between these (inclusive).
WEIGHT_MIN = 1
WEIGHT_MAX = 10
SCORE_MIN = 1
SCORE_MAX = 5
# How many alternatives a proposal may have beside the proposed solution.
ALTERNATIVES_MAX = 5


class ScoringCriterion(models.Model):
    """One of a department's criteria for scoring alternatives ("Fits our HR processes")."""

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="scoring_criteria"
    )
    name = models.CharField(_("criterion"), max_length=120, validators=[validate_single_line])
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, help_text=_("From 1 (minor) to 10 (decisive).")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["department__code", "position", "pk"]
        verbose_name = _("scoring criterion")
        verbose_name_plural = _("scoring criteria")
        constraints = [
            models.UniqueConstraint(fields=["department", "name"], name="scoring_criterion_once"),
            models.CheckConstraint(condition=~Q(name=""), name="scoring_criterion_has_a_name"),
            models.CheckConstraint(
                condition=Q(weight__gte=WEIGHT_MIN, weight__lte=WEIGHT_MAX),
                name="scoring_criterion_weight_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department.code}: {self.name} (*{self.weight})"


class ProposalAlternative(models.Model):
    """An option considered instead of the proposed solution: a catalog solution, or a named
    vendor's solution outside the catalog. The proposed solution is always an option too."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="options")
    solution = models.ForeignKey(
        Solution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("solution from the catalog"),
    )
    name = models.CharField(
        _("named solution"), max_length=150, blank=True, validators=[validate_single_line]
    )
    vendor_name = models.CharField(
        _("vendor"), max_length=150, blank=True, validators=[validate_single_line]
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["proposal", "pk"]
        verbose_name = _("alternative")
        verbose_name_plural = _("alternatives")
        constraints = [
            models.CheckConstraint(
                condition=Q(solution__isnull=False) | ~Q(name=""),
                name="alternative_names_a_solution",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.solution_id:
            return str(self.solution)
        return f"{self.name} ({self.vendor_name})" if self.vendor_name else self.name


class AlternativeScore(models.Model):
    """A department's score of one option on one of its criteria; `alternative` empty: the
    proposed solution. The latest reviewer's score stands."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="scores")
    alternative = models.ForeignKey(
        ProposalAlternative, on_delete=models.CASCADE, null=True, blank=True, related_name="scores"
    )
    criterion = models.ForeignKey(ScoringCriterion, on_delete=models.CASCADE, related_name="scores")
    score = models.PositiveSmallIntegerField(_("score"))
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    scored_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["proposal", "criterion", "pk"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "alternative", "criterion"],
                condition=Q(alternative__isnull=False),
                name="score_once_per_alternative",
            ),
            models.UniqueConstraint(
                fields=["proposal", "criterion"],
                condition=Q(alternative__isnull=True),
                name="score_once_for_the_proposed",
            ),
            models.CheckConstraint(
                condition=Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX),
                name="score_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}/{self.alternative_id or 'proposed'}/{self.criterion_id}"
