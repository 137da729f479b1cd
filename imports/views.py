"""The imports in the browser: choose what to import, upload a CSV or Excel file, see every
row's result with nothing saved (the preview), confirm to import it. Plain forms: no
JavaScript needed; with htmx the preview and the result replace the page's main card."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError, NotAllowed
from imports.kinds import Kind
from imports.reading import CELL_MAX, MAX_BYTES
from imports.selectors import kinds_for, recent_imports
from imports.services import import_check, import_unsign, kind_for


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV or Excel file"))


@login_required
@require_GET
def import_index(request: HttpRequest) -> HttpResponse:
    return render(request, "imports/index.html", {"kinds": kinds_for(request.user)})


def _kind(name: str) -> Kind:
    kind = kind_for(name)
    if kind is None:
        raise Http404
    return kind


def _page(
    request: HttpRequest, kind: Kind, *, status: int = 200, **context: object
) -> HttpResponse:
    template = "imports/import.html"
    if getattr(request, "htmx", False) and request.method == "POST":
        template += "#result"
    return render(
        request,
        template,
        {
            "kind": kind,
            "columns": kind.required,
            "optional": kind.optional,
            "max_kb": MAX_BYTES // 1024,
            "max_rows": kind.max_rows,
            "cell_max": CELL_MAX,
            "recent": recent_imports(kind=kind.name),
            **context,
        },
        status=status,
    )


def _refused(request: HttpRequest, kind: Kind) -> HttpResponse | None:
    if kind.may_import(request.user):
        return None
    return _page(request, kind, status=403, refusal=str(kind.refusal))


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, kind: str) -> HttpResponse:
    """GET: the upload form. POST: the preview of the uploaded file (nothing saved)."""
    what = _kind(kind)
    if (refused := _refused(request, what)) is not None:
        return refused
    if request.method == "GET":
        return _page(request, what, form=UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        empty = form.files.get("file") is not None and "file" in form.errors
        message = _("The file is empty.") if empty else _("Choose a CSV or Excel file to upload.")
        return _page(request, what, status=400, form=form, error=message)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_BYTES:
        too_large = _("The file is larger than %(kb)d KB.") % {"kb": MAX_BYTES // 1024}
        return _page(request, what, status=400, form=form, error=too_large)
    try:
        outcome = import_check(
            kind=what, actor=request.user, data=upload.read(), filename=upload.name or ""
        )
    except NotAllowed as error:  # e.g. the catalog source "import" is another's
        return _page(request, what, status=403, form=form, refusal=error.message)
    except DomainError as error:  # the file cannot be read
        return _page(request, what, status=error.status_code, form=form, error=error.message)
    return _page(request, what, form=UploadForm(), outcome=outcome)


@login_required
@require_POST
def import_confirm(request: HttpRequest, kind: str) -> HttpResponse:
    """Import the previewed file, checked again; if a row has an error by now, nothing is
    imported and the rows say why."""
    what = _kind(kind)
    if (refused := _refused(request, what)) is not None:
        return refused
    try:
        data, filename = import_unsign(request.POST.get("preview", ""), kind=what.name)
        outcome = import_check(
            kind=what, actor=request.user, data=data, filename=filename, apply=True
        )
    except NotAllowed as error:
        return _page(request, what, status=403, form=UploadForm(), refusal=error.message)
    except DomainError as error:
        return _page(
            request, what, status=error.status_code, form=UploadForm(), error=error.message
        )
    status = 200 if outcome.applied else 400
    return _page(request, what, status=status, form=UploadForm(), outcome=outcome)
