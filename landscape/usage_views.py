"""The usage import in the browser: upload a CSV export of a SaaS admin console, see every row's
result without anything written (the preview), confirm to apply it. Plain forms: no JavaScript
needed. The tool's page and the landscape link here (?tool= preselects a tool, whose column
the file may then leave out)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from landscape import adoption
from landscape.models import Tool
from landscape.rights import can_edit_tool
from landscape.usage import may_report_usage
from landscape.usage_csv import (
    HEADERS,
    MAX_BYTES,
    CsvImport,
    CsvRefused,
    usage_csv_check,
    usage_csv_unsign,
)


class UsageUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))
    tool = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


def _default_tool(value: object) -> Tool | None:
    if not isinstance(value, int) or value >= 2**63:
        return None
    return Tool.objects.select_related("solution").filter(pk=value).first()


def _page(request: HttpRequest, *, status: int = 200, **context: object) -> HttpResponse:
    spellings: dict[str, list[str]] = {}
    for header, field_name in HEADERS.items():
        spellings.setdefault(field_name, []).append(header)
    return render(
        request,
        "landscape/usage_import.html",
        {
            "spellings": spellings,
            "max_kb": MAX_BYTES // 1024,
            **context,
        },
        status=status,
    )


def _refuse(request: HttpRequest) -> HttpResponse | None:
    if may_report_usage(request.user):
        return None
    return _page(
        request,
        status=403,
        refusal=_("Only IT Operations and the owners of a tool report its usage."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def usage_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: the preview of the uploaded file (nothing written)."""
    if (refused := _refuse(request)) is not None:
        return refused
    if request.method == "GET":
        raw = request.GET.get("tool", "")
        tool = _default_tool(int(raw)) if raw.isdigit() and len(raw) < 19 else None
        return _page(
            request, form=UsageUploadForm(initial={"tool": tool.pk if tool else None}), tool=tool
        )
    form = UsageUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        empty = form.files.get("file") is not None and "file" in form.errors
        message = _("The file is empty.") if empty else _("Choose a CSV file to upload.")
        return _page(request, status=400, form=form, error=message)
    tool = _default_tool(form.cleaned_data["tool"])
    upload = form.cleaned_data["file"]
    if upload.size > MAX_BYTES:
        too_large = _("The file is larger than %(kb)d KB.") % {"kb": MAX_BYTES // 1024}
        return _page(request, status=400, form=form, tool=tool, error=too_large)
    try:
        outcome = usage_csv_check(
            actor=request.user, data=upload.read(), filename=upload.name or "", default_tool=tool
        )
    except CsvRefused as error:
        return _page(request, status=400, form=form, tool=tool, error=error.message)
    return _page(request, outcome=outcome, tool=tool)


@login_required
@require_POST
def usage_import_confirm(request: HttpRequest) -> HttpResponse:
    """Apply the previewed file (checked again: what changed since the preview counts), and
    show each row's result. Sending it again changes nothing (the rows are unchanged)."""
    if (refused := _refuse(request)) is not None:
        return refused
    try:
        data, filename, tool_pk = usage_csv_unsign(request.POST.get("preview", ""))
        tool = _default_tool(tool_pk)
        outcome: CsvImport = usage_csv_check(
            actor=request.user, data=data, filename=filename, default_tool=tool, apply=True
        )
    except CsvRefused as error:
        return _page(request, status=400, form=UsageUploadForm(), error=error.message)
    return _page(request, outcome=outcome, tool=tool)


def tool_usage_context(request: HttpRequest, tool: Tool) -> dict[str, object]:
    """The tool page's usage card: the last 12 months against the promise (three queries)."""
    trend = adoption.adoption_trend(tool, months=12)
    return {
        "usage_trend": trend,
        "usage_latest": trend[-1] if trend else None,
        "usage_spark": adoption.sparkline(trend),
        "usage_promised": adoption.promised_users(tool),
        "usage_threshold": int(adoption.shelfware_threshold() * 100),
        "may_report_usage": can_edit_tool(user=request.user, tool=tool),
        # The workflow's unused-tool flags, read through the relation it declares on Tool.
        "shelfware_flag": tool.shelfware_flags.select_related("retirement", "dismissed_by").first(),
    }
