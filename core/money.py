"""Money: the currencies we price in, conversion to the base currency, the one column size every
amount is stored in, and how an amount in the base currency reads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.formats import number_format


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


def format_base_money(amount: Decimal) -> str:
    """An amount in the base currency as people read it: "41,300.00 EUR"."""
    return f"{number_format(amount, 2, force_grouping=True)} {base_currency()}"
