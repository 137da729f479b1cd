"""Renewal reminders: 90, 30 and 7 days before a contract's notice deadline, the tool's business
owner and the heads of its owner (paying) department are told, in the app and by email, with a
`renewal.due` webhook and an audit event. A step of decisions.services.schedule.

Each reminder is sent once: a RenewalReminder row per tool, notice deadline and threshold claims
it (its unique constraint decides between two runs). A run that missed days sends the tightest
threshold reached, once (a run 20 days before the deadline sends the 30-day reminder, not the
90-day one too). No reminder once a renewal for that term is approved."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audit.services import record_event
from core.queue import enqueue_on_commit
from core.siteurl import site_url
from decisions import tasks
from decisions.models import (
    NotificationKind,
    Proposal,
    ProposalKind,
    ProposalStatus,
    RenewalReminder,
)
from decisions.notifications import department_heads, notifications_create
from decisions.services.renewal import RENEWABLE_LIFECYCLES
from landscape.contracts import ContractDates, tool_contract_dates
from landscape.models import Tool
from webhooks.services import webhook_event_queue

log = logging.getLogger(__name__)

REMINDER_DAYS = (90, 30, 7)


def reminder_threshold(days_left: int) -> int | None:
    """The tightest threshold reached `days_left` days before the deadline, or None (more than
    90 days left, or the deadline passed)."""
    if days_left < 0:
        return None
    reached = [days for days in REMINDER_DAYS if days_left <= days]
    return min(reached) if reached else None


def renewal_reminders_send(today: dt.date) -> int:
    """Send the reminders due `today`; returns how many were sent (0 on a second run)."""
    tools = list(
        Tool.objects.filter(
            lifecycle__in=RENEWABLE_LIFECYCLES,
            contract_start__isnull=False,
            term_months__gt=0,
        ).select_related("solution", "owner_department", "business_owner")
    )
    due: list[tuple[Tool, ContractDates, int]] = []
    for tool in tools:
        dates = tool_contract_dates(tool, today)
        threshold = reminder_threshold(dates.days_to_deadline) if dates else None
        if dates is not None and threshold is not None:
            due.append((tool, dates, threshold))
    if not due:
        return 0
    ids = [tool.pk for tool, _d, _t in due]
    sent = set(
        RenewalReminder.objects.filter(tool_id__in=ids).values_list(
            "tool_id", "notice_deadline", "days_before"
        )
    )
    decided = set(
        Proposal.objects.filter(
            kind=ProposalKind.RENEWAL, tool_id__in=ids, status=ProposalStatus.APPROVED
        ).values_list("tool_id", "renewal_date")
    )
    heads: dict[int, list[Any]] = {}
    count = 0
    for tool, dates, threshold in due:
        if (tool.pk, dates.notice_deadline, threshold) in sent:
            continue
        if (tool.pk, dates.renewal) in decided:
            continue
        if tool.owner_department_id not in heads:
            heads[tool.owner_department_id] = department_heads(
                department_id=tool.owner_department_id
            )
        try:
            with transaction.atomic():
                if _remind(tool, dates, threshold, today, heads[tool.owner_department_id]):
                    count += 1
        except Exception:  # one tool's failure must not stop the others; the next run retries
            log.exception("renewal reminder for tool %s failed", tool.pk)
    return count


def _remind(
    tool: Tool, dates: ContractDates, threshold: int, today: dt.date, heads: list[Any]
) -> bool:
    try:
        with transaction.atomic():  # a savepoint: the loser of a race stops here
            RenewalReminder.objects.create(
                tool=tool,
                notice_deadline=dates.notice_deadline,
                days_before=threshold,
                sent_on=today,
            )
    except IntegrityError:
        return False
    path = reverse("tool-detail", args=[tool.pk])

    def message() -> str:  # in each recipient's language, dates included
        return _(
            "Notice deadline for %(tool)s (%(dept)s) in %(days)s days, on %(deadline)s; the "
            "contract renews on %(renewal)s. Open a renewal: renew, renegotiate or cancel."
        ) % {
            "tool": tool.solution.name,
            "dept": tool.owner_department.name,
            "days": dates.days_to_deadline,
            "deadline": date_format(dates.notice_deadline),
            "renewal": date_format(dates.renewal),
        }

    users = [u for u in [tool.business_owner, *heads] if u is not None and u.is_active]
    created = notifications_create(
        users=users,
        kind=NotificationKind.RENEWAL,
        proposal=None,
        key=f"renewal_due:{tool.pk}:{dates.notice_deadline.isoformat()}:{threshold}",
        message=message,
        url=path,
    )
    for notification in created:
        if notification.emailed_at is None:
            enqueue_on_commit(tasks.send_notification_email, notification.pk)
    payload = {
        "tool": {
            "id": tool.pk,
            "name": tool.solution.name,
            "owner_department": tool.owner_department.code,
        },
        "notice_deadline": dates.notice_deadline.isoformat(),
        "renewal_date": dates.renewal.isoformat(),
        "days_left": dates.days_to_deadline,
        "days_before": threshold,
        "auto_renews": tool.auto_renews,
        "yearly_cost": (
            {"amount": str(tool.yearly_cost), "currency": tool.currency}
            if tool.yearly_cost is not None
            else None
        ),
        "url": site_url() + path,
    }
    record_event(
        kind="renewal.reminded",
        actor=None,
        payload={**payload, "notified": [u.get_username() for u in users]},
    )
    webhook_event_queue(kind="renewal.due", payload=payload)
    return True
