"""The REST API's shared plumbing: token authentication, scopes, one error shape, cursor
pagination, conditional requests (ETag / If-None-Match / If-Match), throttling and the schema
conventions every endpoint follows. Resources live in each app's apis.py."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.http import Http404
from django.utils.http import parse_etags, quote_etag
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from decisions.errors import DomainError
from hrtech_gov.api_base import (  # re-exported: import the API plumbing from here
    SCOPE_CATALOG,
    SCOPE_FULL,
    SCOPE_SESSION,
    TOKEN_LAST_USED_RESOLUTION,
    ApiCursorPagination,
    ApiRateThrottle,
    LimitedJSONParser,
    PreconditionFailed,
    RequestTooLarge,
    TokenAuthentication,
    TokenScopePermission,
    _too_large_message,
    request_token,
)
from stakeholders.models import Currency

__all__ = [
    "ERROR_RESPONSES",
    "MAX_ID",
    "SCOPE_CATALOG",
    "SCOPE_FULL",
    "SCOPE_SESSION",
    "TOKEN_LAST_USED_RESOLUTION",
    "ApiAutoSchema",
    "ApiCursorPagination",
    "ApiFilterSet",
    "ApiRateThrottle",
    "ConditionalMixin",
    "Conflict",
    "ErrorSerializer",
    "IdFilter",
    "LimitedJSONParser",
    "MoneySerializer",
    "PreconditionFailed",
    "RequestTooLarge",
    "StrictBooleanFilter",
    "StrictCharField",
    "StrictInputSerializer",
    "TokenAuthentication",
    "TokenScopePermission",
    "api_exception_handler",
    "check_if_match",
    "error_body",
    "error_responses",
    "etag_for",
    "etag_for_data",
    "etag_matches",
    "money",
    "not_modified",
    "request_token",
]

# --------------------------------------------------------------------------------------------
# Authentication


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "hrtech_gov.api_base.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": gettext_lazy(
                "An API token created at /api-tokens/ (or POST /api/v1/tokens/), sent as "
                "`Authorization: Bearer <token>`."
            ),
        }


# --------------------------------------------------------------------------------------------
# Errors: one shape for every error


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The request conflicts with the current state.")
    default_code = "conflict"


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error details as {"field": [...], "items.3.name": [...]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in flatten_errors(value, name).items():
                out.setdefault(field, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            if detail:
                out.setdefault(prefix or api_settings.NON_FIELD_ERRORS_KEY, []).extend(
                    str(item) for item in detail
                )
        else:
            for index, item in enumerate(detail):
                name = f"{prefix}.{index}" if prefix else str(index)
                for field, messages in flatten_errors(item, name).items():
                    out.setdefault(field, []).extend(messages)
    elif detail is not None and str(detail) != "":
        out.setdefault(prefix or api_settings.NON_FIELD_ERRORS_KEY, []).append(str(detail))
    return out


def error_body(message: str, errors: dict[str, list[str]] | None = None) -> dict:
    return {"message": str(message), "errors": errors or {}}


def api_exception_handler(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every error as {"message": ..., "errors": {...}}."""
    if isinstance(exc, DomainError):
        errors = {exc.field: [str(exc.message)]} if exc.field else None
        return Response(error_body(exc.message, errors), status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge(_too_large_message())
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)  # keeps WWW-Authenticate and Retry-After
    if response is None:
        return None  # a bug: Django's 500 handling (and logging) takes over

    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        fields = [name for name in errors if name != api_settings.NON_FIELD_ERRORS_KEY]
        if fields:
            message = _("Invalid input in: %(fields)s.") % {"fields": ", ".join(fields)}
        else:
            message = "; ".join(errors.get(api_settings.NON_FIELD_ERRORS_KEY, [])) or _(
                "Invalid input."
            )
        response.data = error_body(message, errors)
    elif isinstance(exc, exceptions.ParseError):
        response.data = error_body(_("Malformed request body: %(detail)s") % {"detail": exc.detail})
    elif isinstance(exc, exceptions.Throttled):
        message = _("Too many requests.")
        if exc.wait is not None:
            message += " " + _("Retry in %(seconds)d seconds.") % {"seconds": int(exc.wait)}
        response.data = error_body(message)
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        if isinstance(detail, (dict, list)):
            response.data = error_body(
                exc.default_detail if not isinstance(detail, str) else detail,
                flatten_errors(detail),
            )
        else:
            response.data = error_body(str(detail))
    return response


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer."""

    message = serializers.CharField(help_text=gettext_lazy("What went wrong, for a person."))
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=gettext_lazy(
            "Field name (dotted for nested items) → its messages; empty when the error is "
            "not about a field."
        ),
    )


ERROR_DESCRIPTIONS = {
    400: gettext_lazy("Invalid input: malformed JSON, unknown fields, wrong types or values."),
    401: gettext_lazy("Not authenticated, or the token is invalid, revoked or expired."),
    403: gettext_lazy("Not allowed: missing right, or the token's scope does not cover this."),
    404: gettext_lazy("Not found, or not visible to you."),
    409: gettext_lazy("Conflict with the current state (for example already submitted)."),
    412: gettext_lazy("If-Match does not match the current ETag: the resource has changed."),
    413: gettext_lazy("The request body is too large."),
    415: gettext_lazy("Unsupported media type: send application/json."),
    429: gettext_lazy("Too many requests: slow down (see Retry-After)."),
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Schema entries for the given error statuses, for @extend_schema(responses=...)."""
    return {
        code: OpenApiResponse(ErrorSerializer, description=str(ERROR_DESCRIPTIONS[code]))
        for code in codes
    }


# Every operation can answer these (authentication, scope, throttling).
ERROR_RESPONSES = error_responses(400, 401, 403, 429)
WRITE_METHODS = {"POST", "PUT", "PATCH"}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus our conventions, so the schema lists every response a
    client can get: the standard errors on every operation, 404 where a path names an object or
    a cursor can be stale, 413/415 on writes, 409 on state changes, 304/412 with ETags."""

    def _standard_error_codes(self) -> set[int]:
        codes = {400, 401, 403, 429}
        view = self.view
        if "{" in self.path or self._is_list_view():
            codes.add(404)
        if self.method in WRITE_METHODS:
            codes |= {413, 415}
        if self.method in WRITE_METHODS | {"DELETE"} and getattr(view, "state_changes", False):
            codes.add(409)
        if self.method in {"PUT", "PATCH"} and isinstance(view, ConditionalMixin):
            codes.add(412)
        return codes

    def get_tags(self) -> list[str]:
        # /api/v1/proposals/{reference}/submit/ → "proposals"
        parts = [p for p in self.path.split("/") if p and not p.startswith("{")]
        if len(parts) >= 3 and parts[0] == "api":
            return [parts[2]]
        return super().get_tags()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in sorted(self._standard_error_codes()):
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    error_responses(code)[code], str(code), direction=direction
                )
        if (
            self.method == "GET"
            and isinstance(self.view, ConditionalMixin)
            and not self._is_list_view()
            and "304" not in responses
        ):
            responses["304"] = {"description": str(_("Not modified (If-None-Match matched)."))}
        return responses

    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        if isinstance(self.view, ConditionalMixin):
            if self.method == "GET" and not self._is_list_view():
                params.append(
                    OpenApiParameter(
                        "If-None-Match",
                        str,
                        OpenApiParameter.HEADER,
                        description=str(_("An ETag you hold: 304 when it is still current.")),
                    )
                )
            if self.method in {"PUT", "PATCH"}:
                params.append(
                    OpenApiParameter(
                        "If-Match",
                        str,
                        OpenApiParameter.HEADER,
                        description=str(_("The ETag you read: 412 when it is no longer current.")),
                    )
                )
        return params


# --------------------------------------------------------------------------------------------
# Request body: JSON only, with the same size limit as the rest of the site


# --------------------------------------------------------------------------------------------
# Pagination


# --------------------------------------------------------------------------------------------
# Conditional requests


def etag_for(obj, *, version: Any = None) -> str:
    """A strong ETag for `obj`, from its model, pk and a version: an explicit `version`, or
    the object's `version`/`seq`/`updated_at`."""
    if version is None:
        for attr in ("version", "change_seq", "seq", "updated_at"):
            version = getattr(obj, attr, None)
            if version is not None:
                break
    if hasattr(version, "isoformat"):
        version = version.isoformat()
    label = obj._meta.label_lower if hasattr(obj, "_meta") else type(obj).__name__
    digest = hashlib.sha256(f"{label}:{obj.pk}:{version}".encode()).hexdigest()[:32]
    return quote_etag(digest)


def etag_for_data(data: Any) -> str:
    """A strong ETag of a representation: changes whenever anything the client sees changes,
    nested objects included."""
    raw = json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder, separators=(",", ":"))
    return quote_etag(hashlib.sha256(raw.encode()).hexdigest()[:32])


def _strip_weak(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def etag_matches(header: str | None, etag: str, *, weak: bool = True) -> bool:
    """Whether an If-None-Match (weak comparison) or If-Match (strong) header matches."""
    if not header:
        return False
    tags = parse_etags(header)
    if "*" in tags:
        return True
    if weak:
        return _strip_weak(etag) in {_strip_weak(t) for t in tags}
    return etag in tags


def check_if_match(request, current_etag: str) -> None:
    """Raise PreconditionFailed when the request carries an If-Match that is not current.
    If-Match is optional: without it the update goes ahead."""
    header = request.headers.get("If-Match")
    if header and not etag_matches(header, current_etag, weak=False):
        raise PreconditionFailed()


def not_modified(request, etag: str) -> Response | None:
    if etag_matches(request.headers.get("If-None-Match"), etag):
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    return None


class ConditionalMixin:
    """For views whose detail answers an ETag: `get_etag(obj, data)` defaults to a hash of the
    representation. Use `conditional_retrieve(obj)` in retrieve, and `check_if_match(request,
    self.current_etag(obj))` before an update (inside the transaction that locks the row)."""

    def get_etag(self, obj, data) -> str:
        return etag_for_data(data)

    def current_etag(self, obj) -> str:
        data = self.get_output_serializer(obj).data
        return self.get_etag(obj, data)

    def get_output_serializer(self, obj):
        return self.get_serializer(obj)

    def conditional_retrieve(self, obj, *, status_code: int = 200) -> Response:
        data = self.get_output_serializer(obj).data
        etag = self.get_etag(obj, data)
        if self.request.method in ("GET", "HEAD") and (
            response := not_modified(self.request, etag)
        ):
            return response
        return Response(data, status=status_code, headers={"ETag": etag})


# --------------------------------------------------------------------------------------------
# Serializer building blocks: strict input, money


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers, booleans, lists and objects instead of coercing them."""

    default_error_messages = {"not_a_string": gettext_lazy("Expected a string.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
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
    """An amount as a decimal string, with its ISO 4217 currency."""

    amount = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    currency = serializers.ChoiceField(choices=Currency.choices)


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

TRUE_VALUES = {"true", "1"}
FALSE_VALUES = {"false", "0"}


class StrictBooleanField(forms.Field):
    """true/false (or 1/0), any case; empty means "not filtered". Anything else is an error,
    where django-filter's NullBooleanField would silently ignore `?mine=xyz`."""

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
