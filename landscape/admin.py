"""The admin of the landscape: IT Operations' guardrails for the plug-in lane. Every save goes
through the services (the right, the checks, the audit event); a guardrail is deactivated,
never deleted (the audit trail names the guardrails that signed)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from core.errors import DomainError
from core.i18n import per_language
from landscape import services
from landscape.models import Guardrail, ToolUsage
from landscape.rights import governs_landscape
from landscape.usage import INVALID, usage_ingest


@admin.register(Guardrail)
class GuardrailAdmin(TranslationAdmin[Guardrail]):
    list_display = ["name", "code", "kind", "threshold", "currency", "position", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", *per_language("name", "description")]
    fields = [*services.GUARDRAIL_FIELDS]
    readonly_fields = ["created_at", "updated_at"]
    actions = ["deactivate"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return governs_landscape(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Guardrail | None = None) -> bool:
        return governs_landscape(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Guardrail | None = None) -> bool:
        return False  # deactivate instead

    def save_model(self, request, obj, form, change):
        data = {name: getattr(obj, name) for name in services.GUARDRAIL_FIELDS}
        try:
            if change:
                saved = services.guardrail_update(
                    guardrail=Guardrail.objects.get(pk=obj.pk), actor=request.user, data=data
                )
            else:
                saved = services.guardrail_create(actor=request.user, data=data)
        except DomainError as error:
            messages.error(request, error.message)
            return
        obj.pk = saved.pk
        obj.__dict__.update(model_to_dict(saved, fields=services.GUARDRAIL_FIELDS))

    def log_addition(self, request, obj, message):
        if obj.pk is not None:  # nothing to log when the service refused it
            return super().log_addition(request, obj, message)
        return None

    def response_add(self, request, obj, post_url_continue=None):
        if obj.pk is None:
            return HttpResponseRedirect(request.get_full_path())
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description=_("Deactivate the selected guardrails"))
    def deactivate(self, request, queryset):
        for guardrail in queryset.filter(is_active=True):
            services.guardrail_update(
                guardrail=guardrail, actor=request.user, data={"is_active": False}
            )
        messages.success(request, _("Guardrails deactivated."))


@admin.register(ToolUsage)
class ToolUsageAdmin(admin.ModelAdmin[ToolUsage]):
    """Monthly usage typed in by hand: saved through the same service as the API and the CSV
    import (the checks, the right, the audit event). Figures are corrected, never deleted."""

    list_display = ["tool", "month", "source", "active_users", "licensed_seats", "updated_at"]
    list_filter = ["source", "month"]
    search_fields = ["tool__solution__name", "source"]
    list_select_related = ["tool__solution"]
    raw_id_fields = ["tool"]
    fields = ["tool", "month", "source", "active_users", "licensed_seats"]
    date_hierarchy = "month"

    def get_readonly_fields(self, request: HttpRequest, obj: ToolUsage | None = None) -> list[str]:
        # The key (tool, month, source) of a record is fixed: another key is another record.
        return ["tool", "month", "source"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: ToolUsage | None = None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        item = {
            "tool": obj.tool_id,
            "month": obj.month.strftime("%Y-%m"),
            "source": obj.source,
            "active_users": obj.active_users,
            "licensed_seats": obj.licensed_seats,
        }
        try:
            report = usage_ingest(
                actor=request.user, items=[item], default_source="admin", via="admin"
            )
        except DomainError as error:
            messages.error(request, error.message)
            return
        result = report.items[0]
        if result.status == INVALID:
            messages.error(request, " ".join(m for ms in result.errors.values() for m in ms))
            return
        obj.pk = result.id

    def log_addition(self, request, obj, message):
        if obj.pk is not None:
            return super().log_addition(request, obj, message)
        return None

    def response_add(self, request, obj, post_url_continue=None):
        if obj.pk is None:
            return HttpResponseRedirect(request.get_full_path())
        return super().response_add(request, obj, post_url_continue)
