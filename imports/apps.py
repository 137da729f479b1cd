from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from audit.models import register_event_labels

        register_event_labels(
            {
                "import.applied": _("Spreadsheet imported"),
                "department.budget_changed": _("Department budget changed"),
            }
        )
