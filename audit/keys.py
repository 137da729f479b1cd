"""The keys that sign the audit chain. They come from the environment (settings.AUDIT_HMAC_KEYS,
by key id) and are never stored in the database: whoever can rewrite the event table still
cannot compute a valid hash for what they wrote. New events use settings.AUDIT_HMAC_KEY_ID;
the older keys stay configured to verify the events they signed (see docs/adr/0002)."""

from __future__ import annotations

from django.conf import settings


def current_key() -> tuple[str, bytes]:
    """The id and key that sign new events and checkpoints. A key id without its key is refused:
    an HMAC with an empty key is one anyone can compute."""
    key_id = str(settings.AUDIT_HMAC_KEY_ID)
    key = key_for(key_id)
    if key is None:
        raise ValueError(f"no key for the audit chain's key id {key_id!r}")
    return key_id, key


def key_for(key_id: str) -> bytes | None:
    secret = settings.AUDIT_HMAC_KEYS.get(key_id)
    return secret.encode() if secret else None
