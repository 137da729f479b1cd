"""What the workflow tells the outside: the webhook events it sends and their payloads, and how
its audit events read on a timeline (both registered from DecisionsConfig.ready())."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.i18n import default_value
from core.siteurl import site_url
from decisions.models import Proposal
from webhooks.services import webhook_event_queue

WEBHOOK_KINDS = {
    "proposal.submitted": _("Proposal submitted"),
    "signoff.decided": _("Sign-off decided"),
    "decision.taken": _("Decision taken"),
    "pilot.outcome": _("Pilot review ended (keep, extend or stop)"),
    "renewal.due": _("A contract's notice deadline is 90, 30 or 7 days away"),
    "tool.shelfware": _("Tool flagged as unused (the Yammer rule)"),
    "onboarding.task_created": _("Onboarding task created (an approved tool's checklist)"),
    "onboarding.task_assigned": _("Onboarding task assigned or its due date changed"),
    "onboarding.task_done": _("Onboarding task done"),
    "onboarding.task_reopened": _("Onboarding task reopened"),
}

EVENT_LABELS = {
    "proposal.created": _("Proposal created"),
    "voice.given": _("Employee voice given"),
    "voice.withdrawn": _("Employee voice taken back"),
    "proposal.updated": _("Proposal edited"),
    "proposal.submitted": _("Submitted for review"),
    "proposal.status_changed": _("Status changed"),
    "signoff.approved": _("Sign-off approved"),
    "signoff.rejected": _("Sign-off rejected"),
    "signoff.changes_requested": _("Changes requested"),
    "signoff.satisfied_by_guardrails": _("Sign-off satisfied by IT Operations' guardrails"),
    "signoff.reminded": _("Overdue sign-off reminded"),
    "signoff.escalated": _("Overdue sign-off escalated"),
    "signoff.presumed": _("Consent presumed: no objection by the due date"),
    "signoff.objected": _("Objection recorded (consent mode)"),
    "decision.approved": _("CDO approved"),
    "decision.rejected": _("CDO rejected"),
    "decision.returned": _("CDO returned it for changes"),
    "comment.added": _("Comment added"),
    "scoring.criterion_saved": _("Scoring criterion saved"),
    "scoring.alternative_added": _("Alternative added for scoring"),
    "scoring.alternative_removed": _("Alternative removed from scoring"),
    "scoring.scored": _("Alternatives scored"),
    "pilot.updated": _("Pilot plan changed"),
    "pilot.measured": _("Pilot measurements recorded"),
    "pilot.rated": _("Pilot rated by a participant"),
    "pilot.review_opened": _("Pilot review opened"),
    "pilot.verdict_given": _("Pilot verdict given"),
    "pilot.outcome": _("Pilot review ended"),
    "renewal.reminded": _("Renewal reminder sent"),
    "calendar_feed.created": _("Renewal calendar feed created"),
    "calendar_feed.revoked": _("Renewal calendar feed revoked"),
    "tool.shelfware_flagged": _("Tool flagged as unused"),
    "tool.shelfware_dismissed": _("Unused-tool flag dismissed"),
    "tool.shelfware_cleared": _("Adoption recovered: unused-tool flag cleared"),
    "onboarding.checklist_created": _("Onboarding checklist created"),
    "onboarding.task_assigned": _("Onboarding task assigned"),
    "onboarding.task_done": _("Onboarding task done"),
    "onboarding.task_reopened": _("Onboarding task reopened"),
    "onboarding.template_saved": _("Onboarding task template saved"),
    "risk.answered": _("Vendor risk questions answered"),
    "risk_question.created": _("Vendor risk question added"),
    "risk_question.updated": _("Vendor risk question changed"),
}


def proposal_event_data(proposal: Proposal, *, actor: Any, **extra: Any) -> dict[str, Any]:
    """What a proposal event tells a subscriber: enough to act on without calling back."""
    return {
        "reference": proposal.reference,
        "title": proposal.title,
        "status": proposal.status,
        "round": proposal.round,
        # In the default language, whoever's request sent it (core.i18n).
        "tier": default_value(proposal.tier, "name") if proposal.tier is not None else None,
        # Fixed at submission, in the base currency; a string, so no float rounding.
        "tco": (
            {"amount": str(proposal.tco), "currency": settings.BASE_CURRENCY}
            if proposal.tco is not None
            else None
        ),
        "department": proposal.requesting_department.code,
        "actor": actor.get_username() if actor is not None else None,
        "url": site_url() + reverse("proposal-detail", kwargs={"reference": proposal.reference}),
        **extra,
    }


def webhook_proposal_event(*, kind: str, proposal: Proposal, actor: Any, **extra: Any) -> None:
    """Queue a proposal event (submitted, sign-off decided, decision taken) for its subscribers.
    The payload is built only when someone subscribes, so the workflow pays one query otherwise."""
    webhook_event_queue(
        kind=kind, payload=lambda: proposal_event_data(proposal, actor=actor, **extra)
    )
