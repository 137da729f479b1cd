"""The demo glossary: the seeds' "unified language". The words HR, IT Operations and Marketing
all use and mean different things by ("user": an employee, an account, a customer), each with
a shared definition and the departments' own meanings, written through the real services by the
CDO (the shared definitions) and each department's head (their meaning), so that each term's
history and audit events are the ones people would have produced. A term already there is
left alone: running twice adds nothing."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from glossary.models import Term
from glossary.services import meaning_set, term_create
from stakeholders.models import Department

# (term, shared definition, {department code: what that department means by it})
TERMS: list[tuple[str, str, dict[str, str]]] = [
    (
        "user",
        "A person who works with a tool. Say which kind you mean: departments count users "
        "differently.",
        {
            "HR": "An employee (or contractor) who works with the tool as part of their job.",
            "IT": "An account in the identity provider with a licence for the tool; one person "
            "may have several, a service account is one too.",
            "MKT": "A customer or visitor of our websites and apps, known or anonymous.",
        },
    ),
    (
        "integration",
        "A connection through which two systems exchange data, by an API, a file or a connector.",
        {
            "HR": "A process that works across two tools, for example hiring feeding onboarding.",
            "IT": "A maintained interface between two systems, with an owner, monitoring and a "
            "support contract; each one adds to the cost of removing either system.",
            "MKT": "A connector in the marketing stack (CRM, automation, analytics) that syncs "
            "contacts or events.",
        },
    ),
    (
        "personal data",
        "Any information about an identified or identifiable living person (GDPR, article 4).",
        {
            "HR": "Employee records: contracts, pay, performance, absence, health-related "
            "leave. Special categories need a privacy impact assessment.",
            "IT": "Data that must be classified, encrypted, held in the allowed regions and "
            "covered by a data-processing agreement.",
            "MKT": "Contact details, consent records, cookies and behaviour of prospects and "
            "customers.",
        },
    ),
    (
        "pilot",
        "A limited, time-boxed trial of a tool with real users and measurable success "
        "criteria, ending in a keep-or-kill review.",
        {
            "HR": "A trial with a volunteer group of employees, with their feedback collected.",
            "IT": "A trial on a separate tenant, with single sign-on but without production "
            "integrations.",
            "MKT": "A campaign or an A/B test run on a share of the audience.",
        },
    ),
    (
        "onboarding",
        "Getting someone ready to use something well.",
        {
            "HR": "A new employee's first weeks: contract, equipment, introductions, training.",
            "IT": "Provisioning accounts, devices and access rights for a new user.",
            "MKT": "A new customer's first steps with our product or service.",
        },
    ),
    (
        "adoption",
        "How far a tool is actually used by the people it was bought for, measured against "
        "what the proposal promised.",
        {
            "HR": "Employees using the tool in their daily work, and saying so in surveys.",
            "IT": "Monthly active accounts against licensed seats.",
            "MKT": "Customers taking up a product or a feature.",
        },
    ),
    (
        "vendor lock-in",
        "Depending on one vendor so much that leaving is too costly or risky: proprietary "
        "formats, integrations that only work with its tool, no exit clause.",
        {
            "IT": "No export in an open format, integrations to rebuild, skills that only fit "
            "this product.",
            "FIN": "Switching costs and notice periods that keep a contract renewing.",
        },
    ),
    (
        "total cost of ownership",
        "The one-off cost plus the recurring cost over the contract term, never less than 12 "
        "months of recurring cost; it chooses the approval tier.",
        {
            "IT": "Also support, integrations, hosting and the cost of leaving at the end.",
            "FIN": "The committed spend charged to the paying department's budget.",
        },
    ),
    (
        "TCO",
        "Total cost of ownership: the one-off cost plus the recurring cost over the term.",
        {},
    ),
    (
        "employer brand",
        "How employees and candidates see the organisation as a place to work.",
        {
            "HR": "What makes people apply and stay: the promise made in recruitment.",
            "MKT": "A brand we communicate like the customer brand, with the same tone and "
            "visual identity.",
        },
    ),
    (
        "single sign-on",
        "Signing in once, with the organisation's identity provider, to reach every tool.",
        {
            "IT": "SAML or OpenID Connect with our identity provider, accounts provisioned "
            "and removed automatically (SCIM).",
        },
    ),
]


def seed_demo_glossary() -> tuple[int, int]:
    """Create the demo terms that are missing: (created, already there). One query when none
    is missing."""
    existing = {name.casefold() for name in Term.objects.values_list("name", flat=True)}
    missing = [t for t in TERMS if t[0].casefold() not in existing]
    if not missing:
        return 0, len(TERMS)
    users = get_user_model().objects
    cdo = users.get(username="cdo")
    heads = {
        code: users.filter(memberships__department__code=code, memberships__role="head").first()
        for code in ("HR", "IT", "MKT", "FIN")
    }
    departments = {d.code: d for d in Department.objects.filter(code__in=heads)}
    for name, definition, meanings in missing:
        term = term_create(actor=cdo, name=name, definition=definition)
        for code, text in meanings.items():
            if code in departments:
                author = heads.get(code) or cdo
                meaning_set(term=term, department=departments[code], actor=author, text=text)
    return len(missing), len(TERMS) - len(missing)
