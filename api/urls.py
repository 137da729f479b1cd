from django.urls import path

from api import views

urlpatterns = [
    path("", views.api_tokens, name="api-tokens"),
    path("<int:pk>/revoke/", views.api_token_revoke, name="api-token-revoke"),
]
