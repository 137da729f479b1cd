"""Money: the currencies we price in, conversion to the base currency, the one column size every
amount is stored in, and how an amount reads in the active language: "41,300.00 EUR" in English
(as it always read), "€ 41.300,00" in Dutch and "41 300,00 €" in French (Babel's CLDR formats
for Belgium, where our users are; the Netherlands write Dutch amounts the same way). Pages (the
`money` template filter), emails and messages all format with money_format."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from babel import Locale
from babel.numbers import format_currency
from django.conf import settings
from django.db import models
from django.utils.formats import number_format
from django.utils.translation import get_language


class Currency(models.TextChoices):
    EUR = "EUR", "EUR"
    USD = "USD", "USD"
    GBP = "GBP", "GBP"
    CHF = "CHF", "CHF"
    SEK = "SEK", "SEK"


# The keyword arguments of every money column (DecimalField(**MONEY)).
MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
CENT = Decimal("0.01")
# The largest amount a money column stores. PostgreSQL refuses a larger one (numeric field
# overflow); SQLite would store it silently.
MAX_AMOUNT = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"]) - CENT


def base_currency() -> str:
    return str(settings.BASE_CURRENCY)


def to_base_currency(amount: Decimal, currency: str) -> Decimal:
    """Convert an amount to settings.BASE_CURRENCY with the configured rates (ValueError when
    the currency has no rate)."""
    try:
        rate = settings.FX_RATES[currency]
    except KeyError:
        raise ValueError(f"No exchange rate configured for {currency}") from None
    return (amount * rate).quantize(CENT)


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
        pattern = Locale.parse(locale).currency_formats["standard"].pattern.replace(".00", "")
    return str(
        format_currency(
            value if decimals else value.quantize(Decimal(1)),
            currency,
            format=pattern,
            locale=locale,
            currency_digits=decimals != 0,
        )
    )


def format_base_money(amount: Decimal) -> str:
    """An amount in the base currency as the active language writes it: "41,300.00 EUR"."""
    return money_format(amount, base_currency())
