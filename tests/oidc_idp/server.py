"""Starts the test identity provider (django-oidc-provider, tests/oidc_idp/) on a free local port
in a subprocess, with its own database, and changes its users and groups while it runs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
CLIENT_ID = "hrtech-gov"
CLIENT_SECRET = "test-client-secret-0123456789"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class IdentityProvider:
    def __init__(self, folder: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.issuer = f"{self.url}/openid"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OIDC_"))},
            "DJANGO_SETTINGS_MODULE": "tests.oidc_idp.settings",
            "IDP_DB": str(folder / "idp.sqlite3"),
            "IDP_URL": self.url,
        }
        self.redirect_uris: list[str] = ["http://testserver/oidc/callback/"]
        self.process: subprocess.Popen[bytes] | None = None

    def control(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "tests.oidc_idp.control", *args],
            cwd=REPO,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> IdentityProvider:
        self.control("setup", CLIENT_ID, CLIENT_SECRET, *self.redirect_uris)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=REPO,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                response = requests.get(self.discovery_url, timeout=2)
                if response.ok:
                    self.discovery = response.json()
                    return self
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the test identity provider did not start")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def allow_redirect_uri(self, uri: str) -> None:
        if uri not in self.redirect_uris:
            self.redirect_uris.append(uri)
            self.control("setup", CLIENT_ID, CLIENT_SECRET, *self.redirect_uris)

    def add_user(self, username: str, password: str, *groups: str) -> None:
        self.control("user", username, password, f"{username}@example.org", *groups)

    def set_groups(self, username: str, *groups: str) -> None:
        self.control("groups", username, *groups)

    def relying_party_settings(self, *, client_secret: str = CLIENT_SECRET) -> dict[str, object]:
        """The settings that turn single sign-on on against this provider."""
        return {
            "OIDC_ENABLED": True,
            "OIDC_PROVIDER_NAME": "Test IdP",
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": client_secret,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": self.discovery["authorization_endpoint"],
            "OIDC_OP_TOKEN_ENDPOINT": self.discovery["token_endpoint"],
            "OIDC_OP_USER_ENDPOINT": self.discovery["userinfo_endpoint"],
            "OIDC_OP_JWKS_ENDPOINT": self.discovery["jwks_uri"],
        }
