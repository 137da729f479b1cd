"""One shape for every error under /api/: {"message": ..., "errors": {...}}."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy(
        "The resource has changed since you read it (If-Match does not match): "
        "fetch it again and retry."
    )
    default_code = "precondition_failed"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "too_large"


def too_large_message(limit: int | None = None) -> str:
    return _("The request body is too large (the limit is %(limit)s bytes).") % {
        "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE if limit is None else limit
    }


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
        exc = RequestTooLarge(too_large_message())
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)  # keeps WWW-Authenticate and Retry-After
    if response is None:
        return None  # a bug: Django's 500 handling (and logging) takes over
    response.data = _error_data(exc)
    return response


def _error_data(exc: Exception) -> dict[str, Any]:
    """The error shape's body for an exception DRF answered."""
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        fields = [name for name in errors if name != api_settings.NON_FIELD_ERRORS_KEY]
        if fields:
            message = _("Invalid input in: %(fields)s.") % {"fields": ", ".join(fields)}
        else:
            message = "; ".join(errors.get(api_settings.NON_FIELD_ERRORS_KEY, [])) or _(
                "Invalid input."
            )
        return error_body(message, errors)
    if isinstance(exc, exceptions.ParseError):
        return error_body(_("Malformed request body: %(detail)s") % {"detail": exc.detail})
    if isinstance(exc, exceptions.Throttled):
        message = _("Too many requests.")
        wait = getattr(exc, "wait", None)
        if wait is not None:
            message += " " + _("Retry in %(seconds)d seconds.") % {"seconds": int(wait)}
        return error_body(message)
    detail = getattr(exc, "detail", "")
    if isinstance(detail, (dict, list)):
        return error_body(str(getattr(exc, "default_detail", "")), flatten_errors(detail))
    return error_body(str(detail))


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer."""

    message = serializers.CharField(help_text=gettext_lazy("What went wrong, for a person."))
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text=gettext_lazy(
            "Field name (dotted for nested items) → its messages; empty when the error is "
            "not about a field."
        ),
    )
