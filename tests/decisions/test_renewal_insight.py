"""A renewal is decided on the numbers: the tool's adoption against its promise (tested with
the renewals) and what the employees who piloted it said."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import time_machine
from django.urls import reverse

from decisions.services.renewal import renewal_open
from landscape.models import Lifecycle
from tests.pilots import AFTER, _measure_and_open, _rate, _verdicts, pilot  # noqa: F401


def test_a_kept_pilots_scores_show_on_its_tools_renewal(client, org, pilot):  # noqa: F811
    with time_machine.travel(AFTER):
        for user, recommend in ((org.anna, 10), (org.ben, 9), (org.cleo, 3)):
            _rate(pilot, user, recommend)
        _measure_and_open(org, pilot)
        _verdicts(org, pilot, {"HR": "keep", "IT": "keep", "MKT": "keep"})
    tool = pilot.tool
    tool.refresh_from_db()
    assert tool.lifecycle == Lifecycle.ADOPTED
    today = AFTER + dt.timedelta(days=200)
    tool.contract_start = today - dt.timedelta(days=300)
    tool.term_months, tool.notice_days, tool.yearly_cost = 12, 30, Decimal("1200")
    tool.business_owner = org.requester
    tool.save()
    with time_machine.travel(today):
        renewal = renewal_open(tool=tool, actor=org.requester, action="cancel")
        client.force_login(org.requester)
        page = client.get(reverse("proposal-detail", args=[renewal.reference])).content.decode()
    # Two promoters and one detractor of three answers: 67% - 33% = 33.
    assert "Promoter score 33 from 3 answers." in page
    assert "No ratings." not in page
