"""HTML views: parse the form, call one service or selector, render. An HTMX request gets the
partial of the same template; a plain form post gets a redirect, so every page works without
JavaScript."""

from decisions.views.catalog import solution_detail
from decisions.views.dashboard import dashboard
from decisions.views.notifications import (
    notification_list,
    notification_open,
    notification_read,
    notifications_read_all,
)
from decisions.views.proposals import (
    home,
    proposal_create,
    proposal_detail,
    proposal_edit,
    proposal_list,
    proposal_preview,
    proposal_timeline,
    proposal_validate,
)
from decisions.views.radar import radar
from decisions.views.workflow import (
    cdo_decisions,
    comment_add,
    decision_take,
    proposal_advance,
    proposal_submit,
    proposal_withdraw,
    queue,
    signoff_decide,
    voice_give,
)

__all__ = [
    "cdo_decisions",
    "comment_add",
    "dashboard",
    "decision_take",
    "home",
    "notification_list",
    "notification_open",
    "notification_read",
    "notifications_read_all",
    "proposal_advance",
    "proposal_create",
    "proposal_detail",
    "proposal_edit",
    "proposal_list",
    "proposal_preview",
    "proposal_submit",
    "proposal_timeline",
    "proposal_validate",
    "proposal_withdraw",
    "queue",
    "radar",
    "signoff_decide",
    "solution_detail",
    "voice_give",
]
