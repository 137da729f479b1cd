from django.urls import path

from vendors import views

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("solutions/options/", views.solution_options, name="solution-options"),
    path("solutions/integrations/", views.integration_options, name="integration-options"),
]
