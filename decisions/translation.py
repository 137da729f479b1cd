"""The workflow's reference data in each language (django-modeltranslation): a vendor risk
question's text. English is required (the API reads and writes it); a blank Dutch or French
value reads as the English one."""

from __future__ import annotations

from modeltranslation.translator import TranslationOptions, register

from decisions.models import RiskQuestion


@register(RiskQuestion)
class RiskQuestionTranslation(TranslationOptions):
    fields = ("text",)
    required_languages = ("en",)
    empty_values = None
