"""REST endpoints of catalog sync jobs (vendors.sync.jobs): submit a large push as a job
(POST /api/v1/catalog/jobs/), follow it (GET …/jobs/{id}/), page its invalid items
(GET …/jobs/{id}/errors/), list the jobs of one's sources (GET …/jobs/)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, parsers, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import ErrorSerializer, error_body
from api.parsers import LimitedJSONParser
from api.permissions import SCOPE_CATALOG, TokenScopePermission, request_token
from api.schema import error_responses
from vendors.models import CatalogSyncJob, SyncJobStatus
from vendors.sync.apis import (
    SYNC_EXAMPLE,
    CanSyncCatalog,
    CatalogSyncRequestSerializer,
    SyncCountsSerializer,
    SyncQuerySerializer,
    _interpolate_lazy,
)
from vendors.sync.jobs import (
    FINISHED_EVENT,
    catalog_sync_job_errors,
    catalog_sync_job_submit,
    catalog_sync_jobs_visible,
)
from vendors.sync.spec import INVALID, MAX_ITEMS, MODES, SOLUTION, VENDOR, SyncRequestInvalid
from vendors.sync.upload import (
    MAX_LINE_BYTES,
    JobUpload,
    max_bytes,
    too_large,
    upload_from_json,
    upload_from_json_file,
    upload_from_json_lines,
)

JSON_LINES_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines")
JSON_LINES_SUFFIXES = (".ndjson", ".jsonl")


class JobJSONParser(LimitedJSONParser):
    """A job's JSON body: parsed once, up to the job's byte limit (not the site's)."""

    def max_bytes(self) -> int | None:
        return max_bytes()


class JSONLinesBody:
    """A JSON-lines body, not read yet: the job's items are read from it one line at a time."""

    def __init__(self, stream):
        self.stream = stream


class JSONLinesParser(parsers.BaseParser):
    media_type = "application/x-ndjson"

    def parse(self, stream, media_type=None, parser_context=None):
        return JSONLinesBody(stream)


class JSONLParser(JSONLinesParser):
    media_type = "application/jsonl"


class JSONLinesAltParser(JSONLinesParser):
    media_type = "application/json-lines"


# --------------------------------------------------------------------------------------------
# Output


def _job_url(job: CatalogSyncJob, request) -> str:
    return request.build_absolute_uri(reverse("api:catalog-job", args=[job.pk]))


class JobProgressSerializer(serializers.Serializer):
    processed = serializers.IntegerField(help_text=_("Items applied so far."))
    total = serializers.IntegerField(help_text=_("Items of the job (removals included)."))


class JobErrorSerializer(serializers.Serializer):
    message = serializers.CharField()
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField())
    )


class JobLinksSerializer(serializers.Serializer):
    self = serializers.URLField()
    errors = serializers.URLField(  # type: ignore[assignment]
        help_text=_("The job's invalid items, paged.")
    )


class CatalogSyncJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.CharField()  # type: ignore[assignment]
    mode = serializers.ChoiceField(choices=MODES)
    dry_run = serializers.BooleanField()
    status = serializers.ChoiceField(
        choices=SyncJobStatus.values,
        help_text=_(
            "queued: stored, waiting for a worker. running: being applied. succeeded: every "
            "item was applied or reported invalid. failed: refused or stopped (see error); "
            "what was applied before stays applied."
        ),
    )
    progress = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    links = serializers.SerializerMethodField()

    @extend_schema_field(JobProgressSerializer)
    def get_progress(self, job: CatalogSyncJob) -> dict[str, int]:
        return {"processed": job.processed, "total": job.total}

    @extend_schema_field(SyncCountsSerializer)
    def get_counts(self, job: CatalogSyncJob) -> dict[str, int]:
        return {
            name: job.counts.get(name, 0)
            for name in ("created", "updated", "unchanged", "invalid", "deleted")
        }

    @extend_schema_field(JobErrorSerializer(allow_null=True))
    def get_error(self, job: CatalogSyncJob) -> dict[str, Any] | None:
        if job.status != SyncJobStatus.FAILED:
            return None
        return error_body(job.error, job.error_fields)

    @extend_schema_field(JobLinksSerializer)
    def get_links(self, job: CatalogSyncJob) -> dict[str, str]:
        request = self.context["request"]
        url = _job_url(job, request)
        return {"self": url, "errors": url + "errors/"}


class JobItemErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(
        help_text=_(
            "The item's place in the job, from 0: every vendor in the order sent, then every "
            "solution, then the removals (removed.vendors, then removed.solutions). Also the "
            "cursor of the page that starts with it."
        )
    )
    type = serializers.ChoiceField(choices=[VENDOR, SOLUTION])
    external_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=[INVALID])
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("Field name → messages, as a push reports them."),
    )


class JobErrorsPageSerializer(serializers.Serializer):
    errors = JobItemErrorSerializer(many=True)  # type: ignore[assignment]
    next_cursor = serializers.IntegerField(
        allow_null=True, help_text=_("Pass as cursor for the next page; null after the last.")
    )
    has_more = serializers.BooleanField()


class JobErrorsQuerySerializer(serializers.Serializer):
    cursor = serializers.IntegerField(
        min_value=0, max_value=2**31 - 1, default=0, help_text=_("The first item's index.")
    )
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100)


class CatalogSyncJobFilterSet(django_filters.FilterSet):
    source = django_filters.CharFilter(help_text=_("Only the jobs of this source."))
    status = django_filters.ChoiceFilter(choices=SyncJobStatus.choices)

    class Meta:
        model = CatalogSyncJob
        fields = ["source", "status"]


# --------------------------------------------------------------------------------------------
# Views


# The push's own rights: a catalog token, and the catalog sync permission.
JOB_PERMISSIONS = [IsAuthenticated, TokenScopePermission, CanSyncCatalog]


JOB_403 = OpenApiResponse(
    ErrorSerializer,
    description=_(
        "The account lacks the catalog sync permission (or the token the catalog scope), or "
        "the source belongs to another integration."
    ),
)
JOB_404 = OpenApiResponse(
    ErrorSerializer,
    description=_(
        "No such job, or it is of a source this account may not write to (only the source's "
        "owner and the accounts it was granted to see its jobs)."
    ),
)


class CatalogSyncJobsApi(generics.ListAPIView):
    """Submit a catalog sync job; list the jobs of the sources this account may write to."""

    required_scope = SCOPE_CATALOG
    permission_classes = JOB_PERMISSIONS

    serializer_class = CatalogSyncJobSerializer
    filterset_class = CatalogSyncJobFilterSet
    search_fields: list[str] = []
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]
    parser_classes = [
        JobJSONParser,
        JSONLinesParser,
        JSONLParser,
        JSONLinesAltParser,
        parsers.MultiPartParser,
    ]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema's look at the model
            return CatalogSyncJob.objects.none()
        return catalog_sync_jobs_visible(actor=self.request.user)

    @extend_schema(
        operation_id="catalog_jobs_list",
        summary=_("Catalog sync jobs"),
        description=_(
            "The jobs of the sources this account owns or was granted (every job for an "
            "administrator), newest first."
        ),
        tags=["catalog"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="catalog_job_create",
        summary=_("Submit a large catalog sync as a job"),
        description=_interpolate_lazy(
            _(
                "The same push as POST /api/v1/catalog/sync/ (same fields, same checks, the "
                "same per-item validation and counts), applied by a worker: up to %(items)d "
                "items (vendors + solutions + removals) and %(bytes)d bytes, against %(sync)d "
                "items for a synchronous push. The body is a push body (application/json), "
                "JSON lines (application/x-ndjson: the first line the envelope without items, "
                'then one item a line, {"vendor": {...}} or {"solution": {...}}, each line at '
                "most %(line)d bytes), or either as a file (multipart/form-data, field "
                '"file"; JSON lines when its type or name says so: .ndjson, .jsonl). The '
                "envelope, the source's owner and in full mode the refusals that change "
                "nothing (confirm_empty, confirm_deletions, items without external_id) are "
                "checked now: 400/403/413 with nothing stored. Otherwise 202 with the job and "
                "its Location; follow it there. A job in full mode is one full sync: records "
                "of the source it does not list are tombstoned when its last item is applied. "
                "A webhook event %(event)s is sent when it ends. No sync_id: a job is a whole "
                "sync already."
            ),
            {
                "items": settings.CATALOG_SYNC_JOB_MAX_ITEMS,
                "bytes": settings.CATALOG_SYNC_JOB_MAX_BYTES,
                "sync": MAX_ITEMS,
                "line": MAX_LINE_BYTES,
                "event": FINISHED_EVENT,
            },
        ),
        request={
            "application/json": CatalogSyncRequestSerializer,
            "application/x-ndjson": {
                "type": "string",
                "description": "JSON lines: the envelope, then one item a line.",
            },
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            },
        },
        parameters=[SyncQuerySerializer],
        responses={
            202: OpenApiResponse(
                CatalogSyncJobSerializer,
                description=_("Accepted: the job, queued. Location: its URL."),
            ),
            400: OpenApiResponse(
                ErrorSerializer,
                description=_(
                    "Nothing was stored: the body is not a push (errors name the fields, or "
                    '"line N" of JSON lines), or a full sync refused as a push would be.'
                ),
            ),
            403: JOB_403,
            413: OpenApiResponse(
                ErrorSerializer,
                description=_interpolate_lazy(
                    _("More than %(items)d items, or more than %(bytes)d bytes."),
                    {
                        "items": settings.CATALOG_SYNC_JOB_MAX_ITEMS,
                        "bytes": settings.CATALOG_SYNC_JOB_MAX_BYTES,
                    },
                ),
            ),
            **error_responses(401, 415, 429),
        },
        examples=[OpenApiExample("upsert", value=SYNC_EXAMPLE, request_only=True)],
        tags=["catalog"],
    )
    def post(self, request):
        query = SyncQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        try:
            if length > max_bytes() + MULTIPART_OVERHEAD:
                raise too_large()
            upload = self._upload(request)
            job = catalog_sync_job_submit(
                actor=request.user,
                upload=upload,
                dry_run=query.validated_data["dry_run"],
                token=request_token(request),
            )
        except SyncRequestInvalid as error:
            return Response(error_body(error.message, error.errors), status=error.status_code)
        body = CatalogSyncJobSerializer(job, context={"request": request}).data
        return Response(body, status=202, headers={"Location": body["links"]["self"]})

    def _upload(self, request) -> JobUpload:
        data = request.data
        if isinstance(data, JSONLinesBody):
            if data.stream is None:
                raise SyncRequestInvalid(str(_("The request body is empty.")))
            return upload_from_json_lines(data.stream)
        file = request.FILES.get("file")
        if request.content_type.startswith("multipart/"):
            if file is None:
                raise SyncRequestInvalid(
                    str(_('Invalid input in: file. Send the job as the field "file".')),
                    errors={"file": [str(_("This field is required."))]},
                )
            if file.size > max_bytes():
                raise too_large()
            name = (file.name or "").lower()
            if file.content_type in JSON_LINES_TYPES or name.endswith(JSON_LINES_SUFFIXES):
                return upload_from_json_lines(file)
            return upload_from_json_file(file)
        return upload_from_json(data, received=int(request.META.get("CONTENT_LENGTH") or 0))


# A multipart body holds boundaries and part headers besides the file.
MULTIPART_OVERHEAD = 64 * 1024


class CatalogSyncJobApi(APIView):
    """One catalog sync job: its status, progress and counts."""

    required_scope = SCOPE_CATALOG
    permission_classes = JOB_PERMISSIONS

    @extend_schema(
        operation_id="catalog_job",
        summary=_("A catalog sync job"),
        description=_(
            "Poll until status is succeeded or failed (or subscribe to the webhook event "
            "catalog.sync_job.finished). progress.processed grows as chunks of up to "
            "5,000 items are applied (a dry run shows it only at the end)."
        ),
        responses={200: CatalogSyncJobSerializer, 403: JOB_403, 404: JOB_404},
        tags=["catalog"],
    )
    def get(self, request, pk: int):
        job = get_object_or_404(catalog_sync_jobs_visible(actor=request.user), pk=pk)
        return Response(CatalogSyncJobSerializer(job, context={"request": request}).data)


class CatalogSyncJobErrorsApi(APIView):
    """A job's invalid items, in their order in the job."""

    required_scope = SCOPE_CATALOG
    permission_classes = JOB_PERMISSIONS

    @extend_schema(
        operation_id="catalog_job_errors",
        summary=_("A catalog sync job's invalid items"),
        description=_(
            "The items the job reported invalid, with their errors as a push reports them, "
            "in their order in the job: start without cursor, then pass next_cursor until it "
            "is null. Pages of up to 1,000 (limit); every page costs the same."
        ),
        parameters=[JobErrorsQuerySerializer],
        responses={200: JobErrorsPageSerializer, 403: JOB_403, 404: JOB_404},
        tags=["catalog"],
    )
    def get(self, request, pk: int):
        job = get_object_or_404(catalog_sync_jobs_visible(actor=request.user), pk=pk)
        query = JobErrorsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows, next_cursor = catalog_sync_job_errors(
            job=job, cursor=query.validated_data["cursor"], limit=query.validated_data["limit"]
        )
        return Response(
            {
                "errors": [
                    {
                        "index": row.index,
                        "type": row.type,
                        "external_id": row.external_id or None,
                        "status": INVALID,
                        "errors": row.errors,
                    }
                    for row in rows
                ],
                "next_cursor": next_cursor,
                "has_more": next_cursor is not None,
            }
        )
