"""Stored copies of reference data in the reader's language (core.i18n):

{% load reference %}{{ answer|asked }}   a checklist answer's question, as it was asked
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from core.i18n import from_snapshot

register = template.Library()


@register.filter
def asked(answer: Mapping[str, Any]) -> str:
    return from_snapshot(answer, "question")
