from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

urlpatterns = [
    path("", include("decisions.urls")),
    path("catalog/", include("vendors.urls")),
    path("landscape/", include("landscape.urls")),
    path("delegations/", include("stakeholders.urls")),
    path("api-tokens/", include("api.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the header's language buttons
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
