"""Amounts as the reader's language writes them (core.money.money_format, which emails share):

{% load money %}{{ proposal.tco|money:BASE_CURRENCY }}   {{ p.tco|money_whole:"EUR" }}
"""

from __future__ import annotations

from typing import Any

from django import template

from core.money import money_format

__all__ = ["money", "money_format", "money_whole"]

register = template.Library()


@register.filter
def money(amount: Any, currency: str) -> str:
    return money_format(amount, currency)


@register.filter
def money_whole(amount: Any, currency: str) -> str:
    return money_format(amount, currency, decimals=0)
