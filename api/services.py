"""Writes of the API app: minting and revoking tokens, and the token page's show-once secret."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from api.models import ApiToken, TokenScope
from api.tokens import TOKEN_MARKER, TOKEN_PREFIX_LENGTH, api_token_hash
from audit.services import record_event
from core.cache import cache_available
from core.errors import DomainError, NotAllowed


def api_token_check(
    *, user, name: str, scope: str = TokenScope.FULL, expires_at: dt.datetime | None = None
) -> str:
    """Refuse what api_token_create would refuse, before anything is written, so that a form
    (the admin's, the page's) can show it beside the field; returns the name as it will be
    stored. The error's code names the field at fault."""
    if not user.is_authenticated or not user.is_active:
        raise NotAllowed(
            _("%(user)s's account is not active: only an active user can hold an API token.")
            % {"user": user.get_username() or _("This user")},
            code="user",
        )
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name, so you can tell it apart later."), code="name")
    if scope not in TokenScope.values:
        raise DomainError(_("Unknown scope %(scope)s.") % {"scope": scope}, code="scope")
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError(_("The expiry date must be in the future."), code="expires_at")
    return name[:100]


@transaction.atomic
def api_token_create(
    *, user, name: str, scope: str = TokenScope.FULL, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for `user`; the plaintext is returned this once and never stored."""
    name = api_token_check(user=user, name=name, scope=scope, expires_at=expires_at)
    prefix = secrets.token_hex(TOKEN_PREFIX_LENGTH // 2)
    plaintext = f"{TOKEN_MARKER}{prefix}{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        key_hash=api_token_hash(plaintext),
        scope=scope,
        expires_at=expires_at,
    )
    record_event(
        kind="api_token.created",
        actor=user,
        payload={"token": token.pk, "prefix": prefix, "scope": scope},
    )
    return token, plaintext


# --- The token page: Post/Redirect/Get that still shows the secret exactly once.
# The create form carries a one-time nonce. The POST claims it (cache.add is atomic, in Redis
# and in the local-memory cache alike), creates the token and parks its secret in the cache,
# XOR-ed with a pad derived from the nonce, under a key that is a hash of the nonce; it then
# redirects to ?created=<nonce>. That GET deletes the entry and shows the secret; only the
# request whose delete succeeds shows it, so a reload (or a second tab) shows nothing. At rest
# the secret is never in clear: the cache holds ciphertext and hashes, the URL (history, access
# logs) the nonce, which is useless once the entry is gone and anyway only to its signed-in
# owner. A double-submitted form finds its nonce claimed, creates nothing and redirects to the
# same ?created=<nonce>, so whichever response the browser shows still reveals the secret.
# Several processes need a shared cache for this (Redis in production, as for throttling).
API_TOKEN_REVEAL_SECONDS = 5 * 60
API_TOKEN_NONCE_SECONDS = 24 * 60 * 60
API_TOKEN_NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
CACHE_AWAY = gettext_lazy(
    "Tokens cannot be created on this page right now (its cache is unavailable, so the secret "
    "could not be shown). Try again in a minute, or create one with POST /api/v1/tokens/."
)


def api_token_nonce() -> str:
    return secrets.token_urlsafe(24)


def api_token_nonce_is_valid(nonce: str) -> bool:
    return bool(API_TOKEN_NONCE_RE.match(nonce or ""))


def _nonce_cache_key(purpose: str, user, nonce: str) -> str:
    digest = hashlib.sha256(f"{purpose}:{user.pk}:{nonce}".encode()).hexdigest()
    return f"api-token-{purpose}:{user.pk}:{digest}"


def _nonce_pad(nonce: str, length: int) -> bytes:
    return hashlib.shake_256(f"api-token-pad:{nonce}".encode()).digest(length)


def api_token_create_once(
    *,
    user,
    nonce: str,
    name: str,
    scope: str = TokenScope.FULL,
    expires_at: dt.datetime | None = None,
) -> ApiToken | None:
    """Create a token for the form carrying `nonce`, once: None when that form was already sent.
    The secret waits (encrypted, a few minutes) for api_token_reveal(nonce=...)."""
    if not api_token_nonce_is_valid(nonce):
        raise DomainError(_("The form has expired: reload the page and try again."))
    api_token_check(user=user, name=name, scope=scope, expires_at=expires_at)
    claim = _nonce_cache_key("nonce", user, nonce)
    if not cache.add(claim, True, API_TOKEN_NONCE_SECONDS):
        if not cache_available():
            raise DomainError(str(CACHE_AWAY))
        return None
    try:
        with transaction.atomic():
            token, plaintext = api_token_create(
                user=user, name=name, scope=scope, expires_at=expires_at
            )
            secret = plaintext.encode()
            pad = _nonce_pad(nonce, len(secret))
            cipher = bytes(a ^ b for a, b in zip(secret, pad, strict=True))
            reveal = _nonce_cache_key("reveal", user, nonce)
            cache.set(reveal, (token.pk, cipher), API_TOKEN_REVEAL_SECONDS)
            if not cache_available():  # the secret could not be parked: it would be lost
                raise DomainError(str(CACHE_AWAY))
    except BaseException:
        cache.delete(claim)  # nothing was created: the same form may be sent again
        raise
    return token


def api_token_reveal(*, user, nonce: str) -> tuple[int, str] | None:
    """The (token id, secret) created with `nonce`, once; None after that or when expired."""
    if not api_token_nonce_is_valid(nonce):
        return None
    key = _nonce_cache_key("reveal", user, nonce)
    parked = cache.get(key)
    # Only the request that deletes the entry shows it: two reloads racing show it once.
    if parked is None or not cache.delete(key):
        return None
    token_pk, cipher = parked
    secret = bytes(a ^ b for a, b in zip(cipher, _nonce_pad(nonce, len(cipher)), strict=True))
    return token_pk, secret.decode("ascii")


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """Revoke a token at once; only its owner or staff may. Revoking twice is harmless."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if not actor.is_authenticated or (token.user_id != actor.pk and not actor.is_staff):
        raise NotAllowed(_("Only the token's owner or an administrator can revoke it."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(
            kind="api_token.revoked",
            actor=actor,
            payload={"token": token.pk, "prefix": token.prefix},
        )
    return token
