"""The glossary in the browser without JavaScript (plain GET search, plain POST forms, anchors
per term) and through the API; its terms linked on the sign-off checklist and the proposal
form."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import TokenScope
from core.dataversion import bump_data_version
from glossary.models import DepartmentMeaning, Term, TermVersion
from glossary.services import term_create
from stakeholders.models import ChecklistQuestion
from tests.api.conftest import session_api, token_api
from tests.factories import make_proposal
from tests.glossary.helpers import user_term

pytestmark = pytest.mark.django_db


@pytest.fixture
def glossary(org):
    user = user_term(org)
    term_create(actor=org.cdo, name="pilot", definition="A limited trial.")
    term_create(actor=org.cdo, name="Adoption", definition="How far a tool is used.")
    bump_data_version()
    return user


def test_the_list_shows_terms_a_to_z_with_anchors_and_each_departments_meaning(
    client, org, glossary
):
    client.force_login(org.outsider)
    response = client.get("/glossary/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index('id="adoption"') < html.index('id="pilot"') < html.index('id="user"')
    user = html[html.index('id="user"') :]
    for text in ("A person who works with a tool.", "An employee.", "An account.",
                 "A customer or visitor."):  # fmt: skip
        assert text in user
    assert 'href="#letter-A"' in html
    # A reader sees no way to add a term.
    assert "/glossary/new/" not in html


def test_the_search_is_a_plain_get_form_and_finds_meanings_too(client, org, glossary):
    client.force_login(org.outsider)
    html = client.get("/glossary/").content.decode()
    assert re.search(r'<form method="get"[^>]*action="/glossary/"', html)
    found = client.get("/glossary/", {"q": "customer"}).content.decode()
    assert 'id="user"' in found
    assert 'id="pilot"' not in found
    assert "1 term matches" in found
    nothing = client.get("/glossary/", {"q": "<zebra>"}).content.decode()
    assert "No term matches your search." in nothing
    assert "&lt;zebra&gt;" in nothing


def test_the_list_costs_the_same_with_more_terms(client, org, glossary):
    client.force_login(org.outsider)

    def count() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/glossary/").status_code == 200
        return len(captured)

    few = count()
    for n in range(10):
        term = term_create(actor=org.cdo, name=f"term {n}", definition="Something.")
        DepartmentMeaning.objects.create(term=term, department=org.departments["HR"], text="x")
    assert count() == few


def test_the_term_page_shows_the_history(client, org, glossary):
    client.force_login(org.viewer)
    html = client.get("/glossary/user/").content.decode()
    assert "History" in html
    assert "An employee." in html
    assert org.hr_head.get_full_name() in html
    # A reader gets no form.
    assert "<textarea" not in html


def test_a_head_edits_the_term_and_their_own_departments_meaning(client, org, glossary):
    client.force_login(org.hr_head)
    page = client.get("/glossary/user/").content.decode()
    assert 'action="/glossary/user/meanings/HR/"' in page
    assert 'action="/glossary/user/meanings/IT/"' not in page  # not theirs
    response = client.post("/glossary/user/meanings/HR/", {"HR-text": "An employee or intern."})
    assert response.status_code == 302
    assert response["Location"] == "/glossary/user/"
    assert glossary.meanings.get(department__code="HR").text == "An employee or intern."
    response = client.post("/glossary/user/edit/", {"name": "user", "definition": "Who uses."})
    assert response.status_code == 302
    glossary.refresh_from_db()
    assert glossary.definition == "Who uses."


def test_a_head_is_refused_another_departments_meaning(client, org, glossary):
    client.force_login(org.hr_head)
    before = TermVersion.objects.count()
    response = client.post("/glossary/user/meanings/IT/", {"IT-text": "Whatever."})
    assert response.status_code == 403
    assert "Only the head of IT Operations or the CDO" in response.content.decode()
    assert glossary.meanings.get(department__code="IT").text == "An account."
    assert TermVersion.objects.count() == before


def test_the_cdo_writes_any_departments_meaning(client, org, glossary):
    client.force_login(org.cdo)
    response = client.post("/glossary/user/meanings/FIN/", {"FIN-text": "A cost centre."})
    assert response.status_code == 302
    assert glossary.meanings.get(department__code="FIN").text == "A cost centre."


@pytest.mark.parametrize("persona", ["hr_reviewer", "requester", "viewer", "outsider", "superuser"])
def test_others_only_read(client, org, glossary, persona):
    client.force_login(getattr(org, persona))
    assert client.get("/glossary/new/").status_code == 403
    assert client.post("/glossary/new/", {"name": "x", "definition": "y"}).status_code == 403
    response = client.post("/glossary/user/edit/", {"name": "user", "definition": "Hacked."})
    assert response.status_code == 403
    response = client.post("/glossary/user/meanings/HR/", {"HR-text": "Hacked."})
    assert response.status_code == 403
    assert not Term.objects.filter(definition="Hacked.").exists()
    assert not DepartmentMeaning.objects.filter(text="Hacked.").exists()


def test_a_head_adds_a_term_and_a_duplicate_is_refused_with_the_form_kept(client, org, glossary):
    client.force_login(org.mkt_head)
    brand = {"name": "Employer brand", "definition": "How people see us as an employer."}
    response = client.post("/glossary/new/", brand)
    assert response.status_code == 302
    assert response["Location"] == "/glossary/employer-brand/"
    response = client.post("/glossary/new/", {"name": "EMPLOYER BRAND", "definition": "Again."})
    assert response.status_code == 400
    html = response.content.decode()
    assert "already has the term" in html
    assert 'value="EMPLOYER BRAND"' in html
    assert Term.objects.filter(name__iexact="employer brand").count() == 1


@pytest.mark.parametrize("body", ["HR-text=" + "x" * 2001, "HR-text=bad%00text"])
def test_bad_input_is_a_clear_400_and_loses_nothing(client, org, glossary, body):
    client.force_login(org.hr_head)
    response = client.post("/glossary/user/meanings/HR/", body,
                           content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert response.status_code == 400
    assert glossary.meanings.get(department__code="HR").text == "An employee."


def test_an_unknown_term_or_department_is_404(client, org, glossary):
    client.force_login(org.cdo)
    assert client.get("/glossary/nothing/").status_code == 404
    assert client.post("/glossary/user/meanings/XX/", {"XX-text": "y"}).status_code == 404


def test_the_checklist_links_its_terms_with_the_departments_meaning(client, org, glossary):
    ChecklistQuestion.objects.create(
        department=org.departments["HR"], text="Were the users involved in the pilot?",
        help_text="Ask the <b>user</b> panel.",
    )  # fmt: skip
    proposal = make_proposal(requester=org.requester, submit=True)
    client.force_login(org.hr_reviewer)
    html = client.get(f"/proposals/{proposal.reference}/").content.decode()
    assert ('Were the <a class="term" href="/glossary/#user" title="An employee." '
            'target="_blank" rel="noopener">users</a> involved in the <a class="term" '
            'href="/glossary/#pilot"') in html  # fmt: skip
    assert "Ask the &lt;b&gt;" in html


def test_the_proposal_form_links_terms_in_its_labels(client, org, glossary):
    client.force_login(org.requester)
    html = client.get("/proposals/new/").content.decode()
    assert 'href="/glossary/#user" title="A person who works with a tool."' in html


class TestApi:
    def test_it_lists_terms_with_their_meanings(self, org, glossary):
        response = session_api(org.outsider).get("/api/v1/glossary/")
        assert response.status_code == 200
        user = next(t for t in response.json()["results"] if t["slug"] == "user")
        assert user["name"] == "user"
        assert user["url"] == "/glossary/#user"
        assert {m["department"]["code"]: m["text"] for m in user["meanings"]} == {
            "HR": "An employee.", "IT": "An account.", "MKT": "A customer or visitor.",
        }  # fmt: skip

    def test_it_shows_a_term_by_its_slug_and_searches(self, org, glossary):
        api = token_api(org.requester, scope=TokenScope.FULL)
        assert api.get("/api/v1/glossary/user/").json()["definition"] == (
            "A person who works with a tool."
        )
        found = api.get("/api/v1/glossary/?search=customer").json()["results"]
        assert [t["slug"] for t in found] == ["user"]
        assert api.get("/api/v1/glossary/nothing/").status_code == 404

    def test_it_is_read_only(self, org, glossary):
        api = session_api(org.cdo)
        assert api.post("/api/v1/glossary/", {"name": "x", "definition": "y"}).status_code == 405
        assert api.patch("/api/v1/glossary/user/", {"definition": "y"}).status_code == 405

    @pytest.mark.parametrize("scope", [TokenScope.CATALOG, TokenScope.USAGE])
    def test_a_narrow_token_is_refused(self, org, glossary, scope):
        assert token_api(org.it_reviewer, scope=scope).get("/api/v1/glossary/").status_code == 403

    def test_the_list_costs_the_same_with_more_terms(self, org, glossary):
        api = session_api(org.outsider)

        def count() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert api.get("/api/v1/glossary/").status_code == 200
            return len(captured)

        few = count()
        for n in range(5):
            term_create(actor=org.cdo, name=f"term {n}", definition="Something.")
        assert count() == few


def test_a_huge_or_odd_search_is_answered_not_refused(client, org, glossary):
    client.force_login(org.outsider)
    response = client.get("/glossary/", {"q": "user" + " " * 50 + "x" * 5000})
    assert response.status_code == 200
    assert client.get("/glossary/", {"q": ["a", "b"]}).status_code == 200
