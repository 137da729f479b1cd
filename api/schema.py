"""The schema conventions every endpoint follows, so the published schema lists every answer a
client can get: the standard errors, 404 where a path names an object, 413/415 on writes, 409
on state changes, 304/412 with ETags; and the token security scheme."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from api.conditional import ConditionalMixin
from api.errors import ErrorSerializer
from api.fields import StrictInputSerializer


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
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
    500: gettext_lazy("Something went wrong on our side; it has been logged."),
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Schema entries for the given error statuses, for @extend_schema(responses=...)."""
    return {
        code: OpenApiResponse(ErrorSerializer, description=str(ERROR_DESCRIPTIONS[code]))
        for code in codes
    }


WRITE_METHODS = {"POST", "PUT", "PATCH"}
# GET actions of a view with ETags that answer without one.
UNCONDITIONAL_ACTIONS = {"export"}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus our conventions, so the schema lists every response a
    client can get: the standard errors on every operation, 404 where a path names an object or
    a cursor can be stale, 413/415 on writes, 409 on state changes, 304/412 with ETags."""

    def _standard_error_codes(self) -> set[int]:
        codes = {400, 401, 403, 429, 500}
        view = self.view
        if "{" in self.path or self._is_list_view():
            codes.add(404)
        if self.method in WRITE_METHODS or (
            self.method == "DELETE" and self.get_request_serializer() is not None
        ):  # a body to read (a DELETE that takes a reason)
            codes |= {413, 415}
        if self.method in WRITE_METHODS | {"DELETE"} and getattr(view, "state_changes", False):
            codes.add(409)
        if self.method in {"PUT", "PATCH"} and isinstance(view, ConditionalMixin):
            codes.add(412)
        return codes

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # A decimal string that may not be negative: its pattern says so (drf-spectacular's
        # allows a minus whatever min_value says).
        if (
            isinstance(field, serializers.DecimalField)
            and field.min_value is not None
            and field.min_value >= 0
            and str(schema.get("pattern", "")).startswith("^-?")
        ):
            schema["pattern"] = "^" + schema["pattern"][3:]
        return schema

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        # A blank-allowed URL or e-mail is "" or a URL: drf-spectacular says `oneOf`, which ""
        # satisfies twice (an empty string, and a string of at most 200): strict clients refuse
        # the response. `anyOf` says what is meant.
        options = schema.get("oneOf")
        if options and all(isinstance(o, dict) and o.get("type") == "string" for o in options):
            schema["anyOf"] = schema.pop("oneOf")

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        # A strict input serializer refuses unknown fields (400): the schema says so.
        if direction == "request" and isinstance(serializer, StrictInputSerializer):
            schema["additionalProperties"] = False
        return schema

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
        if self._answers_not_modified() and "304" not in responses:
            responses["304"] = {"description": str(_("Not modified (If-None-Match matched)."))}
        return responses

    def _answers_not_modified(self) -> bool:
        """A read of one object of a view with ETags: 304 when If-None-Match still holds. Not
        the list, and not an export (a file of the whole list, streamed: no ETag)."""
        return (
            self.method == "GET"
            and isinstance(self.view, ConditionalMixin)
            and not self._is_list_view()
            and getattr(self.view, "action", None) not in UNCONDITIONAL_ACTIONS
        )

    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        if isinstance(self.view, ConditionalMixin):
            if self._answers_not_modified():
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
