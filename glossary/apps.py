from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GlossaryConfig(AppConfig):
    name = "glossary"
    verbose_name = _("Glossary")

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from audit.models import register_event_labels
        from core.dataversion import track_models
        from glossary import linking

        register_event_labels(
            {
                "glossary.term_created": _("Glossary term added"),
                "glossary.term_changed": _("Glossary term changed"),
                "glossary.meaning_changed": _("Department meaning changed"),
            }
        )
        # The linked terms are cached under the data version: any save (the admin's too)
        # makes them stale.
        track_models(self.get_model("Term"), self.get_model("DepartmentMeaning"))
        request_started.connect(linking.request_begins, dispatch_uid="glossary:request_started")
        request_finished.connect(linking.request_ends, dispatch_uid="glossary:request_finished")
