"""Who may do what on a proposal: checks shared by services, selectors, views and the API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from decisions.models import Proposal, ProposalStatus, SignOff, SignOffStatus
from stakeholders.models import Membership
from stakeholders.selectors import memberships_held, roles_signable_with


@dataclass(frozen=True)
class SigningRight:
    """The membership that allows a signature, and whose it is when a delegate signs."""

    membership: Membership
    on_behalf_of: Any = None  # the delegator, when signing by delegation


def is_cdo(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("decisions.decide_proposal"))


CDO_GROUP = "Chief Digital Officer"


def cdo_group() -> Group:
    """The group whose members take the CDO's final decisions: it holds decide_proposal. Get or
    create it (the demo data, the tests and the admin all mean this one group)."""
    group, _created = Group.objects.get_or_create(name=CDO_GROUP)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="decisions", codename="decide_proposal")
    )
    return group


def signing_right(
    *, user: Any, signoff: SignOff, held: list[tuple[Membership, Any]] | None = None
) -> SigningRight | None:
    """The right that lets `user` sign `signoff`, or None. The requester never signs their own
    proposal, not even on someone else's behalf; a delegate cannot sign for the requester."""
    proposal = signoff.proposal
    if not user.is_authenticated or proposal.requester_id == user.pk:
        return None
    amount = proposal.tco or Decimal("0")
    if held is None:
        held = memberships_held(user=user)
    for membership, delegator in held:
        if membership.department_id != signoff.department_id:
            continue
        if delegator is not None and delegator.pk == proposal.requester_id:
            continue
        if membership.covers(role=signoff.required_role, amount=amount):
            return SigningRight(membership, delegator)
    return None


def signing_rights(
    *, user: Any, proposal: Proposal, signoffs: Iterable[SignOff]
) -> dict[int, SigningRight]:
    """The rights `user` has now on the open sign-offs among `signoffs` (the proposal's current
    round, in review), by sign-off id: what the proposal page and the API both show as "can
    sign". Two queries at most, however many sign-offs."""
    waiting = [
        s
        for s in signoffs
        if s.status == SignOffStatus.PENDING
        and proposal.status == ProposalStatus.IN_REVIEW
        and s.round == proposal.round
    ]
    if not waiting:
        return {}
    held = memberships_held(user=user)
    rights = {}
    for signoff in waiting:
        signoff.proposal = proposal  # already loaded: spare a query per row
        right = signing_right(user=user, signoff=signoff, held=held)
        if right is not None:
            rights[signoff.pk] = right
    return rights


def signable_q(memberships: Iterable[Membership]) -> Q:
    """A SignOff filter matching the sign-offs these memberships may sign (role and limit)."""
    q = Q(pk__in=[])
    for m in memberships:
        part = Q(department_id=m.department_id, required_role__in=roles_signable_with(m.role))
        if m.approval_limit is not None:
            part &= Q(proposal__tco__lte=m.approval_limit)
        q |= part
    return q


def can_edit(*, user: Any, proposal: Proposal) -> bool:
    return bool(user.is_authenticated and proposal.requester_id == user.pk and proposal.is_editable)


def can_steer_lifecycle(*, user: Any, proposal: Proposal) -> bool:
    """Piloting, adoption and retirement are the requester's or the CDO's to record."""
    return bool(user.is_authenticated and (proposal.requester_id == user.pk or is_cdo(user)))
