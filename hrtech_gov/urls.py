from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("", include("decisions.urls")),
    path("catalog/", include("vendors.urls")),
    path("delegations/", include("stakeholders.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("hrtech_gov.api_urls", "api"), namespace="api")),
]
