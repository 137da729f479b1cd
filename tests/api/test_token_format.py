"""The token format: "hgt_", a 12-character public prefix, then the secret."""

from __future__ import annotations

from api.tokens import api_token_split


def test_a_token_needs_a_secret_after_its_prefix():
    assert api_token_split("hgt_" + "p" * 12) is None
    assert api_token_split("hgt_" + "p" * 12 + "s") == "p" * 12
    assert api_token_split("xyz_" + "p" * 12 + "s" * 43) is None
    assert api_token_split("hgt_" + "p" * 11) is None
