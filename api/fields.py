"""Serializer and filter building blocks: strict input, money, strict booleans, bounded ids."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from core.i18n import DEFAULT_LANGUAGE, translated_fields
from core.money import Currency
from core.text import InvalidText, unreadable, validate_single_line, validate_storable


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers, booleans, lists and objects instead of coercing them,
    text a database cannot store (NUL, lone surrogates: core.text), and with `single_line`
    (names, titles) line breaks."""

    default_error_messages = {"not_a_string": gettext_lazy("Expected a string.")}

    def __init__(self, *, single_line: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(validate_storable)
        if single_line:
            self.validators.append(validate_single_line)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        if isinstance(data, InvalidText):
            raise serializers.ValidationError(unreadable(data))
        return super().to_internal_value(data)


class StrictInputSerializer(serializers.Serializer):
    """An input serializer that answers 400 naming every field it does not know, instead of
    silently ignoring a typo, and that refuses a body that is not a JSON object."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: [_("Expected a JSON object.")]}
            )
        known = {name for name, field in self.fields.items() if not field.read_only}
        unknown = sorted(str(key) for key in data if key not in known)
        if unknown:
            raise serializers.ValidationError({key: [_("Unknown field.")] for key in unknown})
        return super().to_internal_value(data)


class MoneySerializer(StrictInputSerializer):
    """An amount as a decimal string, with its ISO 4217 currency. No amount we record (a cost,
    a price, a budget) is negative."""

    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        coerce_to_string=True,
        min_value=0,
        error_messages={"min_value": gettext_lazy("An amount cannot be negative.")},
    )
    currency = serializers.ChoiceField(choices=Currency.choices)


class UserRefSerializer(serializers.Serializer):
    """A person as other resources refer to them (a requester, a reviewer, a tool's owner)."""

    id = serializers.IntegerField(source="pk")
    username = serializers.CharField(source="get_username")
    full_name = serializers.SerializerMethodField()

    def get_full_name(self, user: Any) -> str:
        return user.get_full_name() or user.get_username()


def money(amount, currency: str) -> dict | None:
    """The API's representation of an amount: {"amount": "1234.50", "currency": "EUR"}."""
    if amount is None:
        return None
    return {"amount": f"{Decimal(amount).quantize(Decimal('0.01'))}", "currency": currency}


# --------------------------------------------------------------------------------------------
# Filters: strict booleans and bounded ids


# The largest primary key any of our databases stores (a signed 64-bit integer). A larger id
# cannot exist; SQLite would raise OverflowError on it (a 500) rather than find nothing.
MAX_ID = 2**63 - 1

TRUE_VALUES = {"true", "1", "yes"}
FALSE_VALUES = {"false", "0", "no"}


class StrictBooleanField(forms.Field):
    """true/false (or 1/0, yes/no), any case; empty means "not filtered". Anything else is an
    error, where django-filter's NullBooleanField would silently ignore `?mine=xyz`."""

    widget = forms.TextInput
    default_error_messages = {"invalid": gettext_lazy("Expected true or false.")}

    def to_python(self, value):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in TRUE_VALUES:
            return True
        if text in FALSE_VALUES:
            return False
        raise DjangoValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """An integer id: a decimal, a negative number or one beyond MAX_ID answers 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)

    def get_max_validator(self):
        return None  # max_value above bounds it


class ApiFilterSet(django_filters.FilterSet):
    """The base of every API filter set: model booleans filter strictly and integer columns
    are bounded (see StrictBooleanFilter and IdFilter)."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
        models.AutoField: {"filter_class": IdFilter},
        models.BigAutoField: {"filter_class": IdFilter},
    }


_IN_DEFAULT_LANGUAGE: dict[type, type] = {}


def in_default_language[F: serializers.Field](field_class: type[F]) -> type[F]:
    """`field_class` reading a translated model field (core.i18n) in the default language: the
    API answers with the same names, titles and questions whatever the request's language, as
    it did before they had translations. The schema sees the same field class."""
    if field_class not in _IN_DEFAULT_LANGUAGE:

        class InDefaultLanguage(field_class):  # type: ignore[valid-type, misc]
            def get_attribute(self, instance: Any) -> Any:
                with translation.override(DEFAULT_LANGUAGE):
                    return super().get_attribute(instance)

        InDefaultLanguage.__name__ = field_class.__name__
        InDefaultLanguage.__qualname__ = field_class.__qualname__
        _IN_DEFAULT_LANGUAGE[field_class] = InDefaultLanguage
    return _IN_DEFAULT_LANGUAGE[field_class]


class DefaultLanguageCharField(serializers.CharField):
    """A CharField reading a translated text (or one written from them) in the default language."""

    def get_attribute(self, instance: Any) -> Any:
        with translation.override(DEFAULT_LANGUAGE):
            return super().get_attribute(instance)


# A model serializer whose translated fields (name, title, text…) read the default language's
# value (see in_default_language). A comment, not a docstring: the schema would publish it as the
# description of every serializer without one of its own.
class DefaultLanguageModelSerializer(serializers.ModelSerializer):
    def build_standard_field(self, field_name: str, model_field: Any) -> Any:
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        if field_name in translated_fields(self.Meta.model):
            field_class = in_default_language(field_class)
        return field_class, field_kwargs
