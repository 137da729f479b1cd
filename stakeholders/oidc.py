"""Single sign-on with OpenID Connect: mozilla-django-oidc's authorization code flow (with PKCE,
state and nonce), and this site's rules for who signs in and what their groups give them
(stakeholders/identity.py). Off unless settings.OIDC_ENABLED (OIDC_RP_CLIENT_ID is set)."""

from __future__ import annotations

import logging
from typing import Any

import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils import translation
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from core.errors import DomainError
from stakeholders.identity import IdentityRefused, identity_sign_in
from stakeholders.models import IdentityLink
from stakeholders.selectors import language_preference
from stakeholders.views import _language_cookie_set

logger = logging.getLogger(__name__)


def _failed(request: HttpRequest, reason: str) -> None:
    messages.error(
        request,
        _("Signing in with %(provider)s did not succeed: %(reason)s")
        % {"provider": settings.OIDC_PROVIDER_NAME, "reason": reason},
    )


class IdentityProviderBackend(OIDCAuthenticationBackend):
    """Signs in the person the provider's verified ID token names (by its subject, never by
    email: an address at the provider does not take over an account here) and brings their
    memberships and site groups in step with the provider's groups."""

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        try:
            return super().authenticate(request, **kwargs)
        except requests.RequestException as error:
            # The provider refused the code (expired, used twice, wrong client secret) or could
            # not be reached: no sign-in, and the person is told.
            logger.warning("OIDC sign-in failed at the provider: %s", error)
            if request is not None:
                _failed(request, _("the identity provider refused or did not answer."))
            return None
        except SuspiciousOperation as error:
            logger.warning("OIDC sign-in refused: %s", error)
            if request is not None:
                _failed(request, _("the identity provider's token could not be verified."))
            return None
        except IdentityRefused as error:
            if request is not None:
                _failed(request, error.message)
            return None

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        payload: dict[str, Any] = super().verify_token(token, **kwargs)
        # mozilla-django-oidc leaves the audience unchecked: a token the provider issued to
        # another application must not sign anyone in here.
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token was issued to another client.")
        return payload

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return isinstance(claims, dict) and isinstance(claims.get("sub"), str)

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims):
            raise SuspiciousOperation("The user info has no subject.")
        return identity_sign_in(
            claims=claims,
            id_token_subject=str(payload.get("sub", "")),
            groups_claim=settings.OIDC_GROUPS_CLAIM,
        )

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        return [link.user for link in IdentityLink.objects.filter(subject=claims.get("sub"))]


def _require_enabled() -> None:
    if not settings.OIDC_ENABLED:
        raise Http404("Single sign-on is off.")


class SignInStart(OIDCAuthenticationRequestView):
    """GET /oidc/authenticate/?next=…: off to the provider's sign-in (state, nonce and PKCE kept
    in the session)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _require_enabled()
        return super().dispatch(request, *args, **kwargs)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The parent reads the provider's settings here, which exist only when enabled.
        if settings.OIDC_ENABLED:
            super().__init__(*args, **kwargs)


class SignInCallback(OIDCAuthenticationCallbackView):
    """GET /oidc/callback/?code=…&state=…: back from the provider. A state this browser did not
    start, a refused code or an unverifiable token signs no one in."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _require_enabled()
        try:
            response: HttpResponse = super().dispatch(request, *args, **kwargs)
        except SuspiciousOperation:
            # A state not started in this session: someone else's answer, or a replay.
            _failed(request, _("this sign-in was not started from this browser."))
            return self.login_failure()
        except DomainError as error:  # pragma: no cover (the backend turns these into None)
            _failed(request, error.message)
            return self.login_failure()
        return response

    @property
    def failure_url(self) -> str:
        # Back to the sign-in page, where the message says why (and the password form is).
        return resolve_url(settings.LOGIN_URL)

    def get(self, request: HttpRequest) -> HttpResponse:
        if request.GET.get("error"):
            # The person declined, or the provider refused (error=access_denied, …).
            _failed(request, _("the identity provider refused the sign-in."))
        elif "code" in request.GET and "oidc_states" not in request.session:
            # No sign-in under way in this browser at all: someone else's answer.
            _failed(request, _("this sign-in was not started from this browser."))
        return super().get(request)

    def login_success(self) -> HttpResponse:
        response: HttpResponse = super().login_success()
        language = language_preference(user=self.user)
        if language:
            translation.activate(language)
            _language_cookie_set(response, language)
        return response
