from django.urls import path

from landscape import usage_views, views

urlpatterns = [
    path("", views.tool_list, name="tool-list"),
    path("map/", views.landscape_map, name="landscape-map"),
    path("usage/import/", usage_views.usage_import, name="usage-import"),
    path("usage/import/confirm/", usage_views.usage_import_confirm, name="usage-import-confirm"),
    path("tools/<int:pk>/", views.tool_detail, name="tool-detail"),
    path("tools/<int:pk>/lifecycle/", views.tool_move, name="tool-move"),
    path("tools/<int:pk>/lane/", views.tool_pull_back, name="tool-pull-back"),
    path("tools/<int:pk>/standard/", views.tool_standard_set, name="tool-standard-set"),
    path(
        "tools/<int:pk>/standard/withdraw/",
        views.tool_standard_withdraw,
        name="tool-standard-withdraw",
    ),
    path("tools/<int:pk>/integrations/", views.integration_add, name="integration-add"),
    path(
        "tools/<int:pk>/integrations/<int:integration_pk>/remove/",
        views.integration_remove,
        name="integration-remove",
    ),
]
