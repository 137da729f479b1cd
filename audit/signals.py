"""Security events that come from outside the workflow, recorded in the trail: a sign-in locked
out after too many failures (django-axes), and an address locked out of the API after too many
wrong tokens (api.authentication records that one itself)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.models import register_event_labels
from audit.services import record_event

LABELS = {
    "login.locked": _("Sign-in locked after failed attempts"),
    "api_token.locked": _("API access locked after wrong tokens"),
}


def _login_locked(sender: Any, request: Any = None, username: str = "", ip_address: str = "",
                  **kwargs: Any) -> None:  # fmt: skip
    with transaction.atomic():
        record_event(
            kind="login.locked", payload={"username": username or "", "address": ip_address or ""}
        )


def connect() -> None:
    from axes.signals import user_locked_out

    register_event_labels(LABELS)
    user_locked_out.connect(_login_locked, dispatch_uid="audit:login-locked")
