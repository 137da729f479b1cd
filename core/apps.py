from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The ground floor: errors, money, dates, the data version and the outgoing HTTP client.
    It has no models and imports no other app of the project."""

    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.models import CharField

        import core.siteurl  # noqa: F401  (registers its deployment check)
        from core.lookups import AnyOf

        CharField.register_lookup(AnyOf)
