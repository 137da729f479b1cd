from django import forms
from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from vendors.models import (
    CatalogCustomField,
    CatalogSource,
    CatalogSyncJob,
    CatalogSyncRun,
    CatalogSyncSession,
    Integration,
    Solution,
    Vendor,
)
from vendors.sync.events import catalog_records_changed_by_source, record_change
from vendors.sync.spec import (
    CREATED,
    DELETED,
    SOLUTION,
    UPDATED,
    VENDOR,
    _clean_tags,
    _Invalid,
    check_lifecycle,
    clean_custom,
    load_custom_definitions,
)


class CatalogRecordForm(forms.ModelForm):
    """A vendor's or solution's tags, custom fields and lifecycle, held to the sync's rules (the
    same functions): tags normalised, custom values checked against the active definitions."""

    def clean_tags(self):
        try:
            return _clean_tags(None, self.cleaned_data.get("tags") or [])
        except _Invalid as error:
            raise forms.ValidationError(str(error)) from None

    def clean_custom(self):
        type_ = VENDOR if self._meta.model is Vendor else SOLUTION
        values, errors = clean_custom(
            self.cleaned_data.get("custom") or {}, load_custom_definitions()[type_]
        )
        if errors:
            raise forms.ValidationError([f"{name}: {' '.join(m)}" for name, m in errors.items()])
        return values

    def clean(self):
        cleaned = super().clean()
        if self._meta.model is Solution and (problem := check_lifecycle(cleaned or {})):
            self.add_error("end_of_life_on", problem)
        return cleaned


class CatalogRecordAdmin(admin.ModelAdmin):
    """Catalog records are never deleted (proposals refer to them, and the change feed must
    report removals): they are marked removed instead. A save without a change writes nothing,
    so the change feed and ETags move only on a real change."""

    form = CatalogRecordForm

    readonly_fields = ["change_seq", "created_at", "updated_at"]
    actions = ["mark_removed", "mark_listed"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        if not change or form.has_changed():
            super().save_model(request, obj, form, change)
            kind = DELETED if obj.is_deleted else (UPDATED if change else CREATED)
            self._notify(queryset=type(obj).objects.filter(pk=obj.pk), change=kind)

    def _notify(self, *, queryset, change: str) -> None:
        """The catalog.record_changed events of an admin's edit, sent after it commits."""
        type_ = VENDOR if queryset.model is Vendor else SOLUTION
        catalog_records_changed_by_source(
            [
                (source, record_change(type_=type_, id_=pk, external_id=ext, change=change))
                for pk, source, ext in queryset.values_list("pk", "source", "external_id")
            ]
        )

    @admin.action(description=_("Mark as removed from the catalog (tombstone)"))
    def mark_removed(self, request, queryset):
        live = list(queryset.filter(is_deleted=False).values_list("pk", flat=True))
        count = queryset.model.objects.filter(pk__in=live).update(is_deleted=True)
        self._notify(queryset=queryset.model.objects.filter(pk__in=live), change=DELETED)
        self.message_user(
            request,
            ngettext("%(n)d record marked removed.", "%(n)d records marked removed.", count)
            % {"n": count},
        )

    @admin.action(description=_("Put back into the catalog"))
    def mark_listed(self, request, queryset):
        removed = list(queryset.filter(is_deleted=True).values_list("pk", flat=True))
        count = queryset.model.objects.filter(pk__in=removed).update(is_deleted=False)
        self._notify(queryset=queryset.model.objects.filter(pk__in=removed), change=UPDATED)
        self.message_user(
            request,
            ngettext("%(n)d record put back.", "%(n)d records put back.", count) % {"n": count},
        )


class SolutionInline(admin.TabularInline):
    model = Solution
    extra = 0
    fields = ["name", "category", "pricing_model", "list_price", "price_currency", "in_use"]
    show_change_link = True

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Vendor)
class VendorAdmin(CatalogRecordAdmin):
    list_display = ["name", "country", "source", "external_id", "is_deleted", "updated_at"]
    list_filter = ["is_deleted", "source", "country"]
    search_fields = ["name", "external_id", "description"]
    inlines = [SolutionInline]

    @admin.action(description=_("Mark as removed from the catalog (tombstone)"))
    def mark_removed(self, request, queryset):
        # A live solution under a removed vendor would be an orphan in the change feed.
        used = queryset.filter(solutions__is_deleted=False).distinct()
        names = sorted(used.values_list("name", flat=True))
        if names:
            self.message_user(
                request,
                _("Kept, because they still have live solutions: %(names)s.")
                % {"names": ", ".join(names)},
                level=messages.WARNING,
            )
        super().mark_removed(request, queryset.exclude(pk__in=used.values("pk")))


@admin.register(Solution)
class SolutionAdmin(CatalogRecordAdmin):
    list_display = [
        "name",
        "vendor",
        "category",
        "pricing_model",
        "list_price",
        "price_currency",
        "in_use",
        "lifecycle",
        "is_deleted",
    ]
    list_filter = [
        "lifecycle",
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


@admin.register(CatalogCustomField)
class CatalogCustomFieldAdmin(admin.ModelAdmin):
    """The custom fields of catalog records: what an item's `custom` object may hold. The sync
    checks against the active ones; records keep what they hold when a definition changes."""

    list_display = ["key", "label", "applies_to", "type", "required", "active"]
    list_filter = ["applies_to", "type", "required", "active"]
    search_fields = ["key", "label"]


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["source", "target", "description"]
    search_fields = ["source__name", "target__name"]
    autocomplete_fields = ["source", "target"]
    list_select_related = ["source__vendor", "target__vendor"]


@admin.register(CatalogSyncRun)
class CatalogSyncRunAdmin(admin.ModelAdmin):
    """What each pull of a catalog feed did: read-only, written by vendors.sync.feeds."""

    list_display = ["source", "status", "full", "started_at", "finished_at", "pages", "counts"]
    list_filter = ["status", "source", "full"]
    search_fields = ["source", "url", "error"]
    date_hierarchy = "started_at"
    readonly_fields = [
        "source",
        "url",
        "full",
        "status",
        "started_at",
        "finished_at",
        "pages",
        "counts",
        "error",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CatalogSyncJob)
class CatalogSyncJobAdmin(admin.ModelAdmin):
    """Catalog sync jobs (POST /api/v1/catalog/jobs/): read-only, written by
    vendors.sync.jobs. Their invalid items are read through the API (paged)."""

    list_display = [
        "id",
        "source",
        "mode",
        "dry_run",
        "status",
        "processed",
        "total",
        "created_by",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "mode", "dry_run", "source"]
    list_select_related = ["created_by"]
    search_fields = ["source", "error"]
    date_hierarchy = "created_at"
    exclude = ["duplicates"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in CatalogSyncJob._meta.fields if f.name != "duplicates"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CatalogSyncSession)
class CatalogSyncSessionAdmin(admin.ModelAdmin):
    """Full syncs pushed in several requests: read-only, written by vendors.sync.sessions."""

    list_display = [
        "source",
        "sync_id",
        "started_by",
        "started_at",
        "expires_at",
        "finished_at",
        "pages",
        "counts",
    ]
    list_filter = ["source"]
    search_fields = ["source", "sync_id"]
    date_hierarchy = "started_at"
    list_select_related = ["started_by"]
    readonly_fields = tuple(name for name in list_display if isinstance(name, str))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def _count_of(model, **filters):
    """The number of `model` records of the row's source (a subquery per column; the admin
    lists a handful of sources). Served by the (source, external_id) unique index."""
    counted = (
        model._default_manager.filter(source=OuterRef("name"), **filters)
        .order_by()
        .values("source")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@admin.register(CatalogSource)
class CatalogSourceAdmin(admin.ModelAdmin):
    """Who owns each source of the catalog and who else may write to it through the sync API,
    its last sync and what it holds."""

    list_display = [
        "name",
        "owner",
        "writer_list",
        "last_synced_at",
        "live_vendors",
        "live_solutions",
        "removed",
    ]
    search_fields = ["name", "owner__username"]
    list_select_related = ["owner"]
    autocomplete_fields = ["owner"]
    filter_horizontal = ["writers"]
    readonly_fields = ["created_at", "last_synced_at"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("writers")
            .annotate(
                n_vendors=_count_of(Vendor, is_deleted=False),
                n_solutions=_count_of(Solution, is_deleted=False),
                n_removed=Coalesce(_count_of(Vendor, is_deleted=True), 0)
                + Coalesce(_count_of(Solution, is_deleted=True), 0),
            )
        )

    @admin.display(description=_("also granted to"))
    def writer_list(self, obj) -> str:
        return ", ".join(sorted(user.get_username() for user in obj.writers.all())) or "—"

    @admin.display(description=_("live vendors"), ordering="n_vendors")
    def live_vendors(self, obj) -> int:
        return obj.n_vendors

    @admin.display(description=_("live solutions"), ordering="n_solutions")
    def live_solutions(self, obj) -> int:
        return obj.n_solutions

    @admin.display(description=_("removed (tombstones)"), ordering="n_removed")
    def removed(self, obj) -> int:
        return obj.n_removed
