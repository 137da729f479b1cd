"""Validating a batch's items one by one: a fast path for plainly valid items, and the slow path
that names every field at fault for the others."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import msgspec
from django.utils.translation import gettext as _

from core.text import LINE_BREAK
from vendors.sync.spec import (
    _MISSING,
    _PLANS,
    ITEM_TYPES,
    POST_CHECKS,
    SOLUTION_KEYS,
    STRIPPED,
    TEXT_CHECKS,
    VENDOR,
    VENDOR_KEYS,
    CustomDefinition,
    Item,
    _clean_country,
    _clean_external_id,
    _Invalid,
    check_lifecycle,
    clean_custom,
)


def validate_item(
    raw: Any, *, type_: str, custom: Mapping[str, CustomDefinition] | None = None
) -> Item:
    """Clean one item; its errors name each field (unknown fields included).

    A plainly valid item passes the declared item type in one call (msgspec, in C) and the few
    checks a type cannot state; anything off goes through validate_slow for its messages. The
    fast path is never more permissive than the slow one (tests/vendors/test_sync.py compares
    them), it only saves the per-field calls on the common path.

    `custom`: the active custom field definitions of the item's type (spec.
    load_custom_definitions); none given, none exist."""
    definitions = custom or {}
    if type(raw) is not dict:
        return validate_slow(raw, type_=type_, custom=definitions)
    try:
        values = msgspec.structs.asdict(msgspec.convert(raw, ITEM_TYPES[type_]))
        for name, required, single_line in TEXT_CHECKS[type_]:
            text = values[name]
            if (
                type(text) is not str  # an InvalidText: core.text
                or "\x00" in text
                or (required and not text.strip())
                or (single_line and LINE_BREAK.search(text))
            ):
                return validate_slow(raw, type_=type_, custom=definitions)
        for name in STRIPPED[type_]:
            values[name] = values[name].strip()
        for name, clean in POST_CHECKS[type_]:
            values[name] = clean(values[name])
        values["custom"], custom_errors = clean_custom(values["custom"], definitions)
        if custom_errors or (type_ != VENDOR and check_lifecycle(values) is not None):
            return validate_slow(raw, type_=type_, custom=definitions)
    except (msgspec.ValidationError, _Invalid):
        return validate_slow(raw, type_=type_, custom=definitions)
    external_id = values.pop("external_id")
    vendor_ref = values.pop("vendor", None)
    return Item(type_, external_id, values, {}, vendor_ref)


def validate_slow(
    raw: Any, *, type_: str, custom: Mapping[str, CustomDefinition] | None = None
) -> Item:
    """Clean one item field by field, collecting a message for every field at fault."""
    if not isinstance(raw, dict):
        item = Item(type_, None, None)
        item.invalidate("non_field_errors", _("Expected a JSON object."))
        return item
    keys = VENDOR_KEYS if type_ == VENDOR else SOLUTION_KEYS
    errors: dict[str, list[str]] = {}
    external_id = None
    try:
        external_id = _clean_external_id(raw.get("external_id", _MISSING))
    except _Invalid as error:
        if "external_id" not in raw:
            errors["external_id"] = [_("This field is required.")]
        else:
            errors["external_id"] = [str(error)]
    for key in raw.keys() - keys:
        errors[str(key)] = [_("Unknown field.")]
    values = _clean_fields(raw, type_=type_, errors=errors)
    values["custom"], custom_errors = clean_custom(raw.get("custom", _MISSING), custom or {})
    errors.update(custom_errors)
    vendor_ref = None
    if type_ == VENDOR:
        try:
            if "country" in values:
                values["country"] = _clean_country(values["country"])
        except _Invalid as error:
            errors["country"] = [str(error)]
    else:
        vendor_ref = _clean_vendor_ref(raw, errors=errors)
        both = "lifecycle" in values and "end_of_life_on" in values
        if both and (problem := check_lifecycle(values)) is not None:
            errors["end_of_life_on"] = [problem]
    return Item(type_, external_id, None if errors else values, errors, vendor_ref)


def _clean_fields(raw: dict[Any, Any], *, type_: str, errors: dict[str, list[str]]) -> dict:
    """Each field's cleaned value (or its default when left out); its message when invalid."""
    values: dict[str, Any] = {}
    for name, required, default, clean in _PLANS[type_]:
        value = raw.get(name, _MISSING)
        if value is _MISSING:
            if required:
                errors[name] = [_("This field is required.")]
            else:
                values[name] = default
            continue
        try:
            values[name] = clean(value)
        except _Invalid as error:
            errors[name] = [str(error)]
    return values


def _clean_vendor_ref(raw: dict[Any, Any], *, errors: dict[str, list[str]]) -> str | None:
    """A solution's vendor: the vendor's external_id in the same source."""
    ref = raw.get("vendor", _MISSING)
    if ref is _MISSING:
        errors["vendor"] = [_("This field is required (the vendor's external_id).")]
        return None
    try:
        return _clean_external_id(ref)
    except _Invalid as error:
        errors["vendor"] = [str(error)]
        return None


def _mark_duplicates(items: list[Item], counts: Mapping[str, int] | None = None) -> None:
    """Invalidate every item whose external_id the request lists more than once: `counts`,
    when the items are a part of a larger request (a job's chunk), says how often the whole
    request lists each id; otherwise they are counted here."""
    if counts is None:
        counts = Counter(item.external_id for item in items if item.external_id is not None)
    for item in items:
        if item.external_id is not None and counts.get(item.external_id, 1) > 1:
            item.invalidate(
                "external_id",
                _("external_id %(id)s is listed %(n)d times in this request; send it once.")
                % {"id": item.external_id, "n": counts[item.external_id]},
            )
