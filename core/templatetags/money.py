"""Amounts as the reader's language writes them: "41,300.00 EUR" in English (as it always
read), "€ 41.300,00" in Dutch and "41 300,00 €" in French (Babel's CLDR formats for Belgium,
where our users are; the Netherlands write Dutch amounts the same way).

    {% load money %}{{ proposal.tco|money:BASE_CURRENCY }}   {{ p.tco|money_whole:"EUR" }}
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_currency
from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language

register = template.Library()

# The CLDR locale each language's amounts are written in; English keeps Django's own format.
BABEL_LOCALES = {"nl": "nl_BE", "fr": "fr_BE"}


def money_format(amount: Any, currency: str, *, decimals: int = 2) -> str:
    """One amount in the active language ("" for no amount)."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return ""
    locale = BABEL_LOCALES.get((get_language() or "en").split("-")[0])
    if locale is None:
        return f"{number_format(value, decimals, force_grouping=True)} {currency}"
    pattern = None
    if decimals == 0:
        from babel import Locale

        pattern = Locale.parse(locale).currency_formats["standard"].pattern.replace(".00", "")
    return format_currency(
        value if decimals else value.quantize(Decimal(1)),
        currency,
        format=pattern,
        locale=locale,
        currency_digits=decimals != 0,
    )


@register.filter
def money(amount: Any, currency: str) -> str:
    return money_format(amount, currency)


@register.filter
def money_whole(amount: Any, currency: str) -> str:
    return money_format(amount, currency, decimals=0)
