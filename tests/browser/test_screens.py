"""Every main page, as the user it is for sees it, at 1366 px (a laptop) and at 375 px (a phone):
a full-page screenshot of each in artifacts/screenshots/1366/ and artifacts/screenshots/375/,
no page wider than a phone's screen, and no serious or critical axe-core violation (checked by
browser_for on every page). The data holds a proposal in every state a badge can show, tools
that depend on each other, a contract to renew, and notifications."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from decisions import services
from decisions.models import DecisionOutcome
from stakeholders.services import chat_channel_create
from tests.browser.test_renewals_browser import contract_tool
from tests.factories import ToolIntegrationFactory, make_proposal
from tests.glossary.helpers import user_term

pytestmark = pytest.mark.browser

# What sticks out past the right edge of the viewport (not inside a scrolling box): the outermost
# such elements, so a failure names what to fix rather than each of its children.
OVERFLOW = """() => {
  const limit = innerWidth + 1;
  if (document.documentElement.scrollWidth <= limit) return [];
  const clipped = e => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement)
      if (getComputedStyle(a).overflowX !== "visible") return true;
    return false;
  };
  const wide = [...document.body.querySelectorAll("*")].filter(
    e => e.getBoundingClientRect().right > limit && !clipped(e));
  return wide.filter(e => !wide.includes(e.parentElement)).slice(0, 5).map(e =>
    e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
    (e.classList.length ? "." + [...e.classList].join(".") : "") +
    " (" + Math.round(e.getBoundingClientRect().right) + " px)");
}"""


def every_state(org):
    """Proposals drafted, in review, returned for changes, awaiting a decision, approved,
    rejected and withdrawn; returns the returned one and the one awaiting a decision."""
    make_proposal(requester=org.requester, title="Draft of an idea")
    make_proposal(requester=org.requester, submit=True, title="In review")
    returned = make_proposal(requester=org.requester, submit=True, title="Returned")
    services.signoff_decide(signoff=returned.signoffs.get(department__code="IT"),
                            actor=org.it_head, outcome="changes_requested",
                            comment="Which SSO?")  # fmt: skip
    awaiting = None
    for title, outcome in (("Awaiting", None), ("Approved", DecisionOutcome.APPROVED),
                           ("Rejected", DecisionOutcome.REJECTED)):  # fmt: skip
        proposal = make_proposal(requester=org.requester, submit=True, title=title,
                                 one_off_cost=50000)  # fmt: skip
        for signoff in proposal.signoffs.all():
            services.signoff_decide(signoff=signoff, actor=org.heads[signoff.department.code],
                                    outcome="approved")  # fmt: skip
        if outcome:
            services.decision_take(proposal=proposal, actor=org.cdo, outcome=outcome,
                                   rationale="Because.")  # fmt: skip
        else:
            awaiting = proposal
    withdrawn = make_proposal(requester=org.requester, submit=True, title="Withdrawn")
    services.proposal_withdraw(proposal=withdrawn, actor=org.requester, reason="Moved on")
    return returned, awaiting


def main_pages(org):
    """(persona, page name, path) for each main page, as the user it is for."""
    returned, awaiting = every_state(org)
    tool = contract_tool(org, "HR", 20)
    ToolIntegrationFactory(source=tool, target=contract_tool(org, "IT", 60), data="Employees")
    proposal = f"/proposals/{returned.reference}/"
    user_term(org)  # the glossary's "user", with HR's, IT's and Marketing's meanings
    # HR's Teams channel, switched off (its placeholder URL leads nowhere).
    chat_channel_create(
        actor=org.hr_head,
        department=org.departments["HR"],
        data={
            "name": "HR sign-offs (Teams)",
            "platform": "teams",
            "url": "https://example.webhook.office.com/webhookb2/0000",
            "language": "nl",
            "is_active": False,
        },
    )
    return [
        ("requester", "home", "/"),
        ("requester", "proposals", "/proposals/"),
        ("requester", "proposal-new", "/proposals/new/"),
        ("requester", "proposal", proposal),
        ("requester", "proposal-edit", f"{proposal}edit/"),
        ("requester", "audit-trail", f"{proposal}timeline/"),
        ("requester", "notifications", "/notifications/"),
        ("requester", "catalog", "/catalog/"),
        ("requester", "solution", f"/catalog/solutions/{tool.solution.pk}/"),
        ("requester", "landscape", "/landscape/"),
        ("requester", "landscape-map", "/landscape/map/"),
        ("requester", "tool", f"/landscape/tools/{tool.pk}/"),
        ("requester", "radar", "/radar/"),
        ("requester", "renewals", "/renewals/"),
        ("requester", "delegations", "/delegations/"),
        ("requester", "api-tokens", "/api-tokens/"),
        ("requester", "glossary", "/glossary/"),
        ("requester", "not-allowed", "/dashboard/"),  # the CDO's: the page that says so
        ("hr_reviewer", "home", "/"),
        ("hr_reviewer", "queue", "/queue/"),
        ("hr_reviewer", "proposal-to-sign", f"/proposals/{returned.reference}/"),
        ("cdo", "home", "/"),
        ("cdo", "dashboard", "/dashboard/"),
        ("cdo", "decisions", "/decisions/"),
        ("cdo", "proposal-to-decide", f"/proposals/{awaiting.reference}/"),
        ("cdo", "budgets", "/budgets/"),  # a form in every row: cards on a phone
        ("cdo", "risk-questions", "/risk/questions/"),
        ("cdo", "proposal-risk", f"/proposals/{awaiting.reference}/risk/"),
        ("hr_reviewer", "my-onboarding-tasks", "/handoff/mine/"),
        ("cdo", "glossary-term", "/glossary/user/"),  # every department's meaning to edit
        ("hr_head", "delegations", "/delegations/"),
        ("hr_head", "chat-channels", "/departments/HR/chat-channels/"),
    ]


@pytest.mark.parametrize("width", [1366, 375])
def test_the_main_pages_fit_the_screen_and_are_accessible(org, browser_for, width):
    sessions = {}
    too_wide = {}
    for persona, name, path in main_pages(org):
        if persona not in sessions:
            sessions[persona] = browser_for(getattr(org, persona).username)
            sessions[persona].page.set_viewport_size({"width": width, "height": 768})
        session = sessions[persona]
        session.page.goto(path)
        expect(session.page.get_by_role("heading", level=1)).to_be_visible()
        session.screenshot(f"{width}/{persona.replace('_', '-')}-{name}")
        if overflowing := session.page.evaluate(OVERFLOW):
            too_wide[path] = overflowing
    assert not too_wide, f"Wider than the {width} px screen: {too_wide}"
