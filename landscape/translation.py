"""IT Operations' guardrails in each language (django-modeltranslation): name and description.
English is required (the API reads and writes it); a blank Dutch or French value reads as the
English one. Entered in the admin."""

from __future__ import annotations

from modeltranslation.translator import TranslationOptions, register

from landscape.models import Guardrail


@register(Guardrail)
class GuardrailTranslation(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("en",)
    empty_values = None
