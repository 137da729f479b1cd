from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Signed outgoing events. Ground floor: the feature apps register the kinds of event they
    send (webhooks.registry) and build their own payloads."""

    name = "webhooks"
    verbose_name = _("Webhooks")
