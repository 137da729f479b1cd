"""The parts of the API plumbing DRF loads while it defines APIView itself (authentication,
permissions, parser, pagination, throttling). They must not import rest_framework.views or
anything that does (drf_spectacular.openapi, generics): that would be a circular import.
Import them from hrtech_gov.api, which re-exports them."""

from __future__ import annotations

import hmac
import json
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.encoding import smart_str
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, parsers, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import BasePermission
from rest_framework.throttling import SimpleRateThrottle

from stakeholders.models import ApiToken, TokenScope

# --------------------------------------------------------------------------------------------
# Authentication


# last_used_at is written at most this often per token, so reads cost no write per request.
TOKEN_LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>` (or `Token <token>`) for machines.

    The token's public prefix finds the row with one indexed query; the SHA-256 of the whole
    token is compared in constant time. Revoked or expired tokens and inactive users get a 401
    that says which."""

    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or smart_str(header[0]).lower() not in self.keywords:
            return None  # not ours: let session authentication (or anonymity) decide
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid Authorization header: expected 'Bearer <token>'.")
            )
        try:
            plaintext = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        return self.authenticate_token(plaintext)

    def authenticate_token(self, plaintext: str):
        # Imported here: stakeholders.services imports the audit module, which imports models.
        from stakeholders.services import api_token_hash, api_token_split

        prefix = api_token_split(plaintext)
        token = None
        if prefix is not None:
            token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
        if token is None or not hmac.compare_digest(token.key_hash, api_token_hash(plaintext)):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token has been revoked."))
        if token.is_expired(now):
            raise exceptions.AuthenticationFailed(_("This token has expired."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token's user is inactive."))
        if token.last_used_at is None or now - token.last_used_at >= TOKEN_LAST_USED_RESOLUTION:
            # A conditional UPDATE: concurrent requests of one token write once, not each.
            stale = now - TOKEN_LAST_USED_RESOLUTION
            ApiToken.objects.filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale), pk=token.pk
            ).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (with WWW-Authenticate) rather than 403 to anonymous requests.
        return 'Bearer realm="api"'


# --------------------------------------------------------------------------------------------
# Scopes


SCOPE_FULL = TokenScope.FULL.value
SCOPE_CATALOG = TokenScope.CATALOG.value
# A view with required_scope = SCOPE_SESSION refuses every token (e.g. managing tokens).
SCOPE_SESSION = "session"


def request_token(request) -> ApiToken | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None


class TokenScopePermission(BasePermission):
    """A catalog-scoped token may only use views declaring `required_scope = "catalog"`;
    a full token may use everything except session-only views. Session users are not limited
    by scopes (their object rights are checked by the services, as in the browser)."""

    message = gettext_lazy("This token's scope does not allow this endpoint.")

    def has_permission(self, request, view) -> bool:
        token = request_token(request)
        if token is None:
            return True
        required = getattr(view, "required_scope", SCOPE_FULL)
        if required == SCOPE_SESSION:
            self.message = _("This endpoint is only available to a signed-in browser session.")
            return False
        if token.scope == SCOPE_FULL or required == SCOPE_CATALOG:
            return True
        self.message = _(
            "This token is limited to the catalog (scope %(scope)s) and cannot use this endpoint."
        ) % {"scope": token.scope}
        return False


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


def _too_large_message() -> str:
    return _("The request body is too large (the limit is %(limit)s bytes).") % {
        "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    }


class LimitedJSONParser(parsers.JSONParser):
    """JSON with DATA_UPLOAD_MAX_MEMORY_SIZE enforced. DRF reads the request stream itself,
    bypassing Django's check on request.body, so without this a huge body would be parsed."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        if limit is not None and request is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise RequestTooLarge(_too_large_message())
        if stream is None:
            raise exceptions.ParseError(_("The request body is empty."))
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(_too_large_message())
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
            data = json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
        except RecursionError:
            # json's decoder recurses once per level: thousands of "[" exhaust the stack long
            # before the size limit. Answer as for any other malformed body, never a 500.
            raise exceptions.ParseError(_too_deep_message()) from None
        except UnicodeDecodeError as error:
            raise exceptions.ParseError(
                _("The body is not valid %(enc)s.") % {"enc": encoding}
            ) from (error)
        except ValueError as error:
            raise exceptions.ParseError(
                _("JSON parse error - %(error)s") % {"error": str(error)}
            ) from error
        if _depth_exceeds(data, JSON_MAX_DEPTH):
            # Shallower than the recursion limit but still deeper than any resource of ours:
            # refused here so that serializers and error reports never walk such a structure.
            raise exceptions.ParseError(_too_deep_message())
        return data


# No resource nests more than a few levels (a proposal's goals: object → list → object).
JSON_MAX_DEPTH = 64


def _too_deep_message() -> str:
    return _("JSON is nested too deeply (the limit is %(limit)d levels).") % {
        "limit": JSON_MAX_DEPTH
    }


def _depth_exceeds(data, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` levels deep. Iterative, so that the
    check itself cannot exhaust the stack."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _refuse_duplicate_keys(pairs):
    seen: dict = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(_("duplicate key %(key)r") % {"key": key})
        seen[key] = value
    return seen


class ApiCursorPagination(CursorPagination):
    """Cursor pagination: stable under concurrent inserts, no COUNT(*). Views with an
    OrderingFilter keep their ordering; the default is newest first by primary key."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-pk"


# --------------------------------------------------------------------------------------------
# Throttling


class ApiRateThrottle(SimpleRateThrottle):
    """One budget per token for machines, per user for sessions, per address for anonymous
    requests; the rate is settings.API_THROTTLE_RATE ("1000/min"), counted in the Django cache."""

    scope = "api"

    def get_rate(self):
        return getattr(settings, "API_THROTTLE_RATE", "1000/min")

    def get_cache_key(self, request, view):
        token = request_token(request)
        if token is not None:
            ident = f"token:{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"anon:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def parse_rate(self, rate):
        if rate is None:
            return (None, None)
        num, period = rate.split("/")
        seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[0]]
        return int(num), seconds
