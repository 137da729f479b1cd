"""The Yammer rule: a tool adopted for 90 days whose adoption stays below the threshold for three
consecutive months is flagged, its owner and HR told, and its retirement drafted for the owner;
the owner may dismiss it with a reason; recovery clears it. Every run is idempotent."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from audit.models import Event
from audit.selectors import verify_chain
from core.errors import DomainError, NotAllowed
from decisions.models import Notification, Proposal, ProposalKind, ProposalStatus, ShelfwareFlag
from decisions.services.schedule import STEPS, run_lifecycle
from decisions.services.shelfware import shelfware_dismiss, tools_shelfware_check
from landscape.models import Lifecycle, ToolUsage
from tests.factories import SolutionFactory, ToolFactory
from tests.services import need_postgres
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 5)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def tool(org):
    org.requester.email = "rita@example.com"
    org.requester.save()
    return ToolFactory(
        owner_department=org.departments["HR"],
        business_owner=org.requester,
        solution=SolutionFactory(name="Chatter"),
        seats=100,
        lifecycle=Lifecycle.ADOPTED,
        lifecycle_changed_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        yearly_cost=12000,
    )


def usage(tool, *figures: tuple[str, int]) -> None:
    for month, active in figures:
        ToolUsage.objects.update_or_create(
            tool=tool,
            month=dt.date.fromisoformat(f"{month}-01"),
            source="api",
            defaults={"active_users": active},
        )


LOW = (("2026-08", 12), ("2026-09", 10), ("2026-10", 9), ("2026-11", 8))


def run(django_capture_on_commit_callbacks, today=TODAY) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return tools_shelfware_check(today=today)


def test_it_flags_an_unused_tool_and_drafts_its_retirement_for_the_owner(
    org, tool, django_capture_on_commit_callbacks
):
    usage(tool, ("2026-07", 60), *LOW)
    assert run(django_capture_on_commit_callbacks) == 1
    tool.refresh_from_db()
    assert tool.shelfware_since == TODAY
    flag = ShelfwareFlag.objects.get()
    assert [m["month"] for m in flag.months] == ["2026-09", "2026-10", "2026-11"]
    assert flag.months[-1] == {
        "month": "2026-11", "active_users": 8, "promised_users": 100, "adoption": "0.0800"
    }  # fmt: skip
    draft = flag.retirement
    assert (draft.kind, draft.status, draft.requester, draft.tool) == (
        ProposalKind.RETIREMENT, ProposalStatus.DRAFT, org.requester, tool)  # fmt: skip
    assert "below 30% for 3 months" in draft.problem
    told = set(
        Notification.objects.filter(kind="shelfware").values_list("user__username", flat=True)
    )
    assert told == {"rita.requester", "hanna.hr", "henk.hrhead"}
    assert (
        Notification.objects.filter(kind="shelfware").first().url
        == f"/landscape/tools/{tool.pk}/#usage"
    )
    assert "rita@example.com" in [m.to[0] for m in mail.outbox]
    assert any("Chatter is unused" in m.subject for m in mail.outbox)
    kinds = list(Event.objects.values_list("kind", flat=True))
    assert "tool.shelfware_flagged" in kinds
    assert "proposal.created" in kinds


def test_subscribers_hear_of_the_flag(org, tool, django_capture_on_commit_callbacks):
    WebhookSubscription.objects.create(
        name="Ops", url="http://127.0.0.1:9/hook", events=["tool.shelfware"]
    )
    usage(tool, *LOW)
    run(django_capture_on_commit_callbacks)
    run(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(kind="tool.shelfware")
    assert delivery.payload["tool"]["name"] == "Chatter"
    assert delivery.payload["retirement"] == ShelfwareFlag.objects.get().retirement.reference
    assert [m["month"] for m in delivery.payload["months"]] == ["2026-09", "2026-10", "2026-11"]


def test_running_it_twice_drafts_nothing_twice(org, tool, django_capture_on_commit_callbacks):
    usage(tool, *LOW)
    assert run(django_capture_on_commit_callbacks) == 1
    assert run(django_capture_on_commit_callbacks) == 0
    with django_capture_on_commit_callbacks(execute=True):
        run_lifecycle(today=TODAY)
    assert ShelfwareFlag.objects.count() == 1
    assert Proposal.objects.filter(kind=ProposalKind.RETIREMENT).count() == 1
    assert Notification.objects.filter(kind="shelfware").count() == 3


def test_it_is_a_step_of_the_lifecycle_schedule():
    names = [name for name, _step in STEPS]
    # Before "standards lapsed", so a tool flagged unused loses the standard in the same run.
    assert names.index("shelfware") < names.index("standards lapsed")


@pytest.mark.parametrize(
    ("changes", "figures"),
    [
        ({"lifecycle_changed_at": dt.datetime(2026, 10, 1, tzinfo=dt.UTC)}, LOW),  # 65 days
        ({"lifecycle": Lifecycle.PILOT}, LOW),
        ({}, (("2026-08", 12), ("2026-09", 10), ("2026-11", 8))),  # October is missing
        ({}, (("2026-10", 9), ("2026-11", 8))),  # two months only
        ({}, (("2026-09", 10), ("2026-10", 30), ("2026-11", 8))),  # 30% is not below 30%
    ],
    ids=["adopted-65-days", "pilot", "gap", "two-months", "one-month-at-threshold"],
)
def test_it_does_not_flag(org, tool, django_capture_on_commit_callbacks, changes, figures):
    for name, value in changes.items():
        setattr(tool, name, value)
    tool.save()
    usage(tool, *figures)
    assert run(django_capture_on_commit_callbacks) == 0
    assert not ShelfwareFlag.objects.exists()


def test_recovery_clears_the_mark(org, tool, django_capture_on_commit_callbacks):
    usage(tool, *LOW)
    run(django_capture_on_commit_callbacks)
    usage(tool, ("2026-12", 45))
    assert run(django_capture_on_commit_callbacks, today=dt.date(2026, 12, 20)) == 1
    tool.refresh_from_db()
    assert tool.shelfware_since is None
    flag = ShelfwareFlag.objects.get()
    assert flag.cleared_on == dt.date(2026, 12, 20)
    assert flag.retirement.status == ProposalStatus.DRAFT  # the owner's to submit or drop
    assert Event.objects.filter(kind="tool.shelfware_cleared").exists()


def test_the_owner_dismisses_with_a_reason_and_it_returns_only_after_a_recovery(
    org, tool, django_capture_on_commit_callbacks
):
    usage(tool, *LOW)
    run(django_capture_on_commit_callbacks)
    with pytest.raises(NotAllowed):
        shelfware_dismiss(tool=tool, actor=org.outsider, reason="No.")
    with pytest.raises(DomainError, match="Say why"):
        shelfware_dismiss(tool=tool, actor=org.requester, reason="  ")
    flag = shelfware_dismiss(tool=tool, actor=org.requester, reason="Works council channel.")
    tool.refresh_from_db()
    assert tool.shelfware_since is None
    assert (flag.dismissed_by, flag.dismiss_reason) == (org.requester, "Works council channel.")
    assert Proposal.objects.get(kind=ProposalKind.RETIREMENT).status == ProposalStatus.WITHDRAWN
    assert Event.objects.filter(kind="tool.shelfware_dismissed").exists()
    with pytest.raises(DomainError, match="not flagged"):
        shelfware_dismiss(tool=tool, actor=org.requester, reason="Again.")
    # Still low next month: dismissed, it stays dismissed.
    usage(tool, ("2026-12", 7))
    assert run(django_capture_on_commit_callbacks, today=dt.date(2027, 1, 5)) == 0
    # Recovered, then low again for three months: flagged again.
    usage(tool, ("2027-01", 50), ("2027-02", 9), ("2027-03", 8), ("2027-04", 7))
    assert run(django_capture_on_commit_callbacks, today=dt.date(2027, 5, 3)) == 1
    assert ShelfwareFlag.objects.count() == 2
    assert Proposal.objects.filter(kind=ProposalKind.RETIREMENT, status="draft").count() == 1


def test_the_tool_page_shows_the_flag_and_the_owner_dismisses_it_there(
    org, tool, django_capture_on_commit_callbacks
):
    usage(tool, *LOW)
    run(django_capture_on_commit_callbacks)
    owner = Client()
    owner.force_login(org.requester)
    page = owner.get(f"/landscape/tools/{tool.pk}/").content.decode()
    assert "Unused tool" in page
    assert "Dismiss the flag" in page
    outsider = Client()
    outsider.force_login(org.outsider)
    assert "Dismiss the flag" not in outsider.get(f"/landscape/tools/{tool.pk}/").content.decode()
    url = f"/landscape/tools/{tool.pk}/shelfware/dismiss/"
    refused = outsider.post(url, {"reason": "Mine now."})
    assert refused.status_code == 403
    empty = owner.post(url, {"reason": ""})
    assert empty.status_code == 400
    assert "Say why the tool stays." in empty.content.decode()
    done = owner.post(url, {"reason": "The works council uses it."}, follow=True)
    assert "dismissed on" in done.content.decode()
    assert "The works council uses it." in done.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_flag_once_and_draft_once(org):
    """PostgreSQL: the tool's row lock serialises the runs; the second sees the mark."""
    need_postgres()
    tool = ToolFactory(
        owner_department=org.departments["HR"],
        business_owner=org.requester,
        seats=100,
        lifecycle=Lifecycle.ADOPTED,
        lifecycle_changed_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
    )
    usage(tool, *LOW)
    barrier = threading.Barrier(3)
    results: list[int] = []
    errors: list[Exception] = []

    def check():
        try:
            barrier.wait(timeout=10)
            results.append(tools_shelfware_check(today=TODAY))
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=check) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(results) == [0, 0, 1]
    assert ShelfwareFlag.objects.count() == 1
    assert Proposal.objects.filter(kind=ProposalKind.RETIREMENT).count() == 1
    assert Event.objects.filter(kind="tool.shelfware_flagged").count() == 1
    assert verify_chain().ok


def test_the_admin_lists_the_flags_read_only(org, tool, django_capture_on_commit_callbacks):
    usage(tool, *LOW)
    run(django_capture_on_commit_callbacks)
    admin = Client()
    admin.force_login(org.superuser)
    listing = admin.get("/admin/decisions/shelfwareflag/")
    assert listing.status_code == 200
    assert "Chatter" in listing.content.decode()
    assert admin.get("/admin/decisions/shelfwareflag/add/").status_code == 403
