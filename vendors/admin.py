from django.contrib import admin

from vendors.models import Integration, Solution, Vendor


class SolutionInline(admin.TabularInline):
    model = Solution
    extra = 0
    fields = ["name", "category", "pricing_model", "list_price", "price_currency", "in_use"]
    show_change_link = True


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "source", "external_id", "is_deleted", "updated_at"]
    list_filter = ["is_deleted", "source", "country"]
    search_fields = ["name", "external_id", "description"]
    inlines = [SolutionInline]


@admin.register(Solution)
class SolutionAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "vendor",
        "category",
        "pricing_model",
        "list_price",
        "price_currency",
        "in_use",
        "is_deleted",
    ]
    list_filter = [
        "category",
        "pricing_model",
        "deployment",
        "in_use",
        "iso27001",
        "soc2",
        "processes_personal_data",
        "is_deleted",
        "source",
    ]
    search_fields = ["name", "vendor__name", "external_id", "description"]
    autocomplete_fields = ["vendor"]
    list_select_related = ["vendor"]


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["source", "target", "description"]
    search_fields = ["source__name", "target__name"]
    autocomplete_fields = ["source", "target"]
    list_select_related = ["source__vendor", "target__vendor"]
