"""One journey in Dutch and one in French, chosen with the header's language buttons: the
pages, the form's labels, its refusal, the sign-off panel and the CDO's decision card read in
the language chosen, with dates and amounts in its format. Screenshots of each step."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from decisions.models import Proposal, ProposalStatus
from tests.factories import make_proposal

pytestmark = pytest.mark.browser


def choose(session, code: str) -> None:
    session.page.get_by_role("button", name=code.upper(), exact=True).click()
    expect(session.page.locator("html")).to_have_attribute("lang", code)


def test_a_requester_and_a_reviewer_in_dutch(org, browser_for):
    requester = browser_for(org.requester.username)
    choose(requester, "nl")
    page = requester.page
    page.get_by_role("link", name="Nieuw voorstel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nieuw technologievoorstel")
    # A refusal, in Dutch, with the focus on the summary.
    page.get_by_role("button", name="Opslaan en indienen ter beoordeling").click()
    expect(page.locator("#error-summary")).to_contain_text("Dit veld is verplicht")
    requester.screenshot("nl-proposal-form-refused")

    page.get_by_label("Titel").fill("Leerplatform voor winkelpersoneel")
    page.get_by_label("Op te lossen probleem").fill("Winkelpersoneel mist opleidingen.")
    page.get_by_label("Kopende afdeling").select_option(label="Human Resources (HR)")
    page.get_by_label("Betrokken medewerkers").fill("120")
    page.get_by_label("Nieuwe leverancier").fill("Learnly")
    page.get_by_label("Nieuwe oplossing").fill("Learnly Go")
    page.get_by_label("Categorie").select_option("learning")
    page.get_by_label("Betalende afdeling").select_option(label="Human Resources (HR)")
    page.get_by_label("Eenmalige kosten").fill("4000")
    page.get_by_label("Terugkerende kosten", exact=False).first.fill("30000")
    requester.screenshot("nl-proposal-form")
    page.get_by_role("button", name="Opslaan en indienen ter beoordeling").click()
    expect(page.locator("#workflow")).to_contain_text("In beoordeling")
    proposal = Proposal.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text(proposal.title)
    # Amounts in the Dutch format: a point groups the thousands, a comma the cents.
    expect(page.locator("body")).to_contain_text(re.compile(r"\d{1,3}\.\d{3},\d{2}"))
    requester.screenshot("nl-proposal-in-review")

    reviewer = browser_for(org.hr_reviewer.username)
    choose(reviewer, "nl")
    reviewer.page.get_by_role("navigation", name=re.compile(".")).get_by_role(
        "link", name=re.compile("Mijn wachtrij")
    ).click()
    reviewer.page.get_by_role("link", name=re.compile(proposal.reference)).click()
    expect(reviewer.page.locator("#signoff-HR")).to_contain_text("In afwachting")
    reviewer.screenshot("nl-proposal-reviewer-view")


def test_the_cdo_decides_in_french(org, browser_for):
    proposal = make_proposal(requester=org.requester, submit=True, one_off_cost=41300)
    from decisions import services

    for signoff in proposal.signoffs.all():
        services.signoff_decide(
            signoff=signoff, actor=org.heads[signoff.department.code], outcome="approved"
        )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWAITING_DECISION

    cdo = browser_for(org.cdo.username)
    choose(cdo, "fr")
    page = cdo.page
    page.get_by_role("link", name="Décisions", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Décisions qui vous attendent")
    card = page.locator(f"#decide-{proposal.reference}")
    expect(card).to_contain_text("Qui paie ?")
    # A blank rationale is refused in place, in French.
    card.get_by_label("Décision").select_option("approved")
    card.get_by_label("Justification").fill("   ")  # blank once trimmed: the server refuses
    card.get_by_label("Justification").evaluate("el => el.removeAttribute('required')")
    card.get_by_role("button", name=re.compile("Enregistrer")).click()
    expect(card.get_by_role("alert")).to_contain_text("justification")
    expect(page.get_by_role("navigation", name=re.compile("."))).to_be_visible()
    cdo.screenshot("fr-cdo-decision-refused")
    card = page.locator(f"#decide-{proposal.reference}")
    card.get_by_label("Justification").fill("Le budget RH le permet.")
    card.get_by_role("button", name=re.compile("Enregistrer")).click()
    # The confirmation, in French, once the page shows the emptied queue.
    expect(page.get_by_role("status")).to_contain_text(f"{proposal.reference} : Approuvé")
    cdo.screenshot("fr-cdo-decided")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED


def test_the_chosen_language_follows_the_person_to_another_browser(org, browser_for):
    """Dutch chosen on one browser is the language of the next sign-in on another (a fresh
    context: no cookie), and the notifications written afterwards are in Dutch too."""
    laptop = browser_for(org.it_reviewer.username)
    choose(laptop, "nl")
    phone = browser_for(org.it_reviewer.username)  # signs in on an English sign-in page
    expect(phone.page.locator("html")).to_have_attribute("lang", "nl")
    make_proposal(requester=org.requester, submit=True)  # the tasks run in the request's thread
    phone.page.goto("/notifications/")
    expect(phone.page.get_by_role("heading", level=1)).to_have_text("Meldingen")
    expect(phone.page.locator("main")).to_contain_text("wacht op het akkoord van IT Operations")
    phone.screenshot("nl-notifications-on-another-browser")
