from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StakeholdersConfig(AppConfig):
    name = "stakeholders"
    verbose_name = _("Stakeholders")

    def ready(self) -> None:
        from audit.models import register_event_labels
        from core.dataversion import track_models
        from webhooks.registry import register_event_kinds

        register_event_labels(
            {
                "delegation.created": _("Delegation created"),
                "delegation.revoked": _("Delegation revoked"),
                "chat_channel.created": _("Chat channel added"),
                "chat_channel.updated": _("Chat channel changed"),
                "chat_channel.deleted": _("Chat channel removed"),
                "budget.created": _("Budget set"),
                "budget.changed": _("Budget changed"),
                "budget.deleted": _("Budget removed"),
            }
        )
        # The messages only departments' chat channels receive (see decisions/chat.py).
        register_event_kinds(
            {
                "chat.signoff_requested": _("Chat: sign-off requested"),
                "chat.reminder": _("Chat: overdue sign-off reminded or escalated"),
                "chat.decision": _("Chat: decision taken"),
            },
            subscribable=False,
        )
        # Department budgets, tiers, memberships and delegations feed the dashboard and the queue.
        track_models(
            *(
                self.get_model(name)
                for name in (
                    "Department",
                    "DepartmentBudget",
                    "Membership",
                    "ApprovalTier",
                    "Delegation",
                )
            )
        )
