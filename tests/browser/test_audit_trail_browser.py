"""A proposal's audit trail on a phone: one card per event, nothing wider than the screen —
not the chain's hash, not a comment typed as one long word, not the checklist's answers."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from decisions import services
from stakeholders.checklists import load_default_checklists
from stakeholders.models import ChecklistQuestion
from tests.factories import make_proposal

pytestmark = pytest.mark.browser

LONG_WORD = "https://intranet.example/wiki/" + "x" * 240


def page_width(page) -> tuple[int, int]:
    return page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )


@pytest.mark.parametrize("width", [375, 1280])
def test_the_audit_trail_fits_the_screen(org, browser_for, width):
    load_default_checklists()
    proposal = make_proposal(requester=org.requester, submit=True)
    hr = proposal.signoffs.get(department__code="HR")
    answers = {
        str(q.pk): "yes" if q.kind == "yes_no" else LONG_WORD
        for q in ChecklistQuestion.objects.filter(department__code="HR")
    }
    services.signoff_decide(
        signoff=hr, actor=org.hr_reviewer, outcome="approved", answers=answers, comment=LONG_WORD
    )
    session = browser_for(org.viewer.username)
    page = session.page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/proposals/{proposal.reference}/timeline/")
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(page.locator("table.audit")).to_contain_text("Sign-off approved")
    scroll, client = page_width(page)
    assert scroll <= client, f"the page scrolls sideways at {width} px ({scroll} > {client})"
    if width == 375:
        # Each event a card: its parts named, as the column headings would.
        expect(page.locator("table.audit thead")).to_be_hidden()
        event = page.locator("table.audit tbody tr", has_text="Sign-off approved")
        details = event.locator("td.details")
        assert "Details" in details.evaluate("td => getComputedStyle(td, '::before').content")
    session.screenshot(f"audit-trail-{width}")
