"""The keys that sign the audit chain. They come from the environment (settings.AUDIT_HMAC_KEYS,
by key id) and are never stored in the database: whoever can rewrite the event table still
cannot compute a valid hash for what they wrote. New events use settings.AUDIT_HMAC_KEY_ID;
the older keys stay configured to verify the events they signed (see docs/adr/0002)."""

from __future__ import annotations

from django.conf import settings


def current_key() -> tuple[str, bytes]:
    key_id = str(settings.AUDIT_HMAC_KEY_ID)
    return key_id, key_for(key_id) or b""


def key_for(key_id: str) -> bytes | None:
    secret = settings.AUDIT_HMAC_KEYS.get(key_id)
    return secret.encode() if secret else None
