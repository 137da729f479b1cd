"""Reads of the decisions app: querysets with what their pages need, in a fixed number of
queries."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from audit.models import Event
from audit.selectors import events_of_proposal
from core.dataversion import data_version
from decisions.models import (
    COMMITTED_STATES,
    Decision,
    Notification,
    Proposal,
    ProposalStatus,
    SignOff,
    SignOffStatus,
)
from decisions.rights import owners_q, proposals_visible_to, signable_q
from stakeholders.selectors import memberships_held
from vendors.models import Solution


def signoffs_actionable_by(*, user) -> QuerySet[SignOff]:
    """Open sign-offs that `user` may sign, overdue first. Open means pending: a pending
    sign-off is always of a proposal in review, at its current round (the services cancel the
    others when a round ends), so the filter needs no join: the signoff_open_queue index
    answers it, counted or paged, whatever the history."""
    # Their own memberships and those delegated to them (out of office) today.
    return (
        SignOff.objects.filter(
            signable_q(memberships_held(user=user)), status=SignOffStatus.PENDING
        )
        .exclude(proposal_requester=user)
        .exclude(proposal_filed_by=user)
        # The small tables come in separate queries: a nine-way join costs PostgreSQL more to
        # plan (~10 ms) than the four lookups cost to run.
        .select_related("proposal__solution__vendor")
        .prefetch_related(
            "department",
            "proposal__requester",
            "proposal__requesting_department",
            "proposal__paying_department",
            "proposal__tier",
        )
        .order_by("due_on", "pk")  # the signoff_queue index gives this order
    )


def signoffs_actionable_count(*, user) -> int:
    """How many sign-offs wait for `user`: the navigation's badge and the queue's pager. Cached
    under the data version (bumped by every recorded change) and the day (delegations start and
    end by date); the timeout bounds staleness after edits in the admin."""
    key = f"queue-count:{user.pk}:{data_version()}:{timezone.localdate()}"
    count = cache.get_or_set(key, lambda: signoffs_actionable_by(user=user).count(), timeout=300)
    return int(count or 0)


def proposals_awaiting_decision() -> QuerySet[Proposal]:
    """Oldest first. Every department has approved these, so no sign-off counts are needed."""
    return (
        Proposal.objects.filter(status=ProposalStatus.AWAITING_DECISION)
        .select_related(
            "requester",
            "filed_by",
            "requesting_department",
            "paying_department",
            "solution__vendor",
            "tier",
            "tool__solution",
            "tool__owner_department",
        )
        .order_by("submitted_at")
    )


def decision_cards() -> QuerySet[Proposal]:
    """What the CDO decides on, oldest first, with what a decision card shows: the five
    questions, the paying department's budget, every sign-off of the round (prefetched in one
    query, earlier rounds' dropped in Python: `round_signoffs`)."""
    return proposals_awaiting_decision().prefetch_related(
        Prefetch(
            "signoffs",
            queryset=SignOff.objects.select_related(
                "department", "reviewer", "on_behalf_of"
            ).order_by("department__code"),
            to_attr="all_signoffs",
        )
    )


def proposals_seen_by(user: Any) -> QuerySet[Proposal]:
    """The proposals `user` may see (others' drafts stay private to them): the start of every
    read of proposals a person asks for, lists, pages, counts and the API alike."""
    return Proposal.objects.filter(proposals_visible_to(user))


def _signoffs_in_round(**where: Any) -> Coalesce:
    """How many sign-offs of the proposal's current round (matching `where`): 0, not NULL,
    when none does (the grouped subquery then has no row)."""
    return Coalesce(
        Subquery(
            SignOff.objects.filter(proposal=OuterRef("pk"), round=OuterRef("round"), **where)
            .order_by()
            .values("proposal")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def proposal_list(
    *, user: Any, requester: Any = None, status: str | None = None
) -> QuerySet[Proposal]:
    qs = (
        proposals_seen_by(user)
        .select_related(
            "requester",
            "filed_by",
            "requesting_department",
            "paying_department",
            "solution__vendor",
            "tier",
        )
        # Counted per row shown (a correlated subquery each), not grouped over every proposal:
        # a page of 50 costs the same at a hundred proposals or a million.
        .annotate(
            approvals=_signoffs_in_round(status=SignOffStatus.APPROVED),
            signoffs_in_round=_signoffs_in_round(),
        )
    )
    if requester is not None:  # theirs: filed for them, or by them on someone's behalf
        qs = qs.filter(owners_q(requester))
    if status:
        qs = qs.filter(status=status)
    return qs


def _proposal_with_rounds() -> QuerySet[Proposal]:
    """Proposals with their people, sign-offs of every round, decisions, goals and integrations:
    what both the proposal page and the API's detail show."""
    return Proposal.objects.select_related(
        "requester",
        "filed_by",
        "requesting_department",
        "paying_department",
        "solution__vendor",
        "tier",
        "tool__solution",
        "tool__owner_department",
    ).prefetch_related(
        Prefetch(
            "signoffs",
            queryset=SignOff.objects.select_related(
                "department", "reviewer", "on_behalf_of"
            ).order_by("-round", "department__code"),
        ),
        Prefetch("decisions", queryset=Decision.objects.select_related("decided_by")),
        "goal_links__goal",
        "integrates_with__vendor",
    )


def proposal_detail(*, reference: str, user: Any) -> Proposal:
    """One proposal `user` may see, with everything its page shows, prefetched: also its
    comments and its timeline (`proposal.timeline`, the audit events, read by proposal id).
    Proposal.DoesNotExist for another's draft, as for a reference that does not exist."""
    proposal = (
        _proposal_with_rounds()
        .filter(proposals_visible_to(user))
        .prefetch_related("comments__author")
        .get(reference=reference)
    )
    proposal.timeline = proposal_timeline(proposal=proposal, viewer=user)  # type: ignore[attr-defined]
    return proposal


# Employee voice may be given without the name: the pages' timelines show who only to
# administrators; the audit chain itself keeps every actor.
NAMELESS_EVENTS = {"voice.given", "voice.withdrawn"}


def proposal_timeline(*, proposal: Proposal, viewer: Any = None) -> list[Event]:
    """The proposal's audit events in order, each with `status_change`: the (from, to) status
    labels when it records a change of status. Who gave their voice is shown to administrators
    only (`viewer`)."""
    labels = dict(ProposalStatus.choices)
    events = list(events_of_proposal(proposal_id=proposal.pk))
    show_names = bool(getattr(viewer, "is_superuser", False))
    for event in events:
        if event.kind in NAMELESS_EVENTS and not show_names:
            event.actor = None  # on this page only: the event itself is never changed
        change = None
        if "to" in event.payload:
            before, after = event.payload.get("from", ""), event.payload["to"]
            change = (str(labels.get(before, before)), str(labels.get(after, after)))
        event.status_change = change  # type: ignore[attr-defined]
    return events


def solutions_in_use(*, category: str, limit: int = 8) -> list[Solution]:
    """The tools of this category already in the landscape (no second tool for the same job)."""
    return list(
        Solution.objects.filter(category=category, in_use=True, is_deleted=False)
        .select_related("vendor")
        .order_by("name")[:limit]
    )


def proposals_committed(*, category: str, limit: int = 8) -> list[Proposal]:
    """Approved, piloting or adopted proposals of this category."""
    return list(
        Proposal.objects.filter(category=category, status__in=COMMITTED_STATES)
        .select_related("solution__vendor", "requesting_department")
        .order_by("-decided_at")[:limit]
    )


def notifications_of(*, user) -> QuerySet[Notification]:
    """A user's notifications, newest first (the notification_user_unread index leads with the
    user)."""
    return Notification.objects.filter(user_id=user.pk).order_by("-created_at", "-pk")


def notifications_unread_count(*, user) -> int:
    """The bell's number: one COUNT on the notification_user_unread index."""
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


# --- The REST API's reads (decisions/apis.py): constant query counts per page.


def proposals_for_api(*, user: Any) -> QuerySet[Proposal]:
    """Every proposal `user` may read (as in the browser: everything submitted, and their own
    drafts), with what the list representation shows (no sign-off counts: it has none) and
    without the long texts it does not show (the five answers' prose: most of a row's bytes)."""
    return (
        proposals_seen_by(user)
        .select_related(
            "requester",
            "filed_by",
            "requesting_department",
            "paying_department",
            "solution__vendor",
            "tier",
        )
        .defer(*LONG_TEXTS)
    )


# The proposal's prose, shown on its page and in the API's detail, never in a list.
LONG_TEXTS = (
    "problem",
    "rationale",
    "alternatives",
    "end_user_involvement",
    "integration_notes",
    "personal_data_notes",
    "pilot_success_criteria",
)


def proposal_for_api(*, reference: str, user: Any) -> Proposal:
    """One proposal `user` may read, with what its API representation shows, prefetched."""
    return _proposal_with_rounds().filter(proposals_visible_to(user)).get(reference=reference)


def signoffs_for_api() -> QuerySet[SignOff]:
    """Sign-offs with their proposal, department and people, for the API."""
    return SignOff.objects.select_related(
        "proposal", "department", "reviewer", "on_behalf_of"
    ).order_by("-pk")


def decisions_for_api() -> QuerySet[Decision]:
    return Decision.objects.select_related("proposal", "decided_by").order_by("-decided_at", "-pk")
