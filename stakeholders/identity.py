"""Single sign-on's rules: who an identity provider's person is here, and what their groups at the
provider give them (memberships of departments with a role and an approval limit, site groups
such as the CDO's), through the identity group mappings kept in the admin.

At each sign-in the memberships and site groups that came from the provider are brought in step
with the groups sent this time: granted, changed, or removed when the group is gone. What an
administrator gave by hand is left alone, also when a group maps to the same department."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from core.errors import DomainError, NotAllowed
from stakeholders.models import (
    ROLE_RANK,
    IdentityGroupMapping,
    IdentityLink,
    Membership,
    Role,
)

# A provider may send many groups (every mailing list a person is on): only this many are read.
MAX_GROUPS = 500
MAX_GROUP_LENGTH = 200
MAX_SUBJECT_LENGTH = 255
USERNAME_LENGTH = 150
EMAIL_LENGTH = 254  # the user's email field
_USERNAME_UNSAFE = re.compile(r"[^\w.@+-]")


class IdentityRefused(DomainError):
    """The provider's answer cannot sign anyone in (no subject, the ID token and the user info
    disagree on who it is, a disabled account)."""


@dataclass(frozen=True)
class Grant:
    """What a person's groups give them in one department."""

    role: str
    approval_limit: Decimal | None


def groups_from_claims(claims: dict[str, Any], *, claim: str) -> list[str]:
    """The provider's groups as a list of names: a list of strings (or a single string); other
    values, blanks, control characters and names too long to be a mapping's are skipped."""
    raw = claims.get(claim)
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        return []
    groups: list[str] = []
    for value in raw[:MAX_GROUPS]:
        if not isinstance(value, str):
            continue
        value = value.strip()
        if not value or len(value) > MAX_GROUP_LENGTH or not value.isprintable():
            continue
        if value not in groups:
            groups.append(value)
    return groups


def _stronger(a: Grant, b: Grant) -> Grant:
    """The grant that gives more: the higher role; for the same role, the higher approval limit
    (no limit being the highest)."""
    rank_a, rank_b = ROLE_RANK[Role(a.role)], ROLE_RANK[Role(b.role)]
    if rank_a != rank_b:
        return a if rank_a > rank_b else b
    if a.approval_limit is None:
        return a
    if b.approval_limit is None:
        return b
    return a if a.approval_limit >= b.approval_limit else b


def grants_for_groups(groups: list[str]) -> tuple[dict[int, Grant], set[int]]:
    """What `groups` give through the mappings: a grant by department id (the strongest when
    several groups map to one department) and the ids of the site groups. One query."""
    grants: dict[int, Grant] = {}
    site_groups: set[int] = set()
    if not groups:
        return grants, site_groups
    for mapping in IdentityGroupMapping.objects.filter(claim_value__in=groups):
        if mapping.group_id is not None:
            site_groups.add(mapping.group_id)
            continue
        if mapping.department_id is None:  # pragma: no cover (the check constraint)
            continue
        grant = Grant(role=mapping.role, approval_limit=mapping.approval_limit)
        held = grants.get(mapping.department_id)
        grants[mapping.department_id] = grant if held is None else _stronger(held, grant)
    return grants, site_groups


def _subject(claims: dict[str, Any]) -> str:
    subject = claims.get("sub")
    if (
        not isinstance(subject, str)
        or not subject.strip()
        or len(subject) > MAX_SUBJECT_LENGTH
        or not subject.isprintable()
    ):
        raise IdentityRefused(_("The identity provider did not say who signed in."))
    return subject


def _text(claims: dict[str, Any], name: str, limit: int) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value.isprintable():
        return ""
    return value.strip()[:limit]


def _email(claims: dict[str, Any]) -> str:
    """The provider's email when it is one that fits; else none. A longer one is not shortened:
    cut short, it would be another address (someone else's, at another domain)."""
    email = _text(claims, "email", EMAIL_LENGTH + 1)
    if len(email) > EMAIL_LENGTH:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        return ""
    return email


def _free_username(claims: dict[str, Any], subject: str) -> str:
    """The provider's preferred username (or the email's local part) when no one here has it;
    else the same with a suffix from the subject. A local account is never taken over by name."""
    User = get_user_model()
    wanted = _text(claims, "preferred_username", USERNAME_LENGTH) or _email(claims).split("@")[0]
    wanted = _USERNAME_UNSAFE.sub("", wanted)[:USERNAME_LENGTH]
    if wanted and not User.objects.filter(username=wanted).exists():
        return wanted
    suffix = hashlib.sha256(subject.encode()).hexdigest()[:10]
    base = wanted or "sso"
    return f"{base[: USERNAME_LENGTH - len(suffix) - 1]}-{suffix}"


def _membership_payload(membership: Membership) -> dict[str, Any]:
    limit = membership.approval_limit
    return {
        "user": membership.user.get_username(),
        "department": membership.department.code,
        "role": membership.role,
        "approval_limit": None if limit is None else str(limit),
    }


def identity_sign_in(*, claims: dict[str, Any], id_token_subject: str, groups_claim: str) -> Any:
    """The user that the provider's `claims` (its user info) sign in, created at the first
    sign-in, with their name, email, memberships and site groups brought in step with the
    claims. `id_token_subject` is the subject of the verified ID token: the user info must be
    about the same person. Raises IdentityRefused."""
    subject = _subject(claims)
    if subject != id_token_subject:
        raise IdentityRefused(_("The identity provider's answers are about different people."))
    groups = groups_from_claims(claims, claim=groups_claim)
    try:
        return _sign_in(claims=claims, subject=subject, groups=groups)
    except IntegrityError:
        # Two first sign-ins of one person at once: the other made the link; use it.
        return _sign_in(claims=claims, subject=subject, groups=groups)


@transaction.atomic
def _sign_in(*, claims: dict[str, Any], subject: str, groups: list[str]) -> Any:
    User = get_user_model()
    link = (
        IdentityLink.objects.select_for_update()
        .select_related("user")
        .filter(subject=subject)
        .first()
    )
    if link is None:
        # No password: this person signs in at the provider only.
        user = User.objects.create_user(username=_free_username(claims, subject))
        with transaction.atomic():  # a savepoint: a concurrent first sign-in raises here
            link = IdentityLink.objects.create(user=user, subject=subject)
        record_event(
            kind="user.created_by_sign_in",
            actor=user,
            payload={"user": user.get_username(), "subject": subject},
        )
    user = link.user
    if not user.is_active:
        raise IdentityRefused(_("This account is disabled."))

    changed = []
    for field, value in (
        ("first_name", _text(claims, "given_name", 150)),
        ("last_name", _text(claims, "family_name", 150)),
        ("email", _email(claims)),
    ):
        if value and getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if changed:
        user.save(update_fields=changed)

    grants, site_groups = grants_for_groups(groups)
    _sync_memberships(user=user, grants=grants)
    _sync_site_groups(user=user, link=link, wanted=site_groups)
    link.provider_groups = groups
    link.last_sign_in = timezone.now()
    link.save(update_fields=["provider_groups", "last_sign_in"])
    return user


def _sync_memberships(*, user: Any, grants: dict[int, Grant]) -> None:
    held = {
        m.department_id: m
        for m in Membership.objects.select_for_update()
        .filter(user=user)
        .select_related("department", "user")
    }
    for department_id, membership in held.items():
        if not membership.from_identity_provider:
            continue  # made by hand: not single sign-on's to change or remove
        grant = grants.get(department_id)
        if grant is None:
            payload = _membership_payload(membership)
            membership.delete()
            record_event(kind="membership.removed_by_sign_in", actor=user, payload=payload)
        elif (membership.role, membership.approval_limit) != (grant.role, grant.approval_limit):
            before = _membership_payload(membership)
            membership.role = grant.role
            membership.approval_limit = grant.approval_limit
            membership.save(update_fields=["role", "approval_limit"])
            record_event(
                kind="membership.changed_by_sign_in",
                actor=user,
                payload={**_membership_payload(membership), "before": before},
            )
    for department_id, grant in grants.items():
        if department_id in held:
            continue
        membership = Membership.objects.create(
            user=user,
            department_id=department_id,
            role=grant.role,
            approval_limit=grant.approval_limit,
            from_identity_provider=True,
        )
        membership = Membership.objects.select_related("department", "user").get(pk=membership.pk)
        record_event(
            kind="membership.granted_by_sign_in",
            actor=user,
            payload=_membership_payload(membership),
        )


def _sync_site_groups(*, user: Any, link: IdentityLink, wanted: set[int]) -> None:
    granted = set(link.granted_groups.values_list("pk", flat=True))
    has = set(user.groups.values_list("pk", flat=True))
    to_add = wanted - has
    # Only what single sign-on granted is taken away: a group given by hand stays.
    to_remove = (granted - wanted) & has
    names = dict(Group.objects.filter(pk__in=to_add | to_remove).values_list("pk", "name"))
    for pk in sorted(to_add):
        user.groups.add(pk)
        link.granted_groups.add(pk)
        record_event(
            kind="group.granted_by_sign_in",
            actor=user,
            payload={"user": user.get_username(), "group": names[pk]},
        )
    for pk in sorted(to_remove):
        user.groups.remove(pk)
        record_event(
            kind="group.removed_by_sign_in",
            actor=user,
            payload={"user": user.get_username(), "group": names[pk]},
        )
    # Forget grants that no longer hold (also a group an administrator took away meanwhile).
    stale = granted - wanted
    if stale:
        link.granted_groups.remove(*stale)
    # A user object remembers whether it is the CDO (stakeholders.selectors.is_cdo).
    if to_add or to_remove:
        user.__dict__.pop("_is_cdo", None)


# --- The mappings, as the administrator keeps them (admin and API).

MAPPING_FIELDS = ("claim_value", "department", "role", "approval_limit", "group")


def _mapping_may(actor: Any) -> None:
    if not (actor and actor.is_authenticated and actor.is_active and actor.is_superuser):
        raise NotAllowed(_("Only an administrator keeps the identity group mappings."))


def mapping_payload(mapping: IdentityGroupMapping) -> dict[str, Any]:
    limit, department, group = mapping.approval_limit, mapping.department, mapping.group
    return {
        "claim_value": mapping.claim_value,
        "department": department.code if department else None,
        "role": mapping.role if department else None,
        "approval_limit": None if limit is None or not department else str(limit),
        "group": group.name if group else None,
    }


def _mapping_check(mapping: IdentityGroupMapping) -> None:
    if (mapping.department_id is None) == (mapping.group_id is None):
        raise DomainError(
            _("Choose either a department or a site group, not both."), field="department"
        )
    if mapping.group_id is not None:
        # A site group gives no role or limit: keep them at their defaults.
        mapping.role, mapping.approval_limit = Role.MEMBER, None
    clash = IdentityGroupMapping.objects.filter(
        claim_value=mapping.claim_value, department=mapping.department, group=mapping.group
    ).exclude(pk=mapping.pk)
    if clash.exists():
        raise DomainError(
            _("This group already maps to that department or site group."),
            code="duplicate",
            field="claim_value",
        )


@transaction.atomic
def identity_mapping_create(*, actor: Any, data: dict[str, Any]) -> IdentityGroupMapping:
    """A new mapping: a provider's group → a department (role, approval limit) or a site group.
    It takes effect at each person's next sign-in."""
    _mapping_may(actor)
    if not data.get("claim_value"):
        raise DomainError(_("This field is required."), field="claim_value")
    mapping = IdentityGroupMapping(
        **{k: v for k, v in data.items() if k in MAPPING_FIELDS and v is not None}
    )
    _mapping_check(mapping)
    mapping.save()
    record_event(kind="identity_mapping.created", actor=actor, payload=mapping_payload(mapping))
    return mapping


@transaction.atomic
def identity_mapping_update(
    *, actor: Any, mapping: IdentityGroupMapping, data: dict[str, Any]
) -> IdentityGroupMapping:
    """Change any of a mapping's fields (a department given clears the group, and the other
    way round)."""
    _mapping_may(actor)
    # of=self: PostgreSQL cannot lock the nullable side of the department and group joins.
    mapping = (
        IdentityGroupMapping.objects.select_for_update(of=("self",))
        .select_related("department", "group")
        .get(pk=mapping.pk)
    )
    before = mapping_payload(mapping)
    if data.get("department") is not None and "group" not in data:
        data = {**data, "group": None}
    if data.get("group") is not None and "department" not in data:
        data = {**data, "department": None}
    for name, value in data.items():
        if name in MAPPING_FIELDS:
            setattr(mapping, name, value)
    if not mapping.claim_value:
        raise DomainError(_("This field is required."), field="claim_value")
    _mapping_check(mapping)
    mapping.save()
    record_event(
        kind="identity_mapping.changed",
        actor=actor,
        payload={**mapping_payload(mapping), "before": before},
    )
    return mapping


@transaction.atomic
def identity_mapping_delete(*, actor: Any, mapping: IdentityGroupMapping) -> None:
    """Remove a mapping: what it gave is taken away at each person's next sign-in."""
    _mapping_may(actor)
    payload = mapping_payload(mapping)
    mapping.delete()
    record_event(kind="identity_mapping.deleted", actor=actor, payload=payload)
