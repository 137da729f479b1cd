"""The Yammer rule: a tool bought for people who do not use it is flagged, and its retirement is
drafted for its owner.

The rule, run daily by decisions.services.schedule (beat and `manage.py run_lifecycle`):
- A tool **adopted** (or standard) for at least SHELFWARE_MIN_ADOPTED_DAYS (since it was last
  adopted, else since its lifecycle last changed, else since it joined the landscape)
- whose adoption (landscape.adoption: active users ÷ promised users) was below
  SHELFWARE_THRESHOLD in each of its latest SHELFWARE_MONTHS months with usage, and those months
  are consecutive calendar months (a gap in the reports judges nothing)
- is flagged: `Tool.shelfware_since`, a ShelfwareFlag with the figures, a retirement proposal
  drafted (not submitted) for its business owner (else its IT steward, else the head of its
  owner department), the owner and HR (SHELFWARE_HR_DEPARTMENT's reviewers and head) notified
  in the app and by email, the `tool.shelfware` webhook, audit events.
- A tool already flagged is not flagged again (one open flag per tool, a database constraint:
  a second run, even a concurrent one, drafts nothing twice).
- **Dismissed** by its owner with a reason (the tool stays; a draft retirement still untouched
  is withdrawn): flagged again only after adoption **recovered** (a month at or above the
  threshold after the dismissed flag's months) and dropped again for the months the rule asks.
- **Recovered** (the latest month with usage at or above the threshold): `shelfware_since` is
  cleared and the open flag marked cleared; a retirement already drafted stays with its owner.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from core.actors import Actor
from core.errors import DomainError, NotAllowed
from core.queue import enqueue_on_commit
from decisions import tasks
from decisions.models import (
    OPEN_STATES,
    NotificationKind,
    Proposal,
    ProposalKind,
    ProposalStatus,
    ShelfwareFlag,
)
from decisions.notifications import notifications_create
from decisions.rules import proposal_check
from decisions.services._common import set_status
from decisions.services.proposals import next_reference
from landscape.adoption import AdoptionPoint, adoption_trend_many, month_add, shelfware_threshold
from landscape.models import Lifecycle, Tool
from landscape.rights import can_edit_tool
from landscape.services import tool_event_data
from stakeholders.models import Membership, Role
from webhooks.services import webhook_event_queue

log = logging.getLogger(__name__)

JUDGED_LIFECYCLES = (Lifecycle.ADOPTED, Lifecycle.STANDARD)
# Months of history read per tool: enough for the run and for a recovery after a dismissal.
HISTORY_MONTHS = 36


@dataclass(frozen=True)
class Verdict:
    low: list[AdoptionPoint]  # the months below the threshold, oldest first ([] : not low)
    recovered: bool  # the latest month is at or above the threshold


def judge(trend: list[AdoptionPoint], *, threshold: Decimal, months: int) -> Verdict:
    """The rule on one tool's months with usage (oldest first)."""
    judged = [point for point in trend if point.ratio is not None]
    if not judged:
        return Verdict(low=[], recovered=False)
    recovered = (judged[-1].ratio or Decimal(0)) >= threshold
    run = judged[-months:]
    if len(run) < months or any(p.ratio is None or p.ratio >= threshold for p in run):
        return Verdict(low=[], recovered=recovered)
    # Consecutive calendar months: the run spans exactly `months` months.
    if month_add(run[0].month, months - 1) != run[-1].month:
        return Verdict(low=[], recovered=recovered)
    return Verdict(low=run, recovered=recovered)


def _adopted_since(tools: list[Tool]) -> dict[int, dt.date]:
    rows = (
        Tool.objects.filter(pk__in=[t.pk for t in tools])
        .annotate(
            adopted_at=Coalesce(
                Max(
                    "lifecycle_changes__changed_at",
                    filter=Q(lifecycle_changes__to_lifecycle=Lifecycle.ADOPTED)
                    & ~Q(lifecycle_changes__from_lifecycle=Lifecycle.STANDARD),
                ),
                "lifecycle_changed_at",
                "created_at",
            )
        )
        .annotate(adopted_on=TruncDate("adopted_at"))
        .values_list("pk", "adopted_on")
    )
    return dict(rows)


def tools_shelfware_check(*, today: dt.date | None = None) -> int:
    """The daily step: flag the tools the rule finds unused, clear those that recovered.
    Returns how many tools it flagged or cleared. A constant number of queries to judge every
    tool; one transaction per tool it changes."""
    today = today or timezone.localdate()
    threshold = shelfware_threshold()
    months = settings.SHELFWARE_MONTHS
    tools = list(
        Tool.objects.filter(lifecycle__in=JUDGED_LIFECYCLES).select_related(
            "solution", "owner_department"
        )
    )
    if not tools:
        return 0
    trends = adoption_trend_many(tools, months=HISTORY_MONTHS)
    adopted_on = _adopted_since(tools)
    last_flags: dict[int, ShelfwareFlag] = {}
    for flag in ShelfwareFlag.objects.filter(tool__in=tools).order_by(
        "tool_id", "-flagged_on", "-pk"
    ):
        last_flags.setdefault(flag.tool_id, flag)
    min_days = dt.timedelta(days=settings.SHELFWARE_MIN_ADOPTED_DAYS)
    done = 0
    for tool in tools:
        verdict = judge(trends[tool.pk], threshold=threshold, months=months)
        last = last_flags.get(tool.pk)
        if tool.shelfware_since is not None:
            if verdict.recovered:
                done += _clear(tool, today=today)
            continue
        if not verdict.low or today - adopted_on[tool.pk] < min_days:
            continue
        if last is not None and last.is_open:
            continue  # flagged, and cleared by hand: the open flag still stands
        if last is not None and last.dismissed_at is not None:
            recovered_since = [
                point
                for point in trends[tool.pk]
                if point.ratio is not None
                and point.ratio >= threshold
                and point.month.strftime("%Y-%m") > last.last_month
            ]
            if not recovered_since:
                continue  # dismissed, and adoption never came back above the threshold since
        if _flag(tool, low=verdict.low, threshold=threshold, today=today):
            done += 1
    return done


def _figures(points: list[AdoptionPoint]) -> list[dict[str, Any]]:
    return [
        {
            "month": point.month.strftime("%Y-%m"),
            "active_users": point.active_users,
            "promised_users": point.promised_users,
            "adoption": str(point.ratio),
        }
        for point in points
    ]


def _owner(tool: Tool) -> Any:
    """Who the retirement is drafted for: the business owner, else the IT steward, else the
    head of the owner department."""
    for user in (tool.business_owner, tool.it_steward):
        if user is not None and user.is_active:
            return user
    head = (
        Membership.objects.filter(
            department_id=tool.owner_department_id, role=Role.HEAD, user__is_active=True
        )
        .select_related("user")
        .order_by("user_id")
        .first()
    )
    return head.user if head else None


def _hr_people() -> list[Any]:
    memberships = Membership.objects.filter(
        department__code=settings.SHELFWARE_HR_DEPARTMENT,
        department__is_active=True,
        role__in=[Role.REVIEWER, Role.HEAD],
        user__is_active=True,
    ).select_related("user")
    return [m.user for m in memberships]


def _flag(tool: Tool, *, low: list[AdoptionPoint], threshold: Decimal, today: dt.date) -> bool:
    try:
        with transaction.atomic():
            tool = (
                Tool.objects.select_for_update(of=("self",))
                .select_related("solution", "owner_department", "business_owner", "it_steward")
                .get(pk=tool.pk)
            )
            if tool.shelfware_since is not None or tool.lifecycle not in JUDGED_LIFECYCLES:
                return False  # another run flagged it first
            flag = ShelfwareFlag.objects.create(
                tool=tool, flagged_on=today, months=_figures(low), threshold=threshold
            )
            Tool.objects.filter(pk=tool.pk).update(shelfware_since=today)
            tool.shelfware_since = today
            owner = _owner(tool)
            flag.retirement = _retirement_draft(tool, owner=owner, flag=flag, threshold=threshold)
            flag.save(update_fields=["retirement"])
            record_event(
                kind="tool.shelfware_flagged",
                actor=None,
                proposal_id=flag.retirement.pk if flag.retirement else None,
                payload={
                    "tool": tool.pk,
                    "flag": flag.pk,
                    "months": flag.months,
                    "threshold": str(threshold),
                    "retirement": flag.retirement.reference if flag.retirement else "",
                },
            )
            _notify(tool, flag=flag, owner=owner, threshold=threshold)
            webhook_event_queue(
                kind="tool.shelfware",
                payload=lambda: tool_event_data(
                    tool,
                    flagged_on=today.isoformat(),
                    months=flag.months,
                    threshold=str(threshold),
                    retirement=flag.retirement.reference if flag.retirement else None,
                ),
            )
            return True
    except IntegrityError:
        # A concurrent run created the open flag first (SQLite has no row lock to wait on).
        log.info("tool %s was flagged by a concurrent run", tool.pk)
        return False


def _retirement_draft(
    tool: Tool, *, owner: Any, flag: ShelfwareFlag, threshold: Decimal
) -> Proposal | None:
    """A retirement proposal for the owner to submit (a draft), unless one is open already."""
    existing = (
        Proposal.objects.filter(
            tool=tool,
            kind=ProposalKind.RETIREMENT,
            status__in=[ProposalStatus.DRAFT, *OPEN_STATES],
        )
        .order_by("-pk")
        .first()
    )
    if existing is not None or owner is None:
        return existing
    figures = ", ".join(
        f"{m['month']}: {round(Decimal(m['adoption']) * 100)}%" for m in flag.months
    )
    last = flag.months[-1]
    proposal = Proposal(
        requester=owner,
        kind=ProposalKind.RETIREMENT,
        tool=tool,
        title=_("Retire %(tool)s: unused") % {"tool": tool.solution.name},
        problem=_(
            "Adoption of %(tool)s stayed below %(threshold)s%% for %(n)d months (%(figures)s): "
            "%(active)d active users of %(promised)d promised. Drafted by the unused-tool rule: "
            "submit it to retire the tool, or dismiss the flag with a reason on the tool's page."
        )
        % {
            "tool": tool.solution.name,
            "threshold": round(threshold * 100),
            "n": len(flag.months),
            "figures": figures,
            "active": last["active_users"],
            "promised": last["promised_users"] or 0,
        },
        requesting_department=tool.owner_department,
        paying_department=tool.owner_department,
        solution=tool.solution,
        category=tool.solution.category,
        currency=tool.currency,
        employees_affected=last["active_users"],
    )
    try:
        proposal_check(proposal)
    except DomainError as error:
        log.warning("no retirement drafted for tool %s: %s", tool.pk, error.message)
        return None
    proposal.reference = next_reference(timezone.now().year)
    proposal.save()
    record_event(
        kind="proposal.created",
        actor=None,
        proposal_id=proposal.pk,
        payload={
            "reference": proposal.reference,
            "title": proposal.title,
            "drafted_by": "shelfware",
            "for": owner.pk,
        },
    )
    return proposal


def _notify(tool: Tool, *, flag: ShelfwareFlag, owner: Any, threshold: Decimal) -> None:
    url = reverse("tool-detail", args=[tool.pk]) + "#usage"

    def message() -> str:  # in each recipient's language
        return _(
            "%(tool)s is unused: adoption below %(threshold)s%% for %(n)d months. %(draft)s"
        ) % {
            "tool": tool.solution.name,
            "threshold": round(threshold * 100),
            "n": len(flag.months),
            "draft": (
                _("A retirement (%(ref)s) is drafted for its owner to submit or dismiss.")
                % {"ref": flag.retirement.reference}
                if flag.retirement
                else _("Its owner may dismiss the flag with a reason.")
            ),
        }

    users = [u for u in [owner, tool.business_owner, *_hr_people()] if u is not None]
    created = notifications_create(
        users=users,
        kind=NotificationKind.SHELFWARE,
        proposal=None,
        key=f"shelfware:{flag.pk}",
        message=message,
        url=url,
    )
    for notification in created:
        if notification.emailed_at is None:
            enqueue_on_commit(tasks.send_notification_email, notification.pk)


def _clear(tool: Tool, *, today: dt.date) -> int:
    with transaction.atomic():
        tool = Tool.objects.select_for_update(of=("self",)).get(pk=tool.pk)
        if tool.shelfware_since is None:
            return 0
        Tool.objects.filter(pk=tool.pk).update(shelfware_since=None)
        cleared = ShelfwareFlag.objects.filter(
            tool=tool, dismissed_at__isnull=True, cleared_on__isnull=True
        ).update(cleared_on=today)
        record_event(
            kind="tool.shelfware_cleared",
            actor=None,
            payload={"tool": tool.pk, "flags": cleared, "since": str(tool.shelfware_since)},
        )
        return 1


def shelfware_dismiss(*, tool: Tool, actor: Actor, reason: str) -> ShelfwareFlag:
    """The owner keeps an unused tool, saying why: the flag is dismissed, `shelfware_since`
    cleared, and the retirement drafted by the rule withdrawn while still an untouched draft.
    The tool's owners or IT Operations; a reason is required."""
    reason = (reason or "").strip()
    with transaction.atomic():
        tool = Tool.objects.select_for_update(of=("self",)).get(pk=tool.pk)
        if not can_edit_tool(user=actor, tool=tool):
            raise NotAllowed(_("Only the tool's owners or IT Operations can dismiss the flag."))
        flag = (
            ShelfwareFlag.objects.select_for_update(of=("self",))
            .filter(tool=tool, dismissed_at__isnull=True, cleared_on__isnull=True)
            .select_related("retirement")
            .first()
        )
        if flag is None:
            raise DomainError(_("The tool is not flagged as unused."))
        if not reason:
            raise DomainError(_("Say why the tool stays."), field="reason")
        flag.dismissed_by = actor  # type: ignore[assignment]
        flag.dismissed_at = timezone.now()
        flag.dismiss_reason = reason[:2000]
        flag.save(update_fields=["dismissed_by", "dismissed_at", "dismiss_reason"])
        Tool.objects.filter(pk=tool.pk).update(shelfware_since=None)
        draft = flag.retirement
        if draft is not None and draft.status == ProposalStatus.DRAFT:
            draft = Proposal.objects.select_for_update(of=("self",)).get(pk=draft.pk)
            set_status(
                draft,
                ProposalStatus.WITHDRAWN,
                actor=actor,
                decided=True,
                reason=_("The unused-tool flag was dismissed: %(reason)s") % {"reason": reason},
            )
        record_event(
            kind="tool.shelfware_dismissed",
            actor=actor,
            proposal_id=draft.pk if draft else None,
            payload={"tool": tool.pk, "flag": flag.pk, "reason": reason},
        )
        return flag
