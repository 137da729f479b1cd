"""Who may sign a department's sign-off: the tier's required role and the approval limit are two
separate conditions, and every place that answers "may I sign this?" — the service, the
proposal page, the queue page and the API — gives the same answer, at the limit too."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import Event
from core.errors import NotAllowed
from decisions import services
from decisions.models import SignOffStatus
from stakeholders.models import Role
from tests.api.conftest import session_api
from tests.factories import MembershipFactory, UserFactory, make_proposal

pytestmark = pytest.mark.django_db


def hr_signer(org, *, role: str, limit: str | None, username: str = "lena.signer"):
    user = UserFactory(username=username)
    MembershipFactory(
        user=user,
        department=org.departments["HR"],
        role=role,
        approval_limit=None if limit is None else Decimal(limit),
    )
    return user


def hr_signoff_costing(org, amount: str):
    proposal = make_proposal(
        requester=org.requester, submit=True, one_off_cost=Decimal(amount), recurring_cost=0
    )
    assert proposal.tco == Decimal(amount)
    return proposal, proposal.signoffs.get(department__code="HR")


def offered_everywhere(client, user, signoff) -> dict[str, bool]:
    """Whether each place offers `user` to sign `signoff`."""
    client.force_login(user)
    form = f'action="{reverse("signoff-decide", args=[signoff.pk])}"'
    page = client.get(reverse("proposal-detail", args=[signoff.proposal.reference])).text
    queue_page = client.get(reverse("queue")).text
    api = session_api(user)
    listed = [s["id"] for s in api.get("/api/v1/signoffs/").json()["results"]]
    detail = api.get(f"/api/v1/signoffs/{signoff.pk}/").json()
    return {
        "proposal page": form in page,
        "queue page": signoff.proposal.reference in queue_page,
        "API queue": signoff.pk in listed,
        "API detail": detail["can_sign"],
    }


def approves_by_service(user, signoff) -> bool:
    try:
        services.signoff_decide(signoff=signoff, actor=user, outcome=SignOffStatus.APPROVED)
    except NotAllowed:
        return False
    signoff.refresh_from_db()
    assert signoff.status == SignOffStatus.APPROVED
    return True


# --- The tier's required role, apart from the approval limit


def test_a_reviewer_whose_limit_covers_the_amount_cannot_sign_a_tier_that_needs_a_head(client, org):
    # Large (from 100,000) asks for a head; this reviewer may sign for any amount.
    unlimited_reviewer = hr_signer(org, role=Role.REVIEWER, limit=None)
    proposal, signoff = hr_signoff_costing(org, "150000")
    assert proposal.tier.name == "Large"
    assert signoff.required_role == Role.HEAD

    assert offered_everywhere(client, unlimited_reviewer, signoff) == dict.fromkeys(
        ["proposal page", "queue page", "API queue", "API detail"], False
    )
    events = Event.objects.count()
    refused = session_api(unlimited_reviewer).post(f"/api/v1/signoffs/{signoff.pk}/approve/", {})
    assert refused.status_code == 403
    assert "needs a head of that department" in refused.json()["message"]
    assert not approves_by_service(unlimited_reviewer, signoff)
    signoff.refresh_from_db()
    assert signoff.status == SignOffStatus.PENDING
    assert Event.objects.count() == events


def test_a_head_signs_the_tier_that_needs_a_head(client, org):
    head = hr_signer(org, role=Role.HEAD, limit="200000")
    _proposal, signoff = hr_signoff_costing(org, "150000")
    assert set(offered_everywhere(client, head, signoff).values()) == {True}
    assert approves_by_service(head, signoff)


def test_a_member_whose_limit_covers_the_amount_cannot_sign_a_tier_that_needs_a_reviewer(
    client, org
):
    member = hr_signer(org, role=Role.MEMBER, limit=None)
    _proposal, signoff = hr_signoff_costing(org, "5000")
    assert signoff.required_role == Role.REVIEWER
    assert set(offered_everywhere(client, member, signoff).values()) == {False}
    assert not approves_by_service(member, signoff)


def test_a_head_whose_limit_is_too_low_cannot_sign_though_the_role_suffices(client, org):
    head = hr_signer(org, role=Role.HEAD, limit="50000")
    _proposal, signoff = hr_signoff_costing(org, "60000")
    assert signoff.required_role == Role.REVIEWER
    assert set(offered_everywhere(client, head, signoff).values()) == {False}
    assert not approves_by_service(head, signoff)


# --- Exactly at the approval limit: signable everywhere; a cent more: nowhere


def test_signing_at_exactly_the_approval_limit_is_offered_and_allowed_everywhere(client, org):
    reviewer = hr_signer(org, role=Role.REVIEWER, limit="20000")
    _proposal, signoff = hr_signoff_costing(org, "20000")
    assert set(offered_everywhere(client, reviewer, signoff).values()) == {True}
    response = session_api(reviewer).post(f"/api/v1/signoffs/{signoff.pk}/approve/", {})
    assert response.status_code == 200
    signoff.refresh_from_db()
    assert (signoff.status, signoff.reviewer) == (SignOffStatus.APPROVED, reviewer)


def test_signing_at_exactly_the_approval_limit_on_the_page(client, org):
    reviewer = hr_signer(org, role=Role.REVIEWER, limit="20000")
    _proposal, signoff = hr_signoff_costing(org, "20000")
    client.force_login(reviewer)
    response = client.post(
        reverse("signoff-decide", args=[signoff.pk]), {f"s{signoff.pk}-outcome": "approved"}
    )
    assert response.status_code in (200, 302)
    signoff.refresh_from_db()
    assert signoff.status == SignOffStatus.APPROVED


def test_signing_at_exactly_the_approval_limit_by_the_service(org):
    reviewer = hr_signer(org, role=Role.REVIEWER, limit="20000")
    _proposal, signoff = hr_signoff_costing(org, "20000")
    assert approves_by_service(reviewer, signoff)


def test_a_cent_over_the_approval_limit_is_refused_everywhere(client, org):
    reviewer = hr_signer(org, role=Role.REVIEWER, limit="20000")
    _proposal, signoff = hr_signoff_costing(org, "20000.01")
    assert set(offered_everywhere(client, reviewer, signoff).values()) == {False}
    refused = session_api(reviewer).post(f"/api/v1/signoffs/{signoff.pk}/approve/", {})
    assert refused.status_code == 403
    assert "approval limit of at least" in refused.json()["message"]
    assert not approves_by_service(reviewer, signoff)


def test_a_delegate_signs_at_exactly_the_delegators_limit(client, org):
    import datetime as dt

    from django.utils import timezone

    from stakeholders.models import Delegation

    delegator = hr_signer(org, role=Role.REVIEWER, limit="20000")
    today = timezone.localdate()
    Delegation.objects.create(
        delegator=delegator,
        delegate=org.hr_member,
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=1),
    )
    _proposal, signoff = hr_signoff_costing(org, "20000")
    assert set(offered_everywhere(client, org.hr_member, signoff).values()) == {True}
    _proposal, over = hr_signoff_costing(org, "20000.01")
    assert set(offered_everywhere(client, org.hr_member, over).values()) == {False}
    assert approves_by_service(org.hr_member, signoff)
    signoff.refresh_from_db()
    assert signoff.on_behalf_of == delegator
