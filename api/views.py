"""The browser's token page: my API tokens, create one (its secret shown once), revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from api import services
from api.errors import error_body
from api.forms import ApiTokenForm
from api.models import ApiToken
from core.errors import DomainError
from core.htmx import HtmxHttpRequest


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HtmxHttpRequest) -> HttpResponse:
    """My API tokens: create one, revoke one. Post/Redirect/Get: a created token's secret is
    shown once, on the page the POST redirects to (see api_token_create_once)."""
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        nonce = form.cleaned_data["nonce"]
        try:
            token = services.api_token_create_once(
                user=request.user,
                nonce=nonce,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=form.expires_at,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if token is None:
                messages.info(
                    request, _("This form was already sent: no second token was created.")
                )
            url = f"{reverse('api-tokens')}?{urlencode({'created': nonce})}"
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    created = revealed = None
    if request.method == "GET" and "created" in request.GET:
        revealed = services.api_token_reveal(user=request.user, nonce=request.GET["created"])
    tokens = list(
        ApiToken.objects.filter(user_id=request.user.pk or 0).order_by("-created_at", "-pk")
    )
    if revealed is not None:
        token_pk, secret = revealed
        token = next((t for t in tokens if t.pk == token_pk), None)
        created = {"token": token, "secret": secret} if token else None
    context = {
        "form": form,
        "created": created,
        # Came back for a secret that is gone: say so, rather than nothing.
        "already_shown": "created" in request.GET and created is None,
        "tokens": tokens,
    }
    response = render(request, "api/api_tokens.html", context, status=400 if form.errors else 200)
    # Neither the secret nor the one-time form may come back from a cache or the back button.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_token_revoke(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("api-tokens")


# --- Errors outside DRF's views (an unknown /api/ path, a crash): the API's error shape there,
# Django's own pages everywhere else (hrtech_gov/urls.py names these as handler404/handler500).


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(_("Not found.")), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body(_("Something went wrong on our side; it has been logged.")), status=500
        )
    return defaults.server_error(request)
