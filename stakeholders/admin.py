from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from core.errors import DomainError
from core.i18n import per_language
from stakeholders import identity, services
from stakeholders.models import (
    ApprovalTier,
    ChatChannel,
    ChatEvent,
    ChecklistQuestion,
    Delegation,
    Department,
    DepartmentBudget,
    IdentityGroupMapping,
    IdentityLink,
    Membership,
    Preference,
    StrategicGoal,
)
from stakeholders.selectors import budgets_may_manage, chat_channels_may_manage
from stakeholders.services import CHAT_FIELDS, chat_channel_check
from webhooks.chat import masked_url
from webhooks.models import CHAT_PLATFORMS
from webhooks.services import webhook_ping


# Department heads and administrators enter the Dutch and French values here, beside the English
# one (each translated field shows once per language: "name [nl]"); searches look in every
# language.
class ChecklistInline(TranslationTabularInline):
    model = ChecklistQuestion
    extra = 0
    fields = ["position", "text", "kind", "required", "help_text", "is_active"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Department)
class DepartmentAdmin(TranslationAdmin):
    list_display = ["code", "name", "annual_budget", "currency", "signoff_required", "is_active"]
    list_filter = ["signoff_required", "is_active", "currency"]
    search_fields = ["code", *per_language("name")]
    inlines = [MembershipInline, ChecklistInline]


class DepartmentBudgetForm(forms.ModelForm):
    class Meta:
        model = DepartmentBudget
        fields = ["department", "fiscal_year", "amount", "currency"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if all(cleaned.get(f) is not None for f in ("fiscal_year", "amount", "currency")):
            try:
                services.department_budget_check(
                    fiscal_year=cleaned["fiscal_year"],
                    amount=cleaned["amount"],
                    currency=cleaned["currency"],
                )
            except DomainError as error:
                self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned


@admin.register(DepartmentBudget)
class DepartmentBudgetAdmin(admin.ModelAdmin):
    """Budgets per fiscal year (a year without one falls back to the department's annual
    budget). Written through the same services as the page and the API: the CDO and
    administrators, with an audit event for every change."""

    form = DepartmentBudgetForm
    list_display = ["department", "fiscal_year", "amount", "currency", "updated_at"]
    list_filter = ["fiscal_year", "department", "currency"]
    list_select_related = ["department"]
    ordering = ["-fiscal_year", "department__code"]

    def get_readonly_fields(self, request, obj=None):
        # A budget's department and year are its key: change the amount, or remove it.
        return ["department", "fiscal_year"] if obj is not None else []

    def _keeps(self, request) -> bool:
        return budgets_may_manage(request.user)

    def has_view_permission(self, request, obj=None):
        return self._keeps(request)

    def has_add_permission(self, request):
        return self._keeps(request)

    def has_change_permission(self, request, obj=None):
        return self._keeps(request)

    def has_delete_permission(self, request, obj=None):
        return self._keeps(request)

    def has_module_permission(self, request):
        return self._keeps(request)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = services.department_budget_update(
                actor=request.user, budget=obj, amount=data["amount"], currency=data["currency"]
            )
        else:
            saved, _created = services.department_budget_set(
                actor=request.user,
                department=data["department"],
                fiscal_year=data["fiscal_year"],
                amount=data["amount"],
                currency=data["currency"],
            )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.department_budget_delete(actor=request.user, budget=obj)

    def delete_queryset(self, request, queryset):
        for budget in queryset.select_related("department"):
            services.department_budget_delete(actor=request.user, budget=budget)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "department", "role", "approval_limit", "from_identity_provider"]
    list_filter = ["department", "role", "from_identity_provider"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "department"]


@admin.register(ApprovalTier)
class ApprovalTierAdmin(TranslationAdmin):
    list_display = [
        "name",
        "min_tco",
        "max_tco",
        "signoff_role",
        "cdo_decision_required",
        "sla_days",
        "consent_mode",
    ]
    list_filter = ["signoff_role", "cdo_decision_required", "consent_mode"]


@admin.register(StrategicGoal)
class StrategicGoalAdmin(TranslationAdmin):
    list_display = ["title", "code", "owner", "is_active"]
    list_filter = ["is_active", "owner"]
    search_fields = ["code", *per_language("title", "description")]
    prepopulated_fields = {"code": ["title"]}


@admin.register(ChecklistQuestion)
class ChecklistQuestionAdmin(TranslationAdmin):
    list_display = ["text", "department", "kind", "required", "position", "is_active"]
    list_filter = ["department", "kind", "required", "is_active"]
    list_editable = ["position", "required", "is_active"]
    search_fields = per_language("text")


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ["delegator", "delegate", "department", "starts_on", "ends_on", "reason"]
    list_filter = ["department"]
    search_fields = ["delegator__username", "delegate__username", "reason"]
    autocomplete_fields = ["delegator", "delegate"]
    date_hierarchy = "starts_on"


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "language", "updated_at"]
    list_filter = ["language"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    autocomplete_fields = ["user"]
    list_select_related = ["user"]


class ChatChannelForm(forms.ModelForm):
    """A chat channel with its webhook's fields. The URL is write-only: left empty on a
    change, the stored one is kept; it is never rendered back."""

    name = forms.CharField(label=_("name"), max_length=100)
    platform = forms.ChoiceField(
        label=_("platform"), choices=[(p.value, p.label) for p in CHAT_PLATFORMS]
    )
    url = forms.CharField(
        label=_("incoming-webhook URL"),
        max_length=500,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("https only. Stored, never shown again; leave empty to keep the current one."),
    )
    events = forms.MultipleChoiceField(
        label=_("events"), choices=ChatEvent.choices, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    class Meta:
        model = ChatChannel
        fields = ["department", "language", "events"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            subscription = self.instance.subscription
            self.initial.update(
                name=subscription.name,
                platform=subscription.platform,
                is_active=subscription.is_active,
            )
            self.fields["department"].disabled = True
        else:
            self.fields["url"].required = True

    def service_data(self) -> dict[str, Any]:
        data = {k: self.cleaned_data[k] for k in CHAT_FIELDS if k in self.cleaned_data}
        if not data.get("url"):
            data.pop("url", None)  # kept
        return data

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            chat_channel_check(self.service_data())
        except DomainError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned


@admin.register(ChatChannel)
class ChatChannelAdmin(admin.ModelAdmin):
    """Departments' Slack and Teams channels; their deliveries are in the webhook delivery log.
    Written through the same services as the API (the rules, the audit trail)."""

    form = ChatChannelForm
    list_display = ["name", "department", "platform", "url_hint", "language", "active"]
    list_filter = ["department", "subscription__platform", "subscription__is_active"]
    list_select_related = ["subscription", "department"]
    fields = ["department", "name", "platform", "url", "language", "events", "is_active"]
    actions = ["send_test_message"]

    @admin.display(description=_("name"))
    def name(self, obj: ChatChannel) -> str:
        return obj.subscription.name

    @admin.display(description=_("platform"))
    def platform(self, obj: ChatChannel) -> str:
        return obj.subscription.get_platform_display()

    @admin.display(description=_("URL"))
    def url_hint(self, obj: ChatChannel) -> str:
        return masked_url(obj.subscription.url)

    @admin.display(description=_("active"), boolean=True)
    def active(self, obj: ChatChannel) -> bool:
        return obj.subscription.is_active

    def _keeps(self, request, obj: ChatChannel | None) -> bool:
        if obj is not None:
            return chat_channels_may_manage(request.user, obj.department)
        return request.user.is_superuser or request.user.has_perm("decisions.decide_proposal")

    def has_view_permission(self, request, obj=None):
        return self._keeps(request, obj)

    def has_add_permission(self, request):
        return self._keeps(request, None)

    def has_change_permission(self, request, obj=None):
        return self._keeps(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._keeps(request, obj)

    def has_module_permission(self, request):
        return self._keeps(request, None)

    def save_model(self, request, obj, form, change):
        data = form.service_data()
        if change:
            saved = services.chat_channel_update(actor=request.user, channel=obj, data=data)
        else:
            saved = services.chat_channel_create(
                actor=request.user, department=form.cleaned_data["department"], data=data
            )
        # The admin goes on with `obj` (its log entry, its redirect): make it the saved row.
        obj.pk, obj.subscription, obj.department = saved.pk, saved.subscription, saved.department

    def delete_model(self, request, obj):
        services.chat_channel_delete(actor=request.user, channel=obj)

    def delete_queryset(self, request, queryset):
        for channel in queryset.select_related("subscription", "department"):
            services.chat_channel_delete(actor=request.user, channel=channel)

    @admin.action(description=_("Send a test message"))
    def send_test_message(self, request, queryset):
        for channel in queryset.select_related("subscription"):
            webhook_ping(subscription=channel.subscription)
        self.message_user(
            request,
            _("Test messages queued: see the webhook delivery log."),
            messages.SUCCESS,
        )


# Single sign-on (stakeholders/identity.py): what each group at the identity provider gives at
# sign-in. Changes take effect at each person's next sign-in.
@admin.register(IdentityGroupMapping)
class IdentityGroupMappingAdmin(admin.ModelAdmin):
    list_display = ["claim_value", "department", "role", "approval_limit", "group"]
    list_filter = ["department", "role", "group"]
    search_fields = ["claim_value"]
    list_select_related = ["department", "group"]
    fields = ["claim_value", "department", "role", "approval_limit", "group"]

    # Through the services, so that every change is in the audit trail; only administrators
    # (superusers) keep the mappings, as the API.
    def has_add_permission(self, request: Any) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data.get(name) for name in identity.MAPPING_FIELDS}
        if change:
            saved = identity.identity_mapping_update(actor=request.user, mapping=obj, data=data)
        else:
            saved = identity.identity_mapping_create(actor=request.user, data=data)
        obj.pk = saved.pk

    def delete_model(self, request: Any, obj: Any) -> None:
        identity.identity_mapping_delete(actor=request.user, mapping=obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for mapping in queryset:
            identity.identity_mapping_delete(actor=request.user, mapping=mapping)


@admin.register(IdentityLink)
class IdentityLinkAdmin(admin.ModelAdmin):
    """Who signs in through the identity provider, made by the first sign-in. Deleting a link
    makes the next sign-in of that subject a new account."""

    list_display = ["user", "subject", "last_sign_in"]
    search_fields = ["user__username", "subject"]
    list_select_related = ["user"]
    # The user may be changed: to let an existing local account sign in through the provider,
    # point its subject's link at it (and delete the account the first sign-in made).
    autocomplete_fields = ["user"]
    readonly_fields = ["subject", "granted_groups", "provider_groups", "last_sign_in"]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False
