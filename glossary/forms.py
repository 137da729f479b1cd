"""The glossary's forms: plain HTML forms, checked by the same rules as the services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.errors import DomainError
from glossary.models import NAME_MAX, TEXT_MAX
from glossary.services import clean_name, clean_text


class TermForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("glossary", "Term"), max_length=NAME_MAX)
    definition = forms.CharField(
        label=_("Shared definition"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the whole organisation means by it."),
    )

    def clean_name(self) -> str:
        try:
            return clean_name(self.cleaned_data["name"])
        except DomainError as error:
            raise ValidationError(error.message) from error

    def clean_definition(self) -> str:
        try:
            return clean_text(self.cleaned_data["definition"], field="definition", required=True)
        except DomainError as error:
            raise ValidationError(error.message) from error


class MeaningForm(forms.Form):
    text = forms.CharField(
        label=_("Meaning in this department"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Leave it empty when the department uses the shared definition."),
    )

    def clean_text(self) -> str:
        try:
            return clean_text(self.cleaned_data["text"], field="text", required=False)
        except DomainError as error:
            raise ValidationError(error.message) from error
