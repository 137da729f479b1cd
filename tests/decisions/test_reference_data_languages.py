"""Reference data in the reader's language (django-modeltranslation, core.i18n): departments,
tiers, checklist questions, goals and guardrails are read in Dutch or French where they have a
translation, in English where it is blank; the API, the audit trail and stored answers keep the
English value; why a proposal fell in its tier is written when read, in the reader's language."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from audit.models import Event
from decisions import services
from decisions.models import Proposal, TierRule
from landscape import services as landscape_services
from landscape.models import Guardrail, GuardrailKind
from stakeholders.checklists import load_default_checklists
from stakeholders.models import ChecklistQuestion
from tests.api.conftest import session_api
from tests.factories import make_proposal

pytestmark = pytest.mark.django_db

IT_QUESTION_NL = "Ondersteunt het single sign-on met onze identiteitsprovider?"
IT_QUESTION_FR = "Prend-il en charge l'authentification unique avec notre fournisseur d'identité ?"
IT_QUESTION_EN = "Does it support single sign-on with our identity provider?"


@pytest.fixture
def translated(org):
    """The personas' organisation with Dutch and French names, and the default checklists
    (which come with their translations)."""
    names = {
        "HR": ("Personeelszaken", "Ressources humaines"),
        "IT": ("IT-beheer", "Exploitation IT"),
        "MKT": ("Marketing", "Marketing"),
    }
    for code, (nl, fr) in names.items():
        department = org.departments[code]
        department.name_nl, department.name_fr = nl, fr
        department.save()
    medium = org.tiers["medium"]
    medium.name_nl, medium.name_fr = "Gemiddeld", "Moyen"
    medium.save()
    load_default_checklists()
    return org


def nl(client, url):
    return client.get(url, headers={"accept-language": "nl"})


def fr(client, url):
    return client.get(url, headers={"accept-language": "fr"})


def test_a_dutch_reviewer_sees_the_departments_tier_and_checklist_in_dutch(client, translated):
    proposal = make_proposal(requester=translated.requester, submit=True)
    client.force_login(translated.it_reviewer)

    page = nl(client, reverse("proposal-detail", args=[proposal.reference])).text

    assert "IT-beheer" in page
    assert "Personeelszaken" in page
    assert "IT Operations" not in page
    assert "Human Resources" not in page
    # The sign-off form's checklist, question by question.
    form = page[page.index('class="signoff-form"') :]
    assert IT_QUESTION_NL in form
    assert IT_QUESTION_EN not in page
    # Why this tier, written from the rule in Dutch, with the tier's Dutch name.
    assert "valt in niveau “Gemiddeld”" in page


def test_a_french_cdo_sees_the_decision_card_in_french(client, translated):
    proposal = make_proposal(requester=translated.requester, submit=True, one_off_cost=50000)
    for signoff in proposal.signoffs.all():
        questions = ChecklistQuestion.objects.filter(department=signoff.department)
        answers = {str(q.pk): "yes" for q in questions if q.kind == "yes_no"}
        if signoff.department.code == "IT":
            answers[str(questions.get(text_en=IT_QUESTION_EN).pk)] = "no"
        services.signoff_decide(
            signoff=signoff,
            actor=translated.heads[signoff.department.code],
            outcome="approved",
            answers=answers,
        )
    client.force_login(translated.cdo)

    page = fr(client, reverse("cdo-decisions")).text

    card = page[page.index(f'id="decide-{proposal.reference}"') :]
    assert "Exploitation IT" in card
    assert "Ressources humaines" in card
    assert "Moyen" in card
    # The question answered no, as it was asked, in French.
    assert escape(IT_QUESTION_FR) in card
    assert IT_QUESTION_EN not in card


def test_a_blank_translation_reads_as_english(client, translated):
    it = translated.departments["IT"]
    it.name_fr = ""
    it.save()
    proposal = make_proposal(requester=translated.requester, submit=True)
    client.force_login(translated.it_reviewer)

    page = fr(client, reverse("proposal-detail", args=[proposal.reference])).text

    assert "IT Operations" in page
    assert "Ressources humaines" in page


def test_the_proposal_page_costs_the_same_queries_in_every_language(client, translated):
    proposal = make_proposal(requester=translated.requester, submit=True)
    client.force_login(translated.it_reviewer)
    url = reverse("proposal-detail", args=[proposal.reference])
    counts = {}
    for language in ("en", "nl", "fr"):
        client.get(url, headers={"accept-language": language})  # warm caches alike
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, headers={"accept-language": language})
        assert response.status_code == 200
        counts[language] = len(queries)
    assert counts["nl"] == counts["en"] == counts["fr"]


def test_the_api_keeps_english_names_and_reason_whatever_the_language(translated):
    proposal = make_proposal(requester=translated.requester, submit=True)
    api = session_api(translated.it_reviewer)

    departments = api.get("/api/v1/departments/", HTTP_ACCEPT_LANGUAGE="nl").json()
    names = {d["code"]: d["name"] for d in departments["results"]}
    assert names["IT"] == "IT Operations"
    assert names["HR"] == "Human Resources"

    data = api.get(f"/api/v1/proposals/{proposal.reference}/", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert data["tier"]["name"] == "Medium"
    assert data["tier_reason"] == "TCO 14,000.00 EUR falls in tier “Medium”."
    assert data["requesting_department"]["name"] == "Human Resources"


def test_a_submission_in_dutch_stores_no_dutch(client, translated):
    draft = make_proposal(requester=translated.requester)
    client.force_login(translated.requester)
    client.post(
        reverse("proposal-submit", args=[draft.reference]), headers={"accept-language": "nl"}
    )
    draft.refresh_from_db()
    assert draft.tier_rule == TierRule.TCO
    assert draft.tier_reason_text == ""  # a rule, not a sentence
    submitted = Event.objects.get(kind="proposal.submitted", proposal_id=draft.pk)
    assert submitted.payload["tier"] == "Medium"


def test_the_api_writes_a_guardrails_english_name_whatever_the_language(translated):
    api = session_api(translated.it_reviewer)
    response = api.post(
        "/api/v1/guardrails/",
        {"code": "eu", "name": "Data stays in the EU", "kind": "eu_data"},
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert response.status_code == 201, response.json()
    guardrail = Guardrail.objects.get(code="eu")
    assert guardrail.name_en == "Data stays in the EU"
    assert guardrail.name_nl is None
    # IT Operations adds the Dutch name (the admin's form goes through the same service).
    landscape_services.guardrail_update(
        guardrail=guardrail,
        actor=translated.it_reviewer,
        data={"name_nl": "Gegevens blijven in de EU"},
    )
    guardrail.refresh_from_db()
    assert guardrail.name_en == "Data stays in the EU"
    assert guardrail.name_nl == "Gegevens blijven in de EU"
    assert Guardrail.objects.get(code="eu").kind == GuardrailKind.EU_DATA


def test_a_reason_stored_as_text_before_rules_is_shown_as_stored(translated):
    proposal = make_proposal(requester=translated.requester, submit=True)
    Proposal.objects.filter(pk=proposal.pk).update(
        tier_rule="", tier_reason_text="Chosen by hand in 2025."
    )
    proposal.refresh_from_db()
    assert proposal.tier_reason == "Chosen by hand in 2025."


def test_the_migration_turns_stored_sentences_into_rules(translated):
    alone = make_proposal(requester=translated.requester, submit=True)
    counted = make_proposal(requester=translated.requester, submit=True)
    Proposal.objects.filter(pk=alone.pk).update(
        tier_rule="", tier_reason_text="TCO 14,000.00 EUR falls in tier “Medium”."
    )
    Proposal.objects.filter(pk=counted.pk).update(
        tier_rule="",
        tier_basis=counted.tco + Decimal("14000"),
        tier_reason_text="TCO 14,000.00 EUR plus 14,000.00 EUR for the same vendor …",
    )
    migration = importlib.import_module("decisions.migrations.0026_tier_rule")

    migration.sentences_to_rules(apps, None)

    alone.refresh_from_db()
    counted.refresh_from_db()
    assert (alone.tier_rule, alone.tier_reason_text) == (TierRule.TCO, "")
    assert (counted.tier_rule, counted.tier_reason_text) == (TierRule.VENDOR_12_MONTHS, "")
    assert "plus" in counted.tier_reason
    assert "same vendor" in counted.tier_reason
