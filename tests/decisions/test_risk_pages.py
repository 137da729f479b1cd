"""The vendor risk questionnaire in the browser: the rating on the proposal page, on IT's
sign-off and on the CDO's decision card; the assessment form with and without JavaScript;
refusals and bad input; the questionnaire page where IT adds and edits questions; query counts
that do not grow with rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import Event
from decisions import services
from decisions.models import RiskAnswer, RiskCategory, RiskFact, RiskQuestion
from decisions.services import risk as risk_services
from tests.factories import make_proposal

pytestmark = pytest.mark.django_db


def question(text="Is there a tested backup?", **extra) -> RiskQuestion:
    fields = {"category": RiskCategory.CONTINUITY, "weight": 1, **extra}
    return RiskQuestion.objects.create(text=text, **fields)


def risk_url(proposal) -> str:
    return reverse("proposal-risk", args=[proposal.reference])


def awaiting_decision(org, **overrides):
    proposal = make_proposal(requester=org.requester, submit=True, one_off_cost=50000, **overrides)
    for signoff in proposal.signoffs.all():
        services.signoff_decide(
            signoff=signoff, actor=org.heads[signoff.department.code], outcome="approved"
        )
    return proposal


def test_the_proposal_page_and_its_sign_off_show_the_rating(client, org):
    question(weight=1)
    proposal = make_proposal(requester=org.requester, submit=True)
    client.force_login(org.it_head)
    page = client.get(reverse("proposal-detail", args=[proposal.reference])).text
    assert "Vendor risk: high" in page
    assert "the IT Operations head signs, and no plug-in lane" in page
    it_card = page[page.index('id="signoff-IT"') :]
    it_card = it_card[: it_card.index("</li>")]
    assert "Vendor risk: high" in it_card
    assert risk_url(proposal) in it_card
    hr_card = page[page.index('id="signoff-HR"') :]
    assert "Vendor risk" not in hr_card[: hr_card.index("</li>")]


def test_without_questions_the_pages_show_no_rating(client, org):
    proposal = make_proposal(requester=org.requester, submit=True)
    client.force_login(org.requester)
    assert (
        "Vendor risk:" not in client.get(reverse("proposal-detail", args=[proposal.reference])).text
    )
    page = client.get(risk_url(proposal)).text
    assert "IT Operations keeps no risk questions yet" in page


def test_the_decision_card_shows_the_rating(client, org):
    q = question(weight=1)
    proposal = make_proposal(requester=org.requester, one_off_cost=50000)
    risk_services.risk_answers_save(proposal=proposal, actor=org.requester, answers={q.pk: "yes"})
    services.proposal_submit(proposal=proposal, actor=org.requester)
    for signoff in proposal.signoffs.all():
        services.signoff_decide(
            signoff=signoff, actor=org.heads[signoff.department.code], outcome="approved"
        )
    client.force_login(org.cdo)
    page = client.get(reverse("cdo-decisions")).text
    card = page[page.index(f'id="decide-{proposal.reference}"') :]
    assert "Vendor risk: low" in card
    assert "score 0 of 100" in card


def test_the_decisions_page_does_not_grow_in_queries_with_rated_cards(client, org):
    question()
    question("SSO?", fact=RiskFact.SSO)
    awaiting_decision(org)
    client.force_login(org.cdo)
    client.get(reverse("cdo-decisions"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("cdo-decisions"))
    for _ in range(3):
        awaiting_decision(org)
    with CaptureQueriesContext(connection) as four:
        page = client.get(reverse("cdo-decisions")).text
    assert page.count("Vendor risk: high") == 4
    # Other parts of the card may cost a query or two per card; the risk adds none.
    per_card = (len(four) - len(one)) / 3
    risk_queries = [q for q in four.captured_queries if "risk" in q["sql"].lower()]
    assert len(risk_queries) == 2, per_card


def test_the_requester_answers_without_javascript(client, org):
    q = question(weight=2)
    fact = question("No personal data?", fact=RiskFact.NO_PERSONAL_DATA, weight=1)
    proposal = make_proposal(requester=org.requester)
    client.force_login(org.requester)
    page = client.get(risk_url(proposal)).text
    assert f'name="answer_{q.pk}"' in page
    assert f'name="answer_{fact.pk}"' not in page  # the fact answers it
    response = client.post(
        risk_url(proposal), {f"answer_{q.pk}": "no", f"note_{q.pk}": "Backups untested"}
    )
    assert response.status_code == 302
    assert response["Location"] == risk_url(proposal)
    answer = RiskAnswer.objects.get()
    assert (answer.answer, answer.note) == ("no", "Backups untested")
    page = client.get(response["Location"]).text
    assert "The answers are saved." in page
    assert "Vendor risk: high" in page  # 2 of 3 at risk: 66


def test_with_htmx_the_assessment_swaps_in_place(client, org):
    q = question()
    proposal = make_proposal(requester=org.requester)
    client.force_login(org.requester)
    response = client.post(risk_url(proposal), {f"answer_{q.pk}": "yes"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="card risk-assessment"')
    assert "The answers are saved." in response.text
    assert "Vendor risk: low" in response.text
    assert "<html" not in response.text


@pytest.mark.parametrize(
    "data",
    [
        lambda q: {f"answer_{q.pk}": "maybe"},
        lambda q: {f"answer_{q.pk}": "yes", f"note_{q.pk}": "x" * 501},
    ],
)
def test_bad_answers_are_refused_on_the_page_and_change_nothing(client, org, data):
    q = question()
    proposal = make_proposal(requester=org.requester)
    client.force_login(org.requester)
    response = client.post(risk_url(proposal), data(q))
    assert response.status_code == 400
    assert "The answers were not saved" in response.text
    assert not RiskAnswer.objects.exists()


def test_hostile_text_is_refused_before_the_view(client, org):
    q = question()
    proposal = make_proposal(requester=org.requester)
    client.force_login(org.requester)
    response = client.post(risk_url(proposal), {f"answer_{q.pk}": "yes", f"note_{q.pk}": "a\x00b"})
    assert response.status_code == 400
    assert not RiskAnswer.objects.exists()


def test_a_refused_answer_says_why_with_its_status(client, org):
    q = question()
    proposal = make_proposal(requester=org.requester, submit=True)
    client.force_login(org.hr_reviewer)
    page = client.get(risk_url(proposal)).text
    assert f'name="answer_{q.pk}"' not in page
    response = client.post(risk_url(proposal), {f"answer_{q.pk}": "yes"})
    assert response.status_code == 403
    assert "while IT&#x27;s sign-off waits" in response.text
    assert not RiskAnswer.objects.exists()


def test_it_adds_and_edits_questions_on_the_questionnaire_page(client, org):
    client.force_login(org.it_reviewer)
    page = client.get(reverse("risk-questions")).text
    assert "Add a question" in page
    response = client.post(
        reverse("risk-questions"),
        {"text": "Is there a tested backup?", "text_fr": "Existe-t-il une sauvegarde testée ?",
         "category": "continuity", "weight": "4", "fact": "", "position": "1",
         "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    q = RiskQuestion.objects.get()
    assert (q.text, q.weight, q.text_fr, q.text_nl) == (
        "Is there a tested backup?",
        4,
        "Existe-t-il une sauvegarde testée ?",
        None,
    )
    edit = reverse("risk-question-edit", args=[q.pk])
    assert 'value="Is there a tested backup?"' in client.get(edit).text
    response = client.post(
        edit,
        {"text": "Is there a tested backup?", "category": "continuity", "weight": "6",
         "position": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    q.refresh_from_db()
    assert (q.weight, q.is_active) == (6, False)  # unticked: deactivated
    assert list(Event.objects.values_list("kind", flat=True)) == [
        "risk_question.created",
        "risk_question.updated",
    ]


@pytest.mark.parametrize("weight", ["0", "11", "99999999999999999999", "x"])
def test_a_bad_weight_is_refused_on_the_page(client, org, weight):
    client.force_login(org.it_reviewer)
    response = client.post(
        reverse("risk-questions"), {"text": "Q?", "category": "security", "weight": weight,
                                    "position": "0"},
    )  # fmt: skip
    assert response.status_code == 400
    assert not RiskQuestion.objects.exists()


def test_others_read_the_questionnaire_without_the_form(client, org):
    question("Is there a tested backup?")
    client.force_login(org.requester)
    page = client.get(reverse("risk-questions")).text
    assert "Is there a tested backup?" in page
    assert "Add a question" not in page
    response = client.post(
        reverse("risk-questions"),
        {"text": "Q?", "category": "security", "weight": "1", "position": "0"},
    )
    assert response.status_code == 403
    assert RiskQuestion.objects.count() == 1


def test_the_questionnaire_page_does_not_grow_in_queries(client, org):
    question()
    client.force_login(org.it_reviewer)
    client.get(reverse("risk-questions"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("risk-questions"))
    for i in range(20):
        question(f"Q{i}?", category=RiskCategory.SECURITY)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("risk-questions"))
    assert len(many) <= len(few)


def test_the_assessment_page_does_not_grow_in_queries(client, org):
    proposal = make_proposal(requester=org.requester)
    q = question()
    risk_services.risk_answers_save(proposal=proposal, actor=org.requester, answers={q.pk: "no"})
    client.force_login(org.requester)
    client.get(risk_url(proposal))
    with CaptureQueriesContext(connection) as few:
        client.get(risk_url(proposal))
    for i in range(10):
        extra = question(f"Q{i}?")
        risk_services.risk_answers_save(
            proposal=proposal, actor=org.requester, answers={extra.pk: "yes"}
        )
    with CaptureQueriesContext(connection) as many:
        client.get(risk_url(proposal))
    assert len(many) <= len(few)


def test_the_form_preview_shows_the_rating_submission_would_act_on(client, org):
    question()
    client.force_login(org.requester)
    response = client.post(
        reverse("proposal-preview"),
        {"requesting_department": org.departments["HR"].pk,
         "paying_department": org.departments["HR"].pk, "currency": "EUR",
         "one_off_cost": "0", "recurring_cost": "100", "recurring_period": "monthly",
         "term_months": "12", "new_vendor_name": "Hirely", "new_solution_name": "Hirely ATS",
         "category": "talent_acquisition"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Vendor risk: high" in response.text


def test_an_administrator_keeps_questions_in_the_admin_through_the_service(client, org):
    client.force_login(org.superuser)
    response = client.post(
        "/admin/decisions/riskquestion/add/",
        {"text_en": "Is there a tested backup?", "text_nl": "", "text_fr": "",
         "category": "continuity", "weight": "3", "fact": "", "position": "0",
         "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302, response.content[:500]
    q = RiskQuestion.objects.get()
    assert (q.text, q.weight) == ("Is there a tested backup?", 3)
    assert Event.objects.filter(kind="risk_question.created").exists()
    assert client.get("/admin/decisions/riskquestion/").status_code == 200
    # An IT reviewer is no staff member: the admin is the administrators'.
    client.force_login(org.it_reviewer)
    assert client.get("/admin/decisions/riskquestion/").status_code == 302
