"""Two heads at the same moment, on PostgreSQL: adding one term under two spellings leaves one
term and a clear refusal for the other (never a server error); editing one meaning keeps both
changes in the history, each with the text it really replaced."""

from __future__ import annotations

import pytest

from audit.selectors import verify_chain
from core.errors import DomainError
from glossary.models import Term, TermVersion
from glossary.services import meaning_set, term_create
from tests.decisions.test_concurrency import describe, run_at_once
from tests.services import need_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    need_postgres()


def test_two_heads_adding_one_term_at_once_leave_one(org):
    outcomes = run_at_once(
        {
            "hr": lambda: term_create(actor=org.hr_head, name="Pilot", definition="A trial."),
            "it": lambda: term_create(actor=org.it_head, name="pilot", definition="A test run."),
        }
    )
    assert Term.objects.count() == 1, describe(outcomes)
    failed = [o for o in outcomes if not o.ok]
    assert len(failed) == 1, describe(outcomes)
    assert isinstance(failed[0].error, DomainError)
    assert "already has the term" in failed[0].error.message
    assert verify_chain().ok


def test_a_head_and_the_cdo_editing_one_meaning_at_once_keep_both_versions(org):
    term = term_create(actor=org.cdo, name="user", definition="A person using a tool.")
    hr = org.departments["HR"]
    outcomes = run_at_once(
        {
            "head": lambda: meaning_set(
                term=term, department=hr, actor=org.hr_head, text="An employee."
            ),
            "cdo": lambda: meaning_set(
                term=term, department=hr, actor=org.cdo, text="A colleague."
            ),
        }
    )
    assert all(o.ok for o in outcomes), describe(outcomes)
    first, second = TermVersion.objects.filter(field="meaning").order_by("pk")
    # The second writer replaced the first one's text, not the empty one both read at first.
    assert first.old_text == ""
    assert second.old_text == first.new_text
    assert term.meanings.get().text == second.new_text
    assert verify_chain().ok
