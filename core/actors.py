"""Who acts: a signed-in user, or nobody (anonymous) — what every service's `actor` may be."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.utils.translation import gettext as _

from core.errors import NotAllowed

type Actor = User | AnonymousUser


def signed_in(actor: Actor, message: str | None = None) -> User:
    """The actor as a user, or NotAllowed when nobody is signed in."""
    if isinstance(actor, AnonymousUser) or not actor.is_authenticated:
        raise NotAllowed(message or _("Sign in first."))
    return actor
