"""What a catalog sync item is: the fields a vendor and a solution carry, taken from the models
(lengths, choices, digits stay in one place), the function cleaning each field, and the
declarative item types the fast path validates with and the schema publishes (msgspec)."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Annotated, Any, Literal

import msgspec
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.text import LINE_BREAK, unreadable
from vendors.models import (
    TAG_MAX_LENGTH,
    TAGS_MAX,
    CatalogCustomField,
    CatalogSyncSession,
    CustomFieldType,
    Solution,
    SolutionLifecycle,
    Vendor,
)

MAX_ITEMS = 5000
# A full sync in several requests must send its final page within this time of its first.
SESSION_TTL = dt.timedelta(hours=24)
MODE_UPSERT, MODE_FULL = "upsert", "full"
MODES = (MODE_UPSERT, MODE_FULL)
VENDOR, SOLUTION = "vendor", "solution"
CREATED, UPDATED, UNCHANGED, INVALID = "created", "updated", "unchanged", "invalid"
# A delta push's removal that tombstoned its record.
DELETED = "deleted"
# Tombstoning in chunks keeps each statement's parameter list short on SQLite.
CHUNK = 1000
# The fields an item may carry besides its key, as stored on the models. Solution.in_use is
# ours (the landscape, set by adoption), is_deleted follows from full syncs: neither is synced.
# The richer record (tags, owner contact, custom fields) on both; a solution's lifecycle.
RICH_FIELDS = ("tags", "owner_name", "owner_email", "custom")
VENDOR_FIELDS = ("name", "website", "country", "description", *RICH_FIELDS)
SOLUTION_FIELDS = (
    "name",
    "description",
    "category",
    "pricing_model",
    "list_price",
    "price_currency",
    "price_unit",
    "deployment",
    "iso27001",
    "soc2",
    "sso",
    "has_api",
    "processes_personal_data",
    "data_location",
    "lifecycle",
    "end_of_life_on",
    *RICH_FIELDS,
)
_MISSING = object()


class SyncRequestInvalid(DomainError):
    """The request as a whole is unusable (wrong top-level types, too many items): 400/413."""

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None, status=400):
        super().__init__(message, code="invalid")
        self.errors = errors or {}
        self.status_code = status


class _Invalid(Exception):
    pass


# --------------------------------------------------------------------------------------------
# Item validation: plain functions built once from the model fields (max lengths, choices,
# decimal digits stay in one place). A DRF serializer per item costs ~20x more, and a sync of
# 100,000 items is benchmarked against PostgreSQL's own COPY.


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # "str", "url", "email", "choice", "decimal", "bool", "date", "tags", "custom"
    required: bool
    default: Any
    max_length: int | None = None
    choices: frozenset[str] = frozenset()
    max_digits: int = 0
    decimal_places: int = 0
    help: str = ""
    # A CharField (a name, a unit): one line. A TextField (a description) may have several.
    single_line: bool = False
    # Identifying text (a name, a country code): surrounding whitespace is removed.
    strip: bool = False


def _spec(model: type[models.Model], name: str) -> FieldSpec:
    f = model._meta.get_field(name)
    if not isinstance(f, models.Field):
        raise TypeError(f"{model.__name__}.{name} is a relation, not a synced column")
    default = f.get_default()
    if isinstance(f, models.JSONField):  # tags (a list) or custom (an object)
        return FieldSpec(name, name, False, default, help=str(f.verbose_name))
    if isinstance(f, models.DateField):
        return FieldSpec(name, "date", False, None, help=str(f.verbose_name))
    if isinstance(f, models.BooleanField):
        return FieldSpec(name, "bool", False, default, help=str(f.verbose_name))
    if isinstance(f, models.DecimalField):
        return FieldSpec(
            name,
            "decimal",
            False,
            None,
            max_digits=f.max_digits,
            decimal_places=f.decimal_places,
            help=str(f.verbose_name),
        )
    if f.choices:
        return FieldSpec(
            name,
            "choice",
            not f.has_default(),
            default if f.has_default() else None,
            max_length=f.max_length,
            choices=frozenset(str(value) for value, _label in f.flatchoices),
            help=str(f.verbose_name),
        )
    kind = (
        "url"
        if isinstance(f, models.URLField)
        else "email"
        if isinstance(f, models.EmailField)
        else "str"
    )
    return FieldSpec(
        name,
        kind,
        not f.blank,
        "",
        max_length=f.max_length,
        help=str(f.verbose_name),
        single_line=isinstance(f, models.CharField),
        strip=name in STRIPPED_FIELDS,
    )


# Lenient where harmless: the fields whose surrounding whitespace is removed (besides the
# external ids and the vendor reference); a country code is also upper-cased.
STRIPPED_FIELDS = frozenset({"name", "country", "owner_name", "owner_email"})


VENDOR_SPECS = tuple(_spec(Vendor, name) for name in VENDOR_FIELDS)
SOLUTION_SPECS = tuple(_spec(Solution, name) for name in SOLUTION_FIELDS)


def _max_length(model: type[models.Model], name: str) -> int:
    field = model._meta.get_field(name)
    if not isinstance(field, models.CharField) or field.max_length is None:
        raise TypeError(f"{model.__name__}.{name} is not a text column with a length")
    return field.max_length


EXTERNAL_ID_MAX = _max_length(Vendor, "external_id")
SOURCE_MAX = _max_length(Vendor, "source")
_url_validator = URLValidator(schemes=["http", "https"])


def _clean_str(spec: FieldSpec, raw: Any) -> str:
    if not isinstance(raw, str):
        raise _Invalid(_("Expected a string."))
    # Unreadable text first: core.text marks it by its type, which strip() would drop.
    if (problem := unreadable(raw)) is not None:
        raise _Invalid(problem)
    if spec.strip:
        raw = raw.strip()
    if spec.max_length is not None and len(raw) > spec.max_length:
        raise _Invalid(
            _("At most %(max)d characters (this has %(n)d).")
            % {"max": spec.max_length, "n": len(raw)}
        )
    if spec.single_line and LINE_BREAK.search(raw):
        raise _Invalid(_("Line breaks are not allowed here."))
    if spec.required and not raw.strip():
        raise _Invalid(_("This field may not be blank."))
    return raw


def _clean_choice(spec: FieldSpec, raw: Any) -> str:
    if type(raw) is str and raw in spec.choices:
        return raw
    raise _Invalid(
        _("Unknown %(field)s %(value)s; expected one of: %(choices)s.")
        % {"field": spec.help, "value": repr(raw)[:60], "choices": ", ".join(sorted(spec.choices))}
    )


def _clean_bool(spec: FieldSpec, raw: Any) -> bool:
    if raw is True or raw is False:
        return raw
    raise _Invalid(_("Expected true or false."))


def _decimal_value(raw: Any) -> Decimal:
    """A finite, non-negative Decimal from a string or a number (a float by its repr)."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise _Invalid(_("Expected a decimal number, preferably as a string."))
    try:
        value = Decimal(repr(raw) if isinstance(raw, float) else raw)
    except InvalidOperation:
        raise _Invalid(_("Expected a decimal number, preferably as a string.")) from None
    if not value.is_finite():
        raise _Invalid(_("Expected a finite number."))
    if value < 0:
        raise _Invalid(_("May not be negative."))
    return value


def _clean_decimal(spec: FieldSpec, raw: Any) -> Decimal | None:
    return None if raw is None else _fit_decimal(spec, _decimal_value(raw))


def _fit_decimal(spec: FieldSpec, value: Decimal | None) -> Decimal | None:
    """A decimal as its column stores it: finite, not negative, at most its digits."""
    if value is None:
        return None
    if not value.is_finite():
        raise _Invalid(_("Expected a finite number."))
    if value < 0:
        raise _Invalid(_("May not be negative."))
    whole_digits = spec.max_digits - spec.decimal_places
    if value and value.adjusted() >= whole_digits:
        raise _Invalid(
            _("At most %(digits)d digits before the decimal point.") % {"digits": whole_digits}
        )
    quantized = value.quantize(Decimal(1).scaleb(-spec.decimal_places))  # fits: checked above
    if quantized != value:
        raise _Invalid(_("At most %(places)d decimal places.") % {"places": spec.decimal_places})
    return quantized


def _clean_url(spec: FieldSpec, raw: Any) -> str:
    value = _clean_str(spec, raw)
    if value:
        try:
            _url_validator(value)
        except ValidationError:
            raise _Invalid(_("Enter a valid http(s) URL.")) from None
    return value


def _clean_email(spec: FieldSpec, raw: Any) -> str:
    value = _clean_str(spec, raw)
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise _Invalid(_("Enter a valid email address.")) from None
    return value


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(raw: Any) -> dt.date:
    """A date written YYYY-MM-DD (nothing else: no time, no other format)."""
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):  # the fast path's
        return raw
    if type(raw) is str and ISO_DATE.fullmatch(raw):
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            pass
    raise _Invalid(_("Expected a date as YYYY-MM-DD."))


def _clean_date(spec: FieldSpec, raw: Any) -> dt.date | None:
    return None if raw is None else _iso_date(raw)


TAG = re.compile(r"[a-z0-9][a-z0-9._-]*")
TAG_PATTERN = r"^\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*$"


def _clean_tags(spec: FieldSpec | None, raw: Any) -> list[str]:
    """Tags as stored: each stripped and lower-cased, each once, sorted (so the same tags in
    another order or case are no change)."""
    if type(raw) is not list:
        raise _Invalid(_("Expected a list of tags."))
    if len(raw) > TAGS_MAX:  # before reading them: a list of 10,000 costs nothing more
        raise _Invalid(
            _("At most %(max)d tags (this has %(n)d).") % {"max": TAGS_MAX, "n": len(raw)}
        )
    tags = set()
    for position, tag in enumerate(raw, start=1):
        if not isinstance(tag, str):
            raise _Invalid(_("Tag %(n)d: expected a string.") % {"n": position})
        if (problem := unreadable(tag)) is not None:
            raise _Invalid(_("Tag %(n)d: %(problem)s") % {"n": position, "problem": problem})
        tag = tag.strip().lower()
        if len(tag) > TAG_MAX_LENGTH:
            raise _Invalid(
                _("Tag %(n)d: at most %(max)d characters.") % {"n": position, "max": TAG_MAX_LENGTH}
            )
        if not tag.isascii() or not TAG.fullmatch(tag):
            raise _Invalid(
                _(
                    "Tag %(n)d: letters, digits, '-', '_' and '.' only, starting with a letter "
                    "or a digit."
                )
                % {"n": position}
            )
        tags.add(tag)
    return sorted(tags)


def _clean_custom_placeholder(spec: FieldSpec, raw: Any) -> Any:
    raise TypeError("custom is cleaned against its definitions: clean_custom()")


_CLEANERS: dict[str, Callable[[FieldSpec, Any], Any]] = {
    "str": _clean_str,
    "url": _clean_url,
    "email": _clean_email,
    "choice": _clean_choice,
    "bool": _clean_bool,
    "decimal": _clean_decimal,
    "date": _clean_date,
    "tags": _clean_tags,
    "custom": _clean_custom_placeholder,
}


def _cleaner(spec: FieldSpec) -> Callable[[Any], Any]:
    """The cleaning function of one field: it returns the value to store or raises _Invalid
    with the message for the client."""
    return partial(_CLEANERS[spec.kind], spec)


def _clean_country(value: str) -> str:
    """An ISO 3166 code in any case and with surrounding whitespace, stored upper-case."""
    value = value.strip().upper()
    if value and not (len(value) == 2 and value.isascii() and value.isalpha() and value.isupper()):
        raise _Invalid(_("Expected an ISO 3166 country code such as NL."))
    return value


def _clean_external_id(raw: Any) -> str:
    """A record's key in its source. Surrounding whitespace is removed (never meant, and
    invisible in most tools); anything else is kept as sent: ids that differ in case or in
    inner whitespace are different records, as they are in most sources."""
    if not isinstance(raw, str):
        raise _Invalid(_("Expected a string."))
    if (problem := unreadable(raw)) is not None:  # before strip(), which drops its mark
        raise _Invalid(problem)
    raw = raw.strip()
    if not raw.strip():
        raise _Invalid(_("This field may not be blank."))
    if len(raw) > EXTERNAL_ID_MAX:
        raise _Invalid(_("At most %(max)d characters.") % {"max": EXTERNAL_ID_MAX})
    if LINE_BREAK.search(raw):
        raise _Invalid(_("Line breaks are not allowed here."))
    return raw


@dataclass
class Item:
    """One item of the batch: its key, its cleaned values, and what became of it."""

    type: str
    external_id: str | None
    values: dict[str, Any] | None
    errors: dict[str, list[str]] = field(default_factory=dict)
    vendor_ref: str | None = None
    status: str = INVALID
    id: int | None = None

    def invalidate(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)
        self.values = None

    def as_report(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "external_id": self.external_id,
            "status": self.status,
            "id": self.id,
            "errors": self.errors,
        }


VENDOR_KEYS = frozenset({"external_id", *VENDOR_FIELDS})
SOLUTION_KEYS = frozenset({"external_id", "vendor", *SOLUTION_FIELDS})


# (name, required, default, cleaner) per field, in order; `custom` is cleaned apart, against
# the definitions of the moment (clean_custom).
_PLANS = {
    kind: tuple(
        (spec.name, spec.required, spec.default, _cleaner(spec))
        for spec in specs
        if spec.kind != "custom"
    )
    for kind, specs in (("vendor", VENDOR_SPECS), ("solution", SOLUTION_SPECS))
}


def check_lifecycle(values: dict[str, Any]) -> str | None:
    """The rule across a solution's lifecycle fields: end of life needs its date (a date while
    active is an announced end of life)."""
    if (
        values.get("lifecycle") == SolutionLifecycle.END_OF_LIFE
        and values.get("end_of_life_on") is None
    ):
        return _("Required when the lifecycle is end_of_life.")
    return None


# --------------------------------------------------------------------------------------------
# Custom fields: an item's `custom` object checked against the active CatalogCustomField
# definitions of its type, loaded once per batch (one query, whatever the batch's size).

CUSTOM_TEXT_MAX = 500
# An object with more keys than this is refused whole (one message, not one per key).
CUSTOM_KEYS_MAX = 100
# A key is quoted in an error's name up to this length.
CUSTOM_KEY_SHOWN = 60


@dataclass(frozen=True)
class CustomDefinition:
    key: str
    type: str
    required: bool
    max_length: int = CUSTOM_TEXT_MAX
    choices: tuple[str, ...] = ()


CustomDefinitions = dict[str, dict[str, CustomDefinition]]  # by item type, then by key
NO_CUSTOM: CustomDefinitions = {VENDOR: {}, SOLUTION: {}}


def load_custom_definitions() -> CustomDefinitions:
    """The active custom field definitions by item type and key. One query."""
    definitions: CustomDefinitions = {VENDOR: {}, SOLUTION: {}}
    for field_ in CatalogCustomField.objects.filter(active=True).order_by():
        definitions[field_.applies_to][field_.key] = CustomDefinition(
            field_.key,
            field_.type,
            field_.required,
            field_.max_length or CUSTOM_TEXT_MAX,
            tuple(field_.choice_list),
        )
    return definitions


def _custom_text(definition: CustomDefinition, raw: Any) -> str:
    if not isinstance(raw, str):
        raise _Invalid(_("Expected a string."))
    if (problem := unreadable(raw)) is not None:
        raise _Invalid(problem)
    if len(raw) > definition.max_length:
        raise _Invalid(
            _("At most %(max)d characters (this has %(n)d).")
            % {"max": definition.max_length, "n": len(raw)}
        )
    if definition.required and not raw.strip():
        raise _Invalid(_("This field may not be blank."))
    return raw


def _custom_number(definition: CustomDefinition, raw: Any) -> int | float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise _Invalid(_("Expected a number."))
    if isinstance(raw, float) and not math.isfinite(raw):
        raise _Invalid(_("Expected a finite number."))
    if isinstance(raw, int) and abs(raw) >= 2**63:
        raise _Invalid(_("The number is too large."))
    return raw


def _custom_date(definition: CustomDefinition, raw: Any) -> str:
    if not isinstance(raw, str) or unreadable(raw) is not None:
        raise _Invalid(_("Expected a date as YYYY-MM-DD."))
    return _iso_date(raw).isoformat()


def _custom_boolean(definition: CustomDefinition, raw: Any) -> bool:
    if raw is True or raw is False:
        return raw
    raise _Invalid(_("Expected true or false."))


def _custom_choice(definition: CustomDefinition, raw: Any) -> str:
    if type(raw) is str and raw in definition.choices:
        return raw
    raise _Invalid(
        _("Unknown value %(value)s; expected one of: %(choices)s.")
        % {"value": repr(raw)[:60], "choices": ", ".join(definition.choices)}
    )


# One custom value as stored (JSON), by its definition's type, or _Invalid.
_CUSTOM_CLEANERS: dict[str, Callable[[CustomDefinition, Any], Any]] = {
    CustomFieldType.TEXT: _custom_text,
    CustomFieldType.NUMBER: _custom_number,
    CustomFieldType.DATE: _custom_date,
    CustomFieldType.BOOLEAN: _custom_boolean,
    CustomFieldType.CHOICE: _custom_choice,
}


def clean_custom(
    raw: Any, definitions: Mapping[str, CustomDefinition]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """An item's custom object as stored (nulls dropped) and its errors, each named
    custom.<key>. A missing object is an empty one (its required fields are then missing)."""
    errors: dict[str, list[str]] = {}
    if raw is _MISSING or raw is None:
        raw = {}
    if type(raw) is not dict:
        return {}, {"custom": [_("Expected a JSON object.")]}
    if len(raw) > CUSTOM_KEYS_MAX:
        return {}, {
            "custom": [
                _("At most %(max)d custom fields (this has %(n)d).")
                % {"max": CUSTOM_KEYS_MAX, "n": len(raw)}
            ]
        }
    values: dict[str, Any] = {}
    for key, value in raw.items():
        definition = definitions.get(key)
        if definition is None:
            shown = key if unreadable(key) is None else key.encode("unicode_escape").decode()
            errors[f"custom.{shown[:CUSTOM_KEY_SHOWN]}"] = [_("Unknown custom field.")]
            continue
        if value is None:
            continue
        try:
            values[key] = _CUSTOM_CLEANERS[definition.type](definition, value)
        except _Invalid as error:
            errors[f"custom.{key}"] = [str(error)]
    for key, definition in definitions.items():
        if definition.required and key not in values and f"custom.{key}" not in errors:
            errors[f"custom.{key}"] = [_("This custom field is required.")]
    return values, errors


TOP_LEVEL_KEYS = frozenset(
    {
        "source",
        "mode",
        "vendors",
        "solutions",
        "sync_id",
        "final",
        "confirm_empty",
        "confirm_deletions",
        "removed",
    }
)
SYNC_ID_MAX = _max_length(CatalogSyncSession, "sync_id")


# --------------------------------------------------------------------------------------------
# The item types, declared from the same specs: msgspec validates a whole well-formed item in
# one call (the fast path), and its JSON Schema of them is what the API schema publishes. The
# few rules a type cannot say (an http(s) URL, a decimal's digits) are checked after it.

# What the types publish as JSON Schema patterns but the fast path checks in Python (a pattern
# per text field costs msgspec more than the rest of the item): no NUL anywhere, and for a
# required text some character that is not a space.
COUNTRY = r"^\s*([A-Za-z]{2})?\s*$"


def _pattern(*, required: bool, single_line: bool) -> str:
    """No NUL (and, on one line, no line break) anywhere; when required, a character that is
    not a space somewhere."""
    barred = "\\x00" + ("\\r\\n" if single_line else "")
    if not required:
        return f"^[^{barred}]*$"
    return f"^[^{barred}]*[^\\s{barred}][^{barred}]*$"


def _text(
    max_length: int | None,
    *,
    required: bool,
    description: str,
    single_line: bool = True,
    pattern: str | None = None,
) -> Any:
    meta: dict[str, Any] = {
        "description": description,
        "extra_json_schema": {
            "pattern": pattern or _pattern(required=required, single_line=single_line)
        },
    }
    if max_length is not None:
        meta["max_length"] = max_length
    return Annotated[str, msgspec.Meta(**meta)]


def _decimal(spec: FieldSpec) -> Any:
    whole = spec.max_digits - spec.decimal_places
    schema = {
        "x-any-of": [
            {"type": "string", "pattern": rf"^\d{{1,{whole}}}(\.\d{{1,{spec.decimal_places}}})?$"},
            {"type": "number", "minimum": 0, "exclusiveMaximum": 10**whole},
        ],
        "description": f"{spec.help}: a decimal string (preferred) or number, at least 0, "
        f"at most {whole} digits before the point and {spec.decimal_places} after.",
    }
    return Annotated[Decimal | None, msgspec.Meta(extra_json_schema=schema)]


def _described(spec: FieldSpec) -> str:
    if spec.name == "country":
        return (
            "ISO 3166 country code, such as NL; any case and surrounding whitespace are "
            "accepted and stored as upper case (nl → NL)."
        )
    if spec.strip:
        return f"{spec.help}. Surrounding whitespace is removed."
    return spec.help


_DATE_HELP = (
    "The end-of-life date, YYYY-MM-DD, or null. Required when lifecycle is end_of_life; "
    "while active, an announced end of life."
)
_TAGS_SCHEMA = {
    "maxItems": TAGS_MAX,
    "items": {"type": "string", "maxLength": TAG_MAX_LENGTH, "pattern": TAG_PATTERN},
    "description": f"Up to {TAGS_MAX} short labels of at most {TAG_MAX_LENGTH} characters: "
    "letters, digits, '-', '_' and '.', starting with a letter or a digit. Stored stripped, "
    "lower-cased, each once and sorted ([' HR ', 'ats', 'hr'] → ['ats', 'hr']).",
}
_CUSTOM_SCHEMA = {
    "additionalProperties": True,
    "description": "Values of the custom fields an administrator defined for this type of "
    "record: the active definitions are listed by GET /api/v1/catalog/custom-fields/ (key, "
    "type: text, number, date as YYYY-MM-DD, boolean or choice, required, max_length, "
    "choices). An unknown key, a wrong type, a missing required field or a choice not offered "
    "makes the item invalid, the error named custom.<key>. A null value is no value.",
}


def _item_type(name: str, specs: tuple[FieldSpec, ...], *, with_vendor: bool) -> type:
    key = (
        "The record's id in the source; unique per source. Surrounding whitespace is removed; "
        "case and inner whitespace are kept: ids differing in them are different records."
    )
    fields: list[tuple[str, Any, Any]] = [
        ("external_id", _text(EXTERNAL_ID_MAX, required=True, description=key), msgspec.field())
    ]
    if with_vendor:
        vendor = (
            "The external_id of the solution's vendor in the same source: in this request or "
            "sent earlier. Surrounding whitespace is removed."
        )
        fields.append(
            ("vendor", _text(EXTERNAL_ID_MAX, required=True, description=vendor), msgspec.field())
        )
    for spec in specs:
        if spec.kind in ("str", "url", "email"):
            pattern = COUNTRY if spec.name == "country" else None
            annotation = _text(
                spec.max_length,
                required=spec.required,
                description=_described(spec),
                single_line=spec.single_line,
                pattern=pattern,
            )
            if spec.kind == "url":
                uri_or_blank = {"anyOf": [{"format": "uri"}, {"maxLength": 0}]}
                annotation = Annotated[annotation, msgspec.Meta(extra_json_schema=uri_or_blank)]
            elif spec.kind == "email":
                email_or_blank = {"anyOf": [{"format": "email"}, {"maxLength": 0}]}
                annotation = Annotated[annotation, msgspec.Meta(extra_json_schema=email_or_blank)]
        elif spec.kind == "choice":
            choices = Literal[tuple(sorted(spec.choices))]  # type: ignore[valid-type]
            annotation = Annotated[choices, msgspec.Meta(description=spec.help)]
        elif spec.kind == "decimal":
            annotation = _decimal(spec)
        elif spec.kind == "date":
            annotation = Annotated[dt.date | None, msgspec.Meta(description=_DATE_HELP)]
        elif spec.kind == "tags":
            annotation = Annotated[list[str], msgspec.Meta(extra_json_schema=_TAGS_SCHEMA)]
        elif spec.kind == "custom":
            annotation = Annotated[dict[str, Any], msgspec.Meta(extra_json_schema=_CUSTOM_SCHEMA)]
        else:
            annotation = Annotated[bool, msgspec.Meta(description=spec.help)]
        if spec.kind in ("tags", "custom"):
            fields.append(
                (spec.name, annotation, msgspec.field(default_factory=type(spec.default)))
            )
            continue
        default = msgspec.NODEFAULT if spec.required else spec.default
        fields.append((spec.name, annotation, msgspec.field(default=default)))
    return msgspec.defstruct(
        name, fields, kw_only=True, forbid_unknown_fields=True, module=__name__
    )


VendorItem = _item_type("VendorItem", VENDOR_SPECS, with_vendor=False)
SolutionItem = _item_type("SolutionItem", SOLUTION_SPECS, with_vendor=True)
ITEM_TYPES = {VENDOR: VendorItem, SOLUTION: SolutionItem}
# After the type, per kind of item: the text fields' patterns as (name, required), keys
# included; and the rules of the models' own cleaners (URLs, decimals, the country code).
TEXT_CHECKS = {
    kind: (
        ("external_id", True, True),
        *((("vendor", True, True),) if kind == SOLUTION else ()),
        *(
            (spec.name, spec.required, spec.single_line)
            for spec in specs
            if spec.kind in ("str", "url", "email")
        ),
    )
    for kind, specs in ((VENDOR, VENDOR_SPECS), (SOLUTION, SOLUTION_SPECS))
}
# After the type, the text the fast path strips as the slow path's cleaners do.
STRIPPED = {
    kind: (
        "external_id",
        *(("vendor",) if kind == SOLUTION else ()),
        *(spec.name for spec in specs if spec.strip and spec.name != "country"),
    )
    for kind, specs in ((VENDOR, VENDOR_SPECS), (SOLUTION, SOLUTION_SPECS))
}
_POST_CLEANERS: dict[str, Callable[[FieldSpec, Any], Any]] = {
    "url": _clean_url,
    "decimal": _fit_decimal,
    "email": _clean_email,
    "tags": _clean_tags,
}
POST_CHECKS: dict[str, tuple[tuple[str, Callable[[Any], Any]], ...]] = {
    kind: tuple(
        (spec.name, partial(_POST_CLEANERS[spec.kind], spec))
        for spec in specs
        if spec.kind in _POST_CLEANERS
    )
    for kind, specs in ((VENDOR, VENDOR_SPECS), (SOLUTION, SOLUTION_SPECS))
}
POST_CHECKS[VENDOR] += (("country", _clean_country),)


def item_json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of a vendor item and of a solution item, by name, as msgspec derives
    them from the types the sync validates with (no reference between them)."""
    _refs, components = msgspec.json.schema_components(
        [VendorItem, SolutionItem], ref_template="#/components/schemas/{name}"
    )
    for component in components.values():
        for name, prop in component["properties"].items():
            component["properties"][name] = _openapi_31(prop)
    return components


def _openapi_31(prop: dict[str, Any]) -> dict[str, Any]:
    """A property as the API schema (OpenAPI 3.1) says it: a decimal's own alternatives
    (string or number, or null) rather than msgspec's."""
    prop = dict(prop)
    alternatives = prop.pop("x-any-of", None)
    if alternatives is not None:
        options = prop.get("anyOf", [])
        nullable = any(option.get("type") == "null" for option in options)
        prop["anyOf"] = [*alternatives, *([{"type": "null"}] if nullable else [])]
    return prop
