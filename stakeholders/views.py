from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from decisions.errors import DomainError
from stakeholders import services
from stakeholders.forms import ApiTokenForm, DelegationForm
from stakeholders.models import ApiToken, Delegation


@login_required
@require_http_methods(["GET", "POST"])
def delegations(request: HttpRequest) -> HttpResponse:
    """Out of office: who signs for me, and for whom I sign."""
    user = request.user
    form = DelegationForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.delegation_create(delegator=user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Delegation saved."))
            return redirect("delegations")
    today = timezone.localdate()
    related = Delegation.objects.select_related("delegator", "delegate", "department")
    context = {
        "form": form,
        "given": related.filter(delegator=user, ends_on__gte=today),
        "received": related.filter(delegate=user, ends_on__gte=today),
        "today": today,
    }
    return render(
        request, "stakeholders/delegations.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def delegation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    delegation = get_object_or_404(Delegation, pk=pk, delegator=request.user)
    services.delegation_revoke(delegation=delegation, actor=request.user)
    messages.success(request, _("Delegation revoked."))
    return redirect("delegations")


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """My API tokens: create one (its secret is shown once, on this response only), revoke."""
    form = ApiTokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        expires_on = form.cleaned_data["expires_on"]
        expires_at = (
            timezone.make_aware(dt.datetime.combine(expires_on, dt.time.min))
            if expires_on
            else None
        )
        try:
            token, secret = services.api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=expires_at,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            # Rendered, not redirected: the secret must never travel through the session.
            created = {"token": token, "secret": secret}
            form = ApiTokenForm()
    context = {
        "form": form,
        "created": created,
        "tokens": ApiToken.objects.filter(user=request.user).order_by("-created_at", "-pk"),
    }
    response = render(
        request, "stakeholders/api_tokens.html", context, status=400 if form.errors else 200
    )
    if created:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("api-tokens")
