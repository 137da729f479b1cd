"""Every browser URL by every persona: the status each gets, and the effect — a refused action
changes nothing, an allowed one changes something. (The API's matrix is
tests/api/test_permissions_matrix.py; a test below checks that every URL pattern is here.)

Personas: anonymous, the requester (an HR manager), an HR member who signs nothing, the HR
reviewer, the IT reviewer, the HR head, the CDO, a signed-in employee of no department, the
Finance viewer (read-only) and the superuser (who administers, and neither proposes nor
decides). Every proposal here is HR's."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from api.services import api_token_create, api_token_nonce
from decisions import services
from decisions.models import (
    DecisionOutcome,
    Notification,
    NotificationKind,
    Proposal,
    ShelfwareFlag,
    SignOffStatus,
)
from decisions.services.calendar_feed import calendar_feed_rotate
from imports.services import import_sign
from landscape.models import CalendarFeed
from landscape.usage_csv import usage_csv_sign
from stakeholders.models import Delegation
from stakeholders.services import chat_channel_create
from tests.conftest import shared_org
from tests.decisions.risk_helpers import risk_questions
from tests.effects import snapshot
from tests.factories import (
    SolutionFactory,
    ToolFactory,
    ToolIntegrationFactory,
    make_proposal,
)
from tests.glossary.helpers import user_term
from tests.landscape.standard_helpers import eligible_tool

pytestmark = pytest.mark.django_db

PERSONAS = [
    "anonymous",
    "requester",
    "hr_member",
    "hr_reviewer",
    "it_reviewer",
    "head",
    "cdo",
    "outsider",
    "viewer",
    "superuser",
]
SIGNED_IN = set(PERSONAS) - {"anonymous"}
LOGIN = 302  # anonymous: to the sign-in page, for every page and action below


def user_of(persona: str, org) -> Any:
    if persona == "anonymous":
        return None
    return org.hr_head if persona == "head" else getattr(org, persona)


class World:
    def __init__(self, org) -> None:
        self.org = org
        self.solution = SolutionFactory()
        self.draft = make_proposal(requester=org.requester, title="A private draft")
        self.in_review = make_proposal(requester=org.requester, submit=True)
        self.hr_signoff = self.in_review.signoffs.get(department__code="HR")
        self.delegation = Delegation.objects.create(
            delegator=org.hr_reviewer,
            delegate=org.hr_member,
            department=org.departments["HR"],
            # From tomorrow: planned, so hr_member holds no right today.
            starts_on=timezone.localdate() + dt.timedelta(days=1),
            ends_on=timezone.localdate() + dt.timedelta(days=7),
        )
        # An HR tool (its head and IT Operations keep it) feeding a Finance one.
        self.tool = ToolFactory(owner_department=org.departments["HR"])
        self.fin_tool = ToolFactory(owner_department=org.departments["FIN"])
        self.flow = ToolIntegrationFactory(source=self.tool, target=self.fin_tool, data="Pay")
        self.plug_in_tool = ToolFactory(owner_department=org.departments["HR"], lane="plug_in")
        # The CDO makes a tool its category's standard, or withdraws one.
        self.standard_candidate = eligible_tool(name="Teams", category="collaboration")
        self.standard_tool = eligible_tool(
            name="Docebo", category="learning", standard_since=timezone.now()
        )
        # "user" in the glossary, with HR's, IT's and Marketing's meanings.
        self.term = user_term(org)
        # The vendor risk questionnaire (a medium rating unanswered: nobody's role changes).
        self.risk_questions = risk_questions()
        # HR's Slack channel (its head, the CDO and the administrator keep it).
        self.hr_channel = chat_channel_create(
            actor=org.hr_head,
            department=org.departments["HR"],
            data={
                "name": "HR sign-offs",
                "platform": "slack",
                "url": "https://hooks.slack.example/services/T0/B0/secret",
            },
        )

    def as_persona(self, me) -> None:
        """What is the acting person's own (the requester's for anonymous): a token and a
        notification, made in the persona's test."""
        self.me = me
        owner = me or self.org.requester
        self.own_token, _secret = api_token_create(user=owner, name="mine")
        self.own_notification = Notification.objects.create(
            user=owner,
            kind=NotificationKind.SIGNOFF_REQUESTED,
            proposal=self.in_review,
            message="Your turn",
            url=f"/proposals/{self.in_review.reference}/",
            dedupe_key=f"matrix:{owner.pk}",
        )

    def awaiting(self) -> Proposal:
        proposal = make_proposal(requester=self.org.requester, submit=True, title="Awaiting")
        for code, reviewer in self.org.reviewers.items():
            services.signoff_decide(
                signoff=proposal.signoffs.get(department__code=code),
                actor=reviewer,
                outcome=SignOffStatus.APPROVED,
            )
        return proposal

    # On someone's behalf: the HR member files for the requester (the manager); both own it.
    def filed_draft(self) -> Proposal:
        return services.proposal_create(
            requester=self.org.hr_member,
            on_behalf_of=self.org.requester,
            data={**proposal_data(self.org), "title": "Filed for Rita"},
        )

    def filed_in_review(self) -> Proposal:
        """Filed by HR's reviewer for the requester: HR's head signs it, its reviewer not."""
        proposal = services.proposal_create(
            requester=self.org.hr_reviewer,
            on_behalf_of=self.org.requester,
            data={**proposal_data(self.org), "title": "Filed by Hanna"},
        )
        return services.proposal_submit(proposal=proposal, actor=self.org.hr_reviewer)

    def filed_signoff(self) -> str:
        self.filed_hr_signoff = self.filed_in_review().signoffs.get(department__code="HR")
        return f"/signoffs/{self.filed_hr_signoff.pk}/decide/"

    def shelfware_tool(self):
        """The HR tool, flagged as unused by the Yammer rule."""
        ShelfwareFlag.objects.create(
            tool=self.tool, flagged_on=timezone.localdate(), months=[], threshold="0.3"
        )
        self.tool.shelfware_since = timezone.localdate()
        self.tool.save()
        return self.tool

    def approved(self) -> Proposal:
        proposal = self.awaiting()
        services.decision_take(
            proposal=proposal,
            actor=self.org.cdo,
            outcome=DecisionOutcome.APPROVED,
            rationale="Serves the hiring goal.",
        )
        return proposal

    # Pilots of the requester's that ended yesterday; the outsider and the HR member take part.
    def pilot_at(self, stage: str) -> Proposal:
        from tests.pilots import ended_pilot

        self.pilots = getattr(self, "pilots", 0) + 1
        self.pilot = ended_pilot(self.org, vendor=f"Pilotly {self.pilots}", stage=stage,
                                 participants=[self.org.outsider, self.org.hr_member])  # fmt: skip
        return self.pilot


def hr_task(world: World, *, done: bool = False):
    """An HR task of an approved small tool's onboarding checklist (the requester's), open or
    done: HR's reviewers and head (or its assignee) work on it."""
    from decisions.services.handoff import onboarding_task_complete
    from tests.handoff import approved_with_checklist

    proposal = approved_with_checklist(world.org)
    task = proposal.onboarding_tasks.filter(department__code="HR").first()
    if done:
        onboarding_task_complete(task=task, actor=world.org.hr_head)
    return task


def hr_template(world: World):
    """HR's first default onboarding template (its head and the administrator keep them)."""
    from decisions.handoff import load_default_templates
    from decisions.models import OnboardingTemplate

    load_default_templates()
    return OnboardingTemplate.objects.filter(department__code="HR").first()


def scored(world: World):
    """A proposal of the requester's in review with an alternative; HR's and IT's criteria."""
    from tests.scoring import scored_proposal

    proposal, alternative, criteria = scored_proposal(world.org)
    world.scoring_fit = criteria["fit"]
    return proposal, alternative


def hr_criterion(world: World):
    """HR's "Fit" criterion (its head and the administrator keep it)."""
    from tests.scoring import with_criteria

    return with_criteria(world.org)["fit"]


def criterion_form(prefix: str) -> dict:
    return {f"{prefix}-name": "Works with our HRIS", f"{prefix}-weight": "4",
            f"{prefix}-position": "1", f"{prefix}-is_active": "on"}  # fmt: skip


def template_form(prefix: str) -> dict:
    return {f"{prefix}-title": "Update the HR handbook", f"{prefix}-due_days": "30",
            f"{prefix}-position": "1", f"{prefix}-is_active": "on"}  # fmt: skip


def pilot_rating(world: World) -> dict:
    criterion = world.pilot.pilot_criteria.get()
    return {"recommend": "9", f"score_{criterion.pk}": "4"}


def usage_csv(world: World) -> bytes:
    return f"tool;month;active_users\n{world.tool.pk};2026-01;5\n".encode()


BUDGETS_CSV = b"department;annual_budget\nHR;123456\n"
YEARLY_BUDGETS_CSV = b"department;fiscal_year;amount\nHR;2031;123456\n"


def usage_file(world: World) -> SimpleUploadedFile:
    return SimpleUploadedFile("usage.csv", usage_csv(world), content_type="text/csv")


def proposal_form(world: World) -> dict:
    hr = world.org.departments["HR"].pk
    return {
        "title": "Pulse survey", "problem": "No feedback loop.",
        "requesting_department": hr, "paying_department": hr,
        "new_vendor_name": "Pulse Inc", "new_solution_name": "Pulse", "category": "engagement",
        "currency": "EUR", "one_off_cost": "0", "recurring_cost": "100",
        "recurring_period": "monthly", "term_months": "12", "employees_affected": "10",
    }  # fmt: skip


def proposal_data(org) -> dict:
    """The service's data for an HR proposal (the form's fields, cleaned)."""
    hr = org.departments["HR"]
    return {
        "title": "Pulse survey", "problem": "No feedback loop.",
        "requesting_department": hr, "paying_department": hr,
        "new_vendor_name": "Pulse Inc", "new_solution_name": "Pulse", "category": "engagement",
        "one_off_cost": 0, "recurring_cost": 100, "recurring_period": "monthly",
        "term_months": 12,
    }  # fmt: skip


def contract_tool(world: World):
    """An HR tool whose contract's notice deadline is a month away."""
    start = timezone.localdate() - dt.timedelta(days=300)
    return ToolFactory(owner_department=world.org.departments["HR"], contract_start=start,
                       term_months=12, notice_days=30)  # fmt: skip


def renewal_feed_of(world: World, user: Any = None) -> str:
    """The persona's (or `user`'s) renewal feed token, read moments ago (no write on a read)."""
    user = user or world.me
    if user is None:
        return "hgf_none"
    token = calendar_feed_rotate(actor=user)
    CalendarFeed.objects.filter(user=user).update(last_used_at=timezone.now())
    return token


@dataclass
class Row:
    name: str
    method: str
    url: Any  # (world) -> str
    data: Any = None  # (world) -> dict
    ok: int = 200
    allowed: set = field(default_factory=lambda: set(SIGNED_IN))
    refused: int = 403
    overrides: dict = field(default_factory=dict)
    anonymous: int = LOGIN
    writes: bool | None = None  # None: a POST writes, a GET does not
    login: str = "/accounts/login/"  # where anonymous is sent to sign in

    def changes_something(self, persona: str) -> bool:
        """Whether this persona's request must change something (False: must change nothing)."""
        if persona == "anonymous" or persona not in self.allowed:
            return False
        return self.method == "POST" if self.writes is None else self.writes

    def expected(self, persona: str) -> int:
        if persona in self.overrides:
            return self.overrides[persona]
        if persona == "anonymous":
            return self.anonymous
        return self.ok if persona in self.allowed else self.refused


HR_MEMBERS = {"requester", "hr_member", "hr_reviewer", "head"}
PROPOSERS = HR_MEMBERS | {"it_reviewer"}  # a member of some department (not a viewer)
HR_SIGNERS = {"hr_reviewer", "head"}
# Another's draft does not exist for them (404); the superuser sees it, may not act on it (403).
DRAFT_PRIVATE = dict.fromkeys(SIGNED_IN - {"requester", "superuser"}, 404)
READERS = SIGNED_IN
TOOL_KEEPERS = {"it_reviewer", "head"}
CHAT_KEEPERS = {"head", "cdo", "superuser"}  # HR's head, the CDO, the administrator
BUDGET_KEEPERS = {"cdo", "superuser"}
RISK_KEEPERS = {"it_reviewer", "superuser"}  # IT Operations' reviewer, the administrator


def risk_question_form(world: World) -> dict:
    return {"text": "Is there an exit plan?", "category": "continuity", "weight": "2",
            "position": "0", "is_active": "on"}  # fmt: skip


def risk_answer(world: World, answer: str = "yes") -> dict:
    return {f"answer_{world.risk_questions.open.pk}": answer}


ROWS = [
    Row("home", "GET", lambda w: "/"),
    Row("proposal list", "GET", lambda w: "/proposals/"),
    Row("new proposal form", "GET", lambda w: "/proposals/new/", allowed=PROPOSERS),
    Row(
        "create a proposal for HR",
        "POST",
        lambda w: "/proposals/new/",
        proposal_form,
        ok=302,
        allowed=HR_MEMBERS,
        # A member of another department: the form refuses HR (400); no department: no form.
        refused=403,
        overrides={"it_reviewer": 400},
    ),
    Row(
        "create a proposal for HR on the requester's behalf",
        "POST",
        lambda w: "/proposals/new/",
        lambda w: {**proposal_form(w), "on_behalf_of": w.org.requester.pk},
        ok=302,
        allowed=HR_MEMBERS - {"requester"},
        refused=403,
        # Oneself, or someone of another department, is not among the form's choices.
        overrides={"requester": 400, "it_reviewer": 400},
    ),
    Row(
        "who-decides preview",
        "POST",
        lambda w: "/proposals/preview/",
        proposal_form,
        allowed=PROPOSERS,
        writes=False,
    ),
    Row(
        "inline validation",
        "POST",
        lambda w: "/proposals/validate/?field=title",
        lambda w: {"title": "Fine"},
        allowed=PROPOSERS,
        writes=False,
    ),
    Row("submitted proposal", "GET", lambda w: f"/proposals/{w.in_review.reference}/"),
    Row(
        "someone's draft",
        "GET",
        lambda w: f"/proposals/{w.draft.reference}/",
        allowed={"requester", "superuser"},
        refused=404,
    ),
    Row(
        "timeline",
        "GET",
        lambda w: f"/proposals/{w.in_review.reference}/timeline/",
    ),
    Row(
        "draft's timeline",
        "GET",
        lambda w: f"/proposals/{w.draft.reference}/timeline/",
        allowed={"requester", "superuser"},
        refused=404,
    ),
    Row(
        "edit form",
        "GET",
        lambda w: f"/proposals/{w.draft.reference}/edit/",
        allowed={"requester"},
        overrides=DRAFT_PRIVATE,
    ),
    Row(
        "edit",
        "POST",
        lambda w: f"/proposals/{w.draft.reference}/edit/",
        proposal_form,
        ok=302,
        allowed={"requester"},
        overrides=DRAFT_PRIVATE,
    ),
    Row(
        "submit",
        "POST",
        lambda w: f"/proposals/{w.draft.reference}/submit/",
        ok=302,
        allowed={"requester"},
        overrides=DRAFT_PRIVATE,
    ),
    Row(
        "withdraw",
        "POST",
        lambda w: f"/proposals/{w.in_review.reference}/withdraw/",
        lambda w: {"reason": "Budget moved."},
        ok=302,
        allowed={"requester"},
    ),
    Row(
        "a draft filed on someone's behalf",
        "GET",
        lambda w: f"/proposals/{w.filed_draft().reference}/",
        allowed={"requester", "hr_member", "superuser"},
        refused=404,
    ),
    Row(
        "edit a draft filed on someone's behalf",
        "POST",
        lambda w: f"/proposals/{w.filed_draft().reference}/edit/",
        proposal_form,
        ok=302,
        allowed={"requester", "hr_member"},
        overrides=dict.fromkeys(SIGNED_IN - {"requester", "hr_member", "superuser"}, 404),
    ),
    Row(
        "submit a draft filed on someone's behalf",
        "POST",
        lambda w: f"/proposals/{w.filed_draft().reference}/submit/",
        ok=302,
        allowed={"requester", "hr_member"},
        overrides=dict.fromkeys(SIGNED_IN - {"requester", "hr_member", "superuser"}, 404),
    ),
    Row(
        # Filed by HR's reviewer for the requester: neither signs it; HR's head does.
        "sign off for HR a proposal filed on someone's behalf",
        "POST",
        lambda w: w.filed_signoff(),
        lambda w: {f"s{w.filed_hr_signoff.pk}-outcome": "approved"},
        ok=302,
        allowed={"head"},
    ),
    Row(
        "sign off for HR",
        "POST",
        lambda w: f"/signoffs/{w.hr_signoff.pk}/decide/",
        lambda w: {f"s{w.hr_signoff.pk}-outcome": "approved", f"s{w.hr_signoff.pk}-comment": "ok"},
        ok=302,
        allowed=HR_SIGNERS,
    ),
    Row(
        "decide as CDO",
        "POST",
        lambda w: f"/proposals/{w.awaiting().reference}/decide/",
        lambda w: {"outcome": "approved", "rationale": "Serves the hiring goal."},
        ok=302,
        allowed={"cdo"},
    ),
    Row(
        "record the tool's lifecycle",
        "POST",
        lambda w: f"/proposals/{w.approved().reference}/lifecycle/",
        lambda w: {"action": "start_pilot", "note": "Ten recruiters."},
        ok=302,
        allowed={"requester", "cdo"},
    ),
    Row(
        "comment",
        "POST",
        lambda w: f"/proposals/{w.in_review.reference}/comments/",
        lambda w: {"body": "Who pays for the licences?"},
        ok=302,
        # The Finance viewer reads; a refused comment comes back to the page with the reason.
        allowed=READERS - {"viewer"},
        overrides={"viewer": 302},
    ),
    Row(
        "comment on a draft",
        "POST",
        lambda w: f"/proposals/{w.draft.reference}/comments/",
        lambda w: {"body": "Looks good."},
        ok=302,
        allowed={"requester", "superuser"},
        refused=404,
    ),
    Row("my queue", "GET", lambda w: "/queue/"),
    # Pilots: the owner plans, measures and opens the review; participants rate; those who
    # sign for a department give its verdict; the CDO decides when the departments disagree.
    Row(
        "plan the pilot",
        "POST",
        lambda w: f"/proposals/{w.pilot_at('ended').reference}/pilot/",
        lambda w: {
            "metric_0": "Offers accepted",
            "target_0": "70",
            "participants": "hugo.hrmember",
        },
        ok=302,
        allowed={"requester"},
    ),
    Row(
        "measure the pilot",
        "POST",
        lambda w: f"/proposals/{w.pilot_at('ended').reference}/pilot/measure/",
        lambda w: {f"measured_{w.pilot.pilot_criteria.get().pk}": "41"},
        ok=302,
        allowed={"requester"},
    ),
    Row(
        "open the pilot's review",
        "POST",
        lambda w: f"/proposals/{w.pilot_at('measured').reference}/pilot/review/",
        ok=302,
        allowed={"requester"},
    ),
    Row(
        "rate the pilot",
        "POST",
        lambda w: f"/proposals/{w.pilot_at('ended').reference}/pilot/rating/",
        pilot_rating,
        ok=302,
        allowed={"outsider", "hr_member"},
    ),
    Row(
        "give HR's verdict on the pilot",
        "POST",
        lambda w: f"/proposals/{w.pilot_at('in_review').reference}/pilot/verdicts/",
        lambda w: {"department": "HR", "verdict": "keep"},
        ok=302,
        allowed=HR_SIGNERS,
    ),
    Row(
        "decide a disputed pilot",
        "POST",
        lambda w: f"/proposals/{w.pilot_at('disputed').reference}/pilot/decision/",
        lambda w: {"outcome": "keep", "rationale": "The numbers beat the worry."},
        ok=302,
        allowed={"cdo"},
    ),
    Row("the CDO's decisions", "GET", lambda w: "/decisions/", allowed={"cdo"}),
    Row("dashboard", "GET", lambda w: "/dashboard/", allowed={"cdo"}),
    # Budgets per fiscal year: the CDO's and the administrator's.
    Row("budgets", "GET", lambda w: "/budgets/?year=2026", allowed=BUDGET_KEEPERS),
    Row(
        "set a budget",
        "POST",
        lambda w: "/budgets/set/",
        lambda w: {"department": "HR", "fiscal_year": "2027", "amount": "1000", "currency": "EUR"},
        ok=302,
        allowed=BUDGET_KEEPERS,
    ),
    # The exports: what the page shows that person, as CSV or Excel.
    Row("export the proposals (CSV)", "GET", lambda w: "/proposals/export.csv?status=in_review"),
    Row("export the proposals (Excel)", "GET", lambda w: "/proposals/export.xlsx?mine=1"),
    Row("export the decisions (CSV)", "GET", lambda w: "/decisions/export.csv", allowed={"cdo"}),
    Row(
        "export the decisions (Excel)",
        "GET",
        lambda w: "/decisions/export.xlsx?department=HR",
        allowed={"cdo"},
    ),
    Row(
        "export the audit trail",
        "GET",
        lambda w: f"/proposals/{w.in_review.reference}/timeline/export.csv",
    ),
    Row(
        "export a draft's audit trail",
        "GET",
        lambda w: f"/proposals/{w.draft.reference}/timeline/export.xlsx",
        allowed={"requester", "superuser"},
        refused=404,
    ),
    Row("catalog", "GET", lambda w: "/catalog/"),
    Row("solution options", "GET", lambda w: "/catalog/solutions/options/?q=a"),
    Row("integration options", "GET", lambda w: "/catalog/solutions/integrations/?integrates_q=a"),
    Row("solution page", "GET", lambda w: f"/catalog/solutions/{w.solution.pk}/"),
    Row("landscape", "GET", lambda w: "/landscape/?lifecycle=adopted&sort=connections"),
    Row("tool page", "GET", lambda w: f"/landscape/tools/{w.tool.pk}/"),
    Row("integration map", "GET", lambda w: "/landscape/map/?department=HR"),
    Row("usage import", "GET", lambda w: "/landscape/usage/import/", allowed=TOOL_KEEPERS),
    Row(
        "usage import preview",
        "POST",
        lambda w: "/landscape/usage/import/",
        lambda w: {"file": usage_file(w)},
        allowed=TOOL_KEEPERS,
        writes=False,  # a preview writes nothing
    ),
    Row(
        "usage import confirm",
        "POST",
        lambda w: "/landscape/usage/import/confirm/",
        lambda w: {"preview": usage_csv_sign(usage_csv(w), filename="u.csv", default_tool=None)},
        allowed=TOOL_KEEPERS,
    ),
    Row("imports", "GET", lambda w: "/imports/"),
    # The budgets' import: administrators; the glossary's: department heads and the CDO.
    Row("budgets import", "GET", lambda w: "/imports/budgets/", allowed={"superuser"}),
    Row("glossary import", "GET", lambda w: "/imports/glossary/", allowed={"head", "cdo"}),
    Row("tools import", "GET", lambda w: "/imports/tools/", allowed={"it_reviewer"}),
    Row("catalog import", "GET", lambda w: "/imports/catalog/", allowed={"superuser"}),
    Row(
        "budgets import preview",
        "POST",
        lambda w: "/imports/budgets/",
        lambda w: {"file": SimpleUploadedFile("b.csv", BUDGETS_CSV, content_type="text/csv")},
        allowed={"superuser"},
        writes=False,  # a preview writes nothing
    ),
    Row(
        "budgets import confirm",
        "POST",
        lambda w: "/imports/budgets/confirm/",
        lambda w: {"preview": import_sign(BUDGETS_CSV, kind="budgets", filename="b.csv")},
        allowed={"superuser"},
    ),
    # Budgets per fiscal year: the CDO and administrators, as on the budgets page.
    Row(
        "yearly budgets import", "GET", lambda w: "/imports/yearly_budgets/", allowed=BUDGET_KEEPERS
    ),
    Row(
        "yearly budgets import preview",
        "POST",
        lambda w: "/imports/yearly_budgets/",
        lambda w: {
            "file": SimpleUploadedFile("y.csv", YEARLY_BUDGETS_CSV, content_type="text/csv")
        },
        allowed=BUDGET_KEEPERS,
        writes=False,  # a preview writes nothing
    ),
    Row(
        "yearly budgets import confirm",
        "POST",
        lambda w: "/imports/yearly_budgets/confirm/",
        lambda w: {
            "preview": import_sign(YEARLY_BUDGETS_CSV, kind="yearly_budgets", filename="y.csv")
        },
        allowed=BUDGET_KEEPERS,
    ),
    Row("technology radar", "GET", lambda w: "/radar/"),
    Row(
        # Employee voice: anyone who sees it but its requester (whose voice is the proposal).
        "give my voice",
        "POST",
        lambda w: f"/proposals/{w.in_review.reference}/voice/",
        lambda w: {"kind": "endorse"},
        ok=302,
        allowed=SIGNED_IN - {"requester"},
    ),
    Row(
        "tool lifecycle",
        "POST",
        lambda w: f"/landscape/tools/{w.tool.pk}/lifecycle/",
        lambda w: {"to": "standard", "reason": "Everyone uses it."},
        ok=302,
        allowed={"it_reviewer"},
    ),
    Row(
        "pull a tool back into the governed lane",
        "POST",
        lambda w: f"/landscape/tools/{w.plug_in_tool.pk}/lane/",
        lambda w: {"reason": "It holds payroll data now."},
        ok=302,
        allowed={"it_reviewer"},
    ),
    Row(
        "make a tool its category's standard",
        "POST",
        lambda w: f"/landscape/tools/{w.standard_candidate.pk}/standard/",
        ok=302,
        allowed={"cdo"},
    ),
    Row(
        "withdraw a standard",
        "POST",
        lambda w: f"/landscape/tools/{w.standard_tool.pk}/standard/withdraw/",
        lambda w: {"reason": "The suite replaces it."},
        ok=302,
        allowed={"cdo"},
    ),
    Row(
        "add an integration",
        "POST",
        lambda w: f"/landscape/tools/{w.tool.pk}/integrations/",
        lambda w: {
            "direction": "in",
            "other": w.fin_tool.pk,
            "what": "Budgets",
            "method": "api",
            "criticality": "low",
        },
        ok=302,
        allowed=TOOL_KEEPERS,
    ),
    Row(
        "remove an integration",
        "POST",
        lambda w: f"/landscape/tools/{w.tool.pk}/integrations/{w.flow.pk}/remove/",
        ok=302,
        allowed=TOOL_KEEPERS,
    ),
    Row(
        "dismiss an unused-tool flag",
        "POST",
        lambda w: f"/landscape/tools/{w.shelfware_tool().pk}/shelfware/dismiss/",
        lambda w: {"reason": "The works council uses it."},
        ok=302,
        allowed=TOOL_KEEPERS,
    ),
    Row("notifications", "GET", lambda w: "/notifications/"),
    Row("mark all read", "POST", lambda w: "/notifications/read-all/", ok=302),
    Row(
        "mark mine read", "POST", lambda w: f"/notifications/{w.own_notification.pk}/read/", ok=302
    ),
    Row(
        "open mine",
        "GET",
        lambda w: f"/notifications/{w.own_notification.pk}/open/",
        ok=302,
        writes=True,  # opening marks it read
    ),
    Row("delegations", "GET", lambda w: "/delegations/"),
    Row(
        "HR's chat channels",
        "GET",
        lambda w: "/departments/HR/chat-channels/",
        allowed=CHAT_KEEPERS,
    ),
    Row(
        "add a chat channel to HR",
        "POST",
        lambda w: "/departments/HR/chat-channels/",
        lambda w: {
            "name": "HR in Teams",
            "platform": "teams",
            "url": "https://acme.webhook.office.example/webhookb2/x",
            "language": "fr",
            "events": ["decision"],
        },
        ok=302,
        allowed=CHAT_KEEPERS,
    ),
    Row(
        "switch HR's chat channel off",
        "POST",
        lambda w: f"/departments/HR/chat-channels/{w.hr_channel.pk}/toggle/",
        ok=302,
        allowed=CHAT_KEEPERS,
    ),
    Row(
        "send HR's chat channel a test message",
        "POST",
        lambda w: f"/departments/HR/chat-channels/{w.hr_channel.pk}/test/",
        ok=302,
        allowed=CHAT_KEEPERS,
    ),
    Row(
        "remove HR's chat channel",
        "POST",
        lambda w: f"/departments/HR/chat-channels/{w.hr_channel.pk}/delete/",
        ok=302,
        allowed=CHAT_KEEPERS,
    ),
    Row(
        "delegate HR to a colleague",
        "POST",
        lambda w: "/delegations/",
        lambda w: {
            "delegate": w.org.hr_member.pk,
            "department": w.org.departments["HR"].pk,
            "starts_on": timezone.localdate().isoformat(),
            "ends_on": timezone.localdate().isoformat(),
        },
        ok=302,
        allowed=HR_SIGNERS,
        refused=400,  # the form offers neither that department nor that delegate
    ),
    Row(
        "revoke a delegation",
        "POST",
        lambda w: f"/delegations/{w.delegation.pk}/revoke/",
        ok=302,
        allowed={"hr_reviewer"},
        refused=404,
    ),
    Row(
        "choose the language (kept for a signed-in person; anonymous: only a cookie)",
        "POST",
        lambda w: "/i18n/setlang/",
        lambda w: {"language": "nl", "next": "/"},
        ok=302,
        anonymous=302,
        login="/",  # anonymous too: back to `next`, the sign-in page then in that language
    ),
    Row("my API tokens", "GET", lambda w: "/api-tokens/"),
    Row(
        "create an API token",
        "POST",
        lambda w: "/api-tokens/",
        lambda w: {"nonce": api_token_nonce(), "name": "laptop", "scope": "full"},
        ok=302,
    ),
    Row("revoke my token", "POST", lambda w: f"/api-tokens/{w.own_token.pk}/revoke/", ok=302),
    Row(
        "admin",
        "GET",
        lambda w: "/admin/",
        allowed={"superuser"},
        refused=302,  # to the admin's own sign-in
        login="/admin/login/",
    ),
    Row("renewal calendar", "GET", lambda w: "/renewals/?department=HR&months=6"),
    Row("create my renewal feed", "POST", lambda w: "/renewals/feed/", ok=200),
    Row(
        "revoke my renewal feed",
        "POST",
        lambda w: renewal_feed_of(w) and "/renewals/feed/revoke/",
        ok=302,
    ),
    # The feed is for calendar apps: no session, the secret token is the key.
    Row(
        "renewal feed",
        "GET",
        lambda w: f"/renewals/feed/{renewal_feed_of(w, w.org.requester)}.ics",
        anonymous=200,
        writes=False,
    ),
    Row(
        "renewal form",
        "GET",
        lambda w: f"/renewals/tools/{contract_tool(w).pk}/open/",
        allowed=TOOL_KEEPERS,
    ),
    Row(
        "open a renewal",
        "POST",
        lambda w: f"/renewals/tools/{contract_tool(w).pk}/open/",
        lambda w: {"renewal_action": "cancel"},
        ok=302,
        allowed=TOOL_KEEPERS,
    ),
    # The glossary: everyone reads; a department head edits terms and their department's
    # meaning, the CDO every department's.
    Row("glossary", "GET", lambda w: "/glossary/?q=user"),
    Row("glossary term", "GET", lambda w: f"/glossary/{w.term.slug}/"),
    Row("new glossary term form", "GET", lambda w: "/glossary/new/", allowed={"head", "cdo"}),
    Row(
        "add a glossary term",
        "POST",
        lambda w: "/glossary/new/",
        lambda w: {"name": "Onboarding", "definition": "Getting someone ready."},
        ok=302,
        allowed={"head", "cdo"},
    ),
    Row(
        "edit a glossary term",
        "POST",
        lambda w: f"/glossary/{w.term.slug}/edit/",
        lambda w: {"name": "user", "definition": "Someone who uses a tool."},
        ok=302,
        allowed={"head", "cdo"},
    ),
    Row(
        "HR's meaning of a term",
        "POST",
        lambda w: f"/glossary/{w.term.slug}/meanings/HR/",
        lambda w: {"HR-text": "An employee or an intern."},
        ok=302,
        allowed={"head", "cdo"},
    ),
    Row(
        "IT's meaning of a term",
        "POST",
        lambda w: f"/glossary/{w.term.slug}/meanings/IT/",
        lambda w: {"IT-text": "An account in the identity provider."},
        ok=302,
        allowed={"cdo"},
    ),
    # The onboarding checklist: everyone reads it; HR's reviewers and head work on HR's tasks.
    Row(
        "onboarding checklist",
        "GET",
        lambda w: f"/proposals/{hr_task(w).proposal.reference}/handoff/",
    ),
    Row("my onboarding tasks", "GET", lambda w: "/handoff/mine/"),
    Row(
        "assign an onboarding task",
        "POST",
        lambda w: f"/handoff/tasks/{hr_task(w).pk}/assign/",
        lambda w: {"assignee": w.org.hr_member.username},
        ok=302,
        allowed=HR_SIGNERS,
    ),
    Row(
        "tick off an onboarding task",
        "POST",
        lambda w: f"/handoff/tasks/{hr_task(w).pk}/done/",
        ok=302,
        allowed=HR_SIGNERS,
    ),
    Row(
        "reopen an onboarding task",
        "POST",
        lambda w: f"/handoff/tasks/{hr_task(w, done=True).pk}/reopen/",
        ok=302,
        allowed=HR_SIGNERS,
    ),
    # The onboarding templates: each department's head keeps them, and the administrator.
    Row(
        "onboarding templates",
        "GET",
        lambda w: "/handoff/templates/",
        allowed={"head", "superuser"},
    ),
    Row(
        "add an onboarding template",
        "POST",
        lambda w: "/handoff/templates/HR/add/",
        lambda w: template_form("new-HR"),
        ok=302,
        allowed={"head", "superuser"},
    ),
    Row(
        "change an onboarding template",
        "POST",
        lambda w: f"/handoff/templates/{hr_template(w).pk}/",
        lambda w: template_form(f"t{hr_template(w).pk}"),
        ok=302,
        allowed={"head", "superuser"},
    ),
    # The vendor risk questionnaire: everyone reads; IT Operations (and the administrator)
    # keeps the questions; the requester answers a draft, IT while its sign-off waits.
    Row("vendor risk questionnaire", "GET", lambda w: "/risk/questions/"),
    Row(
        "add a risk question",
        "POST",
        lambda w: "/risk/questions/",
        risk_question_form,
        ok=302,
        allowed=RISK_KEEPERS,
    ),
    Row(
        "risk question edit form",
        "GET",
        lambda w: f"/risk/questions/{w.risk_questions.open.pk}/edit/",
        allowed=RISK_KEEPERS,
    ),
    Row(
        "edit a risk question",
        "POST",
        lambda w: f"/risk/questions/{w.risk_questions.open.pk}/edit/",
        risk_question_form,
        ok=302,
        allowed=RISK_KEEPERS,
    ),
    Row("proposal's vendor risk", "GET", lambda w: f"/proposals/{w.in_review.reference}/risk/"),
    Row(
        "draft's vendor risk",
        "GET",
        lambda w: f"/proposals/{w.draft.reference}/risk/",
        allowed={"requester", "superuser"},
        refused=404,
    ),
    Row(
        "answer a draft's risk questions",
        "POST",
        lambda w: f"/proposals/{w.draft.reference}/risk/",
        risk_answer,
        ok=302,
        allowed={"requester"},
        overrides=DRAFT_PRIVATE,
    ),
    Row(
        "answer risk questions in review",
        "POST",
        lambda w: f"/proposals/{w.in_review.reference}/risk/",
        lambda w: risk_answer(w, "no"),
        ok=302,
        allowed={"it_reviewer"},
        overrides={"requester": 409},
    ),
    Row("health", "GET", lambda w: "/health/", anonymous=200),
    Row("sign-in page", "GET", lambda w: "/accounts/login/", anonymous=200),
    Row("sign out", "POST", lambda w: "/accounts/logout/", ok=302, anonymous=302, writes=False),
    Row("API docs", "GET", lambda w: "/api/docs/", anonymous=200),
    # Single sign-on is off unless OIDC_RP_CLIENT_ID is set (here: off): its two URLs do not
    # exist for anyone. With it on, tests/stakeholders/test_single_sign_on.py runs the flow.
    Row("single sign-on start", "GET", lambda w: "/oidc/authenticate/", ok=404, anonymous=404),
    Row("single sign-on return", "GET", lambda w: "/oidc/callback/", ok=404, anonymous=404),
    # Scoring of alternatives: everyone reads; the requester sets the alternatives; HR's
    # reviewers and head score on HR's criteria; each department's head keeps its criteria.
    Row("scoring", "GET", lambda w: f"/proposals/{scored(w)[0].reference}/scoring/"),
    Row(
        "add an alternative",
        "POST",
        lambda w: f"/proposals/{scored(w)[0].reference}/scoring/alternatives/",
        lambda w: {"name": "Another ATS", "vendor_name": "Acme"},
        ok=302,
        allowed={"requester"},
    ),
    Row(
        "remove an alternative",
        "POST",
        lambda w: "/proposals/{.reference}/scoring/alternatives/{.pk}/remove/".format(*scored(w)),
        ok=302,
        allowed={"requester"},
    ),
    Row(
        "score the options",
        "POST",
        lambda w: f"/proposals/{scored(w)[0].reference}/scoring/scores/HR/",
        lambda w: {f"s-proposed-{w.scoring_fit.pk}": "4"},
        ok=302,
        allowed=HR_SIGNERS,
    ),
    Row("scoring criteria", "GET", lambda w: "/scoring/criteria/", allowed={"head", "superuser"}),
    Row(
        "add a scoring criterion",
        "POST",
        lambda w: "/scoring/criteria/HR/add/",
        lambda w: criterion_form("new-HR"),
        ok=302,
        allowed={"head", "superuser"},
    ),
    Row(
        "change a scoring criterion",
        "POST",
        lambda w: f"/scoring/criteria/{hr_criterion(w).pk}/",
        lambda w: criterion_form(f"c{hr_criterion(w).pk}"),
        ok=302,
        allowed={"head", "superuser"},
    ),
]


@pytest.fixture(scope="module")
def shared(request, django_db_setup, django_db_blocker):
    """The organisation and the world, built once per row (rather than once per persona and
    row): each persona's test runs in a savepoint and leaves them as they were."""
    with shared_org(django_db_blocker) as org:
        yield request.param, org, World(org)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("shared", ROWS, ids=lambda r: r.name, indirect=True, scope="module")
def test_each_persona_gets_what_the_rules_say(shared, persona: str):
    row, org, world = shared
    me = user_of(persona, org)
    world.as_persona(me)
    client = Client()
    if me is not None:
        client.force_login(me)
    url = row.url(world)
    data = row.data(world) if row.data else None
    before = snapshot()
    response = getattr(client, row.method.lower())(url, data or {})
    expected = row.expected(persona)
    assert response.status_code == expected, (
        f"{row.method} {url} as {persona}: {response.status_code}, expected {expected}: "
        f"{response.content[:300]!r}"
    )
    if persona == "anonymous" and row.anonymous == LOGIN:
        assert response["Location"].startswith(row.login)
    if row.changes_something(persona):
        assert snapshot() != before, f"{row.name} as {persona} was allowed but changed nothing"
    else:
        assert snapshot() == before, f"{row.name} as {persona} changed something"


def browser_patterns() -> set[str]:
    """Every URL pattern outside the API and the admin, as a route string."""

    def walk(patterns, prefix=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                if route.startswith(("api/v1/", "admin/")):
                    continue
                yield from walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                yield route

    return set(walk(get_resolver().url_patterns))


@pytest.mark.parametrize("shared", ROWS[:1], ids=["a world"], indirect=True, scope="module")
def test_every_browser_url_is_in_the_matrix(shared):
    _row, org, world = shared
    world.as_persona(org.requester)
    paths = [row.url(world).split("?")[0].lstrip("/") for row in ROWS]
    missing = {
        route
        for route in browser_patterns()
        if not any(re.fullmatch(route_regex(route), path) for path in paths)
    }
    assert not missing, f"browser URLs without a row in the matrix: {sorted(missing)}"


def route_regex(route: str) -> str:
    """A Django route ("proposals/<str:reference>/") as a regular expression."""
    parts = re.split(r"(<[^>]+>)", route)
    return "".join(
        (r"\d+" if part.startswith("<int:") else "[^/]+")
        if part.startswith("<")
        else re.escape(part)
        for part in parts
    )
