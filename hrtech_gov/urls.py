from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from stakeholders import views as stakeholder_views

urlpatterns = [
    path("", include("decisions.urls")),
    path("catalog/", include("vendors.urls")),
    path("delegations/", include("stakeholders.urls")),
    path("api-tokens/", stakeholder_views.api_tokens, name="api-tokens"),
    path(
        "api-tokens/<int:pk>/revoke/",
        stakeholder_views.api_token_revoke,
        name="api-token-revoke",
    ),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
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
