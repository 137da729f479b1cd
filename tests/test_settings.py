"""Settings come from the environment: production values pass Django's deployment checks, and
mistakes fail at start instead of running insecurely."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    "AUDIT_HMAC_KEY": "another-long-random-production-secret-0123456789-abcdefghijklmn",
    "ALLOWED_HOSTS": "hrtech.example.com",
    "EMAIL_URL": "smtp://mailer:secret@smtp.example.com:587/?tls=True",
    "SITE_URL": "https://hrtech.example.com",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Set for the test run (the browser tests): production gets its own.
    skip = {"DEBUG", "SECRET_KEY", "AUDIT_HMAC_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in skip}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checks():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_refuses_to_start_without_a_secret_key_in_production():
    env = {**PRODUCTION, "SECRET_KEY": ""}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_it_reads_the_secret_key_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789\n")
    env = {**PRODUCTION, "SECRET_KEY": "", "SECRET_KEY_FILE": str(secret)}
    result = manage("shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)",
                    **env)  # fmt: skip
    assert result.stdout.strip().splitlines()[-1] == secret.read_text().strip()


def test_a_mistyped_boolean_fails_at_start():
    result = manage("check", **{**PRODUCTION, "DEBUG": "ture"})
    assert result.returncode != 0
    assert "DEBUG='ture' is not a boolean" in result.stderr


def test_the_deployment_checks_ask_for_the_site_url():
    env = {k: v for k, v in PRODUCTION.items() if k != "SITE_URL"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode != 0
    assert "SITE_URL is not set" in result.stdout + result.stderr


# Single sign-on (stakeholders/oidc.py): off unless OIDC_RP_CLIENT_ID is set.
OIDC = {
    "OIDC_RP_CLIENT_ID": "hrtech-gov",
    "OIDC_RP_CLIENT_SECRET": "a-client-secret-from-the-identity-provider",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://login.example.com/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://login.example.com/token",
    "OIDC_OP_USER_ENDPOINT": "https://login.example.com/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://login.example.com/jwks",
    "OIDC_PROVIDER_NAME": "Example ID",
}


def test_production_with_single_sign_on_passes_the_deployment_checks():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, **OIDC)
    assert result.returncode == 0, result.stdout + result.stderr
    shown = manage(
        "shell", "-c",
        "from django.conf import settings; print(settings.OIDC_ENABLED, "
        "settings.AUTHENTICATION_BACKENDS[-1])",
        **PRODUCTION, **OIDC,
    )  # fmt: skip
    assert shown.stdout.strip().splitlines()[-1] == (
        "True stakeholders.oidc.IdentityProviderBackend"
    )


def test_single_sign_on_is_off_without_a_client_id():
    assert settings.OIDC_ENABLED is False
    assert "stakeholders.oidc.IdentityProviderBackend" not in settings.AUTHENTICATION_BACKENDS


def test_single_sign_on_without_its_endpoints_fails_at_start():
    env = {**PRODUCTION, **OIDC, "OIDC_OP_TOKEN_ENDPOINT": "", "OIDC_OP_JWKS_ENDPOINT": ""}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "OIDC_OP_TOKEN_ENDPOINT, OIDC_OP_JWKS_ENDPOINT" in result.stderr
