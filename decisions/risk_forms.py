"""The vendor risk questionnaire's browser forms: a question as IT Operations writes it, and a
proposal's answers (one yes / no / not answered choice and a note per question people answer)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from decisions.models import RISK_WEIGHT_MAX, RiskCategory, RiskFact
from decisions.risk import RiskAssessment
from decisions.services.risk import NOTE_MAX


class RiskQuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Question (English)"),
        max_length=300,
        help_text=_("Ask it so that yes is the safe answer."),
    )
    text_nl = forms.CharField(label=_("Question (Dutch)"), max_length=300, required=False)
    text_fr = forms.CharField(label=_("Question (French)"), max_length=300, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=RiskCategory.choices)
    weight = forms.IntegerField(
        label=_("Weight"),
        min_value=1,
        max_value=RISK_WEIGHT_MAX,
        initial=1,
        help_text=_("From 1 to 10: how much a no (or no answer) adds to the risk."),
    )
    fact = forms.ChoiceField(
        label=_("Answered by the catalog fact"),
        choices=[("", _("None: people answer it")), *RiskFact.choices],
        required=False,
    )
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=32767, initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("text_nl", "text_fr"):
            data[name] = data[name] or None  # blank: not translated (reads as the English)
        return data


ANSWER_CHOICES = [("", _("Not answered")), ("yes", _("Yes")), ("no", _("No"))]


class RiskAnswersForm(forms.Form):
    """One field pair per question people answer (a fact's answer is shown, not asked)."""

    def __init__(self, *args: Any, assessment: RiskAssessment | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.askable = [i for i in (assessment.items if assessment else []) if not i.by_fact]
        for item in self.askable:
            pk = item.question.pk
            self.fields[f"answer_{pk}"] = forms.ChoiceField(
                label=item.question.text,
                choices=ANSWER_CHOICES,
                required=False,
                initial=item.answer or "",
                widget=forms.RadioSelect,
            )
            self.fields[f"note_{pk}"] = forms.CharField(
                label=_("Note"), max_length=NOTE_MAX, required=False, initial=item.note
            )

    def rows(self) -> list[tuple[Any, Any, Any]]:
        """(item, answer field, note field) for the template."""
        return [
            (item, self[f"answer_{item.question.pk}"], self[f"note_{item.question.pk}"])
            for item in self.askable
        ]

    def answers(self) -> dict[int, str | None]:
        return {
            i.question.pk: self.cleaned_data[f"answer_{i.question.pk}"] or None
            for i in self.askable
        }

    def notes(self) -> dict[int, str]:
        return {i.question.pk: self.cleaned_data[f"note_{i.question.pk}"] for i in self.askable}
