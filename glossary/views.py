"""The glossary's pages: the A to Z list with its search, a term's page with its history, and the
forms of those who may edit (plain forms: they work without JavaScript)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError, NotAllowed
from glossary import selectors, services
from glossary.forms import MeaningForm, TermForm
from glossary.models import Term
from glossary.rights import may_edit_terms, meaning_departments
from stakeholders.models import Department


@login_required
@require_GET
def glossary(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    q = q if isinstance(q, str) else ""
    terms = selectors.terms_listed(q=q)
    groups = selectors.terms_by_letter(terms)
    context = {
        "groups": groups,
        "letters": [letter for letter, _terms in groups],
        "q": " ".join(q.split())[: selectors.SEARCH_MAX],
        "count": sum(len(group) for _letter, group in groups),
        "may_edit_terms": may_edit_terms(request.user),
    }
    return render(request, "glossary/glossary.html", context)


def _term(slug: str) -> Term:
    return get_object_or_404(Term, slug=slug)


def _term_page(request: HttpRequest, term: Term, *, status: int = 200, error: str = "",
               term_form: TermForm | None = None,
               meaning_form: tuple[int, MeaningForm] | None = None) -> HttpResponse:  # fmt: skip
    meanings = {m.department_id: m for m in term.meanings.select_related("department")}
    editable = meaning_departments(request.user, list(selectors.active_departments()))
    meaning_forms = []
    for department in editable:
        if meaning_form and meaning_form[0] == department.pk:
            form = meaning_form[1]
        else:
            current = meanings.get(department.pk)
            form = MeaningForm(
                initial={"text": current.text if current else ""}, prefix=department.code
            )
        # Each form's own label: several sit on one page, one per department.
        form.fields["text"].label = _("What %(department)s means by it") % {
            "department": department.name
        }
        meaning_forms.append((department, form))
    may_edit = may_edit_terms(request.user)
    context = {
        "term": term,
        "meanings": list(meanings.values()),
        "history": selectors.term_history(term),
        "may_edit_terms": may_edit,
        "term_form": term_form
        or (
            TermForm(initial={"name": term.name, "definition": term.definition})
            if may_edit
            else None
        ),
        "meaning_forms": meaning_forms,
        "error": error,
    }
    return render(request, "glossary/term_detail.html", context, status=status)


@login_required
@require_GET
def term_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _term_page(request, _term(slug))


@login_required
@require_http_methods(["GET", "POST"])
def term_create(request: HttpRequest) -> HttpResponse:
    if not may_edit_terms(request.user):
        error = NotAllowed(_("Only a department head or the CDO can add a term to the glossary."))
        return render(request, "glossary/term_form.html", {"error": error.message}, status=403)
    form = TermForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                term = services.term_create(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                return render(request, "glossary/term_form.html",
                              {"form": form, "error": error.message},
                              status=error.status_code)  # fmt: skip
            messages.success(request, _("The term is in the glossary."))
            return redirect("glossary-term", slug=term.slug)
        return render(request, "glossary/term_form.html", {"form": form}, status=400)
    return render(request, "glossary/term_form.html", {"form": form})


@login_required
@require_POST
def term_edit(request: HttpRequest, slug: str) -> HttpResponse:
    term = _term(slug)
    if not may_edit_terms(request.user):  # a refusal says so before any typo
        error = _("Only a department head or the CDO can change a glossary term.")
        return _term_page(request, term, status=403, error=error)
    form = TermForm(request.POST)
    if not form.is_valid():
        return _term_page(request, term, status=400, term_form=form,
                          error=_("The term was not changed: see below."))  # fmt: skip
    try:
        services.term_update(term=term, actor=request.user, **form.cleaned_data)
    except DomainError as error:
        return _term_page(request, term, status=error.status_code, error=error.message,
                          term_form=form)  # fmt: skip
    messages.success(request, _("The term is saved."))
    return redirect("glossary-term", slug=term.slug)


@login_required
@require_POST
def meaning_edit(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    term = _term(slug)
    department = get_object_or_404(Department, code=code, is_active=True)
    form = MeaningForm(request.POST, prefix=department.code)
    if not form.is_valid():
        if not meaning_departments(request.user, [department]):
            return _term_page(request, term, status=403, error=_(
                "Only the head of %(department)s or the CDO can write what it means by a term."
            ) % {"department": department.name})  # fmt: skip
        return _term_page(request, term, status=400, meaning_form=(department.pk, form),
                          error=_("The meaning was not changed: see below."))  # fmt: skip
    try:
        services.meaning_set(term=term, department=department, actor=request.user,
                             text=form.cleaned_data["text"])  # fmt: skip
    except DomainError as error:
        return _term_page(request, term, status=error.status_code, error=error.message,
                          meaning_form=(department.pk, form))  # fmt: skip
    messages.success(
        request, _("What %(department)s means by it is saved.") % {"department": department.name}
    )
    return redirect("glossary-term", slug=term.slug)
