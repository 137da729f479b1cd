"""Token authentication for machines: `Authorization: Bearer <token>`."""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.encoding import smart_str
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from api.models import ApiToken
from api.tokens import api_token_hash, api_token_split

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
