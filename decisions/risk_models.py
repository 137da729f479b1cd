"""The vendor risk questionnaire: IT Operations' weighted questions (security, privacy,
continuity), each optionally answered by a catalog fact, and a proposal's answers to them. The
score and the rating are computed from these (decisions.risk), never stored: a catalog fact
that changes changes them.

Imported at the end of decisions.models, which re-exports these models."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.text import validate_single_line
from decisions.models import Proposal

__all__ = [
    "RISK_WEIGHT_MAX",
    "RiskAnswer",
    "RiskAnswerValue",
    "RiskCategory",
    "RiskFact",
    "RiskQuestion",
    "RiskRating",
]

RISK_WEIGHT_MIN, RISK_WEIGHT_MAX = 1, 10


class RiskCategory(models.TextChoices):
    SECURITY = "security", _("Security")
    PRIVACY = "privacy", _("Privacy")
    CONTINUITY = "continuity", _("Continuity")


class RiskFact(models.TextChoices):
    """The catalog facts (decisions.plugin.proposal_facts) a question may be answered by: the
    fact true answers the question yes. Every question is asked so that yes is the safe answer."""

    SSO = "sso", _("Single sign-on")
    CERTIFIED = "certified", _("ISO 27001 or SOC 2 certified")
    DPA_SIGNED = "dpa_signed", _("Data-processing agreement signed")
    NO_PERSONAL_DATA = "no_personal_data", _("Processes no personal data")
    EU_DATA = "eu_data", _("Data stays in the EU")
    HAS_API = "has_api", _("An API is available")


class RiskRating(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class RiskAnswerValue(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")


class RiskQuestion(models.Model):
    """One question of the vendor risk questionnaire, asked so that yes is the safe answer. Kept
    by IT Operations (its reviewers and heads, in the app and the API; administrators in the
    admin); never deleted once answered, deactivated."""

    text = models.CharField(_("question"), max_length=300, validators=[validate_single_line])
    category = models.CharField(_("category"), max_length=12, choices=RiskCategory)
    weight = models.PositiveSmallIntegerField(
        _("weight"),
        default=1,
        help_text=_("From 1 to 10: how much a no (or no answer) adds to the risk."),
    )
    fact = models.CharField(
        _("answered by the catalog fact"),
        max_length=20,
        choices=RiskFact,
        blank=True,
        help_text=_("Where the fact is known, it answers the question; people answer the rest."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("risk question")
        verbose_name_plural = _("risk questions")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=RISK_WEIGHT_MIN) & Q(weight__lte=RISK_WEIGHT_MAX),
                name="risk_question_weight_range",
            ),
        ]

    def __str__(self) -> str:
        return self.text


class RiskAnswer(models.Model):
    """A person's answer to one risk question for one proposal (the requester's, or an IT
    reviewer's): the last one given stands; the audit trail keeps every change."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="risk_answers")
    question = models.ForeignKey(RiskQuestion, on_delete=models.PROTECT, related_name="answers")
    answer = models.CharField(_("answer"), max_length=3, choices=RiskAnswerValue)
    note = models.CharField(_("note"), max_length=500, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"))

    class Meta:
        ordering = ["question__position", "question_id"]
        verbose_name = _("risk answer")
        verbose_name_plural = _("risk answers")
        constraints = [
            # Also the index the assessment reads a proposal's answers by.
            models.UniqueConstraint(fields=["proposal", "question"], name="risk_answer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} {self.question_id}: {self.answer}"
