"""The glossary in the admin: to look, not to edit. Terms are edited on /glossary/ by the
department heads and the CDO, where every change keeps its previous text and its audit event."""

from __future__ import annotations

from django.contrib import admin

from glossary.models import DepartmentMeaning, Term, TermVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MeaningInline(admin.TabularInline):
    model = DepartmentMeaning
    extra = 0
    fields = ["department", "text", "updated_at"]
    readonly_fields = ["department", "text", "updated_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Term)
class TermAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "updated_at"]
    search_fields = ["name", "definition"]
    inlines = [MeaningInline]


@admin.register(TermVersion)
class TermVersionAdmin(ReadOnlyAdmin):
    list_display = ["term", "field", "department", "changed_by", "changed_at"]
    list_filter = ["field", "department"]
    list_select_related = ["term", "department", "changed_by"]
