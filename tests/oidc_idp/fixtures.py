"""The fixtures of the single sign-on tests: the running identity provider, and single sign-on
turned on against it."""

from __future__ import annotations

import pytest

from tests.oidc_idp.server import IdentityProvider


@pytest.fixture(scope="session")
def identity_provider(tmp_path_factory):
    provider = IdentityProvider(tmp_path_factory.mktemp("idp")).start()
    yield provider
    provider.stop()


@pytest.fixture
def sso(identity_provider, settings):
    """Single sign-on on, against the test provider (what OIDC_RP_CLIENT_ID and the other
    OIDC_* variables do at start)."""
    for name, value in identity_provider.relying_party_settings().items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "stakeholders.oidc.IdentityProviderBackend",
    ]
    return identity_provider
