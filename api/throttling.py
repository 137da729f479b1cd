"""Throttling: one budget per token, per user or per address, at DRF's own rate setting
(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api"], from API_THROTTLE_RATE)."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from api.permissions import request_token


class ApiRateThrottle(SimpleRateThrottle):
    """One budget per token for machines, per user for sessions, per address for anonymous
    requests, counted in the Django cache."""

    scope = "api"

    def get_rate(self) -> str | None:
        # DRF's live settings (reloaded when a test overrides them), not the class attribute
        # SimpleRateThrottle copied them into at import.
        rates: dict[str, str | None] = api_settings.DEFAULT_THROTTLE_RATES  # type: ignore[assignment]
        return rates.get(self.scope or "")

    def get_cache_key(self, request, view):
        token = request_token(request)
        if token is not None:
            ident = f"token:{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"anon:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
