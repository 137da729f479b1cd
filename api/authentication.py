"""Token authentication for machines: `Authorization: Bearer <token>`."""

from __future__ import annotations

import hmac
import logging
import time
from datetime import timedelta
from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.encoding import smart_str
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from api.models import ApiToken
from api.tokens import api_token_hash, api_token_split
from audit.services import record_event
from core.text import unreadable

# last_used_at is written at most this often per token, so reads cost no write per request.
TOKEN_LAST_USED_RESOLUTION = timedelta(minutes=1)

log = logging.getLogger(__name__)


class WrongToken(Exception):
    """No token with this secret: a guess, or a typo."""


# --- Guessing tokens: each wrong token counts against the address it came from, in the cache,
# for settings.API_TOKEN_FAILURE_WINDOW_MINUTES; at settings.API_TOKEN_FAILURE_LIMIT the address
# is answered 429 until the window ends, and the lock is an audit event. A cache that is away
# counts nothing (logged): tokens are 256 random bits, the lock only slows a guesser further.


def client_address(request: Any) -> str:
    django_request = getattr(request, "_request", request)
    return str(get_client_ip_address(django_request) or "unknown")


def _failure_key(address: str) -> str:
    return f"api-token-failures:{address}"


def token_lockout_wait(address: str) -> float | None:
    """Seconds until `address` may try tokens again, or None when it may now."""
    try:
        state = cache.get(_failure_key(address))
    except Exception:
        log.warning("API token failures: cache unavailable", exc_info=True)
        return None
    if not state or state["count"] < settings.API_TOKEN_FAILURE_LIMIT:
        return None
    return max(state["until"] - time.time(), 1.0)


def token_failure(address: str) -> None:
    window = settings.API_TOKEN_FAILURE_WINDOW_MINUTES * 60
    key = _failure_key(address)
    try:
        state = cache.get(key) or {"count": 0, "until": time.time() + window}
        state["count"] += 1
        cache.set(key, state, timeout=max(int(state["until"] - time.time()), 1))
    except Exception:
        log.warning("API token failures: cache unavailable", exc_info=True)
        return
    if state["count"] == settings.API_TOKEN_FAILURE_LIMIT:
        with transaction.atomic():
            record_event(kind="api_token.locked", payload={"address": address[:100]})


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
        address = client_address(request)
        wait = token_lockout_wait(address)
        if wait is not None:
            raise exceptions.Throttled(
                wait=wait,
                detail=_("Too many wrong API tokens from your address."),
            )
        try:
            plaintext = header[1].decode()
            return self.authenticate_token(plaintext)
        except (UnicodeError, WrongToken):
            token_failure(address)
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None

    def authenticate_token(self, plaintext: str):
        if unreadable(plaintext):
            raise WrongToken()
        prefix = api_token_split(plaintext)
        token = None
        if prefix is not None:
            token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
        if token is None or not hmac.compare_digest(token.key_hash, api_token_hash(plaintext)):
            raise WrongToken()
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
