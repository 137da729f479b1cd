"""Who may do what on a proposal: checks shared by services, selectors, views and the API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.utils.translation import gettext as _

from decisions.models import Proposal, ProposalStatus, SignOff, SignOffStatus
from stakeholders.models import ROLE_RANK, Department, Membership, Role
from stakeholders.selectors import (
    departments_proposable_by,
    memberships_held,
    roles_signable_with,
)
from stakeholders.selectors import (
    is_cdo as holds_cdo_permission,
)


@dataclass(frozen=True)
class SigningRight:
    """The membership that allows a signature, and whose it is when a delegate signs."""

    membership: Membership
    on_behalf_of: Any = None  # the delegator, when signing by delegation


def is_owner(*, user: Any, proposal: Proposal) -> bool:
    """Whether `user` is the person `proposal` is for (its requester) or the one who filed it on
    their behalf: the two who see its draft, edit, submit and withdraw it, and never sign it nor
    decide on it."""
    pk = getattr(user, "pk", None)
    return pk is not None and pk in (proposal.requester_id, proposal.filed_by_id)


def owners_q(user: Any, prefix: str = "") -> Q:
    """A Q matching the proposals `user` owns (is_owner), on Proposal or through `prefix`."""
    pk = getattr(user, "pk", None) or 0
    return Q(**{f"{prefix}requester_id": pk}) | Q(**{f"{prefix}filed_by_id": pk})


def is_cdo(user: Any) -> bool:
    """Whether `user` takes the CDO's final decisions (stakeholders.selectors.is_cdo, where the
    apps below the workflow, such as the glossary, read it too)."""
    return holds_cdo_permission(user)


def cdo_conflict(*, user: Any, proposal: Proposal) -> str | None:
    """Why `user`, though a CDO, may not decide on `proposal` (None when they may): nobody
    decides on a proposal they requested or filed for someone, signed off (in any round, also
    for someone else), or pay for from a department they head."""
    return cdo_conflicts(user=user, proposals=[proposal]).get(proposal.pk)


def cdo_conflicts(*, user: Any, proposals: Iterable[Proposal]) -> dict[int, str]:
    """cdo_conflict for several proposals at once, by proposal id: two queries."""
    proposals = list(proposals)
    if not proposals:
        return {}
    signed = set(
        SignOff.objects.filter(proposal__in=proposals)
        .filter(Q(reviewer=user) | Q(on_behalf_of=user))
        .values_list("proposal_id", flat=True)
    )
    headed = set(
        Membership.objects.filter(user=user, role=Role.HEAD).values_list("department_id", flat=True)
    )
    conflicts = {}
    for proposal in proposals:
        if proposal.requester_id == user.pk:
            conflicts[proposal.pk] = _("You cannot decide on your own proposal.")
        elif proposal.filed_by_id == user.pk:
            conflicts[proposal.pk] = _(
                "You filed this proposal on someone's behalf: another CDO decides."
            )
        elif proposal.pk in signed:
            conflicts[proposal.pk] = _(
                "You signed this proposal off for a department: another CDO decides."
            )
        elif proposal.paying_department_id in headed:
            conflicts[proposal.pk] = _(
                "You head the department that pays for this proposal: another CDO decides."
            )
    return conflicts


def can_propose_for(*, user: Any, department: Department) -> bool:
    """Whether `user` may file a proposal for `department` (buyer): a member of it, not a
    viewer. On someone's behalf, both the filer and the person it is for must be
    (on_behalf_refusal)."""
    return departments_proposable_by(user=user).filter(pk=department.pk).exists()


def on_behalf_refusal(*, filer: Any, requester: Any, department: Department) -> str | None:
    """Why `filer` may not file a proposal for `department` on `requester`'s behalf (None when
    they may). Rights follow the person it is for: they must be a member of the buying
    department (not a viewer), and so must the filer (an assistant works in the department
    they file for). Nobody files on their own behalf."""
    if requester.pk == filer.pk:
        return _("You file your own proposals without naming yourself as the person it is for.")
    if not requester.is_active:
        return _("%(person)s can no longer sign in: a proposal cannot be filed for them.") % {
            "person": requester.get_full_name() or requester.get_username()
        }
    if not can_propose_for(user=requester, department=department):
        return _(
            "%(person)s is not a member of %(dept)s: a proposal is filed for someone of the "
            "buying department."
        ) % {
            "person": requester.get_full_name() or requester.get_username(),
            "dept": department.name,
        }
    if not can_propose_for(user=filer, department=department):
        return _(
            "Only a member of %(dept)s can file a proposal for it, also on someone's behalf."
        ) % {"dept": department.name}
    return None


def may_propose(user: Any) -> bool:
    """Whether `user` may file a proposal for any department (the proposal form is theirs)."""
    return departments_proposable_by(user=user).exists()


def is_read_only(user: Any) -> bool:
    """A viewer (Finance's): every membership they hold only reads. They read proposals, their
    trails and the catalog, and write nothing into them: no proposal, sign-off or comment.
    The CDO and administrators are not read-only, whatever their memberships."""
    if not getattr(user, "is_authenticated", False) or user.is_superuser or is_cdo(user):
        return False
    roles = set(
        Membership.objects.filter(user=user, department__is_active=True).values_list(
            "role", flat=True
        )
    )
    return bool(roles) and roles <= {Role.VIEWER}


def proposals_visible_to(user: Any) -> Q:
    """The proposals `user` may see: everything submitted at least once, and their own drafts
    (those filed for them and those they filed for someone); an administrator (superuser) sees
    every draft too. A Q on Proposal."""
    if getattr(user, "is_superuser", False):
        return Q()
    return ~Q(status=ProposalStatus.DRAFT) | owners_q(user)


def can_see(*, user: Any, proposal: Proposal) -> bool:
    if proposal.status != ProposalStatus.DRAFT:
        return True
    return bool(user.is_superuser or is_owner(user=user, proposal=proposal))


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
    proposal, not even on someone else's behalf; a delegate cannot sign for the requester. The
    same holds for whoever filed it on the requester's behalf."""
    proposal = signoff.proposal
    if not user.is_authenticated or is_owner(user=user, proposal=proposal):
        return None
    amount = proposal.tco or Decimal("0")
    if held is None:
        held = memberships_held(user=user)
    for membership, delegator in held:
        if membership.department_id != signoff.department_id:
            continue
        if delegator is not None and is_owner(user=delegator, proposal=proposal):
            continue
        if membership.covers(role=signoff.required_role, amount=amount):
            return SigningRight(membership, delegator)
    return None


def signing_rights(
    *, user: Any, proposal: Proposal, signoffs: Iterable[SignOff]
) -> dict[int, SigningRight]:
    """The rights `user` has now on the open sign-offs among `signoffs` (the proposal's current
    round, in review), by sign-off id: what the proposal page and the API both show as "can
    sign". Three queries at most (memberships_held's), however many sign-offs."""
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


def may_sign(user: Any) -> bool:
    """Whether `user` signs for a department at all: a reviewer or head of one, or a delegate
    today (a member signs only where a tier asks members, and then has it in the queue)."""
    return any(
        delegator is not None or ROLE_RANK[Role(m.role)] >= ROLE_RANK[Role.REVIEWER]
        for m, delegator in memberships_held(user=user)
    )


def signable_q(held: Iterable[tuple[Membership, Any]]) -> Q:
    """A SignOff filter matching the sign-offs these held memberships may sign, as
    signing_right decides: the role, the limit (up to and including it), and never for the
    delegator's own proposals (requested or filed). Over the sign-off's own columns (its
    round's TCO, requester and filer)."""
    q = Q(pk__in=[])
    for m, delegator in held:
        part = Q(department_id=m.department_id, required_role__in=roles_signable_with(m.role))
        if m.approval_limit is not None:
            part &= Q(tco__lte=m.approval_limit) | Q(tco__isnull=True)  # None counts as 0
        if delegator is not None:
            part &= ~Q(proposal_requester=delegator.pk) & ~Q(proposal_filed_by=delegator.pk)
        q |= part
    return q


def can_edit(*, user: Any, proposal: Proposal) -> bool:
    """The requester, or who filed it on their behalf, edits it while it is editable."""
    return bool(
        user.is_authenticated and is_owner(user=user, proposal=proposal) and proposal.is_editable
    )


def can_steer_lifecycle(*, user: Any, proposal: Proposal) -> bool:
    """Piloting, adoption and retirement are the requester's or the CDO's to record (not the
    filer's: once decided, the tool is the requester's)."""
    return bool(user.is_authenticated and (proposal.requester_id == user.pk or is_cdo(user)))
