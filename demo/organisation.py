"""The demo organisation: departments, the users README.md's "Demo logins" table documents,
approval tiers and strategic goals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.i18n import glossary
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
    # Files proposals on Sophie Keller's behalf (requester.hr): an HR member who signs nothing.
    DemoUser("assistant.hr", "Lena", "Vogel", "HR"),
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
        # Consent mode: silence by the due date is consent; an objection goes to the CDO.
        "consent_mode": True,
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

# The organisation's names, titles and descriptions in Dutch and French (English, Dutch,
# French), in the words of the catalogs' glossary (locale/*/django.po).
TRANSLATIONS = glossary(
    ("Human Resources", "Personeelszaken", "Ressources humaines"),
    ("IT Operations", "IT-beheer", "Exploitation IT"),
    ("Marketing", "Marketing", "Marketing"),
    ("Finance", "Financiën", "Finances"),
    ("Small", "Klein", "Petit"),
    ("Medium", "Gemiddeld", "Moyen"),
    ("Large", "Groot", "Grand"),
    (
        "A better working day for every employee",
        "Een betere werkdag voor elke medewerker",
        "Une meilleure journée de travail pour chaque collaborateur",
    ),
    (
        "Fewer logins, less paperwork, tools people choose to use.",
        "Minder logins, minder papierwerk, tools die mensen zelf willen gebruiken.",
        "Moins d'identifiants, moins de paperasse, des outils que l'on choisit d'utiliser.",
    ),
    (
        "Hire the right people faster",
        "Sneller de juiste mensen aannemen",
        "Recruter plus vite les bonnes personnes",
    ),
    (
        "Time to hire under 35 days without lowering the bar.",
        "Een wervingstermijn onder 35 dagen, zonder de lat lager te leggen.",
        "Un délai de recrutement inférieur à 35 jours, sans baisser nos exigences.",
    ),
    (
        "Skills for the digital workplace",
        "Vaardigheden voor de digitale werkplek",
        "Des compétences pour l'environnement de travail numérique",
    ),
    (
        "Every employee 20 hours of learning a year; managers first.",
        "Elke medewerker 20 uur opleiding per jaar; leidinggevenden eerst.",
        "20 heures de formation par an pour chaque collaborateur ; les managers d'abord.",
    ),
    (
        "Fewer tools, well integrated",
        "Minder tools, goed geïntegreerd",
        "Moins d'outils, bien intégrés",
    ),
    (
        "One tool per job, connected through SSO and our HR master data.",
        "Eén tool per taak, gekoppeld via SSO en onze HR-stamgegevens.",
        "Un outil par besoin, relié par le SSO et nos données de référence RH.",
    ),
    (
        "Security and privacy by default",
        "Standaard veilig en privacyvriendelijk",
        "Sécurité et confidentialité par défaut",
    ),
    (
        "Certified vendors, SSO everywhere, personal data held in the EU.",
        "Gecertificeerde leveranciers, overal SSO, persoonsgegevens in de EU.",
        "Des fournisseurs certifiés, le SSO partout, des données personnelles conservées dans "
        "l'UE.",
    ),
    ("A stronger employer brand", "Een sterker werkgeversmerk", "Une marque employeur plus forte"),
    (
        "Be a top-3 employer of choice in our region by 2028.",
        "Tegen 2028 een van de drie favoriete werkgevers in onze regio zijn.",
        "Figurer d'ici 2028 parmi les trois employeurs préférés de notre région.",
    ),
    (
        "Technology spend we can explain",
        "Technologie-uitgaven die we kunnen verantwoorden",
        "Des dépenses technologiques que nous pouvons justifier",
    ),
    (
        "Every licence has an owner, a budget line and a usage figure.",
        "Elke licentie heeft een eigenaar, een budgetlijn en een gebruikscijfer.",
        "Chaque licence a un responsable, une ligne budgétaire et un chiffre d'utilisation.",
    ),
)
