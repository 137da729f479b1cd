"""`manage.py seed_demo`: the demo a newcomer sees with `make run`. It needs no service beyond the
database: it runs on an empty, freshly migrated database, twice without adding anything, and
leaves an audit chain that verifies."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db.models import F
from django.test import RequestFactory
from django.test.utils import override_settings
from django.utils import timezone

from audit.models import AuditChainHead, Event
from decisions import selectors
from decisions.models import (
    Decision,
    Proposal,
    ProposalGoal,
    ProposalStatus,
    SignOff,
    SignOffStatus,
)
from decisions.rights import is_cdo
from demo.organisation import DEMO_PASSWORD, USERS
from hrtech_gov.celery import app as celery_app
from stakeholders.models import ApprovalTier, Department, Membership, Role, StrategicGoal
from vendors.models import Category, Integration, PricingModel, Solution, Vendor

# Tests that change the database are transactional: the seed's own transactions commit and
# their after-commit tasks run, as in `make run`, and each starts from an empty database.
changes_db = pytest.mark.django_db(transaction=True)
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"  # as tests/conftest.py uses


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._base_manager.count() for m in apps.get_models()}


@pytest.fixture(scope="class")
def demo(django_db_setup, django_db_blocker):
    """The demo, committed to the (empty) test database for the read-only tests of one class,
    and flushed afterwards as a transactional test would."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        with django_db_blocker.unblock():
            assert not Proposal.objects.exists()
            assert not Department.objects.exists()
            with override_settings(PASSWORD_HASHERS=[FAST_HASHER]):
                output = seed()
        yield output
    finally:
        celery_app.conf.task_always_eager = eager
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)


def sign_in_request():
    """What a sign-in comes with: django-axes counts failures per request's address."""
    return RequestFactory().post("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
class TestTheDemo:
    """Read-only checks of one demo, seeded once for the class (seeding takes seconds)."""

    def test_its_notifications_are_spread_over_the_stories_lives(self):
        from decisions.models import Notification, Proposal

        days = {n.date() for n in Notification.objects.values_list("created_at", flat=True)}
        assert len(days) > 20  # not all "a minute ago"
        for notification in Notification.objects.select_related("proposal")[:50]:
            proposal = notification.proposal
            start = proposal.submitted_at or proposal.created_at
            assert start <= notification.created_at <= max(proposal.updated_at, start)
        assert Proposal.objects.exists()

    def test_its_data_academy_compares_scored_alternatives(self):
        from decisions.models import Proposal
        from decisions.scoring import compare
        from demo.scoring import STORY

        result = compare(Proposal.objects.get(title=STORY))
        assert [o.label for o in result.options][-1] == "DataCamp for Business (DataCamp)"
        assert len(result.options) == 3  # with Udemy Business from the catalog
        assert result.has_result
        assert result.ranks["proposed"] == 1

    def test_its_budgets_cover_this_fiscal_year_and_the_next(self, client):
        """HR, IT Operations and Marketing have budgets for this fiscal year and the next,
        set by the CDO (audited); Finance falls back to its standing annual budget; the
        budgets page shows each with its committed spend."""
        from core.fiscal import fiscal_year_of
        from stakeholders.models import DepartmentBudget

        year = fiscal_year_of(timezone.localdate())
        rows = set(DepartmentBudget.objects.values_list("department__code", "fiscal_year"))
        assert rows == {(c, y) for c in ("HR", "IT", "MKT") for y in (year, year + 1)}
        assert Event.objects.filter(kind="budget.created").count() == 6
        client.force_login(get_user_model().objects.get(username="cdo"))
        page = client.get("/budgets/").text
        assert "standing annual budget" in page
        assert page.count('class="inline budget-form"') == Department.objects.count()

    def test_its_chat_channels_are_switched_off_and_send_nothing(self):
        """IT's Slack and HR's Teams channel show how a channel is set up; their placeholder
        URLs lead nowhere, so they are seeded inactive and the delivery log stays clean."""
        from stakeholders.models import ChatChannel
        from webhooks.models import WebhookDelivery

        channels = ChatChannel.objects.select_related("subscription", "department")
        assert {(c.department.code, c.subscription.platform) for c in channels} == {
            ("IT", "slack"),
            ("HR", "teams"),
        }
        assert not any(c.subscription.is_active for c in channels)
        assert not WebhookDelivery.objects.filter(kind__startswith="chat.").exists()

    def test_its_lists_export_whole_in_the_readers_language(self, client):
        """The demo's proposals, the CDO's decisions and an audit trail, as their export links
        give them: every row the person may see, with Dutch headers and tier names."""
        import csv
        import io

        User = get_user_model()

        def rows(response):
            text = b"".join(response.streaming_content).decode("utf-8-sig")
            return list(csv.DictReader(io.StringIO(text)))

        requester = User.objects.get(username="requester.hr")
        client.force_login(requester)
        proposals = rows(client.get("/proposals/export.csv", HTTP_ACCEPT_LANGUAGE="nl"))
        assert len(proposals) == selectors.proposals_seen_by(requester).count()
        tiers = {p["Niveau"] for p in proposals if p["Niveau"]}
        assert tiers
        assert tiers <= {"Klein", "Gemiddeld", "Groot"}
        client.force_login(User.objects.get(username="cdo"))
        decisions = rows(client.get("/decisions/export.csv"))
        assert Decision.objects.exists()
        assert len(decisions) == Decision.objects.count()
        assert all(d["Rationale"] and d["Decided by"] for d in decisions)
        reference = decisions[0]["Reference"]
        trail = rows(client.get(f"/proposals/{reference}/timeline/export.csv"))
        proposal = Proposal.objects.get(reference=reference)
        assert len(trail) == Event.objects.filter(proposal_id=proposal.pk).count()

    def test_its_reference_data_reads_in_dutch_and_french(self):
        """Every department, tier, goal, checklist question and guardrail the demo seeds has a
        Dutch and a French value wherever it has an English one."""
        from landscape.models import Guardrail
        from stakeholders.models import ChecklistQuestion

        translated = [
            (Department, ("name",)),
            (ApprovalTier, ("name",)),
            (StrategicGoal, ("title", "description")),
            (ChecklistQuestion, ("text", "help_text")),
            (Guardrail, ("name", "description")),
        ]
        for model, fields in translated:
            rows = list(model.objects.all())
            assert rows, model
            for row in rows:
                for field in fields:
                    if getattr(row, f"{field}_en"):
                        assert getattr(row, f"{field}_nl"), (row, field)
                        assert getattr(row, f"{field}_fr"), (row, field)
        it = Department.objects.get(code="IT")
        hr = Department.objects.get(code="HR")
        assert (it.name_nl, it.name_fr) == ("IT-beheer", "Exploitation IT")
        assert (hr.name_nl, hr.name_fr) == ("Personeelszaken", "Ressources humaines")

    def test_its_glossary_holds_the_unified_language_with_each_departments_meaning(self, demo):
        from glossary.linking import link_terms
        from glossary.models import Term, TermVersion

        assert "Glossary terms: 11 created, 0 already there." in demo
        user = Term.objects.get(slug="user")
        meanings = dict(user.meanings.values_list("department__code", "text"))
        assert set(meanings) == {"HR", "IT", "MKT"}
        assert meanings["MKT"].startswith("A customer")
        # Each department's meaning written by its head, the shared definition by the CDO.
        authors = dict(
            TermVersion.objects.filter(term=user, field="meaning").values_list(
                "department__code", "changed_by__username"
            )
        )
        assert authors == {"HR": "head.hr", "IT": "head.it", "MKT": "head.mkt"}
        assert 'href="/glossary/#personal-data"' in link_terms(
            "Is a privacy impact assessment done where personal data is processed?"
        )

    def test_its_imports_came_in_through_the_import_with_their_audit_events(self, demo):
        from glossary.models import Term
        from imports.models import ImportRun

        assert "Imports (glossary, catalog): 2 created, 0 already there." in demo
        runs = {run.kind: run for run in ImportRun.objects.select_related("imported_by")}
        assert (runs["glossary"].imported_by.username, runs["glossary"].created) == ("cdo", 2)
        assert (runs["catalog"].imported_by.username, runs["catalog"].created) == ("admin", 2)
        assert Term.objects.get(name="shadow IT").meanings.count() == 3
        assert Solution.objects.get(source="import", external_id="mentorly-1").sso
        assert Event.objects.filter(kind="import.applied").count() == 2

    def test_it_seeds_an_empty_database(self, demo):
        assert "Proposals: 40 created, 0 already there." in demo
        departments = {d.code: d for d in Department.objects.all()}
        assert set(departments) == {"HR", "IT", "MKT", "FIN"}
        assert all(departments[c].signoff_required for c in ("HR", "IT", "MKT"))
        assert not departments["FIN"].signoff_required
        assert all(d.annual_budget > 0 and d.currency == "EUR" for d in departments.values())

        tiers = {t.name: t for t in ApprovalTier.objects.all()}
        assert (tiers["Small"].min_tco, tiers["Small"].max_tco) == (0, 10000)
        assert (tiers["Medium"].min_tco, tiers["Medium"].max_tco) == (10000, 100000)
        assert (tiers["Large"].min_tco, tiers["Large"].max_tco) == (100000, None)
        assert not tiers["Small"].cdo_decision_required
        assert tiers["Medium"].cdo_decision_required
        assert tiers["Large"].cdo_decision_required
        assert tiers["Large"].signoff_role == Role.HEAD
        assert [tiers[n].sla_days for n in ("Small", "Medium", "Large")] == [3, 5, 10]

        assert 5 <= StrategicGoal.objects.count() <= 8
        assert not StrategicGoal.objects.filter(owner__isnull=True).exists()

        assert Vendor.objects.count() >= 25
        assert Solution.objects.count() >= 40
        assert set(Solution.objects.values_list("category", flat=True)) == set(Category.values)
        assert set(Solution.objects.values_list("pricing_model", flat=True)) == set(
            PricingModel.values
        )
        # Entered here, but for the two of demo/files/catalog-import.csv (the import's source).
        assert set(Solution.objects.exclude(source="").values_list("source", flat=True)) == {
            "import"
        }
        assert Solution.objects.filter(in_use=True).count() >= 5
        assert Solution.objects.filter(iso27001=True).exists()
        assert Solution.objects.filter(soc2=True).exists()
        assert Solution.objects.filter(processes_personal_data=False).exists()
        assert Integration.objects.filter(source__in_use=True, target__in_use=True).count() >= 3

    def test_its_on_demand_offer_with_a_high_lock_in_waits_for_the_it_head(self):
        from decisions.lockin import lock_in_rating

        proposal = Proposal.objects.get(title="A/B testing on the website after the pilot")
        assert proposal.status == ProposalStatus.IN_REVIEW
        assert proposal.pricing_model == PricingModel.ON_DEMAND
        assert lock_in_rating(proposal).rating == "high"
        it = proposal.signoffs.get(round=proposal.round, department__code="IT")
        assert (it.required_role, it.status) == (Role.HEAD, SignOffStatus.PENDING)

    def test_its_vendor_risk_questionnaire_asks_the_it_head_where_it_is_high(self):
        from decisions.models import RiskAnswer, RiskQuestion
        from decisions.risk import risk_assessment

        assert RiskQuestion.objects.filter(is_active=True).count() >= 8
        assert not RiskQuestion.objects.filter(text_nl__isnull=True).exists()
        assert not RiskQuestion.objects.filter(text_fr__isnull=True).exists()
        answered = Proposal.objects.filter(risk_answers__isnull=False).distinct()
        assert answered.exists()
        ratings = {p.reference: risk_assessment(p).rating for p in answered}
        assert "high" in ratings.values()
        assert set(ratings.values()) - {"high"}
        for proposal in answered:
            it = proposal.signoffs.get(round=proposal.round, department__code="IT")
            if ratings[proposal.reference] == "high":
                assert it.required_role == Role.HEAD
        assert RiskAnswer.objects.filter(answered_by__username="reviewer.it").exists()
        # The plug-in lane's story keeps its lane: its rating is not high.
        plugin = Proposal.objects.get(title="Campaign decks in Pitch")
        assert risk_assessment(plugin).rating != "high"

    def test_it_spreads_the_proposals_over_every_status_and_tier(self):
        proposals = Proposal.objects.all()
        assert proposals.count() >= 30
        assert set(proposals.values_list("status", flat=True)) == set(ProposalStatus.values)
        assert set(proposals.values_list("tier__name", flat=True)) >= {"Small", "Medium", "Large"}
        assert set(proposals.values_list("requesting_department__code", flat=True)) == {
            "HR",
            "IT",
            "MKT",
        }
        # Buyer and payer differ on some; some name a new vendor instead of a catalog solution.
        assert proposals.exclude(paying_department=F("requesting_department")).exists()
        assert proposals.filter(solution__isnull=True).exclude(new_vendor_name="").exists()
        assert ProposalGoal.objects.exclude(note="").count() >= 30
        # A second round: changes were requested, then it was resubmitted.
        assert proposals.filter(round=2, status=ProposalStatus.IN_REVIEW).exists()
        assert SignOff.objects.filter(round=1, status=SignOffStatus.CHANGES_REQUESTED).exists()
        # In review with part of the sign-offs done, and overdue ones.
        assert SignOff.objects.filter(
            proposal__status=ProposalStatus.IN_REVIEW, status=SignOffStatus.APPROVED
        ).exists()
        assert SignOff.objects.filter(
            status=SignOffStatus.PENDING, due_on__lt=timezone.localdate()
        ).exists()
        # Everything came through the workflow: the CDO's decisions, answered checklists, history.
        assert Decision.objects.values("outcome").distinct().count() == 3
        # (Reviewers answered the checklists; the plug-in lane's guardrails signed for IT, and
        # nobody signed a consent presumed in consent mode.)
        approved = SignOff.objects.filter(
            status=SignOffStatus.APPROVED, by_guardrails=False, presumed=False
        )
        assert not approved.filter(answers={}).exists()
        # Consent mode (the Small tier): a presumed consent and an objection for the CDO.
        consent = proposals.get(title="Feedback forms for employer events")
        assert consent.status == ProposalStatus.AWAITING_DECISION
        assert consent.signoffs.get(department__code="MKT").presumed
        assert consent.signoffs.get(department__code="IT").status == SignOffStatus.REJECTED
        assert Event.objects.filter(proposal_id=consent.pk, kind="signoff.presumed").exists()
        plug_in = proposals.get(lane="plug_in")
        assert plug_in.signoffs.get(department__code="IT").by_guardrails
        for p in proposals.exclude(status__in=[ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN]):
            assert Event.objects.filter(proposal_id=p.pk, kind="proposal.submitted").exists(), p
        # Dated into the past, so that cycle times and budgets over a year mean something.
        month_ago = timezone.now() - dt.timedelta(days=30)
        assert proposals.filter(decided_at__lt=month_ago, submitted_at__lt=F("decided_at")).exists()

    def test_it_creates_every_documented_login_with_the_demo_password(self):
        readme = (Path(settings.BASE_DIR) / "README.md").read_text()
        table = readme.split("## Demo logins", 1)[1].split("\n\n", 2)[2].split("\n\n", 1)[0]
        documented = set(re.findall(r"`([a-z.]+)`", table))
        assert documented == {u.username for u in USERS}
        for username in documented:
            user = authenticate(sign_in_request(), username=username, password=DEMO_PASSWORD)
            assert user is not None, username
            assert user.first_name
            assert user.last_name
            assert user.email.endswith("@example.com")
        assert authenticate(sign_in_request(), username="cdo", password="wrong") is None

        users = {u.username: u for u in get_user_model().objects.all()}
        assert users["admin"].is_superuser
        assert users["admin"].is_staff
        assert is_cdo(users["cdo"])
        assert not is_cdo(users["head.it"])
        for code in ("hr", "it", "mkt"):
            reviewer = Membership.objects.get(user=users[f"reviewer.{code}"])
            assert (reviewer.role, reviewer.approval_limit) == (Role.REVIEWER, 100000)
            head = Membership.objects.get(user=users[f"head.{code}"])
            assert (head.role, head.approval_limit) == (Role.HEAD, None)
            requester = Membership.objects.get(user=users[f"requester.{code}"])
            assert requester.role == Role.MEMBER
            assert requester.department.code == code.upper()
        assert Membership.objects.get(user=users["finance.viewer"]).department.code == "FIN"

    def test_it_gives_every_demo_login_something_to_do(self):
        users = {u.username: u for u in get_user_model().objects.all()}

        for code in ("hr", "it", "mkt"):
            assert selectors.signoffs_actionable_by(user=users[f"reviewer.{code}"]).exists(), code
            assert selectors.signoffs_actionable_by(user=users[f"head.{code}"]).exists(), code
            waiting_on_requester = Proposal.objects.filter(
                requester=users[f"requester.{code}"],
                status__in=[ProposalStatus.DRAFT, ProposalStatus.CHANGES_REQUESTED],
            )
            assert waiting_on_requester.exists(), code
        # Large proposals wait for the heads: a reviewer's limit does not cover them.
        large = {"proposal__tier__name": "Large"}
        assert selectors.signoffs_actionable_by(user=users["head.it"]).filter(**large).exists()
        assert not (
            selectors.signoffs_actionable_by(user=users["reviewer.it"]).filter(**large).exists()
        )
        assert selectors.proposals_awaiting_decision().count() >= 2

    def test_it_leaves_an_audit_chain_that_verifies(self):
        out = StringIO()

        call_command("verify_audit", stdout=out)

        assert f"{Event.objects.count()} events verified" in out.getvalue()
        assert Event.objects.count() > 150


@changes_db
def test_it_adds_nothing_when_run_twice(django_assert_max_num_queries):
    assert not Proposal.objects.exists()
    seed()
    before = row_counts()
    head = AuditChainHead.objects.get()

    # What exists is read in a fixed number of queries, not one per demo row.
    # +2: the guardrails, the plug-in story; +2: renewals; +1: the standard tool; +3: the
    # monthly usage (tools, promises, rows there); +3: pilots; +5: the Dutch and French names
    # each kind of reference data may still lack (departments, tiers, goals, questions,
    # guardrails); +1: the glossary's terms; +1: the chat channels; +2: the demo imports; +1: the
    # single sign-on group mappings; +1: the budgets; +3: the onboarding templates, the
    # checklists to make, the onboarding stories; +1: the membership of the demo's assistant;
    # +6: the vendor risk questions, their translations, IT's reviewer and the proposals IT has
    # not assessed yet; +3: the scoring's users, criteria and story.
    with django_assert_max_num_queries(95):
        output = seed()

    assert row_counts() == before
    assert AuditChainHead.objects.get().last_hash == head.last_hash
    assert "Proposals: 0 created, 40 already there." in output
    assert "Audit events: 0 recorded." in output


@changes_db
def test_it_leaves_what_an_administrator_changed_alone():
    Department.objects.create(
        code="HR", name="People & Culture", annual_budget=123, signoff_required=True
    )
    get_user_model().objects.create_user("cdo", password="changed-by-the-admin")

    seed()

    hr = Department.objects.get(code="HR")
    assert (hr.name, hr.annual_budget) == ("People & Culture", 123)
    assert authenticate(sign_in_request(), username="cdo", password="changed-by-the-admin")
    assert authenticate(sign_in_request(), username="cdo", password=DEMO_PASSWORD) is None
    assert Proposal.objects.filter(requesting_department=hr).count() >= 10


@changes_db
def test_it_skips_the_stories_an_organisation_configured_otherwise_cannot_tell():
    # HR's sign-off is not required here, so the stories where HR signs cannot be played.
    Department.objects.create(code="HR", name="Human Resources", signoff_required=False)
    out, err = StringIO(), StringIO()

    call_command("seed_demo", stdout=out, stderr=err)

    assert "Demo proposal not played: “Replace Personio and DATEV" in err.getvalue()
    assert "could not be played" in out.getvalue()
    played = Proposal.objects.count()
    assert 20 <= played < 40
    # Nothing half-made: every proposal ended where its story says, and the chain verifies.
    assert not Proposal.objects.filter(title__startswith="Replace Personio").exists()
    call_command("verify_audit", stdout=StringIO())


@changes_db
def test_run_lifecycle_on_the_demo_flags_its_unused_tool_once(django_capture_on_commit_callbacks):
    """The demo's Slack (four months under a sixth of its seats) is not flagged by the seed;
    run_lifecycle flags it and drafts its retirement, once; the healthy tools stay unflagged."""
    from decisions.models import ProposalKind, ShelfwareFlag
    from landscape.models import Tool, ToolUsage

    seed()
    assert ToolUsage.objects.count() > 100
    assert not Tool.objects.filter(shelfware_since__isnull=False).exists()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("run_lifecycle", stdout=StringIO())
    flag = ShelfwareFlag.objects.select_related("tool__solution", "retirement").get()
    assert flag.tool.solution.name == "Slack Business+"
    assert flag.retirement.kind == ProposalKind.RETIREMENT
    assert flag.retirement.status == ProposalStatus.DRAFT
    assert list(Tool.objects.filter(shelfware_since__isnull=False)) == [flag.tool]
