"""The browser's proposal list: search by title or reference, sort, and pages that keep the
filters; drafts of others stay out of all of it (tests/decisions/test_access_rules.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from decisions.models import Proposal
from decisions.views.proposals import PROPOSALS_PAGE_SIZE
from tests.factories import make_proposal

pytestmark = pytest.mark.django_db


def refs(page: str, proposals: list[Proposal]) -> list[str]:
    """The references of `proposals` in the order the page shows them."""
    found = [(page.find(f">{p.reference}<"), p.reference) for p in proposals]
    return [ref for at, ref in sorted(found) if at >= 0]


def test_search_finds_titles_and_references(client, org):
    crm = make_proposal(requester=org.requester, submit=True, title="New CRM for sales")
    lms = make_proposal(requester=org.requester, submit=True, title="Learning platform")
    client.force_login(org.hr_reviewer)
    page = client.get(reverse("proposal-list"), {"q": "  crm  "}).text
    assert refs(page, [crm, lms]) == [crm.reference]
    page = client.get(reverse("proposal-list"), {"q": lms.reference.lower()}).text
    assert refs(page, [crm, lms]) == [lms.reference]
    page = client.get(reverse("proposal-list"), {"q": "nothing like it"}).text
    assert refs(page, [crm, lms]) == []
    assert "No proposal matches these filters." in page
    assert "Clear filters" in page


def test_sorts(client, org):
    older = make_proposal(requester=org.requester, submit=True, title="Beta")
    newer = make_proposal(requester=org.requester, submit=True, title="Alpha")
    Proposal.objects.filter(pk=older.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    Proposal.objects.filter(pk=newer.pk).update(updated_at=timezone.now() - dt.timedelta(days=9))
    client.force_login(org.hr_reviewer)
    url = reverse("proposal-list")
    both = [older, newer]
    assert refs(client.get(url).text, both) == [newer.reference, older.reference]
    assert refs(client.get(url, {"sort": "oldest"}).text, both) == [
        older.reference,
        newer.reference,
    ]
    assert refs(client.get(url, {"sort": "updated"}).text, both) == [
        older.reference,
        newer.reference,
    ]
    assert refs(client.get(url, {"sort": "title"}).text, both) == [newer.reference, older.reference]
    # An unknown sort is ignored (a bookmarked URL never fails): newest first.
    assert refs(client.get(url, {"sort": "price"}).text, both) == [newer.reference, older.reference]


def test_pages_keep_the_filters_and_never_overlap(client, org):
    proposals = [
        make_proposal(requester=org.requester, submit=True, title=f"Tool {i}")
        for i in range(PROPOSALS_PAGE_SIZE + 3)
    ]
    make_proposal(requester=org.requester, title="Tool draft")  # not submitted: another status
    client.force_login(org.requester)
    url = reverse("proposal-list")
    first = client.get(url, {"status": "in_review", "q": "tool", "sort": "oldest"}).text
    assert 'rel="next"' in first
    assert 'rel="prev"' not in first
    assert "?status=in_review&amp;q=tool&amp;sort=oldest&amp;page=2" in first
    second = client.get(url, {"status": "in_review", "q": "tool", "sort": "oldest", "page": 2})
    on_first, on_second = refs(first, proposals), refs(second.text, proposals)
    assert on_first == [p.reference for p in proposals[:PROPOSALS_PAGE_SIZE]]
    assert on_second == [p.reference for p in proposals[PROPOSALS_PAGE_SIZE:]]
    assert 'rel="prev"' in second.text
    assert 'rel="next"' not in second.text
    # A page number that is no number, or past the end, is an empty page, not an error.
    assert client.get(url, {"page": "x"}).status_code == 200
    assert client.get(url, {"page": "999"}).status_code == 200


def test_sign_off_progress_reads_zero_of_three_not_none(client, org):
    """A proposal in review that nobody has approved yet: "0/3" (it once read "None/3")."""
    proposal = make_proposal(requester=org.requester, submit=True)
    client.force_login(org.requester)
    page = client.get(reverse("proposal-list")).text
    row = page[page.index(f">{proposal.reference}<") :]
    row = row[: row.index("</tr>")]
    assert ">0/3</td>" in row
    assert "None" not in row
