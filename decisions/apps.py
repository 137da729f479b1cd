from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = _("Decisions")

    def ready(self) -> None:
        from audit.models import register_event_labels
        from core.dataversion import track_models
        from decisions.events import EVENT_LABELS, WEBHOOK_KINDS
        from decisions.handoff import tool_onboarding
        from decisions.rights import is_cdo, proposals_visible_to
        from landscape.selectors import register_proposal_visibility, register_tool_onboarding
        from landscape.standards import register_standard_decider
        from webhooks.registry import register_event_kinds

        register_event_labels(EVENT_LABELS)
        register_event_kinds(WEBHOOK_KINDS)
        register_proposal_visibility(proposals_visible_to)
        # The onboarding's progress on the tool's page.
        register_tool_onboarding(tool_onboarding)
        # The CDO (not any superuser) makes a tool the standard for its category.
        register_standard_decider(is_cdo)
        # What the dashboard and the queue show, edited outside the workflow (the admin).
        track_models(
            self.get_model("Proposal"), self.get_model("SignOff"), self.get_model("Decision")
        )
        post_migrate.connect(_read_models_after_migrate, sender=self)


def _read_models_after_migrate(*, using: str = "default", **kwargs: object) -> None:
    """SQLite drops a table's triggers when a migration rebuilds the table (most alterations
    do): reinstall the read models' triggers after every migrate, and recompute what they keep
    in case rows were written while they were missing."""
    from django.db import connections

    from decisions import readmodels

    readmodels.reinstall(connections[using])
