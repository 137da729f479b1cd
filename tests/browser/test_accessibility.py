"""Every main page, as each kind of user sees it, at 1280 and 375 px: axe-core finds no
serious or critical violation (the check runs in browser_for's teardown), and the screenshots
are kept as artifacts. The data holds a proposal in every state a badge can show."""

from __future__ import annotations

import pytest

from decisions import services
from decisions.models import DecisionOutcome
from tests.factories import make_proposal

pytestmark = pytest.mark.browser

PAGES = {
    "requester": ["/", "/proposals/", "/proposals/new/", "/catalog/", "/notifications/",
                  "/api-tokens/", "/delegations/"],
    "hr_reviewer": ["/", "/queue/", "/proposals/?sort=title"],
    "cdo": ["/", "/dashboard/", "/decisions/", "/proposals/"],
}  # fmt: skip


def every_state(org):
    """Proposals in review, returned for changes, awaiting a decision, approved, rejected and
    withdrawn."""
    make_proposal(requester=org.requester, title="Draft of an idea")
    make_proposal(requester=org.requester, submit=True, title="In review")
    returned = make_proposal(requester=org.requester, submit=True, title="Returned")
    services.signoff_decide(signoff=returned.signoffs.get(department__code="IT"),
                            actor=org.it_head, outcome="changes_requested",
                            comment="Which SSO?")  # fmt: skip
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
    withdrawn = make_proposal(requester=org.requester, submit=True, title="Withdrawn")
    services.proposal_withdraw(proposal=withdrawn, actor=org.requester, reason="Moved on")
    return returned


@pytest.mark.parametrize("width", [1280, 375])
def test_the_main_pages_are_accessible(org, browser_for, width):
    returned = every_state(org)
    for persona, paths in PAGES.items():
        session = browser_for(getattr(org, persona).username)
        session.page.set_viewport_size({"width": width, "height": 900})
        for path in [*paths, f"/proposals/{returned.reference}/"]:
            session.page.goto(path)
            name = f"a11y-{persona}-{path.strip('/').replace('/', '-') or 'home'}-{width}"
            session.screenshot(name.replace("?", "-").replace("=", "-"))
