"""The identity group mappings in the admin: the administrator adds, changes and removes them,
each change in the audit trail; a staff member who is not an administrator may not."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import Event
from decisions.rights import cdo_group
from stakeholders.models import IdentityGroupMapping, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def form(**fields):
    return {"claim_value": "", "department": "", "role": "member", "approval_limit": "",
            "group": "", **fields}  # fmt: skip


def test_the_administrator_keeps_the_mappings_in_the_admin(client, org):
    client.force_login(org.superuser)
    add = reverse("admin:stakeholders_identitygroupmapping_add")
    assert client.get(add).status_code == 200
    response = client.post(add, form(claim_value="hr-reviewers",
                                     department=org.departments["HR"].pk, role="reviewer",
                                     approval_limit="1000"))  # fmt: skip
    assert response.status_code == 302, response.content[:500]
    mapping = IdentityGroupMapping.objects.get()
    assert (mapping.role, str(mapping.approval_limit)) == (Role.REVIEWER, "1000.00")
    change = reverse("admin:stakeholders_identitygroupmapping_change", args=[mapping.pk])
    response = client.post(change, form(claim_value="hr-reviewers", group=cdo_group().pk))
    assert response.status_code == 302
    mapping.refresh_from_db()
    assert (mapping.department, mapping.group) == (None, cdo_group())
    delete = reverse("admin:stakeholders_identitygroupmapping_delete", args=[mapping.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not IdentityGroupMapping.objects.exists()
    kinds = list(Event.objects.order_by("seq").values_list("kind", flat=True))
    assert kinds == [
        "identity_mapping.created", "identity_mapping.changed", "identity_mapping.deleted",
    ]  # fmt: skip
    changelist = reverse("admin:stakeholders_identitylink_changelist")
    assert client.get(changelist).status_code == 200


def test_the_admin_form_refuses_both_targets_or_none(client, org):
    client.force_login(org.superuser)
    add = reverse("admin:stakeholders_identitygroupmapping_add")
    both = form(claim_value="x", department=org.departments["HR"].pk, group=cdo_group().pk)
    for data in (both, form(claim_value="x")):
        response = client.post(add, data)
        assert response.status_code == 200
        assert "Choose either a department or a site group" in response.text
    assert not IdentityGroupMapping.objects.exists()


def test_staff_who_are_not_administrators_may_not_change_mappings(client, org):
    from django.contrib.auth.models import Permission

    staff = UserFactory(username="sam.staff", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__endswith="identitygroupmapping")
    )
    client.force_login(staff)
    add = reverse("admin:stakeholders_identitygroupmapping_add")
    response = client.post(add, form(claim_value="x", department=org.departments["HR"].pk))
    assert response.status_code == 403
    assert not IdentityGroupMapping.objects.exists()
