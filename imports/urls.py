from django.urls import path

from imports import views

urlpatterns = [
    path("", views.import_index, name="import-index"),
    path("<slug:kind>/", views.import_upload, name="import-upload"),
    path("<slug:kind>/confirm/", views.import_confirm, name="import-confirm"),
]
