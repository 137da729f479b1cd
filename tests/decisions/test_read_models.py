"""The dashboard's read model (ProposalCount) equals a full recomputation after every kind of
write: the workflow, the admin, bulk inserts, queryset updates and deletes, the catalog changing
a solution's pricing model; randomized sequences of workflow actions, and concurrent ones on
PostgreSQL. `manage.py rebuild_read_models` repairs a drifted table and changes nothing on a
correct one."""

from __future__ import annotations

import datetime as dt
import random
import statistics
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection
from django.urls import reverse
from django.utils import timezone

from decisions import readmodels, services
from decisions.models import (
    DecisionOutcome,
    PendingSignOffCount,
    Proposal,
    ProposalCount,
    ProposalStatus,
    SignOff,
    SignOffStatus,
)
from tests.factories import SolutionFactory, make_proposal
from tests.services import need_postgres

pytestmark = pytest.mark.django_db


def cents(counts: dict) -> dict:
    """SQLite sums decimals as floats: compare to the cent."""
    return {
        key: (n, *(Decimal(amount).quantize(Decimal("0.01")) for amount in amounts))
        for key, (n, *amounts) in counts.items()
    }


def assert_in_step() -> None:
    assert cents(readmodels.maintained()) == cents(readmodels.recomputed())


def assert_open_signoffs_consistent() -> None:
    # The queue reads open sign-offs alone, on this invariant: a pending sign-off is of a
    # proposal in review at its current round, and carries its requester and round TCO.
    for signoff in SignOff.objects.filter(status=SignOffStatus.PENDING).select_related("proposal"):
        proposal = signoff.proposal
        assert proposal.status == ProposalStatus.IN_REVIEW, signoff
        assert signoff.round == proposal.round, signoff
        assert signoff.proposal_requester_id == proposal.requester_id, signoff
        assert signoff.tco == proposal.tco, signoff


def approve_all(org, proposal: Proposal) -> Proposal:
    for signoff in proposal.signoffs.filter(round=proposal.round, status="pending"):
        services.signoff_decide(
            signoff=signoff, actor=org.heads[signoff.department.code], outcome="approved"
        )
    proposal.refresh_from_db()
    return proposal


def test_the_workflow_keeps_the_counts(org):
    draft = make_proposal(requester=org.requester)
    assert_in_step()
    assert ProposalCount.objects.get(status=ProposalStatus.DRAFT).n == 1
    submitted = services.proposal_submit(proposal=draft, actor=org.requester)
    assert_in_step()
    approved = approve_all(org, submitted)
    assert_in_step()
    if approved.status == ProposalStatus.AWAITING_DECISION:
        services.decision_take(
            proposal=approved, actor=org.cdo, outcome=DecisionOutcome.APPROVED, rationale="Ok"
        )
        assert_in_step()
    other = make_proposal(requester=org.requester, submit=True)
    services.proposal_withdraw(proposal=other, actor=org.requester, reason="Moved")
    assert_in_step()
    counts = {row.status: row.n for row in ProposalCount.objects.filter(n__gt=0).order_by("status")}
    assert counts == {ProposalStatus.APPROVED: 1, ProposalStatus.WITHDRAWN: 1}


def test_writes_outside_the_workflow_keep_the_counts(org):
    proposals = [make_proposal(requester=org.requester, submit=True) for _ in range(3)]
    # A bulk insert (a script, the bench).
    Proposal.objects.bulk_create(
        [
            Proposal(
                reference=f"TP-BULK-{i}", title="Bulk", problem="p", requester=org.requester,
                requesting_department=org.departments["IT"],
                paying_department=org.departments["MKT"],
                new_solution_name="X", category="crm", status=ProposalStatus.APPROVED,
                tco=Decimal("1234.50"),
            )
            for i in range(5)
        ]
    )  # fmt: skip
    assert_in_step()
    # A queryset update (the admin's bulk actions, a data fix) and a delete.
    Proposal.objects.filter(pk=proposals[0].pk).update(
        paying_department=org.departments["MKT"], tco=Decimal("99999.99")
    )
    assert_in_step()
    Proposal.objects.filter(reference__startswith="TP-BULK-").update(status=ProposalStatus.ADOPTED)
    assert_in_step()
    Proposal.objects.filter(reference="TP-BULK-0").delete()
    assert_in_step()
    # An edit that changes no dimension changes no count.
    before = readmodels.maintained()
    Proposal.objects.filter(pk=proposals[1].pk).update(title="Renamed")
    assert readmodels.maintained() == before


def test_an_admin_edit_keeps_the_counts(admin_client, org):
    proposal = make_proposal(requester=org.requester)
    page = admin_client.get(reverse("admin:decisions_proposal_change", args=[proposal.pk]))
    assert page.status_code == 200
    proposal.category = "learning"
    proposal.save()
    assert_in_step()


def test_a_catalog_change_of_pricing_model_moves_the_spend(org):
    solution = SolutionFactory(pricing_model="per_seat")
    proposal = approve_all(
        org, make_proposal(requester=org.requester, submit=True, solution=solution)
    )
    assert proposal.pricing_model == "per_seat"
    solution.pricing_model = "on_demand"
    solution.save()
    proposal.refresh_from_db()
    assert proposal.pricing_model == "on_demand"
    assert_in_step()
    assert set(ProposalCount.objects.filter(n__gt=0).values_list("pricing_model", flat=True)) == {
        "on_demand"
    }


def test_pending_signoffs_are_counted_by_department_and_due_date(org):
    """The overdue counts' read model follows every way a sign-off stops or starts waiting, or
    moves its due date: submit, sign, a round returned for changes, withdrawal, the SLA's or an
    administrator's edit of the due date, a reassignment, bulk writes and deletes."""
    first = make_proposal(requester=org.requester, submit=True)
    second = make_proposal(requester=org.requester, submit=True)
    assert_in_step()
    pending = PendingSignOffCount.objects.filter(n__gt=0)
    assert sum(pending.values_list("n", flat=True)) == 6
    hr = first.signoffs.get(department__code="HR")
    services.signoff_decide(signoff=hr, actor=org.hr_head, outcome="approved")
    assert_in_step()
    it = first.signoffs.get(department__code="IT")
    services.signoff_decide(signoff=it, actor=org.it_head, outcome="changes_requested",
                            comment="Which SSO?")  # fmt: skip
    assert_in_step()  # the round's other pending sign-off is cancelled: it stops waiting
    services.proposal_withdraw(proposal=second, actor=org.requester, reason="Moved")
    assert_in_step()
    assert not PendingSignOffCount.objects.filter(n__gt=0).exists()
    third = make_proposal(requester=org.requester, submit=True)
    SignOff.objects.filter(proposal=third).update(due_on=dt.date(2026, 1, 5))
    assert_in_step()
    SignOff.objects.filter(proposal=third, department__code="HR").update(
        department=org.departments["FIN"]
    )
    assert_in_step()
    SignOff.objects.filter(proposal=third, department__code="MKT").delete()
    assert_in_step()
    assert dict(PendingSignOffCount.objects.filter(n__gt=0).values_list("department_id", "n")) == {
        org.departments["FIN"].pk: 1,
        org.departments["IT"].pk: 1,
    }


def test_overdue_counts_from_the_read_model_equal_a_count_of_the_sign_offs(org):
    from decisions.dashboard import dashboard_filters, figures

    today = dt.date(2026, 12, 4)
    for due in (dt.date(2026, 11, 1), dt.date(2026, 12, 3), today, dt.date(2026, 12, 9)):
        proposal = make_proposal(requester=org.requester, submit=True)
        SignOff.objects.filter(proposal=proposal).update(due_on=due)
    SignOff.objects.filter(department__code="MKT", due_on=dt.date(2026, 11, 1)).update(
        status=SignOffStatus.APPROVED
    )
    counted = {
        bar.label: int(bar.value)
        for bar in figures(filters=dashboard_filters({}), today=today).overdue_by_department
    }
    # Due before today and still pending: two proposals' HR and IT, one proposal's MKT.
    assert counted == {"Human Resources": 2, "IT Operations": 2, "Marketing": 1}
    # The filtered path (a join) says the same for the same sign-offs.
    filtered = figures(filters=dashboard_filters({"department": "HR"}), today=today)
    assert {b.label: int(b.value) for b in filtered.overdue_by_department} == counted


def test_rebuild_repairs_a_drifted_table_and_is_idempotent(org, capsys):
    for _ in range(3):
        make_proposal(requester=org.requester, submit=True)
    ProposalCount.objects.update(n=42)  # drift (as if a trigger had been dropped)
    PendingSignOffCount.objects.update(n=5)
    ProposalCount.objects.create(
        status="approved", requesting_department_id=999, paying_department_id=999, tier_id=0,
        category="crm", pricing_model="", n=7, tco=1,
    )  # fmt: skip
    call_command("rebuild_read_models")
    assert "differed from what was kept" in capsys.readouterr().out
    assert_in_step()
    call_command("rebuild_read_models")
    assert "0 differed" in capsys.readouterr().out
    assert_in_step()


OUTCOMES = ["approved", "approved", "approved", "rejected", "changes_requested"]


ACTIONS = {  # action: (weight, the states it applies to)
    "create": (3, None),
    "submit": (2, [ProposalStatus.DRAFT, ProposalStatus.CHANGES_REQUESTED]),
    "sign": (6, [ProposalStatus.IN_REVIEW]),
    "decide": (2, [ProposalStatus.AWAITING_DECISION]),
    "withdraw": (1, [ProposalStatus.IN_REVIEW, ProposalStatus.DRAFT]),
    "edit": (1, [ProposalStatus.DRAFT, ProposalStatus.CHANGES_REQUESTED]),
    "advance": (1, [ProposalStatus.APPROVED, ProposalStatus.PILOTING]),
}


def random_actions(org, rng: random.Random, steps: int) -> None:
    """A randomized sequence of real workflow actions, by the people allowed to take them;
    one in ten on a proposal in any state (a refusal, which must change nothing)."""
    from core.errors import DomainError

    names = list(ACTIONS)
    weights = [ACTIONS[name][0] for name in names]
    for _ in range(steps):
        action = rng.choices(names, weights)[0]
        states = ACTIONS[action][1]
        candidates = Proposal.objects.order_by("pk")
        if states is not None and rng.random() > 0.1:
            candidates = candidates.filter(status__in=states)
        proposals = list(candidates)
        try:
            if action == "create" or not proposals:
                cost = Decimal(rng.choice([500, 5000, 50000, 500000]))
                category = rng.choice(["crm", "learning"])
                make_proposal(requester=org.requester, submit=rng.random() < 0.5,
                              one_off_cost=cost, category=category)  # fmt: skip
                continue
            proposal = rng.choice(proposals)
            if action == "submit":
                services.proposal_submit(proposal=proposal, actor=org.requester)
            elif action == "sign":
                pending = list(proposal.signoffs.filter(status=SignOffStatus.PENDING))
                if pending:
                    signoff = rng.choice(pending)
                    services.signoff_decide(
                        signoff=signoff, actor=org.heads[signoff.department.code],
                        outcome=rng.choice(OUTCOMES), comment="Because.",
                    )  # fmt: skip
            elif action == "decide":
                services.decision_take(
                    proposal=proposal, actor=org.cdo, rationale="Because",
                    outcome=rng.choice(list(DecisionOutcome.values)),
                )  # fmt: skip
            elif action == "withdraw":
                services.proposal_withdraw(proposal=proposal, actor=org.requester, reason="r")
            elif action == "edit":
                services.proposal_update(
                    proposal=proposal, actor=org.requester,
                    data={"one_off_cost": Decimal(rng.randint(0, 300000))},
                )  # fmt: skip
            elif action == "advance":
                services.proposal_advance(
                    proposal=proposal, actor=org.requester,
                    action=rng.choice(["start_pilot", "adopt", "retire"]),
                )  # fmt: skip
        except DomainError:
            pass  # a refused action (wrong state, no right) changes nothing: also worth checking


@pytest.mark.parametrize("seed", range(4))
def test_random_workflow_sequences_keep_the_counts(org, seed):
    random_actions(org, random.Random(seed), steps=40)
    assert_in_step()
    assert_open_signoffs_consistent()
    # The sequence went somewhere: proposals in several states, not only refusals.
    reached = set(Proposal.objects.values_list("status", flat=True))
    assert len(reached) >= 4, reached


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_workflow_actions_keep_the_counts(org):
    need_postgres()
    for _ in range(6):
        make_proposal(requester=org.requester)
    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        try:
            random_actions(org, random.Random(seed), steps=15)
        except BaseException as error:
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert_in_step()
    assert_open_signoffs_consistent()


@pytest.mark.postgres
@pytest.mark.parametrize("seed", range(3))
def test_the_90_day_figures_from_the_read_model_equal_the_window_itself(org, seed):
    """Decided proposals spread over 120 days with cycle times of hours to weeks (many in the
    same one-day band, on both sides of the window's start): the read model's count, rejections
    and median equal PostgreSQL's percentile_cont over the window, to the second."""
    need_postgres()
    from decisions.dashboard import _decided_figures
    from decisions.models import DECIDED_STATES

    rng = random.Random(seed)
    now = timezone.now()
    proposals = [make_proposal(requester=org.requester) for _ in range(41 + seed)]
    for proposal in proposals:
        decided_at = now - dt.timedelta(seconds=rng.randint(0, 120 * 86400))
        cycle = dt.timedelta(seconds=rng.choice([3600, 86399, 86400, 86401, 200000])
                             + rng.randint(0, 5 * 86400))  # fmt: skip
        Proposal.objects.filter(pk=proposal.pk).update(
            status=rng.choice([ProposalStatus.APPROVED, ProposalStatus.REJECTED,
                               ProposalStatus.ADOPTED, ProposalStatus.WITHDRAWN]),
            submitted_at=decided_at - cycle, decided_at=decided_at,
        )  # fmt: skip
    assert_in_step()
    since = now - dt.timedelta(days=90)
    total, rejected, median = readmodels.decided_since(since)
    exact_total, exact_rejected, exact_median = _decided_figures(
        Proposal.objects.filter(
            decided_at__gte=since, submitted_at__isnull=False, status__in=DECIDED_STATES
        )
    )
    assert (total, rejected) == (exact_total, exact_rejected)
    assert total > 10
    assert round(median, 1) == exact_median
    # And the same median to the second, from the window's durations in Python.
    durations = sorted(
        (d - s).total_seconds()
        for s, d in Proposal.objects.filter(
            decided_at__gte=since, submitted_at__isnull=False, status__in=DECIDED_STATES
        ).values_list("submitted_at", "decided_at")
    )
    assert median * 86400 == pytest.approx(statistics.median(durations), abs=1e-3)
