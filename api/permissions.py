"""Token scopes: what a token may reach, beside what its user may do."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission

from api.models import ApiToken, TokenScope

SCOPE_FULL = TokenScope.FULL.value
SCOPE_CATALOG = TokenScope.CATALOG.value
SCOPE_USAGE = TokenScope.USAGE.value
# A view with required_scope = SCOPE_SESSION refuses every token (e.g. managing tokens).
SCOPE_SESSION = "session"


def request_token(request) -> ApiToken | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None


class TokenScopePermission(BasePermission):
    """A catalog-scoped token may only use views declaring `required_scope = "catalog"`, a
    usage-scoped one only views declaring `required_scope = "usage"`; a full token may use
    everything except session-only views. Session users are not limited by scopes (their
    object rights are checked by the services, as in the browser)."""

    message = gettext_lazy("This token's scope does not allow this endpoint.")

    def has_permission(self, request, view) -> bool:
        token = request_token(request)
        if token is None:
            return True
        required = getattr(view, "required_scope", SCOPE_FULL)
        if required == SCOPE_SESSION:
            self.message = gettext_lazy(
                "This endpoint is only available to a signed-in browser session."
            )
            return False
        if token.scope == SCOPE_FULL or required == token.scope:
            return True
        if token.scope == SCOPE_USAGE:
            self.message = _(  # type: ignore[assignment]
                "This token is limited to usage reports (scope %(scope)s) and cannot use this "
                "endpoint."
            ) % {"scope": token.scope}
            return False
        self.message = _(  # type: ignore[assignment]
            "This token is limited to the catalog (scope %(scope)s) and cannot use this endpoint."
        ) % {"scope": token.scope}
        return False
