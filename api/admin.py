from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

from api import services
from api.models import ApiToken
from core.errors import DomainError


class ApiTokenAdminForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["user", "name", "scope", "expires_at"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is not None or self.errors:
            return data  # tokens are never edited; and a field already at fault says why
        # The service's own checks, so that a refusal is shown beside its field rather than
        # raised from save_model (a 500).
        try:
            services.api_token_check(
                user=data["user"],
                name=data["name"],
                scope=data["scope"],
                expires_at=data.get("expires_at"),
            )
        except DomainError as error:
            field = error.code if error.code in self.fields else None
            self.add_error(field, error.message)
        return data


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created through the service (the secret is shown once, in a message) and
    revoked, never edited: only a hash of the secret is stored."""

    list_display = ["name", "user", "prefix", "scope", "created_at", "last_used_at", "expires_at"]
    list_display += ["revoked_at"]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    fields = ["user", "name", "scope", "expires_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]
    form = ApiTokenAdminForm

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        return [*self.fields, *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["user", "name", "scope", "expires_at", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing about a token is editable
        try:
            token, secret = services.api_token_create(
                user=obj.user, name=obj.name, scope=obj.scope, expires_at=obj.expires_at
            )
        except DomainError as error:
            # The form checked the same rules; this is the user deactivated a moment later.
            # Nothing was created: say so and go back to the form (see response_add).
            messages.error(request, error.message)
            return
        obj.pk = token.pk
        obj.prefix = token.prefix
        messages.warning(
            request,
            _("Token for %(user)s: %(secret)s — copy it now, it is not shown again.")
            % {"user": token.user, "secret": secret},
        )

    def log_addition(self, request, obj, message):
        if obj.pk is not None:  # nothing to log when save_model created nothing
            return super().log_addition(request, obj, message)
        return None

    def response_add(self, request, obj, post_url_continue=None):
        if obj.pk is None:
            return HttpResponseRedirect(request.get_full_path())
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            services.api_token_revoke(token=token, actor=request.user)
        messages.success(request, _("Tokens revoked."))

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: a deleted token leaves no trace of what it did
