"""The standard tool for a category: who may become it, who decides it (the CDO only), one per
category, and how it is lost (retirement, shelfware)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import Event
from core.errors import InvalidTransition, NotAllowed
from decisions.services import schedule
from landscape import services as landscape
from landscape import standards
from landscape.models import Lifecycle, Tool, ToolLifecycleChange
from landscape.services import standard_set, standard_withdraw
from tests.factories import SolutionFactory, ToolFactory
from vendors.models import Category
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 10, 1)


@pytest.fixture(autouse=True)
def _departments(departments):
    return departments


@pytest.fixture
def adoption(monkeypatch):
    """{tool id: ratio}: the adoption each tool reports (None or missing: unknown)."""
    ratios: dict[int, Decimal | None] = {}
    monkeypatch.setattr(standards, "adoption_ratio", lambda tool: ratios.get(tool.pk))
    return ratios


def adopted_tool(*, days: int, category=Category.COLLABORATION, ratio=None, adoption=None, **kw):
    """A tool adopted `days` before TODAY (its lifecycle history says so)."""
    tool = ToolFactory(solution=SolutionFactory(category=category), **kw)
    change = ToolLifecycleChange.objects.create(
        tool=tool, from_lifecycle=Lifecycle.PILOT, to_lifecycle=Lifecycle.ADOPTED
    )
    when = timezone.make_aware(dt.datetime.combine(TODAY - dt.timedelta(days=days), dt.time(12)))
    ToolLifecycleChange.objects.filter(pk=change.pk).update(changed_at=when)
    if adoption is not None:
        adoption[tool.pk] = ratio
    return tool


def test_it_needs_180_days_adopted(adoption):
    young = adopted_tool(days=179, ratio=Decimal("0.8"), adoption=adoption)
    old = adopted_tool(days=180, ratio=Decimal("0.8"), adoption=adoption)
    assert standards.standard_eligibility(young, TODAY) == [
        "It has been adopted for 179 days; a standard needs 180."
    ]
    assert standards.standard_eligibility(old, TODAY) == []


def test_the_days_adopted_follow_the_setting(adoption, settings):
    settings.STANDARD_MIN_ADOPTED_DAYS = 30
    tool = adopted_tool(days=30, ratio=Decimal("0.8"), adoption=adoption)
    assert standards.standard_eligibility(tool, TODAY) == []


def test_it_needs_adoption_at_the_threshold(adoption, settings):
    settings.SHELFWARE_THRESHOLD = 0.30
    settings.STANDARD_MIN_ADOPTION = None
    below = adopted_tool(days=400, ratio=Decimal("0.2999"), adoption=adoption)
    at = adopted_tool(days=400, ratio=Decimal("0.30"), adoption=adoption)
    unknown = adopted_tool(days=400, ratio=None, adoption=adoption)
    assert standards.standard_eligibility(below, TODAY) == [
        "Its adoption is 29.9%; a standard needs at least 30%."
    ]
    assert standards.standard_eligibility(at, TODAY) == []
    assert standards.standard_eligibility(unknown, TODAY) == [
        "Its adoption is unknown: no usage has been reported yet."
    ]
    settings.STANDARD_MIN_ADOPTION = 0.5
    assert "a standard needs at least 50%" in standards.standard_eligibility(at, TODAY)[0]


def test_pilots_shelfware_and_retiring_tools_are_not_eligible(adoption):
    pilot = ToolFactory(lifecycle=Lifecycle.PILOT)
    assert "not adopted yet" in standards.standard_eligibility(pilot, TODAY)[0]
    shelf = adopted_tool(days=400, ratio=Decimal("0.9"), adoption=adoption)
    shelf.shelfware_since = TODAY
    assert standards.standard_eligibility(shelf, TODAY) == [
        "It is flagged as shelfware: hardly anyone uses it."
    ]
    for lifecycle in (Lifecycle.SUNSET, Lifecycle.RETIRED):
        tool = ToolFactory(lifecycle=lifecycle)
        assert standards.standard_eligibility(tool, TODAY) == ["It is being retired or is retired."]


def test_only_the_cdo_makes_a_standard(org, adoption):
    tool = adopted_tool(days=400, ratio=Decimal("0.9"), adoption=adoption)
    for who in (org.superuser, org.it_head, org.hr_head, org.requester):
        with pytest.raises(NotAllowed, match="Only the Chief Digital Officer"):
            standard_set(tool=tool, by=who, today=TODAY)
    tool.refresh_from_db()
    assert tool.standard_since is None
    standard_set(tool=tool, by=org.cdo, today=TODAY)
    tool.refresh_from_db()
    assert tool.standard_since is not None
    assert standards.standard_for(Category.COLLABORATION) == tool
    event = Event.objects.get(kind="tool.standard_set")
    assert event.actor == org.cdo
    assert event.payload["category"] == Category.COLLABORATION


def test_the_server_refuses_an_ineligible_tool(org, adoption):
    tool = adopted_tool(days=10, ratio=Decimal("0.9"), adoption=adoption)
    with pytest.raises(InvalidTransition, match="adopted for 10 days"):
        standard_set(tool=tool, by=org.cdo, today=TODAY)
    assert not Tool.objects.filter(standard_since__isnull=False).exists()


def test_a_second_standard_replaces_the_first_in_its_category(org, adoption):
    first = adopted_tool(days=400, ratio=Decimal("0.9"), adoption=adoption)
    second = adopted_tool(days=400, ratio=Decimal("0.5"), adoption=adoption)
    other = adopted_tool(
        days=400, ratio=Decimal("0.5"), adoption=adoption, category=Category.LEARNING
    )
    standard_set(tool=first, by=org.cdo, today=TODAY)
    standard_set(tool=other, by=org.cdo, today=TODAY)
    standard_set(tool=second, by=org.cdo, today=TODAY)
    assert list(Tool.objects.filter(standard_since__isnull=False).order_by("pk")) == [
        second,
        other,
    ]
    assert standards.standards_by_category() == {
        Category.COLLABORATION: second,
        Category.LEARNING: other,
    }
    withdrawn = Event.objects.get(kind="tool.standard_withdrawn")
    assert withdrawn.payload["tool"] == first.pk
    assert Event.objects.filter(kind="tool.standard_set").last().payload["previous"] == first.pk


def test_the_webhook_says_what_changed(org, adoption, django_capture_on_commit_callbacks):
    from webhooks.models import WebhookSubscription

    WebhookSubscription.objects.create(
        name="hook", url="https://example.com/hook", secret="s" * 32, events=[]
    )
    first = adopted_tool(days=400, ratio=Decimal("0.9"), adoption=adoption)
    second = adopted_tool(days=400, ratio=Decimal("0.9"), adoption=adoption)
    standard_set(tool=first, by=org.cdo, today=TODAY)
    with django_capture_on_commit_callbacks(execute=False):
        standard_set(tool=second, by=org.cdo, today=TODAY)
    payloads = [
        d.payload
        for d in WebhookDelivery.objects.filter(kind="tool.standard_changed").order_by("pk")
    ]
    last = payloads[-1]
    assert last["category"] == Category.COLLABORATION
    assert last["tool"]["id"] == second.pk
    assert last["previous_tool"]["id"] == first.pk
    assert last["by"] == org.cdo.username
    assert last["at"]


def test_the_cdo_withdraws_a_standard_saying_why(org, adoption):
    tool = adopted_tool(days=400, ratio=Decimal("0.9"), adoption=adoption)
    standard_set(tool=tool, by=org.cdo, today=TODAY)
    with pytest.raises(NotAllowed):
        standard_withdraw(tool=tool, by=org.superuser, reason="No")
    with pytest.raises(Exception, match="Say why"):
        standard_withdraw(tool=tool, by=org.cdo, reason=" ")
    standard_withdraw(tool=tool, by=org.cdo, reason="Replaced by the suite.")
    tool.refresh_from_db()
    assert tool.standard_since is None
    assert standards.standard_for(Category.COLLABORATION) is None
    with pytest.raises(InvalidTransition, match="not the standard"):
        standard_withdraw(tool=tool, by=org.cdo, reason="Again")


def test_a_tool_going_into_sunset_loses_the_standard(org, adoption):
    tool = adopted_tool(days=400, ratio=Decimal("0.9"), adoption=adoption)
    standard_set(tool=tool, by=org.cdo, today=TODAY)
    landscape.tool_sunset(
        tool=tool,
        actor=org.cdo,
        retire_on=TODAY + dt.timedelta(days=30),
        reason="Retire",
        proposal_reference="TP-1",
    )
    tool.refresh_from_db()
    assert tool.standard_since is None
    assert Event.objects.get(kind="tool.standard_withdrawn").payload["reason"] == (
        "The tool is being retired."
    )


def test_shelfware_loses_the_standard_on_the_next_run_once(org, adoption):
    tool = adopted_tool(days=400, ratio=Decimal("0.9"), adoption=adoption)
    standard_set(tool=tool, by=org.cdo, today=TODAY)
    Tool.objects.filter(pk=tool.pk).update(shelfware_since=TODAY)
    assert schedule.run_lifecycle(today=TODAY)["standards lapsed"] == 1
    tool.refresh_from_db()
    assert tool.standard_since is None
    assert schedule.run_lifecycle(today=TODAY)["standards lapsed"] == 0
    assert Event.objects.filter(kind="tool.standard_withdrawn").count() == 1


def test_eligibility_reads_the_reported_usage_against_the_promise(org):
    """Without the stand-in: 30 of 100 seats used is at the threshold, 29 is below."""
    from landscape.models import ToolUsage

    tool = adopted_tool(days=400, seats=100)
    assert "unknown" in standards.standard_eligibility(tool, TODAY)[0]
    usage = ToolUsage.objects.create(
        tool=tool, month=dt.date(2026, 9, 1), source="sso", active_users=29
    )
    assert "29%" in standards.standard_eligibility(tool, TODAY)[0]
    usage.active_users = 30
    usage.save()
    assert standards.standard_eligibility(tool, TODAY) == []
