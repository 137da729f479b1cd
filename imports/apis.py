"""REST API of the imports: POST /api/v1/imports/{kind}/ with the file (base64) checks it
(`dry_run`, the default: the preview, nothing kept) or imports it. The same service as the
page: the same rows, statuses and errors, all or nothing."""

from __future__ import annotations

import base64
import binascii

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import ErrorSerializer
from api.fields import StrictInputSerializer
from core.errors import DomainError
from imports.kinds import KINDS, STATUSES
from imports.models import ImportKind
from imports.reading import MAX_BYTES
from imports.services import ImportOutcome, import_check


class ImportRequestSerializer(StrictInputSerializer):
    filename = serializers.CharField(
        max_length=200, help_text=gettext_lazy("The file's name; .xlsx is read as Excel.")
    )
    content = serializers.CharField(
        help_text=gettext_lazy("The file's bytes in base64: CSV (UTF-8) or Excel (.xlsx).")
    )
    dry_run = serializers.BooleanField(
        default=True,
        help_text=gettext_lazy("true (default): check only, nothing kept. false: import."),
    )


class ImportRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text=gettext_lazy("The row's line in the file."))
    key = serializers.CharField(help_text=gettext_lazy("The record the row names."))
    status = serializers.ChoiceField(choices=STATUSES)
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text=gettext_lazy("Column → its messages (empty when the row is fine)."),
    )


class ImportCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    invalid = serializers.IntegerField()


class ImportReportSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    filename = serializers.CharField()
    sha256 = serializers.CharField()
    dry_run = serializers.BooleanField()
    applied = serializers.BooleanField(
        help_text=gettext_lazy("Whether the rows were imported (never on a dry run).")
    )
    counts = ImportCountsSerializer()
    rows = ImportRowSerializer(many=True)


def report_data(outcome: ImportOutcome, *, dry_run: bool) -> dict:
    return {
        "kind": outcome.kind.name,
        "filename": outcome.filename,
        "sha256": outcome.sha256,
        "dry_run": dry_run,
        "applied": outcome.applied,
        "counts": outcome.counts,
        "rows": [
            {"line": r.line, "key": r.key, "status": r.status, "errors": r.errors}
            for r in outcome.rows
        ],
    }


IMPORT_DESCRIPTION = gettext_lazy(
    "The catalog (catalog maintainers), tools (IT Operations), the departments' budgets "
    "(administrators) or the glossary (department heads, the CDO) from a CSV or Excel file, as "
    "on the import page. A dry run (the default) reports what each row would do; an import "
    "keeps the rows only when no row has an error (all or nothing: otherwise 400, with the "
    "report of the rows in `errors` by line.column)."
)


class ImportApi(APIView):
    @extend_schema(
        operation_id="import_file",
        summary=gettext_lazy("Import a CSV or Excel file (or check it)"),
        description=IMPORT_DESCRIPTION,
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(KINDS))
        ],
        request=ImportRequestSerializer,
        responses={
            200: ImportReportSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description=gettext_lazy(
                    "Nothing was imported: the body is wrong, the file cannot be read (encoding, "
                    "NUL bytes, columns, size, rows), or a row has an error."
                ),
            ),
            403: OpenApiResponse(
                ErrorSerializer, description=gettext_lazy("You may not import this.")
            ),
            404: OpenApiResponse(ErrorSerializer, description=gettext_lazy("No such import.")),
        },
    )
    def post(self, request, kind: str):
        what = KINDS.get(kind)
        if what is None:
            raise NotFound(_("No such import."))
        payload = ImportRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            data = base64.b64decode(payload.validated_data["content"], validate=True)
        except (binascii.Error, ValueError):
            raise DomainError(_("The content is not base64."), field="content") from None
        if len(data) > MAX_BYTES:
            raise DomainError(
                _("The file is larger than %(kb)d KB.") % {"kb": MAX_BYTES // 1024},
                field="content",
            )
        dry_run = payload.validated_data["dry_run"]
        outcome = import_check(
            kind=what,
            actor=request.user,
            data=data,
            filename=payload.validated_data["filename"],
            apply=not dry_run,
        )
        body = report_data(outcome, dry_run=dry_run)
        if not dry_run and not outcome.applied:
            errors = {
                f"line {row.line}.{column or 'row'}": messages
                for row in outcome.rows
                for column, messages in row.errors.items()
            }
            return Response(
                {
                    "message": _("Nothing was imported: %(n)d rows have errors.")
                    % {"n": outcome.counts["invalid"]},
                    "errors": errors,
                },
                status=400,
            )
        return Response(ImportReportSerializer(body).data)
