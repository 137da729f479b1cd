"""The demo organisation: departments, the users README.md's "Demo logins" table documents,
approval tiers and strategic goals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from stakeholders.models import Role

DEMO_PASSWORD = "demo"  # noqa: S105 - the demo logins, documented in the README
EMAIL_DOMAIN = "example.com"  # reserved for examples: demo mail can never reach a real person


@dataclass(frozen=True)
class DemoDepartment:
    code: str
    name: str
    annual_budget: Decimal
    signoff_required: bool


DEPARTMENTS = [
    DemoDepartment("HR", "Human Resources", Decimal("850000"), True),
    DemoDepartment("IT", "IT Operations", Decimal("2400000"), True),
    DemoDepartment("MKT", "Marketing", Decimal("1200000"), True),
    DemoDepartment("FIN", "Finance", Decimal("300000"), False),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    department: str | None = None
    role: str = Role.MEMBER
    approval_limit: Decimal | None = None
    cdo: bool = False
    admin: bool = False

    @property
    def email(self) -> str:
        return f"{self.first_name}.{self.last_name}@{EMAIL_DOMAIN}".lower()


REVIEWER_LIMIT = Decimal("100000")

# Exactly the logins README.md's "Demo logins" table documents.
USERS = [
    DemoUser("requester.hr", "Sophie", "Keller", "HR"),
    DemoUser("requester.it", "Daniel", "Novak", "IT"),
    DemoUser("requester.mkt", "Emma", "Laurent", "MKT"),
    DemoUser("reviewer.hr", "Hannah", "Schmidt", "HR", Role.REVIEWER, REVIEWER_LIMIT),
    DemoUser("reviewer.it", "Lukas", "Berger", "IT", Role.REVIEWER, REVIEWER_LIMIT),
    DemoUser("reviewer.mkt", "Olivia", "Martin", "MKT", Role.REVIEWER, REVIEWER_LIMIT),
    DemoUser("head.hr", "Margaret", "Collins", "HR", Role.HEAD),
    DemoUser("head.it", "Thomas", "Weber", "IT", Role.HEAD),
    DemoUser("head.mkt", "Isabelle", "Dubois", "MKT", Role.HEAD),
    DemoUser("cdo", "Carla", "Romano", cdo=True),
    DemoUser("finance.viewer", "Peter", "Lindqvist", "FIN", Role.VIEWER),
    # Finance owns the payroll and accounting tools: its head signs what would break them.
    DemoUser("head.fin", "Nora", "Jansen", "FIN", Role.HEAD),
    DemoUser("admin", "Sam", "Taylor", admin=True),
]

# As README.md describes them: the role each department signs with, whether the CDO decides,
# and the sign-off SLA in business days.
TIERS: list[dict[str, Any]] = [
    {
        "name": "Small",
        "min_tco": Decimal("0"),
        "max_tco": Decimal("10000"),
        "signoff_role": Role.REVIEWER,
        "cdo_decision_required": False,
        "sla_days": 3,
    },
    {
        "name": "Medium",
        "min_tco": Decimal("10000"),
        "max_tco": Decimal("100000"),
        "signoff_role": Role.REVIEWER,
        "cdo_decision_required": True,
        "sla_days": 5,
    },
    {
        "name": "Large",
        "min_tco": Decimal("100000"),
        "max_tco": None,
        "signoff_role": Role.HEAD,
        "cdo_decision_required": True,
        "sla_days": 10,
    },
]

# (code, title, description, owning department)
GOALS = [
    (
        "employee-experience",
        "A better working day for every employee",
        "Fewer logins, less paperwork, tools people choose to use.",
        "HR",
    ),
    (
        "faster-hiring",
        "Hire the right people faster",
        "Time to hire under 35 days without lowering the bar.",
        "HR",
    ),
    (
        "digital-skills",
        "Skills for the digital workplace",
        "Every employee 20 hours of learning a year; managers first.",
        "HR",
    ),
    (
        "fewer-tools",
        "Fewer tools, well integrated",
        "One tool per job, connected through SSO and our HR master data.",
        "IT",
    ),
    (
        "secure-by-default",
        "Security and privacy by default",
        "Certified vendors, SSO everywhere, personal data held in the EU.",
        "IT",
    ),
    (
        "employer-brand",
        "A stronger employer brand",
        "Be a top-3 employer of choice in our region by 2028.",
        "MKT",
    ),
    (
        "spend-control",
        "Technology spend we can explain",
        "Every licence has an owner, a budget line and a usage figure.",
        "FIN",
    ),
]
