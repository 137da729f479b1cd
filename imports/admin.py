from __future__ import annotations

from django.contrib import admin

from imports.models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin[ImportRun]):
    """The imports done (read-only: the page and the API import, through the services)."""

    list_display = ["imported_at", "kind", "filename", "imported_by", "rows", "created", "updated"]
    list_filter = ["kind"]
    list_select_related = ["imported_by"]
    search_fields = ["filename", "sha256"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
