"""The token format, shared by authentication and the services that mint tokens."""

from __future__ import annotations

import hashlib

# A token reads "hgt_" + a 12-character public prefix + a 43-character secret (32 random bytes).
# The prefix finds the row; only the SHA-256 of the whole token is stored. A plain hash (no
# salt, no slow KDF) is enough because the secret is 256 random bits, not a guessable password.
TOKEN_MARKER = "hgt_"  # noqa: S105 - a public marker, not a secret
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
