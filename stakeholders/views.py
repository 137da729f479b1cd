from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_http_methods, require_POST

from core.actors import signed_in
from core.errors import DomainError
from stakeholders import services
from stakeholders.forms import ChatChannelForm, DelegationForm
from stakeholders.models import ChatChannel, Delegation, Department
from stakeholders.selectors import (
    chat_channels_may_manage,
    chat_channels_of,
    chat_departments_managed_by,
    language_preference,
)
from webhooks.services import webhook_ping


@login_required
@require_http_methods(["GET", "POST"])
def delegations(request: HttpRequest) -> HttpResponse:
    """Out of office: who signs for me, and for whom I sign."""
    user = signed_in(request.user)
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
        "chat_departments": chat_departments_managed_by(user),
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


# --- A department's chat channels -----------------------------------------------------------


def _chat_department(request: HttpRequest, code: str) -> Department:
    department = get_object_or_404(Department, code=code)
    if not chat_channels_may_manage(request.user, department):
        raise PermissionDenied(
            _("Only the head of %(dept)s or the CDO manages its chat channels.")
            % {"dept": department.name}
        )
    return department


@login_required
@require_http_methods(["GET", "POST"])
def chat_channels(request: HttpRequest, code: str) -> HttpResponse:
    """A department's Slack and Teams channels: list them, add one (its head, the CDO)."""
    department = _chat_department(request, code)
    form = ChatChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.chat_channel_create(
                actor=request.user, department=department, data=dict(form.cleaned_data)
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Chat channel added."))
            return redirect("chat-channels", code=department.code)
    context = {
        "department": department,
        "channels": chat_channels_of(department),
        "form": form,
        "managed": chat_departments_managed_by(request.user),
    }
    return render(
        request, "stakeholders/chat_channels.html", context, status=400 if form.errors else 200
    )


def _chat_channel(request: HttpRequest, code: str, pk: int) -> ChatChannel:
    department = _chat_department(request, code)
    return get_object_or_404(chat_channels_of(department), pk=pk)


@login_required
@require_POST
def chat_channel_toggle(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Switch a channel on or off."""
    channel = _chat_channel(request, code, pk)
    active = not channel.subscription.is_active
    services.chat_channel_update(actor=request.user, channel=channel, data={"is_active": active})
    messages.success(
        request, _("Chat channel switched on.") if active else _("Chat channel switched off.")
    )
    return redirect("chat-channels", code=code)


@login_required
@require_POST
def chat_channel_test(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Post a test message to the channel (active or not)."""
    channel = _chat_channel(request, code, pk)
    webhook_ping(subscription=channel.subscription)
    messages.success(request, _("Test message queued."))
    return redirect("chat-channels", code=code)


@login_required
@require_POST
def chat_channel_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    channel = _chat_channel(request, code, pk)
    services.chat_channel_delete(actor=request.user, channel=channel)
    messages.success(request, _("Chat channel removed."))
    return redirect("chat-channels", code=code)


# --- Languages -------------------------------------------------------------------------------


def _language_cookie_set(response: HttpResponse, language: str) -> None:
    """The cookie LocaleMiddleware reads, as Django's set_language writes it."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


FOLLOW_THE_BROWSER = "auto"


def set_language(request: HttpRequest) -> HttpResponse:
    """The header's EN/NL/FR buttons: Django's set_language (the cookie, and back to `next` when
    it is a page of this site), and for a signed-in person their stored preference too, which
    their notifications and emails follow and which the next sign-in, on any device, restores.
    "auto" forgets the choice: the browser's language decides again. A language we do not offer
    is refused (400) rather than kept in a cookie."""
    if request.method == "POST":
        language = request.POST.get(i18n.LANGUAGE_QUERY_PARAMETER, "")
        if language == FOLLOW_THE_BROWSER:
            # No choice kept: the browser's Accept-Language decides again, here and, for a
            # signed-in person, in their notifications and emails (the site's default there).
            if request.user.is_authenticated:
                services.preference_language_set(user=request.user, language="")
            response = i18n.set_language(request)  # back to `next`; an unknown code sets nothing
            response.delete_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
            return response
        try:
            services.language_check(language)
            if request.user.is_authenticated:
                services.preference_language_set(user=request.user, language=language)
        except DomainError as error:
            return HttpResponseBadRequest(
                render_to_string("400.html", {"message": error.message}, request=request)
            )
    return i18n.set_language(request)


class LoginView(auth_views.LoginView):
    """Django's sign-in; then the pages speak the language the person chose, whichever device
    (and whichever cookie) they sign in from. Without a stored choice the cookie or the
    browser's Accept-Language still decide."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # Single sign-on's button, when it is on (stakeholders/oidc.py).
        context["oidc_provider_name"] = settings.OIDC_PROVIDER_NAME if settings.OIDC_ENABLED else ""
        return context

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        language = language_preference(user=form.get_user())
        if language:
            translation.activate(language)
            self.request.LANGUAGE_CODE = language
            _language_cookie_set(response, language)
        return response
