from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LandscapeConfig(AppConfig):
    name = "landscape"
    verbose_name = _("Tool landscape")

    def ready(self) -> None:
        from audit.models import register_event_labels
        from core.dataversion import track_models
        from webhooks.registry import register_event_kinds

        register_event_labels(
            {
                "tool.lifecycle_changed": _("Tool lifecycle changed"),
                "tool.updated": _("Tool edited"),
                "tool.contract_renewed": _("Tool contract renewed"),
                "tool.standard_set": _("Made the standard for its category"),
                "tool.standard_withdrawn": _("Standard for its category withdrawn"),
                "integration.created": _("Integration added"),
                "integration.updated": _("Integration edited"),
                "integration.removed": _("Integration removed"),
                "usage.reported": _("Tool usage reported"),
            }
        )
        register_event_kinds(
            {
                "tool.lifecycle_changed": _("Tool lifecycle changed"),
                "integration.changed": _("Integration added, changed or removed"),
                "tool.lane_changed": _("Tool moved between the plug-in and governed lanes"),
                "tool.standard_changed": _("A category's standard tool made or withdrawn"),
            }
        )
        # The landscape pages and the map are cached reads of these.
        track_models(self.get_model("Tool"), self.get_model("Integration"))
