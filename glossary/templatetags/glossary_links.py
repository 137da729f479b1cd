"""{{ text|glossary_links }} links the glossary's terms in a text; {{ text|glossary_links:"HR" }}
shows HR's meaning as the tooltip where HR has one (glossary.linking explains)."""

from __future__ import annotations

from typing import Any

from django import template

from glossary.linking import link_terms

register = template.Library()


@register.filter(is_safe=False)
def glossary_links(value: Any, department: str | None = None) -> Any:
    return link_terms(value, department=department or None)
