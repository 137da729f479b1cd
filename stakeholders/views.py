from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
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
from stakeholders.forms import DelegationForm
from stakeholders.models import Delegation
from stakeholders.selectors import language_preference


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


def set_language(request: HttpRequest) -> HttpResponse:
    """The header's EN/NL/FR buttons: Django's set_language (the cookie, and back to `next` when
    it is a page of this site), and for a signed-in person their stored preference too, which
    their notifications and emails follow and which the next sign-in, on any device, restores.
    A language we do not offer is refused (400) rather than kept in a cookie."""
    if request.method == "POST":
        language = request.POST.get(i18n.LANGUAGE_QUERY_PARAMETER, "")
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

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        language = language_preference(user=form.get_user())
        if language:
            translation.activate(language)
            self.request.LANGUAGE_CODE = language
            _language_cookie_set(response, language)
        return response
