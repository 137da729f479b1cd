"""The bell's page: a user's own notifications, marked read one by one or all at once."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from core.htmx import HtmxHttpRequest
from decisions import notifications, selectors
from decisions.models import Notification

NOTIFICATIONS_PAGE_SIZE = 25


def _notifications_context(request: HtmxHttpRequest, page_number: str | None) -> dict:
    paginator = Paginator(selectors.notifications_of(user=request.user), NOTIFICATIONS_PAGE_SIZE)
    page = paginator.get_page(page_number)
    return {"page": page, "notifications": page.object_list}


@login_required
@require_GET
def notification_list(request: HtmxHttpRequest) -> HttpResponse:
    """The bell's page: the user's own notifications, newest first."""
    template = "decisions/notifications.html"
    if request.htmx:
        template += "#list"
    return render(request, template, _notifications_context(request, request.GET.get("page")))


def _after_marking(request: HtmxHttpRequest, message: str) -> HttpResponse:
    """HTMX gets the list re-rendered in place, with the bell's new count out of band; a plain
    form post goes back to the page it came from."""
    page = request.POST.get("page", "")
    if request.htmx:
        context = _notifications_context(request, page) | {"notice": message, "oob_bell": True}
        return render(request, "decisions/notifications.html#list", context)
    messages.success(request, message)
    url = reverse("notifications")
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


@login_required
@require_POST
def notification_read(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    try:
        notifications.notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404(_("No such notification.")) from None
    return _after_marking(request, _("Marked as read."))


@login_required
@require_POST
def notifications_read_all(request: HtmxHttpRequest) -> HttpResponse:
    count = notifications.notifications_mark_all_read(user=request.user)
    message = ngettext(
        "%(n)d notification marked as read.", "%(n)d notifications marked as read.", count
    ) % {"n": count}
    return _after_marking(request, message)


@login_required
@require_GET
def notification_open(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's link; opening it marks it read."""
    try:
        notification = notifications.notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404(_("No such notification.")) from None
    url = notification.url
    # Our own paths only: a stored URL must never turn the bell into an open redirect.
    if not url.startswith("/") or not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        url = reverse("notifications")
    return redirect(url)
