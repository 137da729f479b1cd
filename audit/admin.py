from django.contrib import admin
from django.http import HttpRequest

from audit.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin[Event]):
    """The audit trail: visible, never editable."""

    list_display = ["seq", "kind", "proposal_id", "actor", "created_at"]
    list_filter = ["kind"]
    search_fields = ["kind", "=proposal_id"]
    list_select_related = ["actor"]
    readonly_fields = [f.name for f in Event._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False
