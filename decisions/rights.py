"""Who may do what: pure checks shared by services, selectors, views and the API."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q

from decisions.models import Proposal, SignOff
from stakeholders.models import ROLE_RANK, Membership, Role


def is_cdo(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("decisions.decide_proposal"))


def roles_signable_with(role: str) -> list[str]:
    """The required roles a member with `role` satisfies."""
    return [r for r, rank in ROLE_RANK.items() if rank <= ROLE_RANK[Role(role)]]


def signing_membership(*, user, signoff: SignOff) -> Membership | None:
    """The membership that lets `user` sign `signoff`, or None."""
    if not user.is_authenticated or signoff.proposal.requester_id == user.pk:
        return None
    amount = signoff.proposal.tco or Decimal("0")
    membership = Membership.objects.filter(user=user, department_id=signoff.department_id).first()
    if membership and membership.covers(role=signoff.required_role, amount=amount):
        return membership
    return None


def signable_q(memberships) -> Q:
    """A SignOff filter matching the sign-offs these memberships may sign (role and limit)."""
    q = Q(pk__in=[])
    for m in memberships:
        part = Q(department_id=m.department_id, required_role__in=roles_signable_with(m.role))
        if m.approval_limit is not None:
            part &= Q(proposal__tco__lte=m.approval_limit)
        q |= part
    return q


def can_edit(*, user, proposal: Proposal) -> bool:
    return user.is_authenticated and proposal.requester_id == user.pk and proposal.is_editable
