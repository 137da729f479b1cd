"""Reads of the glossary: the A to Z list with its search, a term with its meanings and history."""

from __future__ import annotations

from itertools import groupby

from django.db.models import Prefetch, Q, QuerySet

from glossary.models import DepartmentMeaning, Term, TermVersion
from stakeholders.models import Department

SEARCH_MAX = 100


def terms_listed(*, q: str = "") -> QuerySet[Term]:
    """Terms A to Z with their departments' meanings (two queries), those matching `q` in their
    name, shared definition or a department's meaning when it is given."""
    terms = Term.objects.prefetch_related(
        Prefetch("meanings", queryset=DepartmentMeaning.objects.select_related("department"))
    )
    q = " ".join(q.split())[:SEARCH_MAX]
    if q:
        terms = terms.filter(
            Q(name__icontains=q)
            | Q(definition__icontains=q)
            | Q(pk__in=DepartmentMeaning.objects.filter(text__icontains=q).values("term_id"))
        )
    return terms


def initial_of(term: Term) -> str:
    first = term.name[:1].upper()
    return first if first.isalpha() else "#"


def terms_by_letter(terms: QuerySet[Term]) -> list[tuple[str, list[Term]]]:
    """The terms grouped under their initial, A to Z (a term starting with a digit under "#")."""
    ordered = sorted(terms, key=lambda t: (initial_of(t) == "#", t.name.casefold()))
    return [(letter, list(group)) for letter, group in groupby(ordered, key=initial_of)]


def term_history(term: Term) -> QuerySet[TermVersion]:
    return term.versions.select_related("changed_by", "department")


def active_departments() -> QuerySet[Department]:
    return Department.objects.filter(is_active=True).order_by("code")
