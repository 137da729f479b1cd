"""Real races on PostgreSQL: several threads, each on its own connection, call the services at
the same moment. The services lock the proposal row first, then the sign-off, then the audit
chain head, so every race must end in one consistent state, with nothing lost from the audit
trail and no deadlock.

The threads never assert: they return what happened (a value or an exception) and the main
thread checks it, with the full traceback in the message when something unexpected was raised
(a psycopg2 DeadlockDetected, say)."""

from __future__ import annotations

import random
import threading
import traceback
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from audit.models import AuditChainHead, Event
from audit.selectors import verify_chain
from core.errors import InvalidTransition
from decisions import services
from decisions.models import Proposal, ProposalStatus, SignOff, SignOffStatus
from tests.factories import make_proposal
from tests.services import need_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Far above any lock wait these tests should see; a thread still running after it is stuck.
TIMEOUT = 60
# PostgreSQL allows 100 connections by default; the pool stays well below.
WORKERS = 10


@pytest.fixture(autouse=True)
def _postgres_only():
    # Autouse fixtures run first: on SQLite the test skips (or fails) before building the org.
    need_postgres()


@dataclass
class Outcome:
    """What one service call did: returned `value`, or raised `error`."""

    label: str
    value: Any = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def __str__(self) -> str:
        if self.error is None:
            return f"{self.label}: ok"
        return f"{self.label}: raised\n" + "".join(traceback.format_exception(self.error))


def describe(outcomes) -> str:
    return "\n".join(str(o) for o in outcomes)


def run_at_once(calls: dict[str, Callable[[], Any]]) -> list[Outcome]:
    """Run each call in a thread of its own, all released by one barrier once every thread holds
    its database connection, so that their transactions really start together."""
    barrier = threading.Barrier(len(calls))
    outcomes = [Outcome(label) for label in calls]

    def run(outcome: Outcome, call: Callable[[], Any]) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=TIMEOUT)
            outcome.value = call()
        except Exception as exc:
            barrier.abort()  # a thread that fails to start must not leave the others waiting
            outcome.error = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(outcome, call), name=f"race-{outcome.label}")
        for outcome, call in zip(outcomes, calls.values(), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    hung = [t.name for t in threads if t.is_alive()]
    assert not hung, f"threads still running after {TIMEOUT}s (a lock never released?): {hung}"
    return outcomes


def refused_as_invalid_transition(outcome: Outcome) -> bool:
    return isinstance(outcome.error, InvalidTransition)


def signoff_events(proposal: Proposal, code: str):
    return Event.objects.filter(
        proposal_id=proposal.pk, kind__startswith="signoff.", payload__department=code
    )


def status_path(proposal: Proposal) -> list[tuple[str, str]]:
    return [
        (e.payload["from"], e.payload["to"])
        for e in Event.objects.filter(proposal_id=proposal.pk, kind="proposal.status_changed")
    ]


def assert_chain_intact_and_gapless() -> None:
    report = verify_chain()
    assert report.ok, f"audit chain broken at #{report.broken_at}: {report.reason}"
    seqs = list(Event.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert AuditChainHead.objects.get(pk=1).last_seq == len(seqs)


def test_two_reviewers_of_one_department_approving_at_once_one_wins(org):
    for i in range(5):
        proposal = make_proposal(
            requester=org.requester, submit=True, new_vendor_name=f"Racing vendor {i}"
        )
        signoff = proposal.signoffs.get(department__code="HR")
        # Both orders of start, both personas on either side.
        approver, rejector = (
            (org.hr_reviewer, org.hr_head) if i % 2 else (org.hr_head, org.hr_reviewer)
        )
        approve, reject = run_at_once(
            {
                "approve": lambda s=signoff, a=approver: services.signoff_decide(
                    signoff=s, actor=a, outcome="approved"
                ),
                "reject": lambda s=signoff, a=rejector: services.signoff_decide(
                    signoff=s, actor=a, outcome="rejected", comment="Not GDPR-ready."
                ),
            }
        )

        assert [approve.ok, reject.ok].count(True) == 1, describe([approve, reject])
        winner, loser = (approve, reject) if approve.ok else (reject, approve)
        winning_actor = approver if approve.ok else rejector
        assert refused_as_invalid_transition(loser), describe([approve, reject])
        message = loser.error.message
        assert "has already signed" in message
        winning_status = "approved" if approve.ok else "rejected"
        assert winning_status in message
        assert winning_actor.get_full_name() in message

        assert winner.value.status == winning_status
        signoff.refresh_from_db()
        proposal.refresh_from_db()
        assert signoff.status == winning_status
        assert signoff.reviewer == winning_actor
        if approve.ok:
            assert proposal.status == ProposalStatus.IN_REVIEW
            assert signoff.comment == ""
            assert proposal.signoffs.filter(status=SignOffStatus.PENDING).count() == 2
        else:
            assert proposal.status == ProposalStatus.REJECTED
            assert signoff.comment == "Not GDPR-ready."
            assert not proposal.signoffs.filter(status=SignOffStatus.PENDING).exists()
        events = signoff_events(proposal, "HR")
        assert [e.kind for e in events] == [f"signoff.{winning_status}"]
        assert events.get().actor == winning_actor
    assert_chain_intact_and_gapless()


@pytest.mark.parametrize(
    ("costs", "after_approval"),
    [
        # Medium tier: all approved goes to the CDO, and a proposal awaiting the CDO can still
        # be withdrawn.
        ({}, ProposalStatus.AWAITING_DECISION),
        # Small tier: all approved approves it, and an approved proposal cannot be withdrawn.
        ({"one_off_cost": Decimal("1000"), "recurring_cost": 0}, ProposalStatus.APPROVED),
    ],
    ids=["medium-tier", "small-tier"],
)
def test_an_approval_racing_a_withdrawal_ends_in_one_consistent_state(org, costs, after_approval):
    codes = ["HR", "IT", "MKT"]
    for i in range(4):
        proposal = make_proposal(
            requester=org.requester, submit=True, new_vendor_name=f"Withdrawn vendor {i}", **costs
        )
        last_code = codes[i % 3]
        for signoff in proposal.signoffs.exclude(department__code=last_code):
            services.signoff_decide(
                signoff=signoff, actor=org.reviewers[signoff.department.code], outcome="approved"
            )
        last = proposal.signoffs.get(department__code=last_code)
        approver = org.reviewers[last_code]

        approve, withdraw = run_at_once(
            {
                "approve": lambda s=last, a=approver: services.signoff_decide(
                    signoff=s, actor=a, outcome="approved"
                ),
                "withdraw": lambda p=proposal: services.proposal_withdraw(
                    proposal=p, actor=org.requester, reason="Budget frozen."
                ),
            }
        )
        outcomes = describe([approve, withdraw])
        proposal.refresh_from_db()
        last.refresh_from_db()
        statuses = sorted(proposal.signoffs.values_list("status", flat=True))

        if not approve.ok:
            # The withdrawal won: the last sign-off was cancelled under the approver.
            assert refused_as_invalid_transition(approve), outcomes
            assert "The proposal is withdrawn" in approve.error.message
            assert withdraw.ok, outcomes
            assert proposal.status == ProposalStatus.WITHDRAWN
            assert last.status == SignOffStatus.CANCELLED
            assert last.reviewer is None
            assert statuses == ["approved", "approved", "cancelled"]
            assert not signoff_events(proposal, last_code).exists()
            assert status_path(proposal) == [("in_review", "withdrawn")]
        elif after_approval == ProposalStatus.AWAITING_DECISION:
            # The approval won and sent it to the CDO; the requester then withdrew it.
            assert withdraw.ok, outcomes
            assert proposal.status == ProposalStatus.WITHDRAWN
            assert statuses == ["approved", "approved", "approved"]
            assert status_path(proposal) == [
                ("in_review", "awaiting_decision"),
                ("awaiting_decision", "withdrawn"),
            ]
        else:
            # The approval won and approved it: too late to withdraw.
            assert refused_as_invalid_transition(withdraw), outcomes
            assert "cannot be withdrawn" in withdraw.error.message
            assert proposal.status == ProposalStatus.APPROVED
            assert statuses == ["approved", "approved", "approved"]
            assert status_path(proposal) == [("in_review", "approved")]
        if approve.ok:
            assert last.reviewer == approver
            assert [e.kind for e in signoff_events(proposal, last_code)] == ["signoff.approved"]
        # Never a pending sign-off on a decided proposal, nor all approved still in review.
        assert "pending" not in statuses
        assert proposal.status != ProposalStatus.IN_REVIEW
    assert_chain_intact_and_gapless()


def test_fifty_concurrent_signoffs_over_ten_proposals_lose_nothing(org):
    # A vendor each: ten proposals for one vendor would add up into the Large tier.
    proposals = [
        make_proposal(requester=org.requester, submit=True, new_vendor_name=f"Vendor {i}")
        for i in range(10)
    ]
    assert {p.tier.name for p in proposals} == {"Medium"}
    signoffs = list(
        SignOff.objects.filter(proposal__in=proposals)
        .select_related("proposal", "department")
        .order_by("pk")
    )
    assert len(signoffs) == 30
    rng = random.Random(20240611)
    # Every sign-off by a reviewer of its department; twenty of them a second time, at once, by
    # the head of that department.
    attempts = [(s, org.reviewers[s.department.code]) for s in signoffs]
    attempts += [(s, org.heads[s.department.code]) for s in rng.sample(signoffs, 20)]
    rng.shuffle(attempts)
    assert len(attempts) == 50

    barrier = threading.Barrier(WORKERS)

    def start_worker() -> None:
        # Each worker thread opens its connection, then all ten start on the same signal.
        connection.ensure_connection()
        barrier.wait(timeout=TIMEOUT)

    def attempt(signoff: SignOff, actor) -> Outcome:
        outcome = Outcome(f"{signoff.proposal.reference} {signoff.department.code} by {actor}")
        try:
            outcome.value = services.signoff_decide(
                signoff=signoff, actor=actor, outcome="approved"
            )
        except Exception as exc:
            outcome.error = exc
        finally:
            connection.close()
        return outcome

    with ThreadPoolExecutor(
        max_workers=WORKERS, initializer=start_worker, thread_name_prefix="signoff"
    ) as pool:
        futures = [pool.submit(attempt, signoff, actor) for signoff, actor in attempts]
        outcomes = [future.result(timeout=TIMEOUT) for future in futures]

    unexpected = [o for o in outcomes if not o.ok and not refused_as_invalid_transition(o)]
    assert not unexpected, describe(unexpected)
    by_signoff: dict[int, list[tuple[Outcome, Any]]] = defaultdict(list)
    for outcome, (signoff, actor) in zip(outcomes, attempts, strict=True):
        by_signoff[signoff.pk].append((outcome, actor))
    assert len(by_signoff) == 30
    for signoff_pk, tries in by_signoff.items():
        won = [actor for outcome, actor in tries if outcome.ok]
        lost = [outcome for outcome, _actor in tries if not outcome.ok]
        assert len(won) == 1, describe(o for o, _a in tries)
        # The duplicate, whichever came second, was told who signed first.
        assert all("has already signed" in o.error.message for o in lost), describe(lost)
        assert all(won[0].get_full_name() in o.error.message for o in lost), describe(lost)
        signoff = SignOff.objects.get(pk=signoff_pk)
        assert signoff.status == SignOffStatus.APPROVED
        assert signoff.reviewer == won[0]
    assert sum(o.ok for o in outcomes) == 30
    assert sum(not o.ok for o in outcomes) == 20

    for proposal in proposals:
        proposal.refresh_from_db()
        assert proposal.status == ProposalStatus.AWAITING_DECISION, proposal.reference
        assert sorted(proposal.signoffs.values_list("status", flat=True)) == ["approved"] * 3
        # The last approval moved it on, exactly once.
        assert status_path(proposal) == [("in_review", "awaiting_decision")]
    ours = Event.objects.filter(proposal_id__in=[p.pk for p in proposals])
    assert ours.filter(kind="signoff.approved").count() == 30
    assert ours.filter(kind__startswith="signoff.").count() == 30
    # 10 created + 10 submitted + 30 approved + 10 moved to the CDO: nothing lost, nothing extra.
    assert Event.objects.count() == 60
    assert_chain_intact_and_gapless()
