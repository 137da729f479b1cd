"""The workflow's reference data in each language (django-modeltranslation): a vendor risk
question's text, and an onboarding template's and task's title and description (a task copies
every language of its template's). English is required (the API, the audit trail and webhooks
carry it); a blank Dutch or French value reads as the English one."""

from __future__ import annotations

from modeltranslation.translator import TranslationOptions, register

from decisions.models import OnboardingTask, OnboardingTemplate, RiskQuestion


class _Translated(TranslationOptions):
    required_languages = ("en",)
    # A blank translation is stored as NULL, "not translated": two templates of a department may
    # both lack a Dutch title without tripping the unique constraint each language's titles carry.
    empty_values = None


@register(RiskQuestion)
class RiskQuestionTranslation(_Translated):
    fields = ("text",)


@register(OnboardingTemplate)
class OnboardingTemplateTranslation(_Translated):
    fields = ("title", "description")


@register(OnboardingTask)
class OnboardingTaskTranslation(_Translated):
    fields = ("title", "description")
