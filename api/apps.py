from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API's plumbing: tokens and their authentication, scopes, one error shape,
    pagination, throttling, conditional requests and the schema conventions. Ground floor: the
    resources live in each feature app's apis.py; the router in hrtech_gov/api_urls.py."""

    name = "api"
    label = "api"
    verbose_name = _("REST API")

    def ready(self) -> None:
        from audit.models import register_event_labels

        register_event_labels(
            {
                "api_token.created": _("API token created"),
                "api_token.revoked": _("API token revoked"),
            }
        )
