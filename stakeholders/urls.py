from django.urls import path

from stakeholders import views

urlpatterns = [
    path("", views.delegations, name="delegations"),
    path("<int:pk>/revoke/", views.delegation_revoke, name="delegation-revoke"),
]
