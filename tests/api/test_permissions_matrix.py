"""Every endpoint by every persona: allowed or refused as it should be.

One row per endpoint: how to call it, and the status each persona gets. The defaults say what
most endpoints share (401 without credentials or with a revoked token, 403 for a catalog token
outside the catalog); each row lists what differs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.utils import timezone

from api.models import TokenScope
from api.services import api_token_create
from decisions import services
from decisions.models import DecisionOutcome, SignOffStatus
from landscape.models import Guardrail
from stakeholders.models import IdentityGroupMapping
from stakeholders.services import chat_channel_create, department_budget_set
from tests.api.conftest import Api, proposal_body, revoked_token_api, session_api, token_api
from tests.conftest import shared_org
from tests.decisions.risk_helpers import risk_questions
from tests.effects import snapshot
from tests.factories import (
    GoalFactory,
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
    "hr_reviewer",
    "it_reviewer",
    "mkt_reviewer",
    "head",
    "cdo",
    "outsider",
    "viewer",
    "superuser",
    "catalog_token",
    "full_token",
    "usage_token",
    "revoked_token",
]
SESSIONS = {
    "requester",
    "hr_reviewer",
    "it_reviewer",
    "mkt_reviewer",
    "head",
    "cdo",
    "outsider",
    "viewer",
    "superuser",
}
# Who a token persona acts as: the requester (so the full token may do what the requester may).
TOKEN_OWNER = "requester"


class World:
    """The state the endpoints act on, built through the services."""

    def __init__(self, org):
        self.org = org
        self.goal = GoalFactory(code="hiring", title="Hire faster")
        self.term = user_term(org)
        self.solution = SolutionFactory()
        self.draft = make_proposal(requester=org.requester)
        self.in_review = make_proposal(requester=org.requester, submit=True)
        self.hr_signoff = self.in_review.signoffs.get(department__code="HR")
        # An HR tool (its head and IT Operations may change it) feeding a Finance one.
        self.tool = ToolFactory(owner_department=org.departments["HR"])
        self.fin_tool = ToolFactory(owner_department=org.departments["FIN"])
        self.flow = ToolIntegrationFactory(source=self.tool, target=self.fin_tool, data="Pay")
        # A plug-in tool IT Operations may pull back, and one of its guardrails.
        self.plug_in_tool = ToolFactory(owner_department=org.departments["HR"], lane="plug_in")
        self.guardrail = Guardrail.objects.create(code="sso", name="Single sign-on", kind="sso")
        # The vendor risk questionnaire: a fact answers the heavier question (no personal
        # data: yes), the other is open; the rating stays medium, so nobody's role changes.
        self.risk_questions = risk_questions()
        # A tool the CDO may make its category's standard, and a standard to withdraw.
        self.standard_candidate = eligible_tool(name="Teams", category="collaboration")
        self.standard_tool = eligible_tool(
            name="Docebo", category="learning", standard_since=timezone.now()
        )
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

        # A single sign-on mapping (the administrator keeps them).
        self.mapping = IdentityGroupMapping.objects.create(
            claim_value="hr-staff", department=org.departments["HR"]
        )
        # HR's budget for this year (the CDO and the administrator keep budgets).
        self.hr_budget, _created = department_budget_set(
            actor=org.cdo, department=org.departments["HR"], fiscal_year=2026,
            amount=Decimal("400000"), currency="EUR",
        )  # fmt: skip

    def awaiting(self):
        proposal = make_proposal(requester=self.org.requester, submit=True)
        for code, reviewer in self.org.reviewers.items():
            services.signoff_decide(
                signoff=proposal.signoffs.get(department__code=code),
                actor=reviewer,
                outcome=SignOffStatus.APPROVED,
            )
        return proposal

    # On someone's behalf: HR's reviewer files for the requester; both own it, neither signs.
    def filed_draft(self):
        return make_proposal(requester=self.org.hr_reviewer, on_behalf_of=self.org.requester)

    def filed_signoff(self):
        proposal = make_proposal(
            requester=self.org.hr_reviewer, on_behalf_of=self.org.requester, submit=True
        )
        return proposal.signoffs.get(department__code="HR")

    def sync_job(self):
        """A catalog sync job of the administrator's (queued: its worker is not run here)."""
        from vendors.sync.jobs import catalog_sync_job_submit
        from vendors.sync.upload import upload_from_json

        body = {"source": "matrix", "vendors": [{"external_id": "v-1", "name": "Matrix"}]}
        return catalog_sync_job_submit(
            actor=self.org.superuser, upload=upload_from_json(body, received=0)
        )

    def decision(self):
        proposal = self.awaiting()
        return services.decision_take(
            proposal=proposal,
            actor=self.org.cdo,
            outcome=DecisionOutcome.APPROVED,
            rationale="Fits the hiring goal.",
        )

    # Pilots of the requester's that ended yesterday; the outsider and Marketing's reviewer
    # take part.
    def pilot_at(self, stage: str):
        from tests.pilots import ended_pilot

        self.pilots = getattr(self, "pilots", 0) + 1
        people = [self.org.outsider, self.org.mkt_reviewer]
        self.pilot = ended_pilot(self.org, vendor=f"Pilotly {self.pilots}", stage=stage,
                                 participants=people)  # fmt: skip
        return self.pilot

    # A proposal of the requester's in review with an alternative, and HR's and IT's criteria.
    def scored(self):
        from tests.scoring import scored_proposal

        proposal, alternative, criteria = scored_proposal(self.org)
        self.scoring_fit = criteria["fit"]
        return proposal, alternative

    def criterion(self):
        from tests.scoring import with_criteria

        return with_criteria(self.org)["fit"]

    # An approved small tool of the requester's with its onboarding checklist; an HR task of
    # it (HR's reviewers and head work on it), open or done.
    def hr_task(self, *, done: bool = False):
        from decisions.services.handoff import onboarding_task_complete
        from tests.handoff import approved_with_checklist

        proposal = approved_with_checklist(self.org)
        task = proposal.onboarding_tasks.filter(department__code="HR").first()
        if done:
            onboarding_task_complete(task=task, actor=self.org.hr_head)
        return task


def api_for(persona: str, org) -> Api:
    if persona == "anonymous":
        from django.test import Client

        return Api(Client())
    if persona == "catalog_token":
        return token_api(org.requester, scope=TokenScope.CATALOG)
    if persona == "full_token":
        return token_api(org.requester, scope=TokenScope.FULL)
    if persona == "usage_token":
        # IT Operations' usage feed (IT Operations reports any tool's usage).
        return token_api(org.it_reviewer, scope=TokenScope.USAGE)
    if persona == "revoked_token":
        return revoked_token_api(org.requester)
    user = org.hr_head if persona == "head" else getattr(org, persona)
    return session_api(user)


def user_of(persona: str, org):
    if persona == "usage_token":
        return org.it_reviewer
    if persona in ("catalog_token", "full_token", "revoked_token"):
        return getattr(org, TOKEN_OWNER)
    return org.hr_head if persona == "head" else getattr(org, persona, None)


@dataclass
class Row:
    name: str
    method: str
    url: object  # (world) -> str
    body: object = None  # (world) -> dict | None
    ok: int = 200
    # Personas allowed (status `ok`); everyone else signed in gets `refused`.
    allowed: set = field(default_factory=lambda: SESSIONS | {"full_token"})
    refused: int = 403
    catalog: bool = False  # a catalog endpoint: the catalog token is allowed too
    usage: bool = False  # a usage endpoint: the usage token is allowed too
    public: bool = False  # readable without credentials
    writes: bool = True  # an allowed non-GET request changes something
    overrides: dict = field(default_factory=dict)

    def expected(self, persona: str) -> int:
        if persona in self.overrides:
            return self.overrides[persona]
        if self.public:
            return self.ok
        if persona in ("anonymous", "revoked_token"):
            return 401
        if persona == "catalog_token" and not self.catalog:
            return 403
        if persona == "usage_token":
            return self.ok if self.usage else 403
        if persona in self.allowed or (persona == "catalog_token" and self.catalog):
            return self.ok
        return self.refused


REQUESTER_ONLY = {"requester", "full_token"}
# Members of HR, the buying department of every proposal here, file for it.
HR_MEMBERS = {"requester", "full_token", "hr_reviewer", "head"}
HR_SIGNERS = {"hr_reviewer", "head"}
# Another's draft is not theirs to see: it does not exist for them (404), but for an
# administrator, who sees it and may still not act as its requester (403).
DRAFT_PRIVATE = dict.fromkeys(SESSIONS - {"requester", "superuser"}, 404)
SESSION_ONLY = {"full_token": 403, "catalog_token": 403}
# A draft HR's reviewer filed for the requester: theirs both, private to everyone else.
FILED_OWNERS = REQUESTER_ONLY | {"hr_reviewer"}
FILED_PRIVATE = dict.fromkeys(SESSIONS - {"requester", "hr_reviewer", "superuser"}, 404)
# IT Operations (its reviewer) governs the landscape; HR's head owns HR's tools.
TOOL_KEEPERS = {"it_reviewer", "head"}
# HR's head keeps HR's chat channels; the CDO and the administrator every department's.
CHAT_KEEPERS = {"head", "cdo", "superuser"}
# Single sign-on's identity group mappings: the administrator's alone.
ADMINISTRATOR = {"superuser"}
BUDGET_KEEPERS = {"cdo", "superuser"}
# IT Operations' reviewers and heads keep the vendor risk questions; administrators too.
RISK_KEEPERS = {"it_reviewer", "superuser"}

ROWS = [
    Row("departments list", "GET", lambda w: "/api/v1/departments/"),
    Row(
        "department detail",
        "GET",
        lambda w: f"/api/v1/departments/{w.org.departments['HR'].pk}/",
    ),
    Row("goals list", "GET", lambda w: "/api/v1/goals/"),
    Row("goal detail", "GET", lambda w: f"/api/v1/goals/{w.goal.pk}/"),
    Row("glossary list", "GET", lambda w: "/api/v1/glossary/"),
    Row("glossary term", "GET", lambda w: f"/api/v1/glossary/{w.term.slug}/"),
    Row("vendors list", "GET", lambda w: "/api/v1/vendors/", catalog=True),
    Row("vendor detail", "GET", lambda w: f"/api/v1/vendors/{w.solution.vendor_id}/", catalog=True),
    Row("solutions list", "GET", lambda w: "/api/v1/solutions/", catalog=True),
    Row("solution detail", "GET", lambda w: f"/api/v1/solutions/{w.solution.pk}/", catalog=True),
    Row("proposals list", "GET", lambda w: "/api/v1/proposals/"),
    Row("proposals export", "GET", lambda w: "/api/v1/proposals/export/?status=in_review"),
    Row("proposal detail", "GET", lambda w: f"/api/v1/proposals/{w.in_review.reference}/"),
    Row(
        "draft detail",
        "GET",
        lambda w: f"/api/v1/proposals/{w.draft.reference}/",
        allowed=REQUESTER_ONLY | {"superuser"},
        refused=404,
    ),
    Row(
        "proposal create",
        "POST",
        lambda w: "/api/v1/proposals/",
        lambda w: proposal_body(),
        201,
        allowed=HR_MEMBERS,
    ),
    Row(
        "proposal create on someone's behalf",
        "POST",
        lambda w: "/api/v1/proposals/",
        lambda w: proposal_body(on_behalf_of="rita.requester"),
        201,
        # Not for oneself (the requester); only members of HR, the buying department.
        allowed=HR_MEMBERS - REQUESTER_ONLY,
    ),
    Row(
        "proposal update, filed on someone's behalf",
        "PATCH",
        lambda w: f"/api/v1/proposals/{w.filed_draft().reference}/",
        lambda w: {"title": "A better title"},
        allowed=FILED_OWNERS,
        overrides=FILED_PRIVATE,
    ),
    Row(
        "proposal submit, filed on someone's behalf",
        "POST",
        lambda w: f"/api/v1/proposals/{w.filed_draft().reference}/submit/",
        allowed=FILED_OWNERS,
        overrides=FILED_PRIVATE,
    ),
    Row(
        "signoff approve, filed on someone's behalf",
        "POST",
        lambda w: f"/api/v1/signoffs/{w.filed_signoff().pk}/approve/",
        lambda w: {"comment": "Fine by HR."},
        allowed={"head"},  # not its filer (HR's reviewer), nor the person it is for
    ),
    Row(
        "proposal update",
        "PATCH",
        lambda w: f"/api/v1/proposals/{w.draft.reference}/",
        lambda w: {"title": "A better title"},
        allowed=REQUESTER_ONLY,
        overrides=DRAFT_PRIVATE,
    ),
    Row(
        "proposal submit",
        "POST",
        lambda w: f"/api/v1/proposals/{w.draft.reference}/submit/",
        allowed=REQUESTER_ONLY,
        overrides=DRAFT_PRIVATE,
    ),
    Row(
        "proposal withdraw",
        "POST",
        lambda w: f"/api/v1/proposals/{w.in_review.reference}/withdraw/",
        lambda w: {"reason": "Budget moved."},
        allowed=REQUESTER_ONLY,
    ),
    Row(
        "proposal decide",
        "POST",
        lambda w: f"/api/v1/proposals/{w.awaiting().reference}/decide/",
        lambda w: {"outcome": "approved", "rationale": "Serves the hiring goal."},
        201,
        allowed={"cdo"},
    ),
    Row("signoffs list (my queue)", "GET", lambda w: "/api/v1/signoffs/"),
    Row("signoff detail", "GET", lambda w: f"/api/v1/signoffs/{w.hr_signoff.pk}/"),
    Row(
        "signoff approve",
        "POST",
        lambda w: f"/api/v1/signoffs/{w.hr_signoff.pk}/approve/",
        lambda w: {"comment": "Fine by HR."},
        allowed=HR_SIGNERS,
    ),
    Row(
        "signoff reject",
        "POST",
        lambda w: f"/api/v1/signoffs/{w.hr_signoff.pk}/reject/",
        lambda w: {"comment": "Not now."},
        allowed=HR_SIGNERS,
    ),
    Row(
        "signoff request changes",
        "POST",
        lambda w: f"/api/v1/signoffs/{w.hr_signoff.pk}/request-changes/",
        lambda w: {"comment": "Add the works council's view."},
        allowed=HR_SIGNERS,
    ),
    Row("decisions list", "GET", lambda w: "/api/v1/decisions/"),
    Row("decisions export", "GET", lambda w: "/api/v1/decisions/export/?file_format=xlsx"),
    Row("decision detail", "GET", lambda w: f"/api/v1/decisions/{w.decision().pk}/"),
    Row("tokens list", "GET", lambda w: "/api/v1/tokens/", overrides=SESSION_ONLY),
    Row(
        "token detail", "GET", lambda w: f"/api/v1/tokens/{w.own_token.pk}/", overrides=SESSION_ONLY
    ),
    Row(
        "token create",
        "POST",
        lambda w: "/api/v1/tokens/",
        lambda w: {"name": "procurement sync", "scope": "catalog"},
        201,
        overrides=SESSION_ONLY,
    ),
    Row(
        "token revoke",
        "DELETE",
        lambda w: f"/api/v1/tokens/{w.own_token.pk}/",
        ok=204,
        overrides=SESSION_ONLY,
    ),
    Row("catalog changes", "GET", lambda w: "/api/v1/catalog/changes/", catalog=True),
    Row("catalog snapshot", "GET", lambda w: "/api/v1/catalog/snapshot/", catalog=True),
    Row("catalog custom fields", "GET", lambda w: "/api/v1/catalog/custom-fields/", catalog=True),
    Row(
        # Needs the "sync catalog" permission (or staff: the administrator), which none of the
        # other personas has; tests/vendors/test_sync*.py cover the users who have it.
        "catalog sync",
        "POST",
        lambda w: "/api/v1/catalog/sync/",
        lambda w: {"source": "matrix", "vendors": [{"external_id": "v-1", "name": "Matrix"}]},
        allowed={"superuser"},
        overrides={"catalog_token": 403},
    ),
    Row("radar", "GET", lambda w: "/api/v1/radar/"),
    Row("renewals due", "GET", lambda w: "/api/v1/renewals/?within_days=90"),
    Row(
        "give my voice",
        "POST",
        lambda w: f"/api/v1/proposals/{w.in_review.reference}/voice/",
        lambda w: {"kind": "concern", "reason": "Yet another login."},
        allowed=SESSIONS - {"requester"},
    ),
    Row(
        # Taking back a voice never given changes nothing, and is no error.
        "take my voice back",
        "DELETE",
        lambda w: f"/api/v1/proposals/{w.in_review.reference}/voice/",
        allowed=SESSIONS - {"requester"},
        writes=False,
    ),
    Row("tools list", "GET", lambda w: "/api/v1/tools/"),
    Row("tool detail", "GET", lambda w: f"/api/v1/tools/{w.tool.pk}/"),
    Row("tool impact", "GET", lambda w: f"/api/v1/tools/{w.tool.pk}/impact/"),
    Row(
        "tool update",
        "PATCH",
        lambda w: f"/api/v1/tools/{w.tool.pk}/",
        lambda w: {"seats": 40},
        allowed=TOOL_KEEPERS,
    ),
    Row(
        "tool lifecycle",
        "POST",
        lambda w: f"/api/v1/tools/{w.tool.pk}/lifecycle/",
        lambda w: {"to": "standard", "reason": "Everyone uses it."},
        allowed={"it_reviewer"},
    ),
    Row(
        "make a tool its category's standard",
        "POST",
        lambda w: f"/api/v1/tools/{w.standard_candidate.pk}/standard/",
        allowed={"cdo"},
    ),
    Row(
        "withdraw a standard",
        "DELETE",
        lambda w: f"/api/v1/tools/{w.standard_tool.pk}/standard/",
        lambda w: {"reason": "The suite replaces it."},
        allowed={"cdo"},
    ),
    Row("standards by category", "GET", lambda w: "/api/v1/standards/"),
    Row(
        "tool lane (pull back)",
        "POST",
        lambda w: f"/api/v1/tools/{w.plug_in_tool.pk}/lane/",
        lambda w: {"to": "governed", "reason": "It holds payroll data now."},
        allowed={"it_reviewer"},
    ),
    Row("tool usage", "GET", lambda w: f"/api/v1/tools/{w.tool.pk}/usage/", usage=True),
    Row(
        "usage report",
        "POST",
        lambda w: "/api/v1/usage/",
        lambda w: {"items": [{"tool": w.tool.pk, "month": "2026-01", "active_users": 12}]},
        allowed=TOOL_KEEPERS,
        usage=True,
    ),
    Row(
        "import check (dry run)",
        "POST",
        lambda w: "/api/v1/imports/budgets/",
        lambda w: {"filename": "b.csv", "content": "ZGVwYXJ0bWVudDthbm51YWxfYnVkZ2V0CkhSOzEyMwo="},
        allowed={"superuser"},
        writes=False,  # a dry run keeps nothing
    ),
    Row(
        # Budgets per fiscal year: the CDO and administrators, as on /api/v1/budgets/.
        "yearly budgets import (applied)",
        "POST",
        lambda w: "/api/v1/imports/yearly_budgets/",
        lambda w: {
            "filename": "y.csv",
            "content": "ZGVwYXJ0bWVudDtmaXNjYWxfeWVhcjthbW91bnQKSFI7MjAzMTsxMjM0NTYK",
            "dry_run": False,
        },
        allowed={"cdo", "superuser"},
    ),
    Row("guardrails list", "GET", lambda w: "/api/v1/guardrails/"),
    Row("guardrail detail", "GET", lambda w: f"/api/v1/guardrails/{w.guardrail.pk}/"),
    Row(
        "guardrail create",
        "POST",
        lambda w: "/api/v1/guardrails/",
        lambda w: {"code": "eu", "name": "Data stays in the EU", "kind": "eu_data"},
        201,
        allowed={"it_reviewer"},
    ),
    Row(
        "guardrail update",
        "PATCH",
        lambda w: f"/api/v1/guardrails/{w.guardrail.pk}/",
        lambda w: {"name": "SSO through the company IdP"},
        allowed={"it_reviewer"},
    ),
    Row(
        "guardrail deactivate",
        "DELETE",
        lambda w: f"/api/v1/guardrails/{w.guardrail.pk}/",
        allowed={"it_reviewer"},
    ),
    Row("risk questions list", "GET", lambda w: "/api/v1/risk-questions/"),
    Row(
        "risk question detail",
        "GET",
        lambda w: f"/api/v1/risk-questions/{w.risk_questions.open.pk}/",
    ),
    Row(
        "risk question create",
        "POST",
        lambda w: "/api/v1/risk-questions/",
        lambda w: {"text": "Is there an exit plan?", "category": "continuity", "weight": 2},
        201,
        allowed=RISK_KEEPERS,
    ),
    Row(
        "risk question update",
        "PATCH",
        lambda w: f"/api/v1/risk-questions/{w.risk_questions.open.pk}/",
        lambda w: {"weight": 2},
        allowed=RISK_KEEPERS,
    ),
    Row("proposal risk", "GET", lambda w: f"/api/v1/proposals/{w.in_review.reference}/risk/"),
    Row(
        "draft's risk",
        "GET",
        lambda w: f"/api/v1/proposals/{w.draft.reference}/risk/",
        allowed={"requester", "full_token", "superuser"},
        overrides=DRAFT_PRIVATE,
    ),
    Row(
        "answer a draft's risk questions",
        "PATCH",
        lambda w: f"/api/v1/proposals/{w.draft.reference}/risk/",
        lambda w: {"answers": [{"question": w.risk_questions.open.pk, "answer": "yes"}]},
        allowed=REQUESTER_ONLY,
        overrides=DRAFT_PRIVATE,
    ),
    Row(
        "answer risk questions in review (IT, while its sign-off waits)",
        "PATCH",
        lambda w: f"/api/v1/proposals/{w.in_review.reference}/risk/",
        lambda w: {"answers": [{"question": w.risk_questions.open.pk, "answer": "no"}]},
        allowed={"it_reviewer"},
        # The requester's answers stop at submission.
        overrides={"requester": 409, "full_token": 409},
    ),
    Row("integrations list", "GET", lambda w: "/api/v1/integrations/"),
    Row("integration detail", "GET", lambda w: f"/api/v1/integrations/{w.flow.pk}/"),
    Row(
        "integration create",
        "POST",
        lambda w: "/api/v1/integrations/",
        lambda w: {"source": w.fin_tool.pk, "target": w.tool.pk, "data": "Cost centres"},
        201,
        allowed=TOOL_KEEPERS,
    ),
    Row(
        "integrations bulk",
        "POST",
        lambda w: "/api/v1/integrations/bulk/",
        lambda w: {"items": [{"source": w.fin_tool.pk, "target": w.tool.pk, "data": "Budgets"}]},
        allowed=TOOL_KEEPERS,
    ),
    Row(
        "integration update",
        "PATCH",
        lambda w: f"/api/v1/integrations/{w.flow.pk}/",
        lambda w: {"criticality": "critical"},
        allowed=TOOL_KEEPERS,
    ),
    Row(
        "integration remove",
        "DELETE",
        lambda w: f"/api/v1/integrations/{w.flow.pk}/",
        allowed=TOOL_KEEPERS,
    ),
    # Catalog sync jobs: the same right as the push; a job is seen only by its source's writers
    # (tests/vendors/test_sync_jobs.py), here the administrator's own.
    Row(
        "catalog jobs list",
        "GET",
        lambda w: "/api/v1/catalog/jobs/",
        allowed={"superuser"},
        overrides={"catalog_token": 403},
    ),
    Row(
        "catalog job submit",
        "POST",
        lambda w: "/api/v1/catalog/jobs/",
        lambda w: {"source": "matrix", "vendors": [{"external_id": "v-1", "name": "Matrix"}]},
        ok=202,
        allowed={"superuser"},
        overrides={"catalog_token": 403},
    ),
    Row(
        "catalog job",
        "GET",
        lambda w: f"/api/v1/catalog/jobs/{w.sync_job().pk}/",
        allowed={"superuser"},
        overrides={"catalog_token": 403},
    ),
    Row(
        "catalog job errors",
        "GET",
        lambda w: f"/api/v1/catalog/jobs/{w.sync_job().pk}/errors/",
        allowed={"superuser"},
        overrides={"catalog_token": 403},
    ),
    # Pilots: anyone reads; the owner plans, measures and opens the review; participants
    # rate; those who sign for a department give its verdict; the CDO decides a dispute.
    Row("pilot", "GET", lambda w: f"/api/v1/proposals/{w.pilot_at('ended').reference}/pilot/"),
    Row(
        "pilot plan",
        "PATCH",
        lambda w: f"/api/v1/proposals/{w.pilot_at('ended').reference}/pilot/",
        lambda w: {"criteria": [{"metric": "Offers accepted", "target": "70", "unit": "%"}]},
        allowed=REQUESTER_ONLY,
    ),
    Row(
        "pilot rating",
        "POST",
        lambda w: f"/api/v1/proposals/{w.pilot_at('ended').reference}/pilot/rating/",
        lambda w: {
            "recommend": 9,
            "scores": [{"criterion": w.pilot.pilot_criteria.get().pk, "score": 4}],
        },
        201,
        allowed={"outsider", "mkt_reviewer"},
    ),
    Row(
        "pilot review open",
        "POST",
        lambda w: f"/api/v1/proposals/{w.pilot_at('measured').reference}/pilot/review/",
        ok=201,
        allowed=REQUESTER_ONLY,
    ),
    Row(
        "pilot verdict",
        "POST",
        lambda w: f"/api/v1/proposals/{w.pilot_at('in_review').reference}/pilot/verdicts/",
        lambda w: {"department": "HR", "verdict": "keep"},
        201,
        allowed=HR_SIGNERS,
    ),
    Row(
        "pilot decision",
        "POST",
        lambda w: f"/api/v1/proposals/{w.pilot_at('disputed').reference}/pilot/decision/",
        lambda w: {"outcome": "keep", "rationale": "The numbers beat the worry."},
        allowed={"cdo"},
    ),
    # Onboarding tasks: anyone reads; HR's reviewers and head (or the assignee) work on HR's.
    Row("onboarding tasks", "GET", lambda w: "/api/v1/onboarding-tasks/"),
    Row("onboarding task", "GET", lambda w: f"/api/v1/onboarding-tasks/{w.hr_task().pk}/"),
    Row(
        "onboarding task assign",
        "POST",
        lambda w: f"/api/v1/onboarding-tasks/{w.hr_task().pk}/assign/",
        lambda w: {"assignee": w.org.hr_member.username},
        allowed=HR_SIGNERS,
    ),
    Row(
        "onboarding task complete",
        "POST",
        lambda w: f"/api/v1/onboarding-tasks/{w.hr_task().pk}/complete/",
        allowed=HR_SIGNERS,
    ),
    Row(
        "onboarding task reopen",
        "POST",
        lambda w: f"/api/v1/onboarding-tasks/{w.hr_task(done=True).pk}/reopen/",
        allowed=HR_SIGNERS,
    ),
    Row(
        "department chat channels",
        "GET",
        lambda w: f"/api/v1/departments/{w.org.departments['HR'].pk}/chat-channels/",
        allowed=CHAT_KEEPERS,
    ),
    Row(
        "chat channel add",
        "POST",
        lambda w: f"/api/v1/departments/{w.org.departments['HR'].pk}/chat-channels/",
        lambda w: {
            "name": "HR in Teams",
            "platform": "teams",
            "url": "https://example.webhook.office.example/webhookb2/x",
            "language": "nl",
        },
        201,
        allowed=CHAT_KEEPERS,
    ),
    Row(
        "chat channel detail",
        "GET",
        lambda w: f"/api/v1/chat-channels/{w.hr_channel.pk}/",
        allowed=CHAT_KEEPERS,
        refused=404,
    ),
    Row(
        "chat channel change",
        "PATCH",
        lambda w: f"/api/v1/chat-channels/{w.hr_channel.pk}/",
        lambda w: {"is_active": False},
        allowed=CHAT_KEEPERS,
        refused=404,
    ),
    Row(
        "chat channel remove",
        "DELETE",
        lambda w: f"/api/v1/chat-channels/{w.hr_channel.pk}/",
        ok=204,
        allowed=CHAT_KEEPERS,
        refused=404,
    ),
    Row(
        "identity group mappings",
        "GET",
        lambda w: "/api/v1/identity-group-mappings/",
        allowed=ADMINISTRATOR,
    ),
    Row(
        "identity group mapping add",
        "POST",
        lambda w: "/api/v1/identity-group-mappings/",
        lambda w: {"claim_value": "it-staff", "department": "IT", "role": "member"},
        201,
        allowed=ADMINISTRATOR,
    ),
    Row(
        "identity group mapping detail",
        "GET",
        lambda w: f"/api/v1/identity-group-mappings/{w.mapping.pk}/",
        allowed=ADMINISTRATOR,
    ),
    Row(
        "identity group mapping change",
        "PATCH",
        lambda w: f"/api/v1/identity-group-mappings/{w.mapping.pk}/",
        lambda w: {"role": "reviewer"},
        allowed=ADMINISTRATOR,
    ),
    Row(
        "identity group mapping remove",
        "DELETE",
        lambda w: f"/api/v1/identity-group-mappings/{w.mapping.pk}/",
        ok=204,
        allowed=ADMINISTRATOR,
    ),
    Row("budgets", "GET", lambda w: "/api/v1/budgets/", allowed=BUDGET_KEEPERS),
    Row(
        "budget set",
        "POST",
        lambda w: "/api/v1/budgets/",
        lambda w: {"department": "HR", "fiscal_year": 2027, "amount": "1000.00"},
        201,
        allowed=BUDGET_KEEPERS,
    ),
    Row(
        "budget detail",
        "GET",
        lambda w: f"/api/v1/budgets/{w.hr_budget.pk}/",
        allowed=BUDGET_KEEPERS,
    ),
    Row(
        "budget change",
        "PATCH",
        lambda w: f"/api/v1/budgets/{w.hr_budget.pk}/",
        lambda w: {"amount": "123.45"},
        allowed=BUDGET_KEEPERS,
    ),
    Row(
        "budget remove",
        "DELETE",
        lambda w: f"/api/v1/budgets/{w.hr_budget.pk}/",
        ok=204,
        allowed=BUDGET_KEEPERS,
    ),
    Row("schema", "GET", lambda w: "/api/v1/schema/", public=True),
    Row("docs", "GET", lambda w: "/api/docs/", public=True),
    # (Last: the proposals they make would change the rows after them.)
    # Scoring of alternatives: anyone reads; the requester sets the alternatives; HR's
    # reviewers and head score on HR's criteria.
    Row("scoring", "GET", lambda w: f"/api/v1/proposals/{w.scored()[0].reference}/scoring/"),
    Row(
        "scoring alternative add",
        "POST",
        lambda w: f"/api/v1/proposals/{w.scored()[0].reference}/scoring/alternatives/",
        lambda w: {"name": "Another ATS", "vendor_name": "Acme"},
        201,
        allowed=REQUESTER_ONLY,
    ),
    Row(
        "scoring alternative remove",
        "DELETE",
        lambda w: "/api/v1/proposals/{.reference}/scoring/alternatives/{.pk}/".format(*w.scored()),
        allowed=REQUESTER_ONLY,
    ),
    # The departments' criteria: everyone reads them; HR's head (or the administrator) keeps
    # HR's.
    Row("scoring criteria list", "GET", lambda w: "/api/v1/scoring-criteria/"),
    Row(
        "scoring criterion detail",
        "GET",
        lambda w: f"/api/v1/scoring-criteria/{w.criterion().pk}/",
    ),
    Row(
        "scoring criterion create",
        "POST",
        lambda w: "/api/v1/scoring-criteria/",
        lambda w: {"department": "HR", "name": "Works with payroll", "weight": 3},
        201,
        allowed={"head", "superuser"},
    ),
    Row(
        "scoring criterion change",
        "PATCH",
        lambda w: f"/api/v1/scoring-criteria/{w.criterion().pk}/",
        lambda w: {"weight": 7},
        allowed={"head", "superuser"},
    ),
    Row(
        "scoring scores",
        "POST",
        lambda w: f"/api/v1/proposals/{w.scored()[0].reference}/scoring/scores/",
        lambda w: {
            "department": "HR",
            "scores": [{"option": "proposed", "criterion": w.scoring_fit.pk, "score": 4}],
        },
        allowed=HR_SIGNERS,
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
def test_it_allows_or_refuses_each_persona(shared, persona: str):
    row, org, world = shared
    # A token of the acting user's own (the requester's for anonymous), for the revoke row.
    owner = user_of(persona, org) or org.requester
    world.own_token, _plaintext = api_token_create(user=owner, name="mine")
    api = api_for(persona, org)
    url = row.url(world)
    body = row.body(world) if row.body else None
    before = snapshot()
    response = api.request(row.method, url, body)
    expected = row.expected(persona)
    assert response.status_code == expected, (
        f"{row.method} {url} as {persona}: {response.status_code}, expected {expected}: "
        f"{response.content[:300]!r}"
    )
    if response.status_code >= 400:
        # One error shape for every refusal.
        data = response.json()
        assert set(data) == {"message", "errors"}, data
        assert data["message"]
    # The effect: a read or a refusal changes nothing; an allowed write changes something.
    if row.method != "GET" and response.status_code < 300 and row.writes:
        assert snapshot() != before, f"{row.name} as {persona} was allowed but changed nothing"
    else:
        assert snapshot() == before, f"{row.name} as {persona} changed something"


def operation_of(method: str, url: str, paths: dict) -> str | None:
    """The schema operation ("GET /api/v1/proposals/{reference}/") a concrete URL calls: a
    literal path before a template it also matches (/proposals/export/, not {reference})."""
    for template in sorted(paths, key=lambda t: t.count("{")):
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, url.split("?")[0]) and method.lower() in paths[template]:
            return f"{method} {template}"
    return None


@pytest.mark.parametrize("shared", ROWS[:1], ids=["a world"], indirect=True, scope="module")
def test_every_operation_of_the_published_schema_is_in_the_matrix(shared):
    from drf_spectacular.generators import SchemaGenerator

    _row, org, world = shared
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    world.own_token, _plaintext = api_token_create(user=org.requester, name="mine")
    covered = {operation_of(row.method, row.url(world), paths) for row in ROWS}
    published = {
        f"{method.upper()} {template}"
        for template, operations in paths.items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert not published - covered, f"operations without a row: {sorted(published - covered)}"
