"""The organisation's reference data in each language (django-modeltranslation): a department's
name, a tier's name, a goal's title and description, a checklist question and its help. English
is required; a blank Dutch or French value reads as the English one. Entered in the admin."""

from __future__ import annotations

from modeltranslation.translator import TranslationOptions, register

from stakeholders.models import ApprovalTier, ChecklistQuestion, Department, StrategicGoal


class _Translated(TranslationOptions):
    required_languages = ("en",)
    # A blank translation is stored as NULL, "not translated": two tiers may both lack a Dutch
    # name without tripping the unique constraint that each language's names carry.
    empty_values = None


@register(Department)
class DepartmentTranslation(_Translated):
    fields = ("name",)


@register(ApprovalTier)
class ApprovalTierTranslation(_Translated):
    fields = ("name",)


@register(StrategicGoal)
class StrategicGoalTranslation(_Translated):
    fields = ("title", "description")


@register(ChecklistQuestion)
class ChecklistQuestionTranslation(_Translated):
    fields = ("text", "help_text")
