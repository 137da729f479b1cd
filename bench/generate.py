"""Fill a database with a large, realistic spread of proposals, sign-offs and solutions.

Run through bench/run.py; it is not part of the app. Writes with bulk_create in batches: the
point is the size of the tables the pages read, not the workflow (which the tests cover)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from decisions.models import Proposal, ProposalStatus, SignOff, SignOffStatus
from stakeholders.models import ApprovalTier, Department, Membership, Role
from vendors.models import Category, Deployment, PricingModel, Solution, Vendor

STATUS_WEIGHTS = {
    ProposalStatus.DRAFT: 5,
    ProposalStatus.IN_REVIEW: 8,
    ProposalStatus.AWAITING_DECISION: 2,
    ProposalStatus.CHANGES_REQUESTED: 3,
    ProposalStatus.APPROVED: 22,
    ProposalStatus.REJECTED: 15,
    ProposalStatus.WITHDRAWN: 7,
    ProposalStatus.PILOTING: 5,
    ProposalStatus.ADOPTED: 28,
    ProposalStatus.RETIRED: 5,
}
DECIDED = {
    ProposalStatus.APPROVED,
    ProposalStatus.REJECTED,
    ProposalStatus.WITHDRAWN,
    ProposalStatus.PILOTING,
    ProposalStatus.ADOPTED,
    ProposalStatus.RETIRED,
}
BATCH = 5000


def _user(username: str, **extra):
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@example.com", **extra}
    )
    if created:
        user.set_password("bench")
        user.save()
    return user


def _organisation() -> tuple[dict, list]:
    """The departments, tiers and personas the bench signs in as (idempotent)."""
    departments = {}
    for code, name, required in [
        ("HR", "Human Resources", True),
        ("IT", "IT Operations", True),
        ("MKT", "Marketing", True),
        ("FIN", "Finance", False),
    ]:
        departments[code], _ = Department.objects.get_or_create(
            code=code,
            defaults={"name": name, "signoff_required": required, "annual_budget": 5_000_000},
        )
    tiers = [
        ApprovalTier.objects.get_or_create(name="Small", defaults={
            "min_tco": 0, "max_tco": 10000, "cdo_decision_required": False, "sla_days": 3})[0],
        ApprovalTier.objects.get_or_create(name="Medium", defaults={
            "min_tco": 10000, "max_tco": 100000, "sla_days": 5})[0],
        ApprovalTier.objects.get_or_create(name="Large", defaults={
            "min_tco": 100000, "max_tco": None, "signoff_role": Role.HEAD, "sla_days": 10})[0],
    ]  # fmt: skip
    requester = _user("bench.requester")
    reviewer = _user("bench.reviewer")
    cdo = _user("bench.cdo")
    Membership.objects.get_or_create(user=requester, department=departments["HR"])
    Membership.objects.get_or_create(
        user=reviewer, department=departments["HR"],
        defaults={"role": Role.HEAD, "approval_limit": None},
    )  # fmt: skip
    group, _ = Group.objects.get_or_create(name="Chief Digital Officer")
    group.permissions.add(Permission.objects.get(codename="decide_proposal"))
    cdo.groups.add(group)
    return departments, tiers


@transaction.atomic
def generate(*, proposals: int, solutions: int, vendors: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    now = timezone.now()
    departments, tiers = _organisation()
    requester = get_user_model().objects.get(username="bench.requester")
    reviewer = get_user_model().objects.get(username="bench.reviewer")

    if Proposal.objects.count() >= proposals:
        return {"proposals": Proposal.objects.count(), "signoffs": SignOff.objects.count(),
                "solutions": Solution.objects.count(), "reused": True}  # fmt: skip

    vendor_objs = Vendor.objects.bulk_create(
        [
            Vendor(name=f"Vendor {i:05d}", source="bench", external_id=f"v{i}")
            for i in range(vendors)
        ],
        batch_size=BATCH,
    )
    categories, pricing = list(Category.values), list(PricingModel.values)
    solution_objs = Solution.objects.bulk_create(
        [
            Solution(
                vendor=vendor_objs[i % vendors],
                name=f"Solution {i:05d} {categories[i % len(categories)]}",
                description="A tool for the bench.", category=categories[i % len(categories)],
                pricing_model=pricing[i % len(pricing)], list_price=Decimal(rng.randint(0, 500)),
                deployment=Deployment.SAAS, iso27001=i % 3 == 0, soc2=i % 4 == 0,
                processes_personal_data=i % 2 == 0, in_use=i % 10 == 0,
                source="bench", external_id=f"s{i}",
            )
            for i in range(solutions)
        ],
        batch_size=BATCH,
    )  # fmt: skip

    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    dept_list = [departments["HR"], departments["IT"], departments["MKT"]]
    year = now.year
    made = 0
    signoff_count = 0
    while made < proposals:
        batch = []
        for i in range(made, min(made + BATCH, proposals)):
            status = rng.choices(statuses, weights)[0]
            submitted = now - dt.timedelta(days=rng.uniform(0, 1000))
            tco = Decimal(rng.choice([rng.randint(1000, 9999), rng.randint(10000, 99999),
                                      rng.randint(100000, 400000)]))  # fmt: skip
            tier = tiers[0] if tco < 10000 else tiers[1] if tco < 100000 else tiers[2]
            solution = solution_objs[rng.randrange(solutions)]
            batch.append(
                Proposal(
                    reference=f"TP-{year}-B{i:06d}", title=f"Bench proposal {i}",
                    status=status, problem="Bench", requester=requester,
                    requesting_department=rng.choice(dept_list),
                    paying_department=rng.choice(dept_list), solution=solution,
                    pricing_model=solution.pricing_model,
                    category=solution.category, one_off_cost=tco, recurring_cost=0,
                    # About 6% went through a second round after changes were requested.
                    round=0 if status == ProposalStatus.DRAFT else 2 if rng.random() < 0.06 else 1,
                    tier=None if status == ProposalStatus.DRAFT else tier,
                    tco=None if status == ProposalStatus.DRAFT else tco,
                    tier_basis=None if status == ProposalStatus.DRAFT else tco,
                    submitted_at=None if status == ProposalStatus.DRAFT else submitted,
                    decided_at=submitted + dt.timedelta(days=rng.uniform(1, 40))
                    if status in DECIDED else None,
                )
            )  # fmt: skip
        created = Proposal.objects.bulk_create(batch, batch_size=BATCH)
        signoffs = []
        for p in created:
            if p.status == ProposalStatus.DRAFT:
                continue
            if p.round == 2:
                signoffs.extend(
                    SignOff(
                        proposal=p, department=d, round=1, required_role=p.tier.signoff_role,
                        status=SignOffStatus.CHANGES_REQUESTED if d.code == "MKT"
                        else SignOffStatus.APPROVED if d.code == "HR" else SignOffStatus.CANCELLED,
                        reviewer=reviewer if d.code in ("HR", "MKT") else None,
                        due_on=(p.submitted_at - dt.timedelta(days=7)).date(),
                        decided_at=p.submitted_at - dt.timedelta(days=10),
                        proposal_requester=requester, tco=p.tco,
                    )
                    for d in dept_list
                )  # fmt: skip
            for d in dept_list:
                if p.status in (ProposalStatus.IN_REVIEW,):
                    status = rng.choice([SignOffStatus.PENDING, SignOffStatus.APPROVED])
                elif p.status == ProposalStatus.REJECTED and d.code == "IT":
                    status = SignOffStatus.REJECTED
                elif p.status == ProposalStatus.CHANGES_REQUESTED and d.code == "MKT":
                    status = SignOffStatus.CHANGES_REQUESTED
                elif p.status in (ProposalStatus.WITHDRAWN, ProposalStatus.REJECTED,
                                  ProposalStatus.CHANGES_REQUESTED):  # fmt: skip
                    status = SignOffStatus.CANCELLED
                else:
                    status = SignOffStatus.APPROVED
                signoffs.append(
                    SignOff(
                        proposal=p, department=d, round=p.round,
                        required_role=p.tier.signoff_role, status=status,
                        reviewer=None if status in (SignOffStatus.PENDING, SignOffStatus.CANCELLED)
                        else reviewer,
                        due_on=(p.submitted_at + dt.timedelta(days=7)).date(),
                        decided_at=None if status == SignOffStatus.PENDING else p.submitted_at,
                        proposal_requester=requester, tco=p.tco,
                    )
                )  # fmt: skip
        SignOff.objects.bulk_create(signoffs, batch_size=BATCH)
        signoff_count += len(signoffs)
        made += len(batch)
    return {"proposals": made, "signoffs": signoff_count, "solutions": solutions,
            "vendors": vendors, "reused": False}  # fmt: skip
