from django.contrib import admin

from stakeholders.models import (
    ApprovalTier,
    ChecklistQuestion,
    Delegation,
    Department,
    Membership,
    Preference,
    StrategicGoal,
)


class ChecklistInline(admin.TabularInline):
    model = ChecklistQuestion
    extra = 0
    fields = ["position", "text", "kind", "required", "help_text", "is_active"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "annual_budget", "currency", "signoff_required", "is_active"]
    list_filter = ["signoff_required", "is_active", "currency"]
    search_fields = ["code", "name"]
    inlines = [MembershipInline, ChecklistInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "department", "role", "approval_limit"]
    list_filter = ["department", "role"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "department"]


@admin.register(ApprovalTier)
class ApprovalTierAdmin(admin.ModelAdmin):
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
class StrategicGoalAdmin(admin.ModelAdmin):
    list_display = ["title", "code", "owner", "is_active"]
    list_filter = ["is_active", "owner"]
    search_fields = ["title", "code", "description"]
    prepopulated_fields = {"code": ["title"]}


@admin.register(ChecklistQuestion)
class ChecklistQuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "department", "kind", "required", "position", "is_active"]
    list_filter = ["department", "kind", "required", "is_active"]
    list_editable = ["position", "required", "is_active"]
    search_fields = ["text"]


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
