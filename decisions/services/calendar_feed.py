"""A person's iCalendar feed of renewals: created or rotated (the URL is shown once), revoked,
and looked up by its token. Only the token's SHA-256 is stored (api.tokens), as for API tokens:
the secret is 256 random bits, so a plain hash is enough."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.tokens import api_token_hash
from audit.services import record_event
from core.actors import Actor, signed_in
from landscape.models import CalendarFeed

FEED_MARKER = "hgf_"
# Longer than any token we mint; anything longer is not looked up at all.
FEED_TOKEN_MAX = 80


def calendar_feed_rotate(*, actor: Actor) -> str:
    """Create the person's feed, or replace its token (the old URL stops working). Returns the
    new token, which is not stored and cannot be shown again."""
    with transaction.atomic():
        user = signed_in(actor, _("Sign in to subscribe to the renewal calendar."))
        token = FEED_MARKER + secrets.token_urlsafe(32)
        feed, created = CalendarFeed.objects.select_for_update().get_or_create(
            user=user,
            defaults={"token_hash": api_token_hash(token), "created_at": timezone.now()},
        )
        if not created:
            feed.token_hash = api_token_hash(token)
            feed.created_at = timezone.now()
            feed.revoked_at = None
            feed.last_used_at = None
            feed.save()
        record_event(
            kind="calendar_feed.created",
            actor=user,
            payload={"feed": feed.pk, "rotated": not created},
        )
        return token


def calendar_feed_revoke(*, actor: Actor) -> bool:
    """Stop the person's feed. True when there was an active one."""
    with transaction.atomic():
        user = signed_in(actor, _("Sign in to manage your calendar feed."))
        feed = (
            CalendarFeed.objects.select_for_update()
            .filter(user=user, revoked_at__isnull=True)
            .first()
        )
        if feed is None:
            return False
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
        record_event(kind="calendar_feed.revoked", actor=user, payload={"feed": feed.pk})
        return True


def calendar_feed_user(*, token: str) -> Any | None:
    """The active user whose active feed this token opens, or None. Records the use (at most
    one write a minute: calendar apps poll)."""
    if not token.startswith(FEED_MARKER) or len(token) > FEED_TOKEN_MAX:
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=api_token_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if feed is None:
        return None
    now = timezone.now()
    if feed.last_used_at is None or (now - feed.last_used_at).total_seconds() > 60:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    return feed.user
