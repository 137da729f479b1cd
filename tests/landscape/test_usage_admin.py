"""Usage typed in the admin goes through the usage service: the checks, the right, the audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from audit.models import Event
from landscape.models import ToolUsage
from tests.factories import ToolFactory

pytestmark = pytest.mark.django_db

ADD = "/admin/landscape/toolusage/add/"


def staff_client(user) -> Client:
    user.is_staff = True
    user.save()
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["add_toolusage", "change_toolusage", "view_toolusage"]
        )
    )
    client = Client()
    client.force_login(user)
    return client


def form(tool, **overrides):
    data = {
        "tool": tool.pk,
        "month": "2026-10-01",
        "source": "admin",
        "active_users": "12",
        "licensed_seats": "40",
    }
    data.update(overrides)
    return data


def test_it_operations_staff_adds_usage_through_the_service(org):
    tool = ToolFactory(owner_department=org.departments["HR"])
    client = staff_client(org.it_reviewer)
    response = client.post(ADD, form(tool))
    assert response.status_code == 302
    row = ToolUsage.objects.get()
    assert (row.month, row.active_users, row.licensed_seats) == (dt.date(2026, 10, 1), 12, 40)
    assert Event.objects.filter(kind="usage.reported", payload__via="admin").exists()
    assert client.get("/admin/landscape/toolusage/").status_code == 200


def test_the_admin_refuses_a_day_that_is_not_the_first_and_more_users_than_seats(org):
    tool = ToolFactory(owner_department=org.departments["HR"])
    client = staff_client(org.it_reviewer)
    response = client.post(ADD, form(tool, month="2026-10-15"))
    assert response.status_code == 200  # the form again, with the constraint's message
    response = client.post(ADD, form(tool, active_users="90"), follow=True)
    assert "More active users than licensed seats." in response.content.decode()
    assert not ToolUsage.objects.exists()


def test_staff_who_do_not_keep_the_tool_cannot_add_its_usage(org):
    tool = ToolFactory(owner_department=org.departments["FIN"])
    response = staff_client(org.hr_reviewer).post(ADD, form(tool), follow=True)
    assert "owners or IT Operations" in response.content.decode()
    assert not ToolUsage.objects.exists()
