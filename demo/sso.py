"""Demo identity group mappings for single sign-on: what the groups of a provider's person would
give here. Inert until single sign-on is switched on (OIDC_RP_CLIENT_ID; README "Single sign-on"
shows how to try it with the local test provider, `make sso-provider`, whose demo people are in
these groups)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from decisions.rights import cdo_group
from stakeholders.models import Department, IdentityGroupMapping, Role

# (group at the provider, department code, role, approval limit); department None: the CDO.
MAPPINGS: list[tuple[str, str | None, str, Decimal | None]] = [
    ("hrtech-hr", "HR", Role.MEMBER, None),
    ("hrtech-hr-reviewers", "HR", Role.REVIEWER, Decimal("50000")),
    ("hrtech-it-reviewers", "IT", Role.REVIEWER, Decimal("50000")),
    ("hrtech-mkt", "MKT", Role.MEMBER, None),
    ("hrtech-finance-readers", "FIN", Role.VIEWER, None),
    ("hrtech-cdo", None, Role.MEMBER, None),
]


def load_demo_identity_mappings() -> tuple[int, int]:
    """Create the demo mappings that are missing (by group name); returns (created, existing).
    One query when they are all there."""
    existing = set(IdentityGroupMapping.objects.values_list("claim_value", flat=True))
    missing = [m for m in MAPPINGS if m[0] not in existing]
    created = _create(missing) if missing else 0
    return created, len(MAPPINGS) - len(missing)


@transaction.atomic
def _create(mappings: list[tuple[str, str | None, str, Decimal | None]]) -> int:
    departments = {d.code: d for d in Department.objects.all()}
    created = 0
    for claim_value, code, role, limit in mappings:
        if code is not None and code not in departments:  # an organisation without it
            continue
        IdentityGroupMapping.objects.create(
            claim_value=claim_value,
            department=departments[code] if code else None,
            group=None if code else cdo_group(),
            role=role,
            approval_limit=limit,
        )
        created += 1
    return created
