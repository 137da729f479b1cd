from __future__ import annotations

from django.http import HttpRequest

from decisions import selectors


def navigation(request: HttpRequest) -> dict:
    """Counts for the navigation bar: one query each, only for signed-in users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_queue_count": selectors.signoffs_actionable_by(user=user).count(),
        "nav_is_cdo": user.has_perm("decisions.decide_proposal"),
    }
