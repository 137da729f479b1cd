"""Writes of the stakeholders app."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from decisions.audit import record_event
from decisions.errors import DomainError, NotAllowed
from stakeholders.models import (
    ROLE_RANK,
    ApiToken,
    Delegation,
    Department,
    Membership,
    TokenScope,
)


@transaction.atomic
def delegation_create(
    *,
    delegator,
    delegate,
    starts_on: dt.date,
    ends_on: dt.date,
    department: Department | None = None,
    reason: str = "",
) -> Delegation:
    """Let `delegate` sign what `delegator` may sign while the delegator is away."""
    if not delegator.is_authenticated:
        raise NotAllowed(_("Sign in to delegate."))
    if delegate.pk == delegator.pk:
        raise DomainError(_("Choose a colleague: you cannot delegate to yourself."))
    if not delegate.is_active:
        raise DomainError(_("That colleague's account is not active."))
    if ends_on < starts_on:
        raise DomainError(_("The delegation cannot end before it starts."))
    if ends_on < timezone.localdate():
        raise DomainError(_("The delegation would already be over."))
    signing = Membership.objects.filter(
        user=delegator, role__in=[r for r, rank in ROLE_RANK.items() if rank >= 1]
    )
    if department is not None:
        signing = signing.filter(department=department)
    if not signing.exists():
        raise DomainError(
            _("You have no sign-off rights to delegate%(where)s.")
            % {"where": _(" for %s") % department.name if department else ""}
        )
    delegation = Delegation.objects.create(
        delegator=delegator,
        delegate=delegate,
        department=department,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
    )
    record_event(
        kind="delegation.created",
        actor=delegator,
        payload={
            "delegation": delegation.pk,
            "delegate": delegate.get_username(),
            "department": department.code if department else None,
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
    )
    return delegation


@transaction.atomic
def delegation_revoke(*, delegation: Delegation, actor) -> None:
    """End a delegation now: one that has not started is removed; one that has, ends yesterday,
    so what the delegate signed stays explained."""
    delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
    if delegation.delegator_id != actor.pk and not actor.is_staff:
        raise NotAllowed(_("Only the person who delegated can revoke it."))
    today = timezone.localdate()
    if delegation.starts_on >= today:
        delegation.delete()
    elif delegation.ends_on >= today:
        delegation.ends_on = today - dt.timedelta(days=1)
        delegation.save(update_fields=["ends_on"])
    record_event(kind="delegation.revoked", actor=actor, payload={"delegation": delegation.pk})


# --- API tokens
# A token reads "hgt_" + a 12-character public prefix + a 43-character secret (32 random bytes).
# The prefix finds the row; only the SHA-256 of the whole token is stored. A plain hash (no
# salt, no slow KDF) is enough because the secret is 256 random bits, not a guessable password.
TOKEN_MARKER = "hgt_"
TOKEN_PREFIX_LENGTH = 12


def api_token_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def api_token_split(plaintext: str) -> str | None:
    """The prefix of a well-formed token, or None."""
    if not plaintext.startswith(TOKEN_MARKER):
        return None
    body = plaintext[len(TOKEN_MARKER) :]
    if len(body) <= TOKEN_PREFIX_LENGTH:
        return None
    return body[:TOKEN_PREFIX_LENGTH]


@transaction.atomic
def api_token_create(
    *, user, name: str, scope: str = TokenScope.FULL, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for `user`; the plaintext is returned this once and never stored."""
    if not user.is_authenticated or not user.is_active:
        raise NotAllowed(_("Only an active user can hold an API token."))
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name, so you can tell it apart later."))
    if scope not in TokenScope.values:
        raise DomainError(_("Unknown scope %(scope)s.") % {"scope": scope})
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError(_("The expiry date must be in the future."))
    prefix = secrets.token_hex(TOKEN_PREFIX_LENGTH // 2)
    plaintext = f"{TOKEN_MARKER}{prefix}{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
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
