"""A pilot that ends in a decision: measurable success criteria, the employees taking part and
their ratings, and the keep/extend/stop review that HR, IT Operations and Marketing give (the
CDO decides when they disagree). Criteria, ratings and reviews belong to a pilot round: a pilot
extended by its review starts the next round with the same criteria, measured anew.

Imported at the end of decisions.models, which re-exports these models."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from decisions.models import Proposal
from stakeholders.models import Department

__all__ = [
    "PilotCriterion",
    "PilotCriterionScore",
    "PilotDirection",
    "PilotOutcome",
    "PilotParticipant",
    "PilotRating",
    "PilotReview",
    "PilotReviewStatus",
    "PilotVerdict",
]

RECOMMEND_MAX = 10
SCORE_MIN, SCORE_MAX = 1, 5


class PilotDirection(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class PilotOutcome(models.TextChoices):
    KEEP = "keep", _("Keep")
    EXTEND = "extend", _("Extend")
    STOP = "stop", _("Stop")


class PilotReviewStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DECIDED = "decided", _("Decided")


class PilotCriterion(models.Model):
    """A measurable success criterion of one pilot round: a target, and the value the owner
    measured at the end (None until recorded)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="pilot_criteria")
    round = models.PositiveSmallIntegerField(_("pilot round"), default=1)
    position = models.PositiveSmallIntegerField(default=0)
    metric = models.CharField(_("metric"), max_length=200)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    how_measured = models.TextField(_("how it is measured"), max_length=1000, blank=True)
    direction = models.CharField(
        _("direction"), max_length=10, choices=PilotDirection, default=PilotDirection.HIGHER
    )
    measured = models.DecimalField(
        _("measured value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    measured_at = models.DateTimeField(null=True, blank=True)
    measured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["round", "position", "pk"]
        verbose_name = _("pilot success criterion")
        verbose_name_plural = _("pilot success criteria")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "round", "metric"], name="pilot_criterion_metric_once"
            ),
            models.CheckConstraint(condition=~Q(metric=""), name="pilot_criterion_names_a_metric"),
            models.CheckConstraint(
                condition=Q(direction__in=PilotDirection.values), name="pilot_criterion_direction"
            ),
            models.CheckConstraint(
                condition=Q(measured__isnull=True) | Q(measured_at__isnull=False),
                name="pilot_criterion_measured_when",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} ≥ {self.target} {self.unit}".strip()

    @property
    def met(self) -> bool | None:
        """Whether the measured value reaches the target (None until measured)."""
        if self.measured is None:
            return None
        if self.direction == PilotDirection.LOWER:
            return self.measured <= self.target
        return self.measured >= self.target


class PilotParticipant(models.Model):
    """An employee taking part in the pilot: they rate it at its end."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="pilot_participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pilots_joined"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("pilot participant")
        verbose_name_plural = _("pilot participants")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="pilot_participant_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.proposal_id}"


class PilotRating(models.Model):
    """A participant's rating of one pilot round: how likely they would recommend the tool to a
    colleague (0 to 10, the promoter score's question) and a score per criterion (1 to 5)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="pilot_ratings")
    round = models.PositiveSmallIntegerField(_("pilot round"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pilot_ratings"
    )
    recommend = models.PositiveSmallIntegerField(_("would recommend it (0 to 10)"))
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("pilot rating")
        verbose_name_plural = _("pilot ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "round", "user"], name="pilot_rating_once_per_round"
            ),
            models.CheckConstraint(
                condition=Q(recommend__gte=0) & Q(recommend__lte=RECOMMEND_MAX),
                name="pilot_rating_recommend_0_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} rated {self.proposal_id}/{self.round}: {self.recommend}"


class PilotCriterionScore(models.Model):
    """A participant's 1 to 5 score of one criterion, within their rating."""

    rating = models.ForeignKey(PilotRating, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(PilotCriterion, on_delete=models.CASCADE, related_name="scores")
    score = models.PositiveSmallIntegerField(_("score (1 to 5)"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("pilot criterion score")
        verbose_name_plural = _("pilot criterion scores")
        constraints = [
            models.UniqueConstraint(
                fields=["rating", "criterion"], name="pilot_score_once_per_criterion"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=SCORE_MIN) & Q(score__lte=SCORE_MAX),
                name="pilot_score_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.score}"


class PilotReview(models.Model):
    """The keep/extend/stop review at the end of a pilot round: each department's verdict, and
    the outcome once they agree (or the CDO decided)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="pilot_reviews")
    round = models.PositiveSmallIntegerField(_("pilot round"))
    status = models.CharField(
        _("status"), max_length=10, choices=PilotReviewStatus, default=PilotReviewStatus.OPEN
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=PilotOutcome, blank=True)
    new_end = models.DateField(_("new end"), null=True, blank=True)
    rationale = models.TextField(_("rationale"), max_length=2000, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    # The CDO when they decided a disagreement; None when the departments agreed.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round"]
        verbose_name = _("pilot review")
        verbose_name_plural = _("pilot reviews")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "round"], name="pilot_review_once"),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(outcome="") & Q(decided_at__isnull=True))
                | (Q(status="decided") & Q(outcome__in=PilotOutcome.values))
                & Q(decided_at__isnull=False),
                name="pilot_review_decided_has_outcome",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="extend") | Q(new_end__isnull=False),
                name="pilot_review_extend_has_end",
            ),
        ]
        # The CDO's Decisions page: open reviews.
        indexes = [models.Index(fields=["status"], name="pilot_review_status")]

    def __str__(self) -> str:
        return f"{self.proposal_id}/{self.round}: {self.outcome or self.status}"


class PilotVerdict(models.Model):
    """One department's verdict in a pilot review: keep, extend (with a new end) or stop (with
    a reason). One per department per review."""

    review = models.ForeignKey(PilotReview, on_delete=models.CASCADE, related_name="verdicts")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField(_("verdict"), max_length=10, choices=PilotOutcome)
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    new_end = models.DateField(_("new end"), null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["department__code"]
        verbose_name = _("pilot verdict")
        verbose_name_plural = _("pilot verdicts")
        constraints = [
            models.UniqueConstraint(
                fields=["review", "department"], name="pilot_verdict_one_per_department"
            ),
            models.CheckConstraint(
                condition=Q(verdict__in=PilotOutcome.values), name="pilot_verdict_known"
            ),
            models.CheckConstraint(
                condition=Q(verdict="keep") | ~Q(reason=""), name="pilot_verdict_has_a_reason"
            ),
            models.CheckConstraint(
                condition=~Q(verdict="extend") | Q(new_end__isnull=False),
                name="pilot_verdict_extend_has_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department_id}: {self.verdict}"
