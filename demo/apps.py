from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data `make run` loads (manage.py seed_demo). Top floor: it uses every app's
    services, and nothing uses it."""

    name = "demo"
    verbose_name = _("Demo data")
