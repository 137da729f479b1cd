from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from decisions import selectors
from decisions.rights import is_cdo


def navigation(request: HttpRequest) -> dict:
    """What every page's layout needs: the queue count (cached) for signed-in users."""
    context = {"BASE_CURRENCY": settings.BASE_CURRENCY, "today": timezone.localdate()}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["nav_queue_count"] = selectors.signoffs_actionable_count(user=user)
        context["nav_is_cdo"] = is_cdo(user)
    return context
