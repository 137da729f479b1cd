"""Two CDOs making two tools of one category the standard at the same moment, on PostgreSQL:
the category's tools are locked first, so the later one replaces the earlier and the category
ends with exactly one standard, with nothing lost from the audit trail."""

from __future__ import annotations

import pytest

from audit.models import Event
from audit.selectors import verify_chain
from decisions.rights import cdo_group
from landscape.models import Tool
from landscape.services import standard_set
from tests.decisions.test_concurrency import describe, run_at_once
from tests.factories import UserFactory
from tests.landscape.standard_helpers import eligible_tool
from tests.services import need_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    need_postgres()


def test_two_cdos_at_once_leave_one_standard(org):
    second_cdo = UserFactory(username="chris.cdo")
    second_cdo.groups.add(cdo_group())
    slack = eligible_tool(name="Slack")
    teams = eligible_tool(name="Teams")
    outcomes = run_at_once(
        {
            "slack": lambda: standard_set(tool=slack, by=org.cdo),
            "teams": lambda: standard_set(tool=teams, by=second_cdo),
        }
    )
    assert all(o.ok for o in outcomes), describe(outcomes)
    standards = list(Tool.objects.filter(standard_since__isnull=False))
    assert len(standards) == 1
    assert Event.objects.filter(kind="tool.standard_set").count() == 2
    withdrawn = Event.objects.get(kind="tool.standard_withdrawn")
    assert withdrawn.payload["tool"] != standards[0].pk  # the earlier one made way
    assert verify_chain().ok
