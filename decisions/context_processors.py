from __future__ import annotations

from functools import cache

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from decisions import selectors
from decisions.rights import is_cdo, may_propose


def navigation(request: HttpRequest) -> dict:
    """What every page's layout needs: the queue count (cached) and the bell's unread count for
    signed-in users."""
    context = {"BASE_CURRENCY": settings.BASE_CURRENCY, "today": timezone.localdate()}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["nav_queue_count"] = selectors.signoffs_actionable_count(user=user)
        context["nav_is_cdo"] = is_cdo(user)
        # Counted when a template shows it, once per response: an HTMX partial without the
        # bell costs no query.
        context["nav_unread_count"] = cache(lambda: selectors.notifications_unread_count(user=user))
        context["nav_may_propose"] = cache(lambda: may_propose(user))
    return context
