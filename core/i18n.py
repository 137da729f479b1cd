"""Reference data kept per language (django-modeltranslation; each app's translation.py): a
translated field `name` has a column per language (name_en, name_nl, name_fr), and reading
`obj.name` gives the active language's value, or the default language's when that is blank.

What leaves the app for machines (the API, the audit trail, webhooks, stored snapshots) carries
the default language's value, whatever the language of the request that produced it: these
helpers name those columns and pick a value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from modeltranslation.translator import NotRegistered, translator

DEFAULT_LANGUAGE: str = settings.MODELTRANSLATION_DEFAULT_LANGUAGE


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def per_language(*paths: str) -> list[str]:
    """Each language's column of each path: "tier__name" -> tier__name_en, _nl, _fr (for
    `only()` and `values_list()` through a relation, which modeltranslation does not rewrite)."""
    return [f"{path}_{code}" for path in paths for code in language_codes()]


def in_default_language(path: str) -> str:
    """The default language's column of a path: "tier__name" -> "tier__name_en"."""
    return f"{path}_{DEFAULT_LANGUAGE}"


def translated_fields(model: type[models.Model]) -> frozenset[str]:
    """The fields of `model` kept per language (empty when it has none)."""
    try:
        return frozenset(translator.get_options_for_model(model).all_fields)
    except NotRegistered:
        return frozenset()


def default_value(instance: models.Model, field: str) -> str:
    """The default language's value of a translated field ("" when blank)."""
    return getattr(instance, f"{field}_{DEFAULT_LANGUAGE}", None) or ""


def translations(instance: models.Model, field: str) -> dict[str, str]:
    """Every language's non-blank value of a translated field: {"en": …, "nl": …}."""
    values = {code: getattr(instance, f"{field}_{code}", None) for code in language_codes()}
    return {code: value for code, value in values.items() if value}


def pick(values: Mapping[str, Any], *, default: str = "") -> str:
    """The active language's value among `values` ({"en": …, "nl": …}), else the default
    language's, else `default`: how a stored snapshot is read in the reader's language."""
    language = (translation.get_language() or DEFAULT_LANGUAGE).split("-")[0]
    return str(values.get(language) or values.get(DEFAULT_LANGUAGE) or default)


def snapshot(instance: models.Model, field: str, *, key: str) -> dict[str, Any]:
    """What a stored copy of a translated text keeps (a checklist question as it was asked):
    the default language's value under `key` (what the API gives) and the others under
    "translations", so that each reader later sees it in their language as it was then."""
    others = translations(instance, field)
    others.pop(DEFAULT_LANGUAGE, None)
    stored: dict[str, Any] = {key: default_value(instance, field)}
    if others:
        stored["translations"] = others
    return stored


def from_snapshot(stored: Mapping[str, Any], key: str) -> str:
    """A stored copy (see snapshot) in the reader's language; a copy made before translations
    existed has only its one text."""
    values = {**(stored.get("translations") or {}), DEFAULT_LANGUAGE: stored.get(key) or ""}
    return pick(values)


# English text -> its other languages: {"Small": {"nl": "Klein", "fr": "Petit"}}.
Glossary = Mapping[str, Mapping[str, str]]


def glossary(*rows: tuple[str, str, str]) -> dict[str, dict[str, str]]:
    """A glossary from (English, Dutch, French) rows."""
    return {en: {"nl": nl, "fr": fr} for en, nl, fr in rows}


def in_every_language(field: str, english: str, words: Glossary) -> dict[str, str]:
    """The columns of a translated field for `english` and what the glossary gives for it:
    {"name_en": "Small", "name_nl": "Klein", "name_fr": "Petit"}."""
    values = {f"{field}_{code}": text for code, text in words.get(english, {}).items() if text}
    return {f"{field}_{DEFAULT_LANGUAGE}": english, **values}


def fill_blank_translations(
    queryset: models.QuerySet[Any], fields: tuple[str, ...], words: Glossary
) -> int:
    """Give the rows whose English text the glossary knows the translations they lack (data
    entered before it had them); a translation someone entered is kept. Returns rows changed."""
    lacking = Q()
    for column in per_language(*fields):
        lacking |= Q(**{f"{column}__isnull": True}) | Q(**{column: ""})
    changed = 0
    for row in queryset.filter(lacking):
        update = []
        for field in fields:
            english = default_value(row, field)
            if not english:
                continue  # nothing to translate
            for column, text in in_every_language(field, english, words).items():
                if not getattr(row, column):
                    setattr(row, column, text)
                    update.append(column)
        if update:
            row.save(update_fields=update)
            changed += 1
    return changed
