"""The demo landscape: the tools the demo organisation runs, who owns them, and the data that
flows between them — a governed core around an integration platform, a few plug-in-lane tools,
and the "integration vermicelli" the seeds warn about (marketing automation ↔ CRM ↔ HR system ↔
payroll, wired point to point). Loaded by `manage.py seed_demo` after the proposals (whose
pilots and adoptions bring some tools in through the workflow); entered directly, as the
catalog is, with one lifecycle entry per tool saying so."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.i18n import fill_blank_translations, glossary, in_every_language
from decisions.models import OPEN_STATES, Proposal, ProposalStatus
from landscape.models import (
    Classification,
    Criticality,
    Guardrail,
    GuardrailKind,
    Integration,
    Lane,
    Lifecycle,
    Method,
    Tool,
    ToolLifecycleChange,
)
from stakeholders.models import Department
from vendors.models import Solution

L, K, M, R = Lifecycle, Classification, Method, Criticality


@dataclass(frozen=True)
class DemoTool:
    solution: str
    department: str
    lifecycle: str = L.ADOPTED
    lane: str = Lane.GOVERNED
    classification: str = K.INTERNAL
    seats: int | None = None
    yearly_cost: str | None = None
    platform: bool = False


HR, IT, MKT, FIN = "HR", "IT", "MKT", "FIN"

TOOLS = [
    # Human Resources
    DemoTool(
        "Personio HR", HR, L.STANDARD, classification=K.RESTRICTED, seats=1200, yearly_cost="98000"
    ),
    DemoTool(
        "DATEV Lohn und Gehalt",
        FIN,
        L.STANDARD,
        classification=K.RESTRICTED,
        seats=6,
        yearly_cost="42000",
    ),
    DemoTool(
        "Workday Human Capital Management",
        HR,
        L.SUNSET,
        classification=K.RESTRICTED,
        yearly_cost="260000",
    ),
    DemoTool(
        "Workday Recruiting", HR, L.SUNSET, classification=K.CONFIDENTIAL, yearly_cost="60000"
    ),
    DemoTool(
        "SAP SuccessFactors Learning", HR, classification=K.INTERNAL, seats=800, yearly_cost="54000"
    ),
    DemoTool(
        "SmartRecruiters Talent Acquisition Suite",
        HR,
        classification=K.CONFIDENTIAL,
        seats=25,
        yearly_cost="38000",
    ),
    DemoTool("Textkernel Extract", HR, classification=K.CONFIDENTIAL, yearly_cost="9000"),
    DemoTool("LinkedIn Recruiter", HR, seats=8, yearly_cost="72000"),
    DemoTool("Qualtrics EmployeeXM", HR, L.PILOT, classification=K.CONFIDENTIAL, seats=1200),
    DemoTool("Lattice Performance Management", HR, L.PILOT, classification=K.CONFIDENTIAL),
    DemoTool(
        "ServiceNow HR Service Delivery",
        HR,
        classification=K.CONFIDENTIAL,
        seats=30,
        yearly_cost="88000",
    ),
    DemoTool("Calendly Teams", HR, lane=Lane.PLUG_IN, seats=20, yearly_cost="3800"),
    DemoTool(
        "DocuSign eSignature Business Pro",
        HR,
        classification=K.CONFIDENTIAL,
        seats=15,
        yearly_cost="7200",
    ),
    # Marketing
    DemoTool("HubSpot Smart CRM", MKT, classification=K.CONFIDENTIAL, seats=40),
    DemoTool(
        "Salesforce Sales Cloud Enterprise",
        MKT,
        L.STANDARD,
        classification=K.CONFIDENTIAL,
        seats=120,
        yearly_cost="237600",
    ),
    DemoTool(
        "Adobe Marketo Engage", MKT, L.SUNSET, classification=K.CONFIDENTIAL, yearly_cost="64000"
    ),
    DemoTool("Adobe Experience Manager Sites", MKT, yearly_cost="120000"),
    DemoTool("Mailchimp Standard", MKT, classification=K.CONFIDENTIAL, yearly_cost="2400"),
    DemoTool("Twilio SendGrid Email API", MKT, yearly_cost="1800"),
    DemoTool("Google Analytics 4", MKT, L.STANDARD, classification=K.INTERNAL),
    DemoTool("Looker Studio", MKT, classification=K.INTERNAL),
    DemoTool("Tableau Cloud", MKT, seats=12, yearly_cost="10800"),
    DemoTool(
        "Zendesk Suite Professional",
        MKT,
        classification=K.CONFIDENTIAL,
        seats=18,
        yearly_cost="24800",
    ),
    DemoTool("Typeform Business", MKT, lane=Lane.PLUG_IN, yearly_cost="996"),
    DemoTool("Hotjar Business", MKT, lane=Lane.PLUG_IN, yearly_cost="960"),
    DemoTool("Intercom Advanced", MKT, L.PILOT, classification=K.CONFIDENTIAL, seats=10),
    DemoTool("Asana Advanced", MKT, seats=35, yearly_cost="10500"),
    # IT Operations
    DemoTool("Boomi Enterprise Platform", IT, L.STANDARD, yearly_cost="96000", platform=True),
    DemoTool(
        "Okta Workforce Identity",
        IT,
        L.STANDARD,
        classification=K.CONFIDENTIAL,
        seats=1400,
        yearly_cost="100800",
    ),
    DemoTool("Microsoft Entra ID P1", IT, classification=K.CONFIDENTIAL, seats=1400),
    DemoTool("Microsoft Teams", IT, L.STANDARD, seats=1400),
    DemoTool("Slack Business+", IT, seats=300, yearly_cost="54000"),
    DemoTool("Jira Service Management", IT, L.STANDARD, seats=40, yearly_cost="26000"),
    DemoTool("Confluence", IT, L.STANDARD, seats=600, yearly_cost="41000"),
    DemoTool("Grafana OSS", IT),
    DemoTool("Zapier Team", IT, lane=Lane.PLUG_IN, yearly_cost="830"),
    DemoTool("GitLab Premium", IT, L.STANDARD, seats=60, yearly_cost="20900"),
    DemoTool("Datadog Pro", IT, seats=None, yearly_cost="14400"),
    DemoTool("Veeam Data Platform", IT, classification=K.RESTRICTED, yearly_cost="6000"),
    DemoTool("Snipe-IT Hosted", IT, yearly_cost="480"),
    DemoTool("Cloudflare Zero Trust", IT, L.PILOT, classification=K.CONFIDENTIAL, seats=200),
    DemoTool("KnowBe4 Security Awareness Training", IT, seats=1400, yearly_cost="33600"),
    DemoTool("Loom Business", MKT, lane=Lane.PLUG_IN, seats=12, yearly_cost="2160"),
    DemoTool("Udemy Business", HR, seats=150, yearly_cost="54000"),
    DemoTool("Tellent Recruitee", HR, L.SUNSET, classification=K.CONFIDENTIAL, yearly_cost="3000"),
    DemoTool(
        "Kenjo Time Tracking", HR, classification=K.CONFIDENTIAL, seats=400, yearly_cost="19200"
    ),
    DemoTool("Lucca Absences", HR, L.PILOT, classification=K.CONFIDENTIAL, seats=150),
    DemoTool("Sprout Social Advanced", MKT, seats=3, yearly_cost="14364"),
    DemoTool("Bynder Digital Asset Management", MKT, yearly_cost="28000"),
    DemoTool("Cision Communications Cloud", MKT, yearly_cost="18000"),
    DemoTool("Optimizely Web Experimentation", MKT, L.PILOT),
    DemoTool("Agicap Cash Management", FIN, lane=Lane.PLUG_IN, yearly_cost="4800"),
    # Finance
    DemoTool(
        "Exact Online Accountancy",
        FIN,
        L.STANDARD,
        classification=K.CONFIDENTIAL,
        yearly_cost="8600",
    ),
    DemoTool("Pleo Premium", FIN, classification=K.CONFIDENTIAL, seats=220, yearly_cost="21000"),
]

# Data flows: (from, to, what flows, method, criticality).
P_, A_, F_, H_ = M.PLATFORM, M.API, M.FILE, M.MANUAL
FLOWS: list[tuple[str, str, str, str, str]] = [
    # The vermicelli: marketing automation ↔ CRM ↔ HR system ↔ payroll, point to point.
    (
        "HubSpot Marketing Hub Professional",
        "Salesforce Sales Cloud Enterprise",
        "Qualified leads",
        A_,
        R.HIGH,
    ),
    (
        "Salesforce Sales Cloud Enterprise",
        "HubSpot Marketing Hub Professional",
        "Deal stages for nurturing",
        A_,
        R.MEDIUM,
    ),
    (
        "Salesforce Sales Cloud Enterprise",
        "Personio HR",
        "Commission-eligible deals per rep",
        F_,
        R.HIGH,
    ),
    ("Personio HR", "DATEV Lohn und Gehalt", "Monthly payroll changes and hours", F_, R.CRITICAL),
    (
        "DATEV Lohn und Gehalt",
        "Salesforce Sales Cloud Enterprise",
        "Commissions paid",
        H_,
        R.MEDIUM,
    ),
    (
        "Personio HR",
        "HubSpot Marketing Hub Professional",
        "Employee advocates for campaigns",
        A_,
        R.LOW,
    ),
    (
        "HubSpot Smart CRM",
        "Salesforce Sales Cloud Enterprise",
        "Contacts from events",
        A_,
        R.MEDIUM,
    ),
    ("Salesforce Sales Cloud Enterprise", "HubSpot Smart CRM", "Account owners", A_, R.LOW),
    (
        "Mailchimp Standard",
        "HubSpot Marketing Hub Professional",
        "Newsletter engagement",
        A_,
        R.MEDIUM,
    ),
    ("Mailchimp Standard", "Salesforce Sales Cloud Enterprise", "Unsubscribes", F_, R.HIGH),
    ("Typeform Business", "Mailchimp Standard", "Event sign-ups", A_, R.LOW),
    ("Zapier Team", "Mailchimp Standard", "Webinar attendees", A_, R.LOW),
    (
        "Salesforce Sales Cloud Enterprise",
        "Exact Online Accountancy",
        "Signed orders for invoicing",
        F_,
        R.CRITICAL,
    ),
    ("Exact Online Accountancy", "Tableau Cloud", "Revenue by month", F_, R.MEDIUM),
    # Through the integration platform.
    ("Personio HR", "Boomi Enterprise Platform", "Joiners, movers and leavers", P_, R.CRITICAL),
    (
        "Boomi Enterprise Platform",
        "Okta Workforce Identity",
        "Accounts to create and disable",
        P_,
        R.CRITICAL,
    ),
    ("Boomi Enterprise Platform", "ServiceNow HR Service Delivery", "Employee records", P_, R.HIGH),
    (
        "Boomi Enterprise Platform",
        "SAP SuccessFactors Learning",
        "Learners and managers",
        P_,
        R.MEDIUM,
    ),
    (
        "SAP SuccessFactors Learning",
        "Boomi Enterprise Platform",
        "Completed mandatory courses",
        P_,
        R.MEDIUM,
    ),
    ("Boomi Enterprise Platform", "Personio HR", "Training records", P_, R.LOW),
    ("SmartRecruiters Talent Acquisition Suite", "Boomi Enterprise Platform", "Hires", P_, R.HIGH),
    ("Boomi Enterprise Platform", "Personio HR", "New hires' contracts", P_, R.HIGH),
    (
        "Salesforce Sales Cloud Enterprise",
        "Boomi Enterprise Platform",
        "Customers and contracts",
        P_,
        R.HIGH,
    ),
    ("Boomi Enterprise Platform", "Zendesk Suite Professional", "Customer accounts", P_, R.MEDIUM),
    (
        "Boomi Enterprise Platform",
        "Exact Online Accountancy",
        "Customers for invoicing",
        P_,
        R.HIGH,
    ),
    ("Pleo Premium", "Boomi Enterprise Platform", "Expenses with receipts", P_, R.HIGH),
    ("Boomi Enterprise Platform", "Exact Online Accountancy", "Expense bookings", P_, R.HIGH),
    ("Boomi Enterprise Platform", "Pleo Premium", "Cardholders", P_, R.MEDIUM),
    ("Boomi Enterprise Platform", "DATEV Lohn und Gehalt", "Expense reimbursements", P_, R.HIGH),
    ("Jira Service Management", "Boomi Enterprise Platform", "Access requests", P_, R.MEDIUM),
    ("Boomi Enterprise Platform", "Jira Service Management", "Provisioning results", P_, R.MEDIUM),
    (
        "Zendesk Suite Professional",
        "Boomi Enterprise Platform",
        "Support tickets by account",
        P_,
        R.LOW,
    ),
    ("Boomi Enterprise Platform", "Tableau Cloud", "Support and sales figures", P_, R.MEDIUM),
    ("Boomi Enterprise Platform", "Power BI Pro", "Headcount and cost figures", P_, R.MEDIUM),
    ("Intercom Advanced", "Boomi Enterprise Platform", "Chats linked to accounts", P_, R.LOW),
    # Identity: sign-on and provisioning.
    ("Okta Workforce Identity", "Slack Business+", "SSO and SCIM provisioning", A_, R.HIGH),
    ("Okta Workforce Identity", "Salesforce Sales Cloud Enterprise", "SSO", A_, R.HIGH),
    ("Okta Workforce Identity", "Jira Service Management", "SSO and groups", A_, R.HIGH),
    ("Okta Workforce Identity", "Microsoft Teams", "SSO via federation", A_, R.CRITICAL),
    ("Okta Workforce Identity", "Confluence", "SSO and groups", A_, R.HIGH),
    ("Okta Workforce Identity", "Personio HR", "SSO", A_, R.HIGH),
    ("Okta Workforce Identity", "Zendesk Suite Professional", "SSO", A_, R.MEDIUM),
    ("Okta Workforce Identity", "Asana Advanced", "SSO", A_, R.MEDIUM),
    ("Okta Workforce Identity", "DocuSign eSignature Business Pro", "SSO", A_, R.MEDIUM),
    ("Okta Workforce Identity", "ServiceNow HR Service Delivery", "SSO", A_, R.HIGH),
    ("Okta Workforce Identity", "Microsoft Entra ID P1", "Federated identities", A_, R.CRITICAL),
    ("Microsoft Entra ID P1", "Microsoft Teams", "Users and groups", A_, R.CRITICAL),
    ("Okta Workforce Identity", "Tableau Cloud", "SSO", A_, R.MEDIUM),
    ("Okta Workforce Identity", "Adobe Experience Manager Sites", "SSO for editors", A_, R.MEDIUM),
    # Operations.
    ("Grafana OSS", "Jira Service Management", "Alerts open incidents", A_, R.HIGH),
    ("Jira Service Management", "Slack Business+", "Incident updates", A_, R.MEDIUM),
    ("Jira Service Management", "Confluence", "Post-mortems", A_, R.LOW),
    ("Jira Service Management", "Microsoft Teams", "Major incident bridge", A_, R.MEDIUM),
    (
        "Workday Human Capital Management",
        "Personio HR",
        "Historic employee records (migration)",
        F_,
        R.MEDIUM,
    ),
    (
        "Workday Recruiting",
        "Workday Human Capital Management",
        "Hires (until the switch)",
        A_,
        R.LOW,
    ),
    (
        "Adobe Marketo Engage",
        "Salesforce Sales Cloud Enterprise",
        "Lead scores (being replaced)",
        A_,
        R.MEDIUM,
    ),
    # Recruiting.
    (
        "LinkedIn Recruiter",
        "SmartRecruiters Talent Acquisition Suite",
        "Sourced candidates",
        A_,
        R.MEDIUM,
    ),
    ("Textkernel Extract", "SmartRecruiters Talent Acquisition Suite", "Parsed CVs", A_, R.MEDIUM),
    ("Calendly Teams", "SmartRecruiters Talent Acquisition Suite", "Interview slots", A_, R.LOW),
    (
        "SmartRecruiters Talent Acquisition Suite",
        "DocuSign eSignature Business Pro",
        "Offer letters",
        A_,
        R.HIGH,
    ),
    ("DocuSign eSignature Business Pro", "Personio HR", "Signed contracts", A_, R.HIGH),
    ("Qualtrics EmployeeXM", "Personio HR", "Engagement scores by team", F_, R.LOW),
    ("Personio HR", "Qualtrics EmployeeXM", "Teams and managers", F_, R.MEDIUM),
    ("Personio HR", "Lattice Performance Management", "Reporting lines", A_, R.MEDIUM),
    ("Lattice Performance Management", "Personio HR", "Review outcomes", A_, R.MEDIUM),
    ("ServiceNow HR Service Delivery", "Slack Business+", "Case updates to employees", A_, R.LOW),
    # Marketing and analytics.
    ("Adobe Experience Manager Sites", "Google Analytics 4", "Page tags", A_, R.MEDIUM),
    ("Google Analytics 4", "Looker Studio", "Traffic reports", A_, R.LOW),
    (
        "Google Analytics 4",
        "HubSpot Marketing Hub Professional",
        "Campaign attribution",
        A_,
        R.MEDIUM,
    ),
    ("Hotjar Business", "Looker Studio", "Survey answers", F_, R.LOW),
    (
        "HubSpot Marketing Hub Professional",
        "Twilio SendGrid Email API",
        "Transactional emails",
        A_,
        R.HIGH,
    ),
    ("HubSpot Marketing Hub Professional", "Slack Business+", "Form alerts", A_, R.LOW),
    (
        "Zendesk Suite Professional",
        "Salesforce Sales Cloud Enterprise",
        "Ticket counts per account",
        A_,
        R.MEDIUM,
    ),
    ("Intercom Advanced", "Zendesk Suite Professional", "Escalated chats", A_, R.MEDIUM),
    ("Asana Advanced", "Slack Business+", "Task updates", A_, R.LOW),
    ("Zapier Team", "Asana Advanced", "Requests from forms", A_, R.LOW),
    ("Typeform Business", "Zapier Team", "Form answers", A_, R.LOW),
    ("Tableau Cloud", "Confluence", "Published dashboards", H_, R.LOW),
    ("Power BI Pro", "Microsoft Teams", "Dashboards in channels", A_, R.LOW),
    ("Exact Online Accountancy", "Power BI Pro", "Ledger figures", F_, R.MEDIUM),
    ("Slack Business+", "Microsoft Teams", "Shared channels with suppliers", A_, R.LOW),
    # The rest of the fleet.
    ("Okta Workforce Identity", "GitLab Premium", "SSO and groups", A_, R.HIGH),
    ("GitLab Premium", "Jira Service Management", "Releases linked to changes", A_, R.MEDIUM),
    ("Datadog Pro", "Jira Service Management", "Alerts open incidents", A_, R.HIGH),
    ("Datadog Pro", "Slack Business+", "On-call alerts", A_, R.MEDIUM),
    ("Snipe-IT Hosted", "Jira Service Management", "Assets on tickets", A_, R.LOW),
    ("Boomi Enterprise Platform", "Snipe-IT Hosted", "Joiners' laptops to prepare", P_, R.MEDIUM),
    (
        "Boomi Enterprise Platform",
        "KnowBe4 Security Awareness Training",
        "Employees to train",
        P_,
        R.MEDIUM,
    ),
    (
        "Okta Workforce Identity",
        "Cloudflare Zero Trust",
        "Users and groups for access rules",
        A_,
        R.HIGH,
    ),
    ("Kenjo Time Tracking", "Personio HR", "Worked hours", A_, R.HIGH),
    ("Lucca Absences", "Personio HR", "Approved leave", A_, R.MEDIUM),
    ("Personio HR", "Lucca Absences", "Employees and managers", A_, R.MEDIUM),
    ("Tellent Recruitee", "Personio HR", "Hires (until the switch)", F_, R.LOW),
    ("Boomi Enterprise Platform", "Udemy Business", "Learners", P_, R.LOW),
    (
        "Bynder Digital Asset Management",
        "Adobe Experience Manager Sites",
        "Approved images",
        A_,
        R.MEDIUM,
    ),
    (
        "Bynder Digital Asset Management",
        "Sprout Social Advanced",
        "Brand assets for posts",
        A_,
        R.LOW,
    ),
    ("Optimizely Web Experimentation", "Google Analytics 4", "Experiment results", A_, R.LOW),
    ("Agicap Cash Management", "Exact Online Accountancy", "Cash forecasts", A_, R.LOW),
    ("Exact Online Accountancy", "Agicap Cash Management", "Open invoices", A_, R.MEDIUM),
]

# Who looks after the demo's tools, by owner department: (business owner, IT steward).
OWNERS = {
    HR: ("head.hr", "reviewer.it"),
    MKT: ("head.mkt", "reviewer.it"),
    IT: ("head.it", "reviewer.it"),
    FIN: ("head.fin", "reviewer.it"),
}


@transaction.atomic
def load_demo_landscape() -> dict[str, tuple[int, int]]:
    """Create the demo tools and integrations that are missing; leave existing ones (a tool a
    demo proposal brought in keeps its history). A tool whose solution a demo proposal is still
    deciding on is left out: it is not in the fleet yet. Returns {kind: (created, there)}."""
    users = {u.username: u for u in get_user_model().objects.all()}
    departments = {d.code: d for d in Department.objects.all()}
    names = {t.solution for t in TOOLS} | {f[0] for f in FLOWS} | {f[1] for f in FLOWS}
    solutions = {s.name: s for s in Solution.objects.filter(source="", name__in=names)}
    deciding = set(
        Proposal.objects.filter(
            solution__in=list(solutions.values()),
            status__in=[*OPEN_STATES, ProposalStatus.DRAFT, ProposalStatus.APPROVED],
        ).values_list("solution__name", flat=True)
    )
    tools = {
        t.solution.name: t
        for t in Tool.objects.filter(solution__in=solutions.values()).select_related("solution")
    }
    counts = {"tools": [0, len(tools)], "integrations": [0, 0]}
    now = timezone.now()
    for spec in TOOLS:
        if spec.solution in tools or spec.solution in deciding:
            continue
        owner, steward = OWNERS[spec.department]
        solution = solutions[spec.solution]
        tool = Tool.objects.create(
            solution=solution,
            owner_department=departments[spec.department],
            business_owner=users.get(owner),
            it_steward=users.get(steward),
            lifecycle=spec.lifecycle,
            lifecycle_changed_at=now,
            lane=spec.lane,
            is_platform=spec.platform,
            seats=spec.seats,
            personal_data=solution.processes_personal_data,
            classification=spec.classification,
            yearly_cost=Decimal(spec.yearly_cost) if spec.yearly_cost else None,
            retire_on=now.date() + dt.timedelta(days=180) if spec.lifecycle == L.SUNSET else None,
        )
        # Set up long ago, but for the pilots and sunsets of this quarter (the radar marks them).
        recent = spec.lifecycle in (L.PILOT, L.SUNSET)
        when = now - dt.timedelta(days=20 if recent else 400)
        change = ToolLifecycleChange.objects.create(
            tool=tool, to_lifecycle=spec.lifecycle, reason="Recorded when the landscape was set up."
        )
        ToolLifecycleChange.objects.filter(pk=change.pk).update(changed_at=when)
        Tool.objects.filter(pk=tool.pk).update(lifecycle_changed_at=when)
        if not solution.in_use:
            solution.in_use = True
            solution.save(update_fields=["in_use"])
        tools[spec.solution] = tool
        counts["tools"][0] += 1
    existing = set(
        Integration.objects.filter(removed_at__isnull=True).values_list(
            "source__solution__name", "target__solution__name", "data"
        )
    )
    for source, target, data, method, criticality in FLOWS:
        if source not in tools or target not in tools:
            continue
        if (source, target, data) in existing:
            counts["integrations"][1] += 1
            continue
        Integration.objects.create(
            source=tools[source],
            target=tools[target],
            data=data,
            method=method,
            criticality=criticality,
            owner=tools[source].it_steward,
        )
        counts["integrations"][0] += 1
    return {kind: (c[0], c[1]) for kind, c in counts.items()}


RETIREMENT_TITLE = "Retire Mailchimp: newsletters move into HubSpot"


def seed_demo_retirement() -> Proposal | None:
    """A retirement proposal in review: Mailchimp feeds HubSpot and Salesforce, and through them
    HR's and Finance's tools, so their owners sign it too. None when it exists or cannot be
    filed (the story's organisation changed)."""
    from decisions import services

    if Proposal.objects.filter(title=RETIREMENT_TITLE).exists():
        return None
    tool = Tool.objects.filter(solution__name="Mailchimp Standard", solution__source="").first()
    requester = get_user_model().objects.filter(username="requester.mkt").first()
    marketing = Department.objects.filter(code=MKT).first()
    if tool is None or requester is None or marketing is None or not tool.is_live:
        return None
    proposal = services.proposal_create(
        requester=requester,
        data={
            "kind": "retirement",
            "tool": tool,
            "retire_on": timezone.localdate() + dt.timedelta(days=60),
            "title": RETIREMENT_TITLE,
            "problem": "Two newsletter tools: contacts are kept twice and unsubscribes sync by file.",
            "rationale": "HubSpot's email tool does what Mailchimp does, with one consent record.",
            "requesting_department": marketing,
            "paying_department": marketing,
            "one_off_cost": Decimal("1500"),
            "recurring_cost": Decimal("0"),
            "recurring_period": "monthly",
            "term_months": 1,
            "employees_affected": 8,
        },
    )
    return services.proposal_submit(proposal=proposal, actor=requester)


# IT Operations' guardrails for the plug-in lane: (code, name, kind, threshold in EUR).
GUARDRAILS = [
    ("sso", "Single sign-on through the company identity provider", GuardrailKind.SSO, None),
    (
        "personal-data",
        "No personal data, or a signed data-processing agreement",
        GuardrailKind.NO_PERSONAL_DATA_OR_DPA,
        None,
    ),
    ("eu-data", "Data stays in the EU", GuardrailKind.EU_DATA, None),
    (
        "platform-only",
        "Connects only through the integration platform (Boomi)",
        GuardrailKind.PLATFORM_ONLY,
        None,
    ),
    (
        "cost-under-10k",
        "Yearly cost under 10,000 EUR",
        GuardrailKind.YEARLY_COST_UNDER,
        Decimal("10000"),
    ),
]


# Their names in Dutch and French (English, Dutch, French), as the catalogs name the checks.
GUARDRAIL_TRANSLATIONS = glossary(
    (
        "Single sign-on through the company identity provider",
        "Single sign-on via de identiteitsprovider van het bedrijf",
        "Authentification unique via le fournisseur d'identité de l'entreprise",
    ),
    (
        "No personal data, or a signed data-processing agreement",
        "Geen persoonsgegevens, of een getekende verwerkersovereenkomst",
        "Pas de données personnelles, ou un accord de traitement des données signé",
    ),
    ("Data stays in the EU", "Gegevens blijven in de EU", "Les données restent dans l'UE"),
    (
        "Connects only through the integration platform (Boomi)",
        "Koppelt alleen via het integratieplatform (Boomi)",
        "Se connecte uniquement via la plateforme d'intégration (Boomi)",
    ),
    (
        "Yearly cost under 10,000 EUR",
        "Jaarlijkse kosten onder 10.000 EUR",
        "Coût annuel inférieur à 10 000 EUR",
    ),
)


def load_demo_guardrails() -> tuple[int, int]:
    """The plug-in lane's guardrails, entered directly as the catalog is; one that exists (by
    code) is left as IT Operations keeps it. (created, existing)"""
    existing = set(Guardrail.objects.values_list("code", flat=True))
    missing = [
        Guardrail(
            code=code,
            **in_every_language("name", name, GUARDRAIL_TRANSLATIONS),
            kind=kind,
            threshold=threshold,
            position=position,
        )
        for position, (code, name, kind, threshold) in enumerate(GUARDRAILS, start=1)
        if code not in existing
    ]
    Guardrail.objects.bulk_create(missing)
    fill_blank_translations(Guardrail.objects.all(), ("name",), GUARDRAIL_TRANSLATIONS)
    return len(missing), len(GUARDRAILS) - len(missing)


PLUGIN_TITLE = "Campaign decks in Pitch"


def seed_demo_plugin() -> Proposal | None:
    """A proposal in review in the plug-in lane: Pitch for Marketing, a tool the catalog
    does not list, so its answers stand: single sign-on, ISO 27001, data held in the EU, no
    personal data, about 1,200 EUR a year, connected to nothing. The guardrails sign for IT
    Operations; Marketing and HR sign as usual. None when it exists or cannot be filed."""
    from decisions import services

    if Proposal.objects.filter(title=PLUGIN_TITLE).exists():
        return None
    requester = get_user_model().objects.filter(username="requester.mkt").first()
    marketing = Department.objects.filter(code=MKT).first()
    if requester is None or marketing is None:
        return None
    proposal = services.proposal_create(
        requester=requester,
        data={
            "title": PLUGIN_TITLE,
            "problem": "Campaign decks are rebuilt by hand for every pitch and go out off-brand.",
            "rationale": "Shared on-brand templates; decks built together, live.",
            "requesting_department": marketing,
            "paying_department": marketing,
            "new_vendor_name": "Pitch",
            "new_solution_name": "Pitch Pro",
            "category": "marketing_automation",
            "one_off_cost": Decimal("0"),
            "recurring_cost": Decimal("100"),
            "recurring_period": "monthly",
            "term_months": 12,
            "seats": 10,
            "employees_affected": 10,
            "sso": True,
            "certified": True,
            "data_location": "EU (Frankfurt)",
        },
    )
    return services.proposal_submit(proposal=proposal, actor=requester)
