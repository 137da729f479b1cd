from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from decisions import services
from decisions.models import Proposal
from decisions.rights import cdo_group  # noqa: F401 (the personas use the app's one group)
from landscape.models import Criticality, Lifecycle, Method, Tool
from landscape.models import Integration as ToolIntegration
from stakeholders.models import ApprovalTier, Department, Membership, Role, StrategicGoal
from vendors.models import Category, PricingModel, Solution, Vendor


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"D{n}")
    name = factory.LazyAttribute(lambda d: f"Department {d.code}")
    annual_budget = Decimal("500000")
    signoff_required = True


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    department = factory.SubFactory(DepartmentFactory)
    role = Role.REVIEWER
    approval_limit = Decimal("100000")


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApprovalTier
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Tier {n}")
    min_tco = Decimal("0")
    max_tco = None
    signoff_role = Role.REVIEWER
    cdo_decision_required = True
    sla_days = 5


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StrategicGoal
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"goal-{n}")
    title = factory.LazyAttribute(lambda g: f"Goal {g.code}")


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"Vendor {n}")


class SolutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Solution

    vendor = factory.SubFactory(VendorFactory)
    name = factory.Sequence(lambda n: f"Solution {n}")
    category = Category.TALENT_ACQUISITION
    pricing_model = PricingModel.PER_SEAT
    list_price = Decimal("12.00")


def make_proposal(*, requester, submit: bool = False, on_behalf_of=None, **overrides) -> Proposal:
    """A complete proposal created through the service, as a requester would (or, with
    `on_behalf_of`, filed by `requester` for that person)."""
    hr = Department.objects.get(code="HR")
    data = {
        "title": "Applicant tracking for seasonal hiring",
        "problem": "Seasonal hiring runs on spreadsheets; candidates wait weeks.",
        "rationale": "One pipeline for all recruiters.",
        "requesting_department": hr,
        "paying_department": hr,
        "new_vendor_name": "Hirely",
        "new_solution_name": "Hirely ATS",
        "category": Category.TALENT_ACQUISITION,
        "one_off_cost": Decimal("2000"),
        "recurring_cost": Decimal("1000"),
        "recurring_period": "monthly",
        "term_months": 12,
    }
    data.update(overrides)
    proposal = services.proposal_create(requester=requester, data=data, on_behalf_of=on_behalf_of)
    if submit:
        proposal = services.proposal_submit(proposal=proposal, actor=requester)
    return proposal


class ToolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tool

    solution = factory.SubFactory(SolutionFactory)
    owner_department = factory.LazyFunction(lambda: Department.objects.get(code="HR"))
    lifecycle = Lifecycle.ADOPTED


class ToolIntegrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ToolIntegration

    source = factory.SubFactory(ToolFactory)
    target = factory.SubFactory(ToolFactory)
    data = factory.Sequence(lambda n: f"Records {n}")
    method = Method.API
    criticality = Criticality.MEDIUM
