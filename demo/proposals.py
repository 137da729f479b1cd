"""The demo proposals: each a story told through the workflow services, from creation to the
status it must end in. `age` places its (last) submission in the past; `cycle` is how long its
decision took. The services number proposals in the year the seed runs (TP-<year>-…), so no
story is older than about ten months."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from decisions.models import ProposalStatus, SignOffStatus
from vendors.models import Category

S = ProposalStatus

Step = tuple[Any, ...]
SUBMIT: Step = ("submit",)
APPROVE_ALL: Step = ("approve_all",)


def sign(department: str, outcome: str = SignOffStatus.APPROVED, comment: str = "") -> Step:
    return ("sign", department, outcome, comment)


def decide(outcome: str, rationale: str, conditions: str = "") -> Step:
    return ("decide", outcome, rationale, conditions)


def say(who: str, body: str) -> Step:
    """A comment; `who` is a demo username or "requester"."""
    return ("comment", who, body)


def withdraw(reason: str) -> Step:
    return ("withdraw", reason)


def advance(action: str, note: str = "") -> Step:
    return ("advance", action, note)


def revise(**changes: Any) -> Step:
    return ("revise", changes)


def presume(department: str) -> Step:
    """Consent mode: the department did not object by the due date; its consent is presumed
    (as the periodic task does the day after the due date)."""
    return ("presume", department)


@dataclass(frozen=True)
class DemoProposal:
    title: str
    requester: str  # HR, IT or MKT: requester.<code> asks, for that department
    payer: str
    problem: str
    rationale: str
    expect: str  # the status the steps must end in
    age: int  # days since the (last) submission; for drafts, since creation
    steps: tuple[Step, ...] = ()
    cycle: int = 0  # days from submission to the decision
    solution: str = ""  # a demo catalog solution, by name
    new_vendor: str = ""
    new_solution: str = ""
    category: str = ""
    one_off: str = "0"
    recurring: str = "0"
    period: str = "monthly"
    term: int = 12
    currency: str = "EUR"
    seats: int | None = None
    employees: int = 0
    involvement: str = ""
    alternatives: str = ""
    personal_data: bool | None = None  # None: as the catalog solution says
    personal_data_notes: str = ""
    integrates: tuple[str, ...] = ()
    integration_notes: str = ""
    goals: dict[str, str] = field(default_factory=dict)
    pilot: tuple[int, int, str] | None = None  # start and end, in days from today; criteria
    lock_in: dict[str, Any] = field(default_factory=dict)  # the lock-in and exit answers
    # TCO by pricing model (decisions.tco): the model and its inputs; the costs follow.
    pricing: dict[str, Any] = field(default_factory=dict)
    filed_by: str = ""  # a demo username who files it on the requester's behalf, and acts


APPROVED, REJECTED, CHANGES = (
    SignOffStatus.APPROVED,
    SignOffStatus.REJECTED,
    SignOffStatus.CHANGES_REQUESTED,
)
CDO_APPROVE, CDO_REJECT, CDO_RETURN = "approved", "rejected", "returned"

PROPOSALS: list[DemoProposal] = [
    # --- Human Resources asks ---
    DemoProposal(
        title="Structured hiring with one applicant tracking system",
        requester="HR",
        payer="HR",
        solution="Greenhouse Recruiting",
        problem="Twelve recruiters track 400 open roles in spreadsheets and mailboxes; "
        "candidates wait up to three weeks for an answer.",
        rationale="Scorecards and interview plans make hiring comparable across teams; "
        "hiring managers see their pipeline without asking.",
        alternatives="Workday Recruiting (needs Workday HCM), SmartRecruiters (weaker "
        "scorecards), staying on spreadsheets.",
        one_off="6000",
        recurring="2900",
        term=24,
        seats=60,
        employees=60,
        involvement="Four recruiters and six hiring managers trialled two systems for a month.",
        integrates=("Personio HR", "Okta Workforce Identity", "Slack Business+"),
        integration_notes="New hires flow to Personio on signature; SSO through Okta.",
        personal_data_notes="Candidate CVs and interview notes; DPA signed, EU hosting.",
        goals={"faster-hiring": "Target: time to hire from 48 to 35 days."},
        steps=(
            SUBMIT,
            APPROVE_ALL,
            decide(
                CDO_APPROVE,
                "Clear problem, strong involvement of recruiters, replaces spreadsheets.",
                "Delete candidate data after 6 months unless the candidate consents.",
            ),
            advance("adopt", "Rolled out to all recruiters in March."),
        ),
        expect=S.ADOPTED,
        age=300,
        cycle=12,
    ),
    DemoProposal(
        title="Quarterly engagement surveys",
        requester="HR",
        payer="HR",
        solution="Culture Amp Engage",
        problem="Our yearly paper survey arrives too late to act on; exit interviews are the "
        "first time we hear about problems.",
        rationale="Short quarterly pulses with benchmarks; managers get their own team's "
        "results and an action plan.",
        alternatives="Qualtrics EmployeeXM (three times the price), Microsoft Forms (no "
        "benchmarks, no anonymity threshold).",
        recurring="14000",
        period="yearly",
        employees=1200,
        involvement="Works council and two employee focus groups reviewed the questions.",
        personal_data_notes="Answers are anonymous below a group size of five.",
        goals={"employee-experience": "Measures it every quarter instead of every year."},
        pilot=(
            -20,
            40,
            "Response rate above 60% in the pilot divisions; every manager publishes one action.",
        ),
        steps=(
            SUBMIT,
            say("reviewer.hr", "Has the works council agreed to the anonymity threshold?"),
            say("requester", "Yes, in the agreement of 4 June; minutes attached to the file."),
            APPROVE_ALL,
            decide(CDO_APPROVE, "Good value, clear owner; start with a pilot in two divisions."),
            advance("start_pilot", "Pilot in Logistics and Customer Service."),
        ),
        expect=S.PILOTING,
        age=60,
        cycle=9,
    ),
    DemoProposal(
        title="LinkedIn Learning for new managers",
        requester="HR",
        payer="HR",
        solution="LinkedIn Learning",
        problem="New managers get two days of classroom training and nothing after that.",
        rationale="Self-paced courses on feedback, hiring and remote teams, assigned in "
        "learning paths.",
        recurring="800",
        seats=40,
        employees=40,
        involvement="A cohort of 12 new managers chose the courses for the learning path.",
        goals={"digital-skills": "40 managers, 10 hours each in the first year."},
        steps=(SUBMIT, APPROVE_ALL, advance("adopt", "Learning path live for all new managers.")),
        expect=S.ADOPTED,
        age=200,
        cycle=4,
    ),
    DemoProposal(
        title="Replace Personio and DATEV with SAP SuccessFactors",
        requester="HR",
        payer="FIN",
        solution="SAP SuccessFactors Employee Central",
        problem="Two systems for people data mean double entry, and payroll errors every "
        "month for people who change role.",
        rationale="One global core HR for all countries, ready for the planned expansion.",
        alternatives="Workday HCM, keeping Personio and automating the DATEV export.",
        one_off="180000",
        recurring="9500",
        term=36,
        employees=1200,
        involvement="HR operations only; employees were not asked.",
        integrates=("Personio HR", "DATEV Lohn und Gehalt", "Okta Workforce Identity"),
        goals={"fewer-tools": "Would replace two tools with one."},
        steps=(
            SUBMIT,
            sign("MKT"),
            sign("HR"),
            sign(
                "IT",
                REJECTED,
                "The payroll errors come from the missing export, not from Personio. A "
                "six-figure migration is out of proportion; automate the export first.",
            ),
        ),
        expect=S.REJECTED,
        age=120,
        cycle=15,
    ),
    DemoProposal(
        title="Employee app for frontline staff",
        requester="HR",
        payer="MKT",
        solution="Staffbase Employee App",
        problem="700 warehouse and store employees have no company email and miss news, "
        "shift changes and benefits.",
        rationale="A branded app reaches them on their own phones; Marketing runs internal "
        "communication and pays for it.",
        alternatives="A WhatsApp broadcast list (not allowed by privacy), printed notice boards.",
        recurring="38000",
        period="yearly",
        term=24,
        employees=700,
        involvement="Store managers and 30 frontline employees tested the demo app for two weeks.",
        integrates=("Personio HR", "Okta Workforce Identity"),
        integration_notes="Accounts created from Personio; frontline staff sign in without Okta.",
        personal_data_notes="Name, store and shift; EU hosting.",
        goals={
            "employee-experience": "The first digital channel for frontline staff.",
            "employer-brand": "The same brand inside as outside.",
        },
        steps=(
            SUBMIT,
            sign("HR"),
            sign("MKT"),
            say(
                "reviewer.it",
                "Do frontline users need Okta licences, or does Staffbase handle their sign-in?",
            ),
            say("requester", "Staffbase handles it with a one-time code; no Okta licences."),
        ),
        expect=S.IN_REVIEW,
        age=12,
    ),
    DemoProposal(
        title="Performance reviews and goals in Leapsome",
        requester="HR",
        payer="HR",
        solution="Leapsome Performance & Goals",
        problem="Reviews run on Word templates; goals live in people's heads.",
        rationale="Review cycles, OKRs and one-to-ones in one place, with calibration.",
        alternatives="Lattice (US data only), SAP SuccessFactors Performance (needs SAP core HR).",
        one_off="3000",
        recurring="1440",
        seats=180,
        employees=180,
        involvement="Managers of two departments ran one review cycle in the trial.",
        goals={"employee-experience": "Fair, documented reviews."},
        steps=(
            SUBMIT,
            sign("HR"),
            sign(
                "IT",
                CHANGES,
                "Please add the SSO set-up through Okta and the signed data-processing "
                "agreement, and say who administers it.",
            ),
        ),
        expect=S.CHANGES_REQUESTED,
        age=8,
    ),
    DemoProposal(
        title="Shift planning that respects the works agreement",
        requester="HR",
        payer="HR",
        new_vendor="Shiftbase",
        new_solution="Shiftbase Scheduling",
        category=Category.CORE_HR_PAYROLL,
        problem="Store managers plan shifts in Excel; rest periods are checked by hand.",
        rationale="Rules of the works agreement checked while planning; employees swap shifts "
        "in the app.",
        recurring="1100",
        seats=250,
        employees=700,
        personal_data=True,
        goals={"employee-experience": "Shift swaps without phone calls."},
        expect=S.DRAFT,
        age=2,
    ),
    DemoProposal(
        title="Data academy on Coursera",
        requester="HR",
        payer="IT",
        solution="Coursera for Business",
        problem="We hire data analysts at a premium because nobody inside can learn it.",
        rationale="Professional certificates in data analytics for 30 volunteers a year.",
        recurring="11970",
        period="yearly",
        seats=30,
        employees=30,
        involvement="Selected with the analytics team, who will mentor the learners.",
        goals={"digital-skills": "30 certified analysts a year, from our own staff."},
        steps=(SUBMIT,),
        expect=S.IN_REVIEW,
        age=1,
    ),
    DemoProposal(
        title="Reference checks for new hires",
        requester="HR",
        payer="HR",
        new_vendor="Zinc Work",
        new_solution="Zinc Reference Checks",
        category=Category.TALENT_ACQUISITION,
        problem="Recruiters spend two hours per hire phoning referees.",
        rationale="Online reference checks, candidate-consented, in a day.",
        recurring="10000",
        period="yearly",
        currency="GBP",
        employees=400,
        personal_data=True,
        personal_data_notes="Referee names and statements; UK hosting.",
        goals={"faster-hiring": "Saves two days per hire."},
        steps=(
            SUBMIT,
            sign("HR"),
            withdraw("Legal found our current provider contract runs until 2027."),
        ),
        expect=S.WITHDRAWN,
        age=70,
        cycle=6,
    ),
    DemoProposal(
        title="Employer of record for hires in Spain and Poland",
        requester="HR",
        payer="HR",
        solution="Deel Employer of Record",
        problem="We want six engineers in Spain and Poland but have no entity there.",
        rationale="An employer of record hires them compliantly within two weeks; an own "
        "entity takes a year.",
        alternatives="Founding local entities; contractors (risk of false self-employment).",
        recurring="3594",
        currency="USD",
        # Deel bills per employee per month: six hires expected, eight if the Polish team
        # grows as planned (the tier is chosen on eight).
        pricing={
            "cost_model": "on_demand",
            "usage_expected": 6,
            "usage_high": 8,
            "unit_price": Decimal("599.00"),
        },
        employees=6,
        personal_data_notes="Full employee records of the six hires, held by Deel.",
        goals={"faster-hiring": "Opens two talent markets this year."},
        steps=(SUBMIT, APPROVE_ALL),
        expect=S.AWAITING_DECISION,
        age=6,
    ),
    DemoProposal(
        title="Moodle for compliance training",
        requester="HR",
        payer="HR",
        solution="Moodle LMS",
        problem="Compliance training is tracked on sign-in sheets.",
        rationale="A free, self-hosted LMS records who completed which course.",
        one_off="4500",
        recurring="150",
        employees=1200,
        goals={"digital-skills": "Completion records for every mandatory course."},
        steps=(
            SUBMIT,
            APPROVE_ALL,
            advance("start_pilot", "Piloted on the yearly compliance cycle."),
            advance("retire", "Pilot stopped: compliance courses moved to LinkedIn Learning."),
        ),
        expect=S.RETIRED,
        age=320,
        cycle=5,
    ),
    DemoProposal(
        title="Electronic signatures for employment contracts",
        requester="HR",
        payer="HR",
        new_vendor="Yousign",
        new_solution="Yousign API",
        category=Category.CORE_HR_PAYROLL,
        problem="Contracts travel by post; a new hire waits a week for the signed copy.",
        rationale="Qualified electronic signatures, valid across the EU, from Personio.",
        one_off="2500",
        recurring="900",
        employees=40,
        personal_data=True,
        personal_data_notes="Names, addresses and salaries in contracts; EU hosting.",
        integrates=("Personio HR",),
        goals={"employee-experience": "Contract signed within a day of the offer."},
        steps=(SUBMIT, APPROVE_ALL, decide(CDO_APPROVE, "Small, contained, requested by payroll.")),
        expect=S.APPROVED,
        age=150,
        cycle=9,
    ),
    # --- IT Operations asks ---
    DemoProposal(
        title="Automatic joiner and leaver accounts",
        requester="IT",
        payer="IT",
        new_vendor="Okta",
        new_solution="Okta Lifecycle Management",
        category=Category.SECURITY,
        problem="Leavers keep access to SaaS tools for weeks; joiners wait days for accounts.",
        rationale="Accounts follow Personio: created on the start date, removed on the last day.",
        recurring="3500",
        employees=1200,
        personal_data=True,
        integrates=("Okta Workforce Identity", "Personio HR"),
        goals={
            "secure-by-default": "No access after the last working day.",
            "employee-experience": "Everything works on day one.",
        },
        steps=(
            SUBMIT,
            APPROVE_ALL,
            decide(CDO_APPROVE, "Closes our biggest audit finding."),
            advance("adopt"),
        ),
        expect=S.ADOPTED,
        age=280,
        cycle=10,
    ),
    DemoProposal(
        title="Mac fleet management",
        requester="IT",
        payer="IT",
        solution="Jamf Pro",
        problem="250 Macs are set up by hand; patches are months behind.",
        rationale="Zero-touch set-up and automatic patching.",
        recurring="1875",
        seats=250,
        employees=250,
        involvement="Designers and developers asked for it in the IT survey.",
        integrates=("Okta Workforce Identity",),
        goals={"secure-by-default": "Patched within 14 days."},
        pilot=(-10, 50, "All design-team Macs enrolled; patch level within 14 days."),
        steps=(
            SUBMIT,
            APPROVE_ALL,
            decide(CDO_APPROVE, "Needed for the security baseline."),
            advance("start_pilot", "Design team first."),
        ),
        expect=S.PILOTING,
        age=45,
        cycle=7,
    ),
    DemoProposal(
        title="Move the IT service desk to ServiceNow",
        requester="IT",
        payer="IT",
        solution="ServiceNow IT Service Management",
        problem="Jira Service Management has no CMDB; change management runs on email.",
        rationale="One platform for incidents, changes and assets, ready for HR cases later.",
        alternatives="Jira Service Management with an asset add-on; staying as we are.",
        one_off="60000",
        recurring="11000",
        term=36,
        seats=40,
        employees=1200,
        involvement="The service desk team ran a two-week proof of concept.",
        integrates=("Jira Service Management", "Okta Workforce Identity", "Grafana OSS"),
        goals={"fewer-tools": "Could later absorb HR case handling too."},
        steps=(
            SUBMIT,
            sign("HR"),
            say("head.mkt", "Will the portal be in our brand, and in all our languages?"),
        ),
        expect=S.IN_REVIEW,
        age=4,
    ),
    DemoProposal(
        title="Endpoint protection renewal",
        requester="IT",
        payer="IT",
        solution="Falcon Insight XDR",
        problem="Our antivirus contract ends in December and detects nothing new.",
        rationale="EDR with 24/7 threat hunting, as our cyber insurance now requires.",
        recurring="54000",
        period="yearly",
        seats=600,
        employees=1200,
        goals={"secure-by-default": "A condition of our cyber insurance."},
        steps=(
            SUBMIT,
            APPROVE_ALL,
            decide(CDO_APPROVE, "Required by the insurer.", "Review the contract after a year."),
        ),
        expect=S.APPROVED,
        age=30,
        cycle=8,
    ),
    DemoProposal(
        title="Password manager for all staff",
        requester="IT",
        payer="IT",
        solution="1Password Business",
        problem="Shared passwords live in spreadsheets and browser profiles.",
        rationale="Shared vaults per team, unlocked with Okta.",
        recurring="3995",
        currency="USD",
        seats=500,
        employees=500,
        integrates=("Okta Workforce Identity",),
        goals={"secure-by-default": "No more passwords in spreadsheets."},
        steps=(SUBMIT, APPROVE_ALL),
        expect=S.AWAITING_DECISION,
        age=5,
    ),
    DemoProposal(
        title="Network monitoring with PRTG",
        requester="IT",
        payer="IT",
        solution="PRTG Network Monitor",
        problem="We learn about network outages from users.",
        rationale="Monitors switches, firewalls and servers with alerts.",
        one_off="14500",
        recurring="2900",
        period="yearly",
        # A perpetual licence with 20% yearly maintenance, against the subscriptions around it.
        pricing={
            "cost_model": "perpetual",
            "licence_price": Decimal("14500"),
            "maintenance_pct": Decimal("20"),
        },
        goals={"secure-by-default": "Outages noticed before users notice them."},
        steps=(
            SUBMIT,
            APPROVE_ALL,
            decide(
                CDO_REJECT,
                "Grafana, which we run already, can monitor the network with the SNMP plugin; "
                "a second monitoring tool is not justified.",
            ),
        ),
        expect=S.REJECTED,
        age=90,
        cycle=20,
    ),
    DemoProposal(
        title="Hosted dashboards for our services",
        requester="IT",
        payer="IT",
        solution="Grafana Cloud Pro",
        problem="Our self-hosted Grafana is down whenever the server it watches is down.",
        rationale="Hosted dashboards and alerts that survive our own outages.",
        recurring="600",
        integrates=("Grafana OSS", "Jira Service Management"),
        goals={"fewer-tools": "Replaces a server we maintain."},
        steps=(SUBMIT, sign("IT"), sign("MKT")),
        expect=S.IN_REVIEW,
        age=2,
    ),
    DemoProposal(
        title="Online whiteboards for workshops",
        requester="IT",
        payer="IT",
        solution="Miro Business",
        problem="Remote workshops run on screenshots of physical whiteboards.",
        rationale="One whiteboard tool instead of the five free ones teams use today.",
        recurring="960",
        seats=120,
        employees=120,
        goals={"fewer-tools": "Replaces five free whiteboard tools."},
        steps=(
            SUBMIT,
            sign(
                "MKT",
                CHANGES,
                "120 seats look high: which teams need it? Occasional users can be guests.",
            ),
            revise(
                seats=80,
                recurring_cost=Decimal("640"),
                end_user_involvement="Seat count confirmed with eight team leads; the rest "
                "join workshops as guests.",
            ),
            SUBMIT,
            sign("HR"),
        ),
        expect=S.IN_REVIEW,
        age=3,
    ),
    DemoProposal(
        title="Replace Confluence with Notion",
        requester="IT",
        payer="IT",
        new_vendor="Notion Labs",
        new_solution="Notion Business",
        category=Category.COLLABORATION,
        problem="Confluence search is poor and nobody outside IT writes in it.",
        rationale="Docs, wikis and projects in one tool people like to use.",
        recurring="1800",
        seats=120,
        employees=300,
        integrates=("Confluence", "Slack Business+"),
        goals={"employee-experience": "A wiki people actually use."},
        expect=S.DRAFT,
        age=1,
    ),
    DemoProposal(
        title="Public status page for customer-facing services",
        requester="IT",
        payer="MKT",
        new_vendor="Atlassian",
        new_solution="Statuspage",
        category=Category.IT_OPERATIONS,
        problem="During outages customers call support to ask what is going on.",
        rationale="A status page answers them before they call.",
        recurring="3000",
        period="yearly",
        steps=(withdraw("Zendesk's help centre banner does the job for now."),),
        expect=S.WITHDRAWN,
        age=40,
    ),
    DemoProposal(
        title="Power BI for people and marketing analytics",
        requester="IT",
        payer="FIN",
        solution="Power BI Pro",
        problem="HR and Marketing figures are rebuilt in Excel every month.",
        rationale="Shared dashboards on Personio and HubSpot data, refreshed daily.",
        recurring="840",
        seats=60,
        employees=60,
        integrates=("Personio HR", "Microsoft Teams"),
        goals={"spend-control": "Licence usage and spend on one page."},
        steps=(SUBMIT, sign("MKT")),
        expect=S.IN_REVIEW,
        age=3,
    ),
    # --- Marketing asks ---
    DemoProposal(
        title="Social media scheduling with Buffer",
        requester="MKT",
        payer="MKT",
        new_vendor="Buffer",
        new_solution="Buffer Team",
        category=Category.CONTENT,
        problem="Posts for four channels are published by hand, often late in the evening.",
        rationale="One calendar for every channel, with approvals before a post goes out.",
        recurring="1100",
        seats=8,
        employees=8,
        goals={"digital-skills": "Every campaign planned a month ahead."},
        steps=(
            SUBMIT,
            APPROVE_ALL,
            decide(
                CDO_REJECT,
                "HubSpot, which marketing has already, schedules social posts; use that first.",
            ),
        ),
        expect=S.REJECTED,
        age=185,
        cycle=14,
    ),
    DemoProposal(
        title="Marketing automation for employer branding",
        requester="MKT",
        payer="MKT",
        solution="HubSpot Marketing Hub Professional",
        problem="Talent newsletters and event invitations go out from personal Outlook lists.",
        rationale="Consent-managed lists, landing pages and nurture flows for candidates.",
        one_off="3000",
        recurring="890",
        employees=8,
        involvement="The employer-branding team compared three tools.",
        goals={"employer-brand": "Monthly talent newsletter to 15,000 subscribers."},
        steps=(
            SUBMIT,
            APPROVE_ALL,
            decide(CDO_APPROVE, "Replaces unmanaged lists; consent handled properly."),
            advance("adopt"),
        ),
        expect=S.ADOPTED,
        age=250,
        cycle=11,
    ),
    DemoProposal(
        title="Social media scheduling",
        requester="MKT",
        payer="MKT",
        solution="Hootsuite Professional",
        problem="Posts are published by hand at odd hours.",
        rationale="Schedule posts across networks and see what works.",
        recurring="495",
        seats=5,
        employees=5,
        goals={"employer-brand": "A steady rhythm of posts."},
        steps=(
            SUBMIT,
            APPROVE_ALL,
            advance("start_pilot"),
            advance("retire", "Pilot stopped: scheduling moved into HubSpot's social tool."),
        ),
        expect=S.RETIRED,
        age=310,
        cycle=3,
    ),
    DemoProposal(
        title="Headless CMS for the careers site",
        requester="MKT",
        payer="HR",
        solution="Contentful Composable Content Platform",
        problem="The careers site is a static site only an agency can change.",
        rationale="Recruiters and Marketing publish jobs and stories themselves.",
        recurring="2000",
        term=24,
        # An API platform: the agency builds the integration once, then the platform runs
        # at 24,000 a year plus delivered API calls (in thousands) beyond the plan.
        pricing={
            "cost_model": "api",
            "build_cost": Decimal("8000"),
            "run_cost": Decimal("24000"),
            "usage_expected": 200,
            "usage_high": 800,
            "unit_price": Decimal("1.50"),
        },
        employees=25,
        integrates=("HubSpot Marketing Hub Professional",),
        goals={
            "employer-brand": "Fresh stories every week.",
            "faster-hiring": "Jobs online the day they are approved.",
        },
        steps=(SUBMIT, sign("IT")),
        expect=S.IN_REVIEW,
        age=9,
    ),
    DemoProposal(
        # Lock-in and exit (issue 12): an on-demand offer that is hard to leave. Its high
        # rating asks the IT Operations head (head.it) to sign, whatever the tier asks.
        title="A/B testing on the website after the pilot",
        requester="MKT",
        payer="MKT",
        solution="Optimizely Web Experimentation",
        problem="Page changes go live on opinion; the pilot showed tests settle them in weeks.",
        rationale="Keep testing the careers pages and sign-up forms with the tool we piloted.",
        alternatives="Google Analytics 4 experiments (discontinued), a home-made split test.",
        recurring="1500",
        term=24,
        currency="USD",
        employees=6,
        integrates=("Google Analytics 4",),
        integration_notes="Its snippet, audiences and result exports work only with Optimizely.",
        lock_in={
            "export_format": "proprietary",
            "exit_clause": True,
            "exit_notice_days": 180,
            "proprietary_integrations": 3,
            "switching_cost": Decimal("20000"),
        },
        goals={"employer-brand": "Careers pages that convert, tested rather than guessed."},
        steps=(SUBMIT, sign("MKT")),
        expect=S.IN_REVIEW,
        age=4,
    ),
    DemoProposal(
        title="Privacy-friendly web analytics",
        requester="MKT",
        payer="MKT",
        solution="Matomo On-Premise",
        problem="Half of our visitors decline the cookie banner, so we do not see them.",
        rationale="Cookieless analytics hosted by us; no consent needed.",
        one_off="8000",
        goals={"secure-by-default": "No visitor data leaves our servers."},
        steps=(SUBMIT, APPROVE_ALL),
        expect=S.APPROVED,
        age=20,
        cycle=3,
    ),
    DemoProposal(
        title="Customer newsletter on Brevo",
        requester="MKT",
        payer="MKT",
        solution="Brevo Business",
        problem="Mailchimp's pricing by contacts doubled our bill.",
        rationale="EU-hosted, priced by emails sent, not by contacts stored.",
        one_off="2500",
        recurring="100",
        pilot=(-15, 30, "Two newsletters sent; deliverability at least as good as now."),
        goals={"spend-control": "Half the cost for the same sends."},
        steps=(SUBMIT, APPROVE_ALL, advance("start_pilot")),
        expect=S.PILOTING,
        age=35,
        cycle=4,
    ),
    DemoProposal(
        title="B2B marketing automation",
        requester="MKT",
        payer="MKT",
        solution="Marketing Cloud Account Engagement",
        problem="Sales gets leads nobody has qualified.",
        rationale="Lead scoring and nurturing inside Salesforce, which Sales uses already.",
        alternatives="HubSpot Sales Hub (a second CRM), Adobe Marketo Engage.",
        one_off="15000",
        recurring="3250",
        term=36,
        employees=45,
        integrates=("Salesforce Sales Cloud Enterprise",),
        goals={"spend-control": "Pipeline attributed to campaigns."},
        steps=(
            SUBMIT,
            APPROVE_ALL,
            say("cdo", "How does this relate to HubSpot, which we adopted for talent marketing?"),
            say("requester", "HubSpot stays for candidates; this is for customers in Salesforce."),
        ),
        expect=S.AWAITING_DECISION,
        age=7,
    ),
    DemoProposal(
        title="Canva for HR and Marketing",
        requester="MKT",
        payer="MKT",
        solution="Canva Teams",
        problem="Only two designers can make on-brand material; everyone else waits.",
        rationale="Brand kit and templates for 100 people in HR and Marketing.",
        recurring="1000",
        seats=100,
        employees=100,
        goals={"employer-brand": "On-brand material from every team."},
        steps=(
            SUBMIT,
            APPROVE_ALL,
            decide(
                CDO_RETURN,
                "We have Canva already: extend the existing contract instead of a new one, "
                "and say who maintains the brand kit.",
            ),
        ),
        expect=S.CHANGES_REQUESTED,
        age=10,
        cycle=6,
    ),
    DemoProposal(
        title="Employer-brand video hosting",
        requester="MKT",
        payer="MKT",
        new_vendor="Vimeo",
        new_solution="Vimeo Enterprise",
        category=Category.CONTENT,
        problem="Our employee stories are on YouTube, between ads for competitors.",
        rationale="Ad-free hosting with our player and analytics.",
        recurring="18000",
        period="yearly",
        personal_data=True,
        personal_data_notes="Videos show employees; consent forms exist for each.",
        goals={"employer-brand": "Stories without competitors' ads."},
        steps=(
            SUBMIT,
            sign(
                "HR",
                REJECTED,
                "Several employees in these videos have withdrawn consent and the videos "
                "would be held in the US only. Not without a new consent process.",
            ),
        ),
        expect=S.REJECTED,
        age=50,
        cycle=5,
    ),
    DemoProposal(
        title="SEO and content research",
        requester="MKT",
        payer="MKT",
        solution="Semrush Guru",
        problem="We write content without knowing what people search for.",
        rationale="Keyword research and audits for two content marketers.",
        recurring="499.90",
        currency="USD",
        seats=2,
        employees=2,
        goals={"employer-brand": "Careers content found by the people we want."},
        steps=(SUBMIT,),
        expect=S.IN_REVIEW,
        age=0,
    ),
    DemoProposal(
        title="Webinar platform for employer events",
        requester="MKT",
        payer="HR",
        new_vendor="Livestorm",
        new_solution="Livestorm Business",
        category=Category.ENGAGEMENT,
        problem="Online recruiting events run on Teams and lose half the registrants.",
        rationale="Branded registration pages, reminders and replays.",
        recurring="1200",
        personal_data=True,
        goals={"employer-brand": "Four recruiting events a year."},
        expect=S.DRAFT,
        age=3,
    ),
    DemoProposal(
        title="Connect the careers newsletter to HubSpot CRM",
        requester="MKT",
        payer="MKT",
        solution="HubSpot Smart CRM",
        problem="Candidates who subscribe to the newsletter are unknown to recruiters.",
        rationale="The free CRM links subscribers to candidate profiles.",
        one_off="9500",
        integrates=("HubSpot Marketing Hub Professional", "Personio HR"),
        goals={"faster-hiring": "Warm candidates for hard-to-fill roles."},
        steps=(
            SUBMIT,
            sign(
                "HR",
                CHANGES,
                "Linking newsletter subscribers to candidate profiles needs a privacy impact "
                "assessment and a consent text. Please add both.",
            ),
        ),
        expect=S.CHANGES_REQUESTED,
        age=6,
    ),
    DemoProposal(
        title="Town halls in Teams Premium",
        requester="MKT",
        payer="MKT",
        solution="Microsoft Teams Premium",
        problem="Town halls hit the 1,000-attendee limit.",
        rationale="Up to 20,000 attendees, for the organisers only.",
        recurring="400",
        seats=40,
        employees=1200,
        goals={"employee-experience": "Everyone can join the town hall."},
        steps=(SUBMIT, APPROVE_ALL),
        expect=S.APPROVED,
        age=25,
        cycle=2,
    ),
    # Consent mode (the Small tier): Marketing said nothing and its consent was presumed, IT
    # Operations objected; the CDO breaks the tie with the dissent log in front of them.
    DemoProposal(
        title="Feedback forms for employer events",
        requester="MKT",
        payer="MKT",
        new_vendor="Tally",
        new_solution="Tally Pro",
        category=Category.ENGAGEMENT,
        problem="Feedback after career fairs and open days is collected on paper.",
        rationale="Forms on a phone, results the same evening.",
        alternatives="Microsoft Forms: no branding, no conditional questions.",
        recurring="29",
        employees=15,
        personal_data=True,
        personal_data_notes="Names and emails of candidates who leave them.",
        steps=(
            SUBMIT,
            sign("HR"),
            sign(
                "IT",
                REJECTED,
                "No single sign-on and the data is held outside the EU. Microsoft Forms is "
                "already licensed for everyone.",
            ),
            presume("MKT"),
        ),
        expect=S.AWAITING_DECISION,
        age=6,
    ),
    # --- Filed on someone's behalf: HR's assistant files for Sophie Keller, HR's manager ---
    DemoProposal(
        title="Leadership coaching for first-time managers",
        requester="HR",
        filed_by="assistant.hr",
        payer="HR",
        new_vendor="Coachly",
        new_solution="Coachly Teams",
        category=Category.LEARNING,
        problem="New managers get no coaching between their yearly reviews.",
        rationale="Six coaching sessions for every first-time manager in their first year.",
        recurring="600",
        seats=20,
        employees=20,
        goals={"employee-experience": "Better first years for new managers."},
        steps=(SUBMIT,),
        expect=S.IN_REVIEW,
        age=2,
    ),
    DemoProposal(
        title="Exit interview survey",
        requester="HR",
        filed_by="assistant.hr",
        payer="HR",
        new_vendor="Leavewise",
        new_solution="Leavewise Exit Surveys",
        category=Category.ENGAGEMENT,
        problem="Exit interviews are notes in personal folders; nobody sees the patterns.",
        rationale="One short survey for every leaver, with a yearly report by department.",
        recurring="150",
        employees=60,
        expect=S.DRAFT,
        age=1,
    ),
]
