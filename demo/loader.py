"""The demo organisation and its history, loaded by `manage.py seed_demo`.

Reference data (departments, users, tiers, goals, checklists, the catalog) is created where it is
missing and otherwise left alone. Every demo proposal is played through the real workflow services
(create, submit, sign off with the department's checklist, decide, withdraw, advance, comment), so
its sign-offs, decisions and hash-chained audit events are the ones a person would have produced.
Afterwards only the dates are moved into the past (submission, sign-offs, decisions, due dates) so
that the queues, overdue marks and the dashboard's cycle times look like a lived-in system; audit
events are never touched. A proposal whose title exists already is skipped: running twice adds
nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone

from audit.models import Event
from core.calendar import add_business_days
from core.errors import DomainError
from core.i18n import fill_blank_translations, in_every_language
from decisions import services
from decisions.handoff import load_default_templates
from decisions.models import (
    Comment,
    Decision,
    Notification,
    Proposal,
    ProposalStatus,
    SignOff,
    SignOffStatus,
)
from decisions.rights import cdo_group, signing_right
from decisions.services.consent import signoff_presume
from demo.budgets import load_demo_budgets
from demo.catalog import demo_solution, load_demo_catalog
from demo.chat import load_demo_chat_channels
from demo.glossary import seed_demo_glossary
from demo.handoff import seed_demo_handoff
from demo.imports import load_demo_imports
from demo.landscape import (
    load_demo_guardrails,
    load_demo_landscape,
    seed_demo_plugin,
    seed_demo_retirement,
)
from demo.organisation import DEMO_PASSWORD, DEPARTMENTS, GOALS, TIERS, TRANSLATIONS, USERS
from demo.pilots import seed_demo_pilots
from demo.proposals import APPROVED, PROPOSALS, DemoProposal, Step
from demo.renewals import seed_demo_renewals
from demo.risk import load_demo_risk_questions, seed_demo_risk
from demo.scoring import seed_demo_scoring
from demo.sso import load_demo_identity_mappings
from demo.standards import seed_demo_standard
from demo.usage import load_demo_usage
from stakeholders.checklists import load_default_checklists
from stakeholders.models import (
    AnswerKind,
    ApprovalTier,
    ChecklistQuestion,
    Department,
    Membership,
    StrategicGoal,
)

S = ProposalStatus


class DemoStoryError(Exception):
    """A demo proposal's steps do not fit the organisation as it is configured."""


@dataclass
class SeedReport:
    lines: list[str] = field(default_factory=list)
    # Demo proposals whose story the configured organisation no longer allows, with the reason.
    failed: list[str] = field(default_factory=list)

    def add(self, what: str, created: int, existing: int) -> None:
        self.lines.append(f"{what}: {created} created, {existing} already there.")


def seed_demo() -> SeedReport:
    """Load the demo organisation, catalog and proposals; safe to run again."""
    report = SeedReport()
    events_before = Event.objects.count()
    _seed_organisation(report)
    report.add("Glossary terms", *seed_demo_glossary())
    report.add("Chat channels (switched off)", *load_demo_chat_channels())
    report.add("Single sign-on group mappings", *load_demo_identity_mappings())
    report.add("Budgets per fiscal year", *load_demo_budgets())
    for kind, (created, existing) in load_demo_catalog().items():
        report.add(kind.capitalize(), created, existing)
    created_by_status = _seed_proposals(report)
    if created_by_status:
        spread = ", ".join(
            f"{S(status).label.lower()} {n}" for status, n in sorted(created_by_status.items())
        )
        report.lines.append(f"  new proposals by status: {spread}.")
    _seed_voices(report)
    for kind, (created, existing) in load_demo_landscape().items():
        report.add(f"Landscape {kind}", created, existing)
    report.add("Tool usage (monthly)", *load_demo_usage())
    if retirement := seed_demo_retirement():
        _backdate_notifications(retirement)
        report.lines.append(f"Retirement proposal in review: {retirement.reference}.")
    # The guardrails come after the demo proposals, whose stories have IT Operations sign.
    report.add("Plug-in lane guardrails", *load_demo_guardrails())
    if plugin := seed_demo_plugin():
        _backdate_notifications(plugin)
        report.lines.append(f"Plug-in lane proposal in review: {plugin.reference}.")
    if renewal := seed_demo_renewals(report.lines):
        _backdate_notifications(renewal)
    if standard := seed_demo_standard():
        report.lines.append(f"Standard for collaboration: {standard.solution.name}.")
    report.lines.extend(seed_demo_pilots())
    report.add("Imports (glossary, catalog)", *load_demo_imports())
    report.lines.extend(seed_demo_handoff())
    # The vendor risk questionnaire, after every proposal (their stories predate it), and IT's
    # reviewer assessing the proposals that wait for IT's sign-off.
    report.add("Vendor risk questions", *load_demo_risk_questions())
    report.lines.extend(seed_demo_risk())
    report.lines.extend(seed_demo_scoring())
    report.lines.append(f"Audit events: {Event.objects.count() - events_before} recorded.")
    return report


@transaction.atomic
def _seed_organisation(report: SeedReport) -> None:
    created = 0
    for d in DEPARTMENTS:
        _dept, was_created = Department.objects.get_or_create(
            code=d.code,
            defaults={
                **in_every_language("name", d.name, TRANSLATIONS),
                "annual_budget": d.annual_budget,
                "currency": "EUR",
                "signoff_required": d.signoff_required,
            },
        )
        created += was_created
    report.add("Departments", created, len(DEPARTMENTS) - created)

    departments = {d.code: d for d in Department.objects.all()}
    user_model = get_user_model()
    existing = set(
        user_model.objects.filter(username__in=[u.username for u in USERS]).values_list(
            "username", flat=True
        )
    )
    # One hash for every demo user: the password is public anyway, and hashing once saves
    # a second or more of PBKDF2 per user.
    password = make_password(DEMO_PASSWORD) if len(existing) < len(USERS) else ""
    for u in USERS:
        if u.username not in existing:
            user_model.objects.create(
                username=u.username,
                first_name=u.first_name,
                last_name=u.last_name,
                email=u.email,
                password=password,
                is_staff=u.admin,
                is_superuser=u.admin,
            )
    report.add("Users", len(USERS) - len(existing), len(existing))

    users = {
        u.username: u for u in user_model.objects.filter(username__in=[x.username for x in USERS])
    }
    memberships = 0
    for u in USERS:
        if u.department:
            _m, was_created = Membership.objects.get_or_create(
                user=users[u.username],
                department=departments[u.department],
                defaults={"role": u.role, "approval_limit": u.approval_limit},
            )
            memberships += was_created
        if u.cdo:
            users[u.username].groups.add(cdo_group())
    report.add("Memberships", memberships, sum(1 for u in USERS if u.department) - memberships)

    created = 0
    for tier in TIERS:
        _tier, was_created = ApprovalTier.objects.get_or_create(
            name=tier["name"],  # the English name: the command runs in the default language
            defaults={
                **in_every_language("name", tier["name"], TRANSLATIONS),
                **{k: v for k, v in tier.items() if k != "name"},
            },
        )
        created += was_created
    report.add("Approval tiers", created, len(TIERS) - created)

    created = 0
    for code, title, description, owner in GOALS:
        _goal, was_created = StrategicGoal.objects.get_or_create(
            code=code,
            defaults={
                **in_every_language("title", title, TRANSLATIONS),
                **in_every_language("description", description, TRANSLATIONS),
                "owner": departments[owner],
            },
        )
        created += was_created
    report.add("Strategic goals", created, len(GOALS) - created)
    # A demo database seeded before the organisation had translations gets them now.
    fill_blank_translations(Department.objects.all(), ("name",), TRANSLATIONS)
    fill_blank_translations(ApprovalTier.objects.all(), ("name",), TRANSLATIONS)
    fill_blank_translations(StrategicGoal.objects.all(), ("title", "description"), TRANSLATIONS)

    questions = load_default_checklists()
    report.lines.append(f"Checklist questions: {questions} created.")
    # Before the proposals: an approved new tool gets its onboarding checklist from them.
    templates = load_default_templates()
    report.lines.append(f"Onboarding task templates: {templates} created.")


# Employee voice on two proposals in review: (title, username, kind, reason, anonymous).
VOICES = [
    ("Employee app for frontline staff", "requester.it", "endorse", "", False),
    ("Employee app for frontline staff", "requester.mkt", "endorse", "", False),
    ("Employee app for frontline staff", "finance.viewer", "concern",
     "Shift workers have no company laptop: will it work on their phones?", True),
    ("Password manager for all staff", "requester.hr", "endorse", "", False),
    ("Password manager for all staff", "requester.mkt", "concern",
     "Another login for agencies we work with: who sets them up?", False),
]  # fmt: skip


def _seed_voices(report: SeedReport) -> None:
    """A few employees' voices on proposals in review (skipped when any exists)."""
    from decisions.models import IN_FLIGHT_STATES, Voice

    if Voice.objects.exists():
        return
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=[v[1] for v in VOICES])}  # fmt: skip
    proposals = {
        p.title: p
        for p in Proposal.objects.filter(
            title__in=[v[0] for v in VOICES], status__in=IN_FLIGHT_STATES
        )
    }
    given = 0
    for title, username, kind, reason, anonymous in VOICES:
        if title in proposals and username in users:
            try:
                services.voice_give(proposal=proposals[title], actor=users[username],
                                    kind=kind, reason=reason, anonymous=anonymous)  # fmt: skip
            except DomainError:  # the story's organisation changed: the rest still loads
                continue
            given += 1
    report.lines.append(f"Employee voices: {given} given.")


class _Context:
    """What playing the proposals needs, loaded once."""

    def __init__(self) -> None:
        usernames = [u.username for u in USERS]
        self.users = {
            u.username: u for u in get_user_model().objects.filter(username__in=usernames)
        }
        self.departments = {d.code: d for d in Department.objects.all()}
        self.goals = {g.code: g for g in StrategicGoal.objects.all()}
        self.questions: dict[int, list[ChecklistQuestion]] = {}
        for q in ChecklistQuestion.objects.filter(is_active=True).order_by("position", "pk"):
            self.questions.setdefault(q.department_id, []).append(q)


def _seed_proposals(report: SeedReport) -> Counter:
    ctx = _Context()
    existing = set(
        Proposal.objects.filter(title__in=[p.title for p in PROPOSALS]).values_list(
            "title", flat=True
        )
    )
    created: Counter = Counter()
    # Oldest first, so that references and the same-vendor 12-month totals follow history.
    for spec in sorted(PROPOSALS, key=lambda p: -p.age):
        if spec.title in existing:
            continue
        try:
            proposal = _play(spec, ctx)
        except (DomainError, ObjectDoesNotExist, DemoStoryError) as error:
            # Its transaction rolled back. Typically an administrator changed the departments,
            # tiers or memberships the story relies on; the rest of the demo still loads.
            report.failed.append(f"“{spec.title}”: {getattr(error, 'message', error)}")
            continue
        _backdate_notifications(proposal)
        created[proposal.status] += 1
    report.add("Proposals", sum(created.values()), len(existing))
    if report.failed:
        report.lines.append(f"  {len(report.failed)} could not be played; see the warnings.")
    return created


@transaction.atomic
def _play(spec: DemoProposal, ctx: _Context) -> Proposal:
    """Create one proposal and walk it through the workflow services, in one transaction: a
    failure leaves nothing half-made behind, so the next run tries it again."""
    requester = ctx.users[f"requester.{spec.requester.lower()}"]
    # Filed on the requester's behalf: the filer acts (submits, withdraws) for them.
    filer = ctx.users[spec.filed_by] if spec.filed_by else None
    proposal = services.proposal_create(
        requester=filer or requester,
        on_behalf_of=requester if filer else None,
        data=_proposal_data(spec, ctx),
        goals={ctx.goals[code]: note for code, note in spec.goals.items()},
        integrates_with=[demo_solution(name) for name in spec.integrates],
    )
    requester = filer or requester
    for step in spec.steps:
        _step(proposal, step, requester=requester, ctx=ctx)
        proposal = Proposal.objects.select_related("tier").get(pk=proposal.pk)
    if proposal.status != spec.expect:
        raise DemoStoryError(
            f"Demo proposal “{spec.title}” ended {proposal.status}, expected {spec.expect}: "
            "its tier or steps no longer match the workflow."
        )
    _backdate(proposal, spec)
    return proposal


def _proposal_data(spec: DemoProposal, ctx: _Context) -> dict[str, Any]:
    solution = demo_solution(spec.solution) if spec.solution else None
    personal_data = spec.personal_data
    if personal_data is None:
        personal_data = bool(solution and solution.processes_personal_data)
    pilot_start = pilot_end = None
    criteria = ""
    if spec.pilot:
        today = timezone.localdate()
        pilot_start = today + dt.timedelta(days=spec.pilot[0])
        pilot_end = today + dt.timedelta(days=spec.pilot[1])
        criteria = spec.pilot[2]
    return {
        "title": spec.title,
        "problem": spec.problem,
        "rationale": spec.rationale,
        "alternatives": spec.alternatives,
        "requesting_department": ctx.departments[spec.requester],
        "paying_department": ctx.departments[spec.payer],
        "solution": solution,
        "new_vendor_name": spec.new_vendor,
        "new_solution_name": spec.new_solution,
        "category": solution.category if solution else spec.category,
        "currency": spec.currency,
        "one_off_cost": Decimal(spec.one_off),
        "recurring_cost": Decimal(spec.recurring),
        "recurring_period": spec.period,
        "term_months": spec.term,
        "seats": spec.seats,
        "employees_affected": spec.employees,
        "end_user_involvement": spec.involvement,
        "integration_notes": spec.integration_notes,
        "processes_personal_data": personal_data,
        "personal_data_notes": spec.personal_data_notes,
        "pilot_start": pilot_start,
        "pilot_end": pilot_end,
        "pilot_success_criteria": criteria,
        **spec.lock_in,
        **spec.pricing,
    }


def _step(proposal: Proposal, step: Step, *, requester, ctx: _Context) -> None:
    kind, args = step[0], step[1:]
    if kind == "submit":
        services.proposal_submit(proposal=proposal, actor=requester)
    elif kind == "sign":
        department, outcome, comment = args
        signoff = SignOff.objects.select_related("department", "proposal").get(
            proposal=proposal, round=proposal.round, department__code=department
        )
        _sign(signoff, outcome=outcome, comment=comment, ctx=ctx)
    elif kind == "approve_all":
        pending = SignOff.objects.select_related("department", "proposal").filter(
            proposal=proposal, round=proposal.round, status=SignOffStatus.PENDING
        )
        for signoff in pending:
            _sign(signoff, outcome=APPROVED, comment="", ctx=ctx)
    elif kind == "decide":
        outcome, rationale, conditions = args
        services.decision_take(
            proposal=proposal,
            actor=ctx.users["cdo"],
            outcome=outcome,
            rationale=rationale,
            conditions=conditions,
        )
    elif kind == "comment":
        who, body = args
        author = requester if who == "requester" else ctx.users[who]
        services.comment_add(proposal=proposal, actor=author, body=body)
    elif kind == "withdraw":
        services.proposal_withdraw(proposal=proposal, actor=requester, reason=args[0])
    elif kind == "advance":
        action, note = args
        services.proposal_advance(proposal=proposal, actor=requester, action=action, note=note)
    elif kind == "revise":
        services.proposal_update(proposal=proposal, actor=requester, data=args[0])
    elif kind == "presume":
        _presume(proposal, department=args[0])
    else:  # pragma: no cover - a typo in the data above
        raise ValueError(f"Unknown demo step {kind!r}")


def _presume(proposal: Proposal, *, department: str) -> None:
    """Consent mode: the periodic task's run on the day after the due date presumes the
    department's consent (the story's dates are moved into the past afterwards)."""
    signoff = SignOff.objects.get(
        proposal=proposal, round=proposal.round, department__code=department
    )
    if signoff.due_on is None:  # pragma: no cover - a submitted round has its due date
        raise DemoStoryError(f"no due date on {signoff}")
    the_day_after = timezone.make_aware(
        dt.datetime.combine(signoff.due_on + dt.timedelta(days=1), dt.time(0, 5))
    )
    result = signoff_presume(signoff_id=signoff.pk, now=the_day_after)
    if result is None or not result.presumed:
        raise DemoStoryError(f"the consent of {department} was not presumed")


def _sign(signoff: SignOff, *, outcome: str, comment: str, ctx: _Context) -> None:
    """Sign as the department's reviewer when their limit covers it, else as its head."""
    code = signoff.department.code.lower()
    for username in (f"reviewer.{code}", f"head.{code}"):
        user = ctx.users[username]
        if signing_right(user=user, signoff=signoff) is not None:
            break
    else:
        raise DemoStoryError(f"no demo user may sign for {signoff.department.name}")
    approving = outcome == APPROVED
    answers = {}
    for question in ctx.questions.get(signoff.department_id, []):
        if question.kind == AnswerKind.YES_NO and approving:
            answers[str(question.pk)] = "yes"
        elif question.kind == AnswerKind.TEXT and comment:
            answers[str(question.pk)] = comment
    services.signoff_decide(
        signoff=signoff, actor=user, outcome=outcome, comment=comment, answers=answers
    )


ROUND_GAP = dt.timedelta(days=6)  # between an earlier round's submission and the next one


def _business_days_between(start: dt.date, end: dt.date) -> int:
    days, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        days += current.weekday() < 5
    return days


def _backdate(proposal: Proposal, spec: DemoProposal) -> None:
    """Move the proposal's own dates into the past as its story says. Plain updates of the
    proposal, its sign-offs, decisions and comments; the audit events keep their real times."""
    now = timezone.now()
    today = timezone.localdate()
    age = dt.timedelta(days=spec.age, hours=2 + len(spec.title) % 5)
    cycle = dt.timedelta(days=spec.cycle, hours=3)
    if proposal.submitted_at is None:  # never submitted: a draft, or withdrawn as one
        created = now - age
        decided = min(created + cycle, now) if proposal.decided_at else None
        Proposal.objects.filter(pk=proposal.pk).update(
            created_at=created, updated_at=decided or created, decided_at=decided
        )
        return

    submitted = now - age
    first_submitted = submitted - ROUND_GAP * (proposal.round - 1)
    decided = min(submitted + cycle, now) if proposal.decided_at else None
    # The current round ended with the decision (or the CDO's return); or it is still open.
    end = decided or (min(submitted + cycle, now) if spec.cycle else now)
    span = end - submitted
    Proposal.objects.filter(pk=proposal.pk).update(
        created_at=first_submitted - dt.timedelta(days=2),
        submitted_at=submitted,
        decided_at=decided,
        updated_at=decided or submitted,
    )
    signoffs = list(SignOff.objects.filter(proposal=proposal).order_by("round", "decided_at", "pk"))
    for round_number in {s.round for s in signoffs}:
        in_round = [s for s in signoffs if s.round == round_number]
        opened = submitted - ROUND_GAP * (proposal.round - round_number)
        round_span = span if round_number == proposal.round else ROUND_GAP / 2
        signed = [s for s in in_round if s.decided_at]
        for signoff in in_round:
            sla = _business_days_between(today, signoff.due_on) if signoff.due_on else 0
            decided_at = None
            if signoff.decided_at:
                position = signed.index(signoff) + 1
                decided_at = opened + round_span * position / (len(signed) + 1)
            SignOff.objects.filter(pk=signoff.pk).update(
                created_at=opened,
                due_on=add_business_days(timezone.localtime(opened).date(), sla),
                decided_at=decided_at,
            )
    for decision in Decision.objects.filter(proposal=proposal):
        opened = submitted - ROUND_GAP * (proposal.round - decision.round)
        Decision.objects.filter(pk=decision.pk).update(
            decided_at=end if decision.round == proposal.round else opened + ROUND_GAP / 2
        )
    comments = list(Comment.objects.filter(proposal=proposal).order_by("pk"))
    for position, comment in enumerate(comments, start=1):
        at = first_submitted + (end - first_submitted) * position / (len(comments) + 1)
        Comment.objects.filter(pk=comment.pk).update(created_at=at)


def _backdate_notifications(proposal: Proposal) -> None:
    """The notifications the story sent (after its transaction committed, as the tasks run
    then), in the order it sent them, spread over its life up to its last change: not all
    "a minute ago"."""
    proposal.refresh_from_db(fields=["created_at", "submitted_at", "updated_at"])
    start = proposal.submitted_at or proposal.created_at
    end = max(proposal.updated_at, start)
    notifications = list(Notification.objects.filter(proposal=proposal).order_by("pk"))
    for position, notification in enumerate(notifications, start=1):
        at = start + (end - start) * position / len(notifications)
        Notification.objects.filter(pk=notification.pk).update(created_at=at)
