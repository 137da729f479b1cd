from django.contrib import admin

from stakeholders.models import ApprovalTier, Department, Membership, StrategicGoal


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "annual_budget", "currency", "signoff_required", "is_active"]
    list_filter = ["signoff_required", "is_active", "currency"]
    search_fields = ["code", "name"]
    inlines = [MembershipInline]


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
