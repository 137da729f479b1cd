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
                # Single sign-on (stakeholders/identity.py).
                "user.created_by_sign_in": _("Account created at single sign-on"),
                "membership.granted_by_sign_in": _("Membership granted at single sign-on"),
                "membership.changed_by_sign_in": _("Membership changed at single sign-on"),
                "membership.removed_by_sign_in": _("Membership removed at single sign-on"),
                "group.granted_by_sign_in": _("Group granted at single sign-on"),
                "group.removed_by_sign_in": _("Group removed at single sign-on"),
                "identity_mapping.created": _("Identity group mapping added"),
                "identity_mapping.changed": _("Identity group mapping changed"),
                "identity_mapping.deleted": _("Identity group mapping removed"),
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
