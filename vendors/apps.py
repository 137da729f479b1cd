from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VendorsConfig(AppConfig):
    name = "vendors"
    verbose_name = _("Vendor catalog")

    def ready(self) -> None:
        from core.dataversion import track_models
        from vendors.sync.events import RECORD_CHANGED, RECORD_CHANGED_LABEL
        from webhooks.registry import register_event_kinds

        register_event_kinds(
            {
                "catalog.synced": _("Catalog synced"),
                "catalog.sync_job.finished": _("Catalog sync job finished"),
                RECORD_CHANGED: RECORD_CHANGED_LABEL,
            }
        )
        # Every write numbering catalog rows bumps it (vendors.models.reserve_change_seqs);
        # integrations are the one catalog table that is not numbered.
        track_models(self.get_model("Integration"))
