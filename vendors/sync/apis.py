"""REST endpoints of catalog sync: the push (POST /api/v1/catalog/sync/) and the change feed
(GET /api/v1/catalog/changes/). Both are open to catalog-scoped tokens."""

from __future__ import annotations

import datetime as dt
import json

from django.http import HttpResponse
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils import encoders
from rest_framework.views import APIView

from api.errors import ErrorSerializer, error_body
from api.fields import StrictInputSerializer
from api.permissions import SCOPE_CATALOG, TokenScopePermission
from api.schema import error_responses
from vendors.models import Solution, Vendor
from vendors.selectors import (
    FEED_DATETIME_FORMAT,
    SOLUTION_RECORD_FIELDS,
    VENDOR_RECORD_FIELDS,
    CatalogChange,
    FeedFilter,
    catalog_changes_page,
    catalog_feed_position,
)
from vendors.serializers import RichRecordFields
from vendors.sync.apply import catalog_change_head, max_deletion_share
from vendors.sync.push import KEPT_REASON, catalog_sync_push
from vendors.sync.spec import (
    CREATED,
    DELETED,
    EXTERNAL_ID_MAX,
    INVALID,
    MAX_ITEMS,
    MODES,
    SESSION_TTL,
    SOLUTION,
    SOURCE_MAX,
    SYNC_ID_MAX,
    UNCHANGED,
    UPDATED,
    VENDOR,
    SyncRequestInvalid,
    item_json_schemas,
)

# Translated when the schema is rendered, in the language of its request (not once at import).
_interpolate_lazy = lazy(lambda message, values: message % values, str)
SESSION_HOURS = int(SESSION_TTL.total_seconds() // 3600)

# --------------------------------------------------------------------------------------------
# The push body. Its items are described by the JSON Schema of the very types the sync validates
# them with (vendors.sync.spec: msgspec, from the model fields), not a second description.

ITEM_SCHEMAS = item_json_schemas()


@extend_schema_field({"type": "array", "items": ITEM_SCHEMAS["VendorItem"]})
class VendorItemsField(serializers.ListField):
    child = serializers.DictField()


@extend_schema_field({"type": "array", "items": ITEM_SCHEMAS["SolutionItem"]})
class SolutionItemsField(serializers.ListField):
    child = serializers.DictField()


class RemovedSerializer(serializers.Serializer):
    vendors = serializers.ListField(
        child=serializers.CharField(max_length=EXTERNAL_ID_MAX),
        required=False,
        help_text=_("External ids of vendors to remove."),
    )
    solutions = serializers.ListField(
        child=serializers.CharField(max_length=EXTERNAL_ID_MAX),
        required=False,
        help_text=_("External ids of solutions to remove."),
    )


def _deletion_share_percent() -> str:
    return f"{max_deletion_share() * 100:g}"


class CatalogSyncRequestSerializer(StrictInputSerializer):
    source = serializers.CharField(  # type: ignore[assignment]
        max_length=50,
        help_text=_("The feed or system the records come from. Surrounding whitespace is removed."),
    )
    mode = serializers.ChoiceField(
        choices=MODES,
        default="upsert",
        help_text=_(
            "upsert: create or update the items sent. full: also mark every record of this "
            "source that the sync does not list as removed (a tombstone): the records this "
            "request does not list or, with a sync_id, that no page of that sync listed."
        ),
    )
    sync_id = serializers.CharField(
        max_length=SYNC_ID_MAX,
        required=False,
        help_text=_interpolate_lazy(
            _(
                "Full mode only: a full sync sent in several requests (pages of up to %(max)d "
                "items). The client's id for this sync (e.g. a UUID), the same on every page. "
                "What any page lists is kept; only the final page tombstones the rest. Pages "
                "of one sync are applied one at a time. A sync must send its final page within "
                "%(hours)d hours of its first, or it expires and tombstones nothing; a page of "
                "a sync that ended or expired answers 409. Use a new id for every full sync."
            ),
            {"max": MAX_ITEMS, "hours": SESSION_HOURS},
        ),
    )
    final = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "With a sync_id: this is the sync's last page; once it is applied, every record of "
            "the source that no page listed is tombstoned."
        ),
    )
    confirm_empty = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "Full mode only. A full sync that lists no record at all would tombstone every "
            "record of the source: it is refused (400) unless this is true."
        ),
    )
    confirm_deletions = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text=_interpolate_lazy(
            _(
                "Full mode only: the most records this sync may tombstone. Without it, a full "
                "sync (or the final page of a paged one) that would tombstone more than "
                "%(share)s%% of the source's live records is refused (400, nothing changed; "
                "the message says how many it would remove)."
            ),
            {"share": _deletion_share_percent()},
        ),
    )
    removed = RemovedSerializer(
        required=False,
        help_text=_(
            "Upsert mode only: records of this source to tombstone, by external id (a delta "
            "push: no full sync needed to remove one record). Each is reported as an item: "
            '"deleted", "unchanged" when it was already removed, or "invalid" (unknown in '
            "this source, also sent for upsert, or a vendor that keeps live solutions). "
            "Solutions are removed before vendors, so a vendor and its solutions can go in "
            "one request. Counted with the items against the limit per request."
        ),
    )
    vendors = VendorItemsField(required=False, help_text=_("Vendors of this source."))
    solutions = SolutionItemsField(required=False, help_text=_("Solutions of this source."))


class SyncCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    invalid = serializers.IntegerField()
    deleted = serializers.IntegerField(
        help_text=_("Records tombstoned, by a full sync or by a push's removals.")
    )


class SyncItemReportSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[VENDOR, SOLUTION])
    external_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(
        choices=[CREATED, UPDATED, UNCHANGED, INVALID, DELETED],
        help_text=_("deleted: a removal (removed) that tombstoned its record."),
    )
    id = serializers.IntegerField(allow_null=True, help_text=_("Our id; null when invalid."))
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("Field name → messages; empty unless the item is invalid."),
    )


class TombstoneSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[VENDOR, SOLUTION])
    external_id = serializers.CharField()
    id = serializers.IntegerField()


class KeptSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[VENDOR])
    external_id = serializers.CharField()
    id = serializers.IntegerField()
    reason = serializers.ChoiceField(
        choices=[KEPT_REASON],
        help_text=_("live_solutions: live solutions still belong to this vendor."),
    )


class SyncSessionSerializer(serializers.Serializer):
    sync_id = serializers.CharField()
    pages = serializers.IntegerField(help_text=_("Pages of this sync applied so far."))
    final = serializers.BooleanField(help_text=_("Whether the sync ended with this page."))
    expires_at = serializers.DateTimeField(
        help_text=_("The final page must arrive before this time.")
    )
    counts = SyncCountsSerializer(help_text=_("The counts of every page of this sync so far."))


class SyncReportSerializer(serializers.Serializer):
    source = serializers.CharField()  # type: ignore[assignment]
    mode = serializers.ChoiceField(choices=MODES)
    counts = SyncCountsSerializer()
    items = SyncItemReportSerializer(many=True, help_text=_("One per item, in request order."))
    tombstoned = TombstoneSerializer(many=True)
    kept = KeptSerializer(
        many=True,
        help_text=_(
            "Records a full sync did not list but kept live, and why: a vendor stays while "
            "live solutions belong to it."
        ),
    )
    dry_run = serializers.BooleanField(
        help_text=_("true: this is what the request would do; nothing was written.")
    )
    sync = SyncSessionSerializer(
        required=False, help_text=_("Only for a request with a sync_id: that sync's progress.")
    )


class SyncQuerySerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "true: validate only. The answer is exactly the report (items, counts, tombstones, "
            "refusals) this request would produce, and nothing is written or sent: no record, "
            "no full-sync page, no Idempotency-Key, no webhook. Created items have a null id."
        ),
    )


class CanSyncCatalog(BasePermission):
    message = _("Synchronising the catalog needs the “Can synchronise the catalog” permission.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and (user.is_staff or user.has_perm("vendors.sync_catalog")))


SYNC_EXAMPLE = {
    "source": "acme-feed",
    "mode": "upsert",
    "vendors": [{"external_id": "v-1", "name": "Hirely", "website": "https://hirely.example"}],
    "solutions": [
        {
            "external_id": "s-1",
            "vendor": "v-1",
            "name": "Hirely ATS",
            "category": "talent_acquisition",
            "pricing_model": "per_seat",
            "list_price": "12.50",
            "price_currency": "EUR",
            "sso": True,
        }
    ],
}


class CatalogSyncApi(APIView):
    """Push vendors and solutions of one source: an idempotent bulk upsert keyed by
    (source, external_id)."""

    required_scope = SCOPE_CATALOG
    permission_classes = [IsAuthenticated, TokenScopePermission, CanSyncCatalog]

    @extend_schema(
        operation_id="catalog_sync",
        summary=_("Synchronise vendors and solutions"),
        description=_interpolate_lazy(
            _(
                "Up to %(max)d items (vendors + solutions) per request. Each item is the full "
                "record: fields left out take their defaults. Invalid items are reported with "
                "their errors and never block the valid ones, which are written together in one "
                "transaction. Sending the same request again changes nothing. Answers 200 with "
                "a per-item report. With an Idempotency-Key header, a retry within 24 hours "
                "returns the first answer (header Idempotent-Replayed: true) without applying "
                "anything; the same key with another body answers 422. A full sync of more "
                "than %(max)d items is sent in pages with one sync_id, the last marked final. "
                "A full sync tombstones only records it could have seen (none written by "
                "another request after it started), never a vendor with live solutions "
                "(reported in kept), and no more than a share of the source unless "
                "confirm_deletions allows it."
            ),
            {"max": MAX_ITEMS},
        ),
        request=CatalogSyncRequestSerializer,
        parameters=[
            SyncQuerySerializer,
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description=_("Any unique string per logical request, e.g. a UUID."),
            ),
        ],
        responses={
            200: SyncReportSerializer,
            409: OpenApiResponse(
                ErrorSerializer,
                description=_("The full sync of this sync_id already ended or expired."),
            ),
            413: OpenApiResponse(
                ErrorSerializer,
                description=_interpolate_lazy(
                    _("More than %(max)d items, or a body too large."), {"max": MAX_ITEMS}
                ),
            ),
            422: OpenApiResponse(
                ErrorSerializer,
                description=_("The Idempotency-Key was used with a different body."),
            ),
            400: OpenApiResponse(
                ErrorSerializer,
                description=_(
                    "Nothing was changed. The body is not a sync request (errors name the "
                    "fields), or a full sync was refused: it lists no record without "
                    "confirm_empty (errors.confirm_empty); it would tombstone more than the "
                    "allowed share of the source, or more than confirm_deletions "
                    "(errors.confirm_deletions, the message gives the number); an item has no "
                    "valid external_id, so the sync cannot tell which record it lists "
                    "(errors.external_id)."
                ),
            ),
            403: OpenApiResponse(
                ErrorSerializer,
                description=_(
                    "The account lacks the catalog sync permission (or the token the catalog "
                    "scope), or the source belongs to another integration: a source is "
                    "written only by its owner (the account whose write registered it) and the "
                    "accounts an administrator granted it to."
                ),
            ),
            **error_responses(401, 415, 429),
        },
        examples=[
            OpenApiExample("upsert", value=SYNC_EXAMPLE, request_only=True),
            OpenApiExample(
                "full sync, first page",
                value={**SYNC_EXAMPLE, "mode": "full", "sync_id": "2026-11-24-nightly"},
                request_only=True,
            ),
            OpenApiExample(
                "full sync, final page",
                value={
                    "source": "acme-feed",
                    "mode": "full",
                    "sync_id": "2026-11-24-nightly",
                    "final": True,
                    "vendors": [],
                    "solutions": [],
                },
                request_only=True,
            ),
        ],
        tags=["catalog"],
    )
    def post(self, request):
        query = SyncQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            status_code, body, replayed = catalog_sync_push(
                actor=request.user,
                data=request.data,
                idempotency_key=request.headers.get("Idempotency-Key"),
                dry_run=query.validated_data["dry_run"],
            )
        except SyncRequestInvalid as error:
            return Response(error_body(error.message, error.errors), status=error.status_code)
        headers = {"Idempotent-Replayed": "true"} if replayed else {}
        return Response(body, status=status_code, headers=headers)


# --------------------------------------------------------------------------------------------
# The change feed


class FeedDateTimeField(serializers.DateTimeField):
    """The feed's timestamps: UTC with microseconds, as PostgreSQL builds them."""

    def __init__(self, **kwargs):
        super().__init__(
            format=FEED_DATETIME_FORMAT, default_timezone=dt.UTC, read_only=True, **kwargs
        )


class VendorRecordSerializer(RichRecordFields, serializers.ModelSerializer):
    created_at = FeedDateTimeField()
    updated_at = FeedDateTimeField()

    class Meta:
        model = Vendor
        fields = list(VENDOR_RECORD_FIELDS)


class SolutionRecordSerializer(RichRecordFields, serializers.ModelSerializer):
    vendor_external_id = serializers.CharField(source="vendor.external_id", read_only=True)
    created_at = FeedDateTimeField()
    updated_at = FeedDateTimeField()

    class Meta:
        model = Solution
        fields = list(SOLUTION_RECORD_FIELDS)


class _ChangeFields(serializers.Serializer):
    op = serializers.ChoiceField(
        choices=["upsert", "delete"], help_text=_("delete: the record is a tombstone.")
    )
    id = serializers.IntegerField()
    source = serializers.CharField()  # type: ignore[assignment]
    external_id = serializers.CharField()
    seq = serializers.IntegerField(help_text=_("The change's sequence number."))


# One schema per record type, told apart by `type`: a oneOf over the bare records would be
# ambiguous (a solution record is also a valid vendor record), which clients cannot decode.
class VendorChangeSerializer(_ChangeFields):
    type = serializers.ChoiceField(choices=[VENDOR])
    data = VendorRecordSerializer()  # type: ignore[assignment]


class SolutionChangeSerializer(_ChangeFields):
    type = serializers.ChoiceField(choices=[SOLUTION])
    data = SolutionRecordSerializer()  # type: ignore[assignment]


CatalogChangeSerializer = PolymorphicProxySerializer(
    component_name="CatalogChange",
    serializers={VENDOR: VendorChangeSerializer, SOLUTION: SolutionChangeSerializer},
    resource_type_field_name="type",
    many=True,
)


class CatalogChangesPageSerializer(serializers.Serializer):
    changes = CatalogChangeSerializer
    next_cursor = serializers.IntegerField(
        help_text=_("Pass as cursor to read what follows (the same cursor when none did).")
    )
    has_more = serializers.BooleanField()


class FeedFilterQuerySerializer(serializers.Serializer):
    source = serializers.CharField(  # type: ignore[assignment]
        max_length=SOURCE_MAX,
        required=False,
        trim_whitespace=False,
        help_text=_("Only records of this source (exactly as stored)."),
    )
    type = serializers.ChoiceField(
        choices=[VENDOR, SOLUTION],
        required=False,
        help_text=_("Only vendors or only solutions."),
    )
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100)

    def to_internal_value(self, data):
        # DRF reads an empty query parameter as a missing one: `?source=` would silently be no
        # filter at all (the whole catalog) instead of the refusal the schema promises.
        blank = [name for name in ("source", "type") if data.get(name, None) == ""]
        if blank:
            raise serializers.ValidationError(
                {name: [_("This field may not be blank.")] for name in blank}
            )
        return super().to_internal_value(data)

    def feed_filter(self, **kwargs) -> FeedFilter:
        data = self.validated_data
        return FeedFilter(source=data.get("source"), type=data.get("type"), **kwargs)


class ChangesQuerySerializer(FeedFilterQuerySerializer):
    cursor = serializers.IntegerField(min_value=0, default=0)


class SnapshotQuerySerializer(FeedFilterQuerySerializer):
    cursor = serializers.IntegerField(
        min_value=0,
        default=0,
        help_text=_("The previous page's next_cursor; 0 (or none) for the first page."),
    )
    feed_cursor = serializers.IntegerField(
        min_value=0,
        required=False,
        help_text=_(
            "The feed_cursor of the snapshot's first page, on every following page: the "
            "position the snapshot is taken at. Left out: the catalog's current position (a "
            "new snapshot)."
        ),
    )

    def validate(self, attrs):
        if attrs.get("cursor") and "feed_cursor" not in attrs:
            raise serializers.ValidationError(
                {"feed_cursor": [_("Required with a cursor: pass the first page's feed_cursor.")]}
            )
        return attrs


class CatalogSnapshotPageSerializer(serializers.Serializer):
    records = PolymorphicProxySerializer(
        component_name="CatalogSnapshotRecord",
        serializers={VENDOR: VendorChangeSerializer, SOLUTION: SolutionChangeSerializer},
        resource_type_field_name="type",
        many=True,
    )
    next_cursor = serializers.IntegerField(
        help_text=_("Pass as cursor (with the same feed_cursor) to read the next page.")
    )
    has_more = serializers.BooleanField()
    feed_cursor = serializers.IntegerField(
        help_text=_(
            "The position the snapshot is taken at: pass it with every following page, and "
            "once has_more is false, as cursor to /api/v1/catalog/changes/ (with the same "
            "source and type) to follow what changed since."
        )
    )


RECORD_SERIALIZERS = {VENDOR: VendorRecordSerializer, SOLUTION: SolutionRecordSerializer}


def change_json(change: CatalogChange) -> str:
    """One change as the feed's JSON, by the record serializers (the feed off PostgreSQL, and
    the reference the PostgreSQL-built JSON is tested against)."""
    record = change.record
    return json.dumps(
        {
            "op": "delete" if record.is_deleted else "upsert",
            "type": change.type,
            "id": record.pk,
            "source": record.source,
            "external_id": record.external_id,
            "seq": change.seq,
            "data": RECORD_SERIALIZERS[change.type](record).data,
        },
        cls=encoders.JSONEncoder,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _reset(cursor: int, *, name: str, restart: str) -> Response:
    """The feed's reset signal: 410 with the error shape, and where to start again."""
    return Response(
        error_body(
            str(
                _(
                    "The %(name)s %(cursor)d is ahead of every change this catalog has "
                    "numbered: it comes from another catalog or from before a restore. "
                    "%(restart)s"
                )
            )
            % {"name": name, "cursor": cursor, "restart": restart},
            {name: [str(_("Ahead of the catalog's changes: restart from 0."))]},
        ),
        status=410,
    )


RESTART_FEED = _(
    "Start again from cursor 0 (the whole catalog, tombstones included), or from a new "
    "snapshot (/api/v1/catalog/snapshot/) and its feed_cursor."
)
FILTER_PARAMETERS_TEXT = _(
    "source and type narrow the feed to one source and one kind of record; each filtered page "
    "costs the same as an unfiltered one (an index per filter). Keep the same filters for "
    "every page: a cursor is a position in the whole catalog's sequence, valid with any filter."
)


class CatalogChangesApi(APIView):
    """Every change to vendors and solutions since a cursor, tombstones included."""

    required_scope = SCOPE_CATALOG

    @extend_schema(
        operation_id="catalog_changes",
        summary=_("Catalog changes since a cursor"),
        description=_interpolate_lazy(
            _(
                "Changes in the order of a monotonic sequence that misses nothing even while "
                "writes happen. Start with cursor=0 (or from a snapshot's feed_cursor) and pass "
                "next_cursor back until has_more is false. A record changed several times "
                "appears once, at its latest change. Pages of up to 1,000 changes (limit); "
                "read them one after another, each from the previous page's next_cursor "
                "(keyset paging: every page costs the same, however far into the feed). "
                "Nothing is ever pruned from the feed (records are never deleted; a removed "
                "record stays as a tombstone), so every cursor from 0 to the head stays "
                "valid. Timestamps are in UTC. %(filters)s"
            ),
            {"filters": FILTER_PARAMETERS_TEXT},
        ),
        parameters=[ChangesQuerySerializer],
        responses={
            200: CatalogChangesPageSerializer,
            410: OpenApiResponse(
                ErrorSerializer,
                description=_(
                    "Reset: the cursor is ahead of every change this catalog has numbered (a "
                    "cursor from another catalog, or from before a restore). Nothing is lost "
                    "by starting again from cursor 0 (every record, tombstones included, is "
                    "in the feed at its latest change) or from a new snapshot."
                ),
            ),
            **error_responses(400, 401, 403, 429),
        },
        tags=["catalog"],
    )
    def get(self, request):
        query = ChangesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        cursor, limit = query.validated_data["cursor"], query.validated_data["limit"]
        page = catalog_changes_page(
            cursor=cursor, limit=limit, where=query.feed_filter(), encode=change_json
        )
        # Only an empty page can be past the head (one more query, then, not on every page).
        if not page.changes and cursor > catalog_change_head():
            return _reset(cursor, name="cursor", restart=str(RESTART_FEED))
        # The page is JSON already (built by PostgreSQL): sent as it is, not parsed and
        # rendered again.
        return HttpResponse(page.as_json(), content_type="application/json")


class CatalogSnapshotApi(APIView):
    """Every live record, in pages, as of one position of the change feed."""

    required_scope = SCOPE_CATALOG

    @extend_schema(
        operation_id="catalog_snapshot",
        summary=_("Every live record, to start from scratch"),
        description=_interpolate_lazy(
            _(
                "Every live vendor and solution (no tombstones), in the change feed's record "
                "format, as of one position of the feed: feed_cursor. The first page (no "
                "cursor) takes the catalog's current position; pass feed_cursor and "
                "next_cursor back until has_more is false, then follow "
                "/api/v1/catalog/changes/ from feed_cursor. Together they miss nothing and "
                "repeat nothing: the snapshot holds each record at a change numbered up to "
                "feed_cursor, the feed every change after it. A record that changes while the "
                "snapshot is read leaves the snapshot and comes with the feed instead (a "
                "removed one as a delete you may ignore). Records come in change order, so a "
                "solution may come before its vendor. %(filters)s"
            ),
            {"filters": FILTER_PARAMETERS_TEXT},
        ),
        parameters=[SnapshotQuerySerializer],
        responses={
            200: CatalogSnapshotPageSerializer,
            410: OpenApiResponse(
                ErrorSerializer,
                description=_(
                    "Reset: feed_cursor is ahead of every change this catalog has numbered "
                    "(from another catalog, or from before a restore). Start a new snapshot "
                    "without cursor and feed_cursor."
                ),
            ),
            **error_responses(400, 401, 403, 429),
        },
        tags=["catalog"],
    )
    def get(self, request):
        query = SnapshotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        position = data.get("feed_cursor")
        if position is None:
            position = catalog_feed_position()
        elif position > catalog_change_head():
            restart = _("Start a new snapshot: leave out cursor and feed_cursor.")
            return _reset(position, name="feed_cursor", restart=str(restart))
        page = catalog_changes_page(
            cursor=data["cursor"],
            limit=data["limit"],
            where=query.feed_filter(live_only=True, up_to=position),
            encode=change_json,
        )
        return HttpResponse(
            page.as_snapshot_json(feed_cursor=position), content_type="application/json"
        )
