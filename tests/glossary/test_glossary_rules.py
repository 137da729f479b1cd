"""Who may change the glossary, and what a change leaves behind: the previous text as a version
and an audit event, in the same transaction."""

from __future__ import annotations

import pytest

from audit.models import Event
from audit.selectors import verify_chain
from core.errors import DomainError, NotAllowed
from glossary.models import DepartmentMeaning, Term, TermVersion
from glossary.rights import may_edit_meaning, may_edit_terms
from glossary.services import meaning_set, term_create, term_update
from tests.glossary.helpers import user_term

pytestmark = pytest.mark.django_db


def test_it_lets_department_heads_and_the_cdo_edit_terms_and_nobody_else(org):
    for user in (org.hr_head, org.it_head, org.mkt_head, org.cdo):
        assert may_edit_terms(user), user
    for user in (org.requester, org.hr_reviewer, org.hr_member, org.outsider, org.viewer,
                 org.superuser):  # fmt: skip
        assert not may_edit_terms(user), user


def test_it_lets_a_head_write_only_their_own_departments_meaning(org):
    hr, it = org.departments["HR"], org.departments["IT"]
    assert may_edit_meaning(org.hr_head, hr)
    assert not may_edit_meaning(org.hr_head, it)
    assert may_edit_meaning(org.cdo, hr)
    assert may_edit_meaning(org.cdo, it)
    assert not may_edit_meaning(org.hr_reviewer, hr)
    assert not may_edit_meaning(org.superuser, hr)


def test_it_refuses_a_reviewer_adding_a_term(org):
    with pytest.raises(NotAllowed):
        term_create(actor=org.hr_reviewer, name="pilot", definition="A trial.")
    assert not Term.objects.exists()
    assert not Event.objects.filter(kind__startswith="glossary.").exists()


def test_it_refuses_a_head_writing_another_departments_meaning(org):
    term = term_create(actor=org.hr_head, name="pilot", definition="A trial.")
    with pytest.raises(NotAllowed):
        meaning_set(term=term, department=org.departments["MKT"], actor=org.hr_head,
                    text="A campaign test.")  # fmt: skip
    assert not DepartmentMeaning.objects.exists()


def test_it_keeps_every_change_as_a_version_with_who_and_what(org):
    term = user_term(org)
    term_update(term=term, actor=org.it_head, name="User", definition="Someone using a tool.")
    meaning_set(term=term, department=org.departments["HR"], actor=org.hr_head,
                text="An employee or contractor.")  # fmt: skip
    rows = list(
        TermVersion.objects.filter(term=term)
        .order_by("pk")
        .values_list("field", "department__code", "old_text", "new_text", "changed_by__username")
    )
    assert rows == [
        ("name", None, "", "user", "carla.cdo"),
        ("definition", None, "", "A person who works with a tool.", "carla.cdo"),
        ("meaning", "HR", "", "An employee.", "henk.hrhead"),
        ("meaning", "IT", "", "An account.", "iris.ithead"),
        ("meaning", "MKT", "", "A customer or visitor.", "max.mkthead"),
        ("name", None, "user", "User", "iris.ithead"),
        (
            "definition",
            None,
            "A person who works with a tool.",
            "Someone using a tool.",
            "iris.ithead",
        ),
        ("meaning", "HR", "An employee.", "An employee or contractor.", "henk.hrhead"),
    ]
    term.refresh_from_db()
    assert (term.name, term.slug) == ("User", "user")  # the anchor stays when renamed


def test_it_records_an_audit_event_for_each_change_and_the_chain_verifies(org):
    term = user_term(org)
    meaning_set(term=term, department=org.departments["MKT"], actor=org.mkt_head, text="")
    kinds = list(Event.objects.order_by("seq").values_list("kind", flat=True))
    assert kinds == ["glossary.term_created"] + ["glossary.meaning_changed"] * 4
    last = Event.objects.order_by("-seq").first()
    assert last.actor == org.mkt_head
    assert last.payload == {"term": "user", "department": "MKT",
                            "old": "A customer or visitor.", "new": ""}  # fmt: skip
    assert verify_chain().ok


def test_clearing_a_meaning_leaves_the_department_on_the_shared_definition(org):
    term = user_term(org)
    meaning_set(term=term, department=org.departments["MKT"], actor=org.cdo, text="  ")
    assert set(term.meanings.values_list("department__code", flat=True)) == {"HR", "IT"}


def test_saving_the_same_text_records_nothing(org):
    term = user_term(org)
    before = (TermVersion.objects.count(), Event.objects.count())
    term_update(term=term, actor=org.cdo, name="user", definition=term.definition)
    meaning_set(term=term, department=org.departments["HR"], actor=org.hr_head,
                text="An employee.")  # fmt: skip
    assert (TermVersion.objects.count(), Event.objects.count()) == before


@pytest.mark.parametrize("name", ["USER", "User", "  user  "])
def test_it_refuses_a_second_term_with_the_same_name_in_any_case(org, name):
    user_term(org)
    with pytest.raises(DomainError, match="already has the term"):
        term_create(actor=org.hr_head, name=name, definition="Again.")
    assert Term.objects.count() == 1


def test_it_refuses_renaming_a_term_to_anothers_name(org):
    user_term(org)
    pilot = term_create(actor=org.cdo, name="Pilot", definition="A trial.")
    with pytest.raises(DomainError, match="already has the term"):
        term_update(term=pilot, actor=org.cdo, name="USER", definition="A trial.")
    pilot.refresh_from_db()
    assert pilot.name == "Pilot"


@pytest.mark.parametrize(
    ("name", "definition", "message"),
    [
        ("bad\x00name", "ok", "NUL"),
        ("fine", "bad\x00text", "NUL"),
        ("two\nlines", "ok", "Line breaks"),
        ("x" * 81, "ok", "at most 80"),
        ("fine", "x" * 2001, "at most 2000"),
        ("???", "ok", "letter or digit"),
        ("fine", "   ", "shared definition"),
        ("\ud800", "ok", "not valid Unicode"),
    ],
)
def test_it_refuses_unreadable_or_oversized_text_and_stores_nothing(org, name, definition,
                                                                    message):  # fmt: skip
    with pytest.raises(DomainError, match=message):
        term_create(actor=org.cdo, name=name, definition=definition)
    assert not Term.objects.exists()


def test_a_term_named_like_the_add_form_gets_another_slug(org):
    term = term_create(actor=org.cdo, name="New", definition="Recently added.")
    assert term.slug == "new-2"
