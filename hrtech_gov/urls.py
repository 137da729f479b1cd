from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from stakeholders import oidc as stakeholders_oidc
from stakeholders import views as stakeholders_views

urlpatterns = [
    path("", include("decisions.urls")),
    path("catalog/", include("vendors.urls")),
    path("landscape/", include("landscape.urls")),
    path("delegations/", include("stakeholders.urls")),
    path("glossary/", include("glossary.urls")),
    path("imports/", include("imports.urls")),
    path("departments/<str:code>/chat-channels/", include("stakeholders.chat_urls")),
    path("api-tokens/", include("api.urls")),
    # Django's sign-in, which then restores the language the person chose.
    path("accounts/login/", stakeholders_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Single sign-on with OpenID Connect (404 unless OIDC_RP_CLIENT_ID is set).
    path(
        "oidc/authenticate/",
        stakeholders_oidc.SignInStart.as_view(),
        name="oidc_authentication_init",
    ),
    path(
        "oidc/callback/",
        stakeholders_oidc.SignInCallback.as_view(),
        name="oidc_authentication_callback",
    ),
    path("admin/", admin.site.urls),
    # The header's language buttons: Django's set_language, and the signed-in person's choice kept.
    path("i18n/setlang/", stakeholders_views.set_language, name="set_language"),
    path("api/v1/", include(("hrtech_gov.api_urls", "api"), namespace="api")),
    # Interactive docs; the init script is a separate request (?script), so no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
]

# Under /api/ errors keep the API's shape, also where no API view answers.
handler404 = "api.views.page_not_found"
handler500 = "api.views.server_error"
