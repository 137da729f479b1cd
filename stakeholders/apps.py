from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StakeholdersConfig(AppConfig):
    name = "stakeholders"
    verbose_name = _("Stakeholders")

    def ready(self) -> None:
        from audit.models import register_event_labels
        from core.dataversion import track_models

        register_event_labels(
            {
                "delegation.created": _("Delegation created"),
                "delegation.revoked": _("Delegation revoked"),
            }
        )
        # Department budgets, tiers, memberships and delegations feed the dashboard and the queue.
        track_models(
            *(
                self.get_model(name)
                for name in ("Department", "Membership", "ApprovalTier", "Delegation")
            )
        )
