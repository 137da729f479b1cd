"""The demo's pilots, played through the pilot services after the demo proposals: the Mac fleet
pilot still running with measurable criteria; the Brevo newsletter pilot ended, rated by the
employees who used it, with HR and Marketing for keeping it and IT Operations for stopping it, so
that it waits for the CDO; and the engagement-survey pilot kept by all three, its tool adopted.
Each is skipped when its pilot has criteria already: running twice adds nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from decisions.models import (
    Notification,
    NotificationKind,
    PilotCriterion,
    Proposal,
    ProposalStatus,
)
from decisions.pilots import review_departments, verdict_right
from decisions.services import pilots
from demo.organisation import DEMO_PASSWORD
from stakeholders.models import Department

# Employees of no approving role: they use the tools and rate the pilots.
EMPLOYEES = [
    ("employee.lea", "Lea", "Fischer"),
    ("employee.jonas", "Jonas", "Meyer"),
    ("employee.amira", "Amira", "Haddad"),
    ("employee.noah", "Noah", "Peeters"),
    ("employee.sara", "Sara", "Costa"),
    ("employee.tom", "Tom", "Walsh"),
]


@dataclass(frozen=True)
class DemoPilot:
    title: str
    start: int  # days from today
    end: int
    criteria: list[dict[str, str]]
    participants: tuple[str, ...]
    measured: tuple[str, ...] = ()  # per criterion; none: still running
    # (username, recommend 0-10, score 1-5 per criterion, comment)
    ratings: tuple[tuple[str, int, tuple[int, ...], str], ...] = ()
    verdicts: tuple[tuple[str, str, str], ...] = ()  # (department, verdict, reason)


DEMO_PILOTS = [
    DemoPilot(
        title="Mac fleet management",
        start=-10,
        end=50,
        criteria=[
            {
                "metric": "Design-team Macs enrolled",
                "target": "95",
                "unit": "%",
                "how_measured": "Jamf inventory against the asset list",
            },
            {
                "metric": "Days from patch release to installed",
                "target": "14",
                "unit": "days",
                "how_measured": "Jamf patch report, median",
                "direction": "lower",
            },
        ],
        participants=("employee.lea", "employee.jonas", "employee.amira"),
    ),
    DemoPilot(
        title="Customer newsletter on Brevo",
        start=-75,
        end=-5,
        criteria=[
            {
                "metric": "Inbox placement",
                "target": "95",
                "unit": "%",
                "how_measured": "Seed-list test on both newsletters",
            },
            {
                "metric": "Cost per 1,000 emails",
                "target": "1.20",
                "unit": "EUR",
                "how_measured": "Invoice divided by emails sent",
                "direction": "lower",
            },
            {
                "metric": "Hours to build one newsletter",
                "target": "4",
                "unit": "hours",
                "how_measured": "Time sheet of the campaign team",
                "direction": "lower",
            },
        ],
        # Jonas has not rated yet: `manage.py run_lifecycle` asks him.
        participants=(
            "employee.sara",
            "employee.tom",
            "employee.noah",
            "requester.hr",
            "employee.jonas",
        ),
        measured=("96.5", "0.85", "5.5"),
        ratings=(
            ("employee.sara", 9, (5, 5, 3), "Templates are far nicer than Mailchimp's."),
            ("employee.tom", 7, (4, 5, 2), "The editor is slow with big images."),
            ("employee.noah", 4, (4, 4, 2), "We lost the HubSpot sync: lists by CSV again."),
            ("requester.hr", 10, (5, 5, 4), ""),
        ),
        verdicts=(
            ("HR", "keep", ""),
            (
                "IT",
                "stop",
                "No supported connector to HubSpot: contacts would be synced by file again, the "
                "very problem the Mailchimp retirement solves.",
            ),
            ("MKT", "keep", "Half the cost and better deliverability."),
        ),
    ),
    DemoPilot(
        title="Quarterly engagement surveys",
        start=-100,
        end=-10,
        criteria=[
            {
                "metric": "Response rate in the pilot divisions",
                "target": "60",
                "unit": "%",
                "how_measured": "Culture Amp participation report",
            },
            {
                "metric": "Managers who published an action",
                "target": "100",
                "unit": "%",
                "how_measured": "Action plans in Culture Amp per manager",
            },
        ],
        participants=("employee.lea", "employee.noah", "employee.amira", "requester.mkt"),
        measured=("71", "100"),
        ratings=(
            ("employee.lea", 9, (5, 4), "Five minutes, and my manager talked about the results."),
            ("employee.noah", 10, (5, 5), ""),
            ("employee.amira", 8, (4, 4), "Good, but the questions repeat."),
            ("requester.mkt", 9, (4, 5), ""),
        ),
        verdicts=(("HR", "keep", ""), ("IT", "keep", ""), ("MKT", "keep", "")),
    ),
]


def _employees() -> None:
    user_model = get_user_model()
    existing = set(
        user_model.objects.filter(username__in=[u for u, _f, _l in EMPLOYEES]).values_list(
            "username", flat=True
        )
    )
    missing = [e for e in EMPLOYEES if e[0] not in existing]
    if missing:
        password = make_password(DEMO_PASSWORD)  # once: the password is public anyway
        user_model.objects.bulk_create(
            [
                user_model(
                    username=u,
                    first_name=f,
                    last_name=last,
                    email=f"{u}@example.com",
                    password=password,
                )
                for u, f, last in missing
            ]
        )


def _signer(proposal: Proposal, department: Department) -> Any:
    """A demo reviewer or head who may give this department's verdict."""
    code = department.code.lower()
    for username in (f"reviewer.{code}", f"head.{code}"):
        user = get_user_model().objects.filter(username=username).first()
        if user and verdict_right(user=user, proposal=proposal, department=department):
            return user
    return None


def seed_demo_pilots() -> list[str]:
    """Play the demo pilots; the report's lines."""
    _employees()
    lines = []
    # Two queries when there is nothing to do: which pilots exist, which have criteria.
    piloting = {
        p.title: p
        for p in Proposal.objects.filter(
            title__in=[spec.title for spec in DEMO_PILOTS], status=ProposalStatus.PILOTING
        ).select_related("requester")
    }
    planned = set(
        PilotCriterion.objects.filter(proposal__in=list(piloting.values())).values_list(
            "proposal_id", flat=True
        )
    )
    for spec in DEMO_PILOTS:
        proposal = piloting.get(spec.title)
        if proposal is None or proposal.pk in planned:
            continue
        try:
            with transaction.atomic():
                state = _play(proposal, spec)
                # What the pilot told people went out with its last change, not after it.
                proposal.refresh_from_db(fields=["updated_at"])
                Notification.objects.filter(
                    proposal=proposal,
                    kind=NotificationKind.PILOT,
                    created_at__gt=proposal.updated_at,
                ).update(created_at=proposal.updated_at)
        except DomainError as error:  # the organisation is configured otherwise: nothing half-made
            lines.append(f"Pilot {proposal.reference} ({spec.title}) not played: {error.message}")
            continue
        lines.append(f"Pilot {proposal.reference} ({spec.title}): {state}.")
    return lines


def _play(proposal: Proposal, spec: DemoPilot) -> str:
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=[*spec.participants, proposal.requester.username]
        )
    }
    owner = proposal.requester
    today = timezone.localdate()
    pilots.pilot_update(
        proposal=proposal,
        actor=owner,
        criteria=spec.criteria,
        participants=[users[u] for u in spec.participants if u in users],
        start=today + dt.timedelta(days=spec.start),
        end=today + dt.timedelta(days=spec.end),
    )
    if not spec.measured:
        return "running"
    criteria = list(PilotCriterion.objects.filter(proposal=proposal).order_by("position"))
    for username, recommend, scores, comment in spec.ratings:
        pilots.pilot_rate(
            proposal=proposal,
            actor=users[username],
            recommend=recommend,
            scores={c.pk: s for c, s in zip(criteria, scores, strict=True)},
            comment=comment,
        )
    pilots.pilot_measure(
        proposal=proposal,
        actor=owner,
        values={c.pk: v for c, v in zip(criteria, spec.measured, strict=True)},
    )
    pilots.pilot_review_open(proposal=proposal, actor=owner)
    # The departments that give verdicts here (those whose sign-off is required).
    departments = {d.code: d for d in review_departments()}
    for code, verdict, reason in spec.verdicts:
        department = departments.get(code)
        if department is None:
            continue
        signer = _signer(proposal, department)
        if signer is None:
            return f"in review (no demo signer for {code})"
        pilots.pilot_verdict_give(
            proposal=proposal, actor=signer, department=department, verdict=verdict, reason=reason
        )
    proposal.refresh_from_db()
    if proposal.status == ProposalStatus.PILOTING:
        return "the departments disagree, waiting for the CDO"
    return proposal.get_status_display().lower()
