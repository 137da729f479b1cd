from django.contrib import admin
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from core.i18n import per_language
from stakeholders.models import (
    ApprovalTier,
    ChecklistQuestion,
    Delegation,
    Department,
    Membership,
    Preference,
    StrategicGoal,
)


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


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "department", "role", "approval_limit"]
    list_filter = ["department", "role"]
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
    ]
    list_filter = ["signoff_role", "cdo_decision_required"]


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
