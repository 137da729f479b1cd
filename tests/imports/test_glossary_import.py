"""Glossary terms imported: new, changed and unchanged terms, departments' meanings within
the importer's rights, all or nothing."""

from __future__ import annotations

import pytest

from audit.models import Event
from core.errors import NotAllowed
from glossary.models import DepartmentMeaning, Term, TermVersion
from imports.kinds import KINDS
from imports.services import import_check
from tests.glossary.helpers import user_term
from tests.imports.helpers import csv_bytes

pytestmark = pytest.mark.django_db
GLOSSARY = KINDS["glossary"]


def run(actor, *lines, header="term;definition;meaning_hr", apply=False):
    return import_check(kind=GLOSSARY, actor=actor, data=csv_bytes(header, *lines),
                        filename="terms.csv", apply=apply)  # fmt: skip


def test_a_head_imports_new_and_changed_terms_with_their_history(org):
    user_term(org)
    outcome = run(
        org.hr_head,
        "Onboarding;Getting a new hire started.;The first 90 days.",
        "USER;A person who works with a tool.;",
        "user;;An employee with an account.",
        apply=False,
    )
    # "USER" renames "user" (the file's spelling); "user" twice in one file: an error.
    assert [r.status for r in outcome.rows] == ["created", "updated", "invalid"]
    assert "line 3" in outcome.rows[2].errors["term"][0]
    assert not Term.objects.filter(name="Onboarding").exists()

    done = run(
        org.hr_head,
        "Onboarding;Getting a new hire started.;The first 90 days.",
        "user;A person who works with a tool.;An employee with an account.",
        apply=True,
    )
    assert done.applied
    assert [r.status for r in done.rows] == ["created", "updated"]
    onboarding = Term.objects.get(name="Onboarding")
    assert onboarding.meanings.get().text == "The first 90 days."
    assert DepartmentMeaning.objects.get(term__name="user", department__code="HR").text == (
        "An employee with an account."
    )
    assert TermVersion.objects.filter(term=onboarding).count() == 3
    assert Event.objects.filter(kind="glossary.term_created").count() == 2  # user_term's too


def test_another_departments_meaning_is_a_row_error_for_a_head_and_fine_for_the_cdo(org):
    header = "term;definition;meaning_it"
    refused = run(org.hr_head, "Ticket;A request to IT.;An incident.", header=header)
    assert refused.rows[0].status == "invalid"
    assert "meaning_it" in refused.rows[0].errors
    allowed = run(org.cdo, "Ticket;A request to IT.;An incident.", header=header, apply=True)
    assert allowed.applied
    assert allowed.rows[0].status == "created"


def test_a_new_term_needs_a_definition_and_a_readable_name(org):
    outcome = run(org.cdo, "Ledger;;", "!!!;Something.;", f"{'x' * 81};Long.;")
    assert [r.status for r in outcome.rows] == ["invalid"] * 3
    assert "definition" in outcome.rows[0].errors
    assert "term" in outcome.rows[1].errors
    assert "term" in outcome.rows[2].errors


def test_a_meaning_column_of_an_unknown_department_is_a_row_error(org):
    outcome = run(org.cdo, "Ledger;Books.;Ours.", header="term;definition;meaning_zz")
    assert outcome.rows[0].errors["meaning_zz"]


@pytest.mark.parametrize("persona", ["requester", "hr_reviewer", "superuser", "viewer"])
def test_only_heads_and_the_cdo_import_the_glossary(org, persona):
    with pytest.raises(NotAllowed):
        run(getattr(org, persona), "Ledger;Books.;", apply=True)
    assert not Term.objects.exists()


def test_the_same_file_twice_is_unchanged_the_second_time(org):
    line = "Ledger;Books of account.;Payroll books."
    run(org.hr_head, line, apply=True)
    events = Event.objects.count()
    again = run(org.hr_head, line, apply=True)
    assert [r.status for r in again.rows] == ["unchanged"]
    assert Event.objects.count() == events + 1  # the import itself, nothing else
