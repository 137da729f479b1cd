"""Who may do what: checks shared by services, selectors, views and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.utils import timezone

from decisions.models import Proposal, SignOff
from stakeholders.models import ROLE_RANK, Delegation, Membership, Role


@dataclass(frozen=True)
class SigningRight:
    """The membership that allows a signature, and whose it is when a delegate signs."""

    membership: Membership
    on_behalf_of: object | None = None  # the delegator, when signing by delegation


def is_cdo(user) -> bool:
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


def roles_signable_with(role: str) -> list[str]:
    """The required roles a member with `role` satisfies."""
    return [r for r, rank in ROLE_RANK.items() if rank <= ROLE_RANK[Role(role)]]


def active_delegations(*, user, on: dt.date | None = None):
    on = on or timezone.localdate()
    return Delegation.objects.filter(delegate=user, starts_on__lte=on, ends_on__gte=on)


def memberships_held(*, user, on: dt.date | None = None) -> list[tuple[Membership, object | None]]:
    """The memberships `user` may sign with today: their own, then those delegated to them,
    each with the delegator (None for their own). Two queries."""
    held: list[tuple[Membership, object | None]] = [
        (m, None) for m in Membership.objects.filter(user=user).select_related("user")
    ]
    delegations = list(active_delegations(user=user, on=on))
    if delegations:
        delegated = Membership.objects.filter(
            user_id__in={d.delegator_id for d in delegations}
        ).select_related("user")
        for m in delegated:
            for d in delegations:
                if d.delegator_id == m.user_id and d.department_id in (None, m.department_id):
                    held.append((m, m.user))
                    break
    return held


def signing_right(*, user, signoff: SignOff, held=None) -> SigningRight | None:
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


def can_steer_lifecycle(*, user, proposal: Proposal) -> bool:
    """Piloting, adoption and retirement are the requester's or the CDO's to record."""
    return user.is_authenticated and (proposal.requester_id == user.pk or is_cdo(user))
