from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The hash-chained audit trail. Ground floor: it imports no feature app; the apps above it
    record their events here and register the labels their events read as."""

    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from audit import signals

        signals.connect()
