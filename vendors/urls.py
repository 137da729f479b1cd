from django.urls import path

from vendors import views

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("solutions/<int:pk>/", views.solution_detail, name="solution-detail"),
    path("solutions/options/", views.solution_options, name="solution-options"),
]
