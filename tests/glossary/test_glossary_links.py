"""{{ text|glossary_links }}: the first occurrence of each term linked to its anchor, whole
words, any case, the longest term first; everything else escaped (the text is user content);
the terms read once per request, not once per term or per text."""

from __future__ import annotations

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils.safestring import SafeString, mark_safe

from core.dataversion import bump_data_version
from glossary import linking
from glossary.linking import link_terms
from glossary.services import meaning_set, term_create, term_update
from tests.glossary.helpers import user_term

pytestmark = pytest.mark.django_db


@pytest.fixture
def terms(org):
    user = user_term(org)
    term_create(actor=org.cdo, name="personal data", definition="About a living person.")
    term_create(actor=org.cdo, name="data", definition="Facts.")
    term_create(actor=org.cdo, name="vendor lock-in", definition="Hard to leave <a vendor>.")
    bump_data_version()  # the tests' transactions never commit: bump as a commit would
    return user


def test_it_links_the_first_occurrence_of_a_term_to_its_anchor(terms):
    html = link_terms("A user and another user.")
    assert html == (
        'A <a class="term" href="/glossary/#user" title="A person who works with a tool." '
        'target="_blank" rel="noopener">user</a> and another user.'
    )
    assert isinstance(html, SafeString)


def test_it_matches_any_case_and_keeps_the_texts_own(terms):
    assert ">USERS</a>" in link_terms("USERS sign in.")


@pytest.mark.parametrize("text", ["username", "superuser", "user_id", "reuser", "user2"])
def test_it_links_whole_words_only(terms, text):
    assert link_terms(f"The {text} field.") == f"The {text} field."


def test_it_prefers_the_longest_term(terms):
    html = link_terms("Personal data is data.")
    assert 'href="/glossary/#personal-data"' in html
    assert html.endswith('is <a class="term" href="/glossary/#data" title="Facts." '
                         'target="_blank" rel="noopener">data</a>.')  # fmt: skip


def test_a_term_spread_over_a_line_break_still_matches(terms):
    assert 'href="/glossary/#personal-data"' in link_terms("personal\ndata")


def test_it_escapes_the_text_around_and_inside_the_links(terms):
    html = link_terms('<script>alert("user")</script> & user <b>')
    assert "<script>" not in html
    assert "<b>" not in html
    assert html.startswith("&lt;script&gt;alert(&quot;")
    assert "&quot;)&lt;/script&gt; &amp; user &lt;b&gt;" in html
    # The tooltip's definition is escaped too.
    assert 'title="Hard to leave &lt;a vendor&gt;."' in link_terms("vendor lock-in")


def test_it_leaves_html_that_is_already_safe_alone(terms):
    safe = mark_safe("<em>user</em>")
    assert link_terms(safe) is safe


def test_a_department_reads_its_own_meaning_in_the_tooltip(terms):
    assert 'title="An account."' in link_terms("Each user", department="IT")
    # Finance has no meaning of its own: the shared definition.
    assert 'title="A person who works with a tool."' in link_terms("Each user", department="FIN")


def test_the_filter_escapes_in_a_template(terms):
    template = Template('{% load glossary_links %}{{ text|glossary_links:"MKT" }}')
    html = template.render(Context({"text": "Is the user's <i>data</i> safe?"}))
    assert html == (
        'Is the <a class="term" href="/glossary/#user" title="A customer or visitor." '
        'target="_blank" rel="noopener">user</a>&#x27;s &lt;i&gt;<a class="term" '
        'href="/glossary/#data" title="Facts." target="_blank" rel="noopener">data</a>'
        "&lt;/i&gt; safe?"
    )


def test_without_terms_the_text_is_only_escaped(org):
    assert link_terms("a <user>") == "a &lt;user&gt;"


def test_it_reads_the_terms_once_per_request_whatever_their_number(terms, org):
    texts = ["user", "personal data", "vendor lock-in", "data"] * 10
    linking.request_begins()
    try:
        with CaptureQueriesContext(connection) as first:
            for text in texts:
                link_terms(text)
        with CaptureQueriesContext(connection) as again:
            link_terms("user")
    finally:
        linking.request_ends()
    assert len(first) <= 1  # one query, or none when the cache has them
    assert len(again) == 0


def test_a_change_of_a_term_shows_at_the_next_read(terms, org,
                                                  django_capture_on_commit_callbacks):  # fmt: skip
    assert 'title="An employee."' in link_terms("user", department="HR")
    # The commit's callbacks run: the data version bumps and the cached terms are stale.
    with django_capture_on_commit_callbacks(execute=True):
        meaning_set(term=terms, department=org.departments["HR"], actor=org.hr_head,
                    text="A colleague.")  # fmt: skip
        term_update(term=terms, actor=org.cdo, name="end user", definition="Who uses it.")
    assert link_terms("user") == "user"
    assert 'title="A colleague."' in link_terms("an end user", department="HR")
