"""The identity group mappings through the API: the administrator lists, adds, changes and
removes them (audited); anyone else is refused and nothing changes; bad input is a clean 400."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from audit.models import Event
from core.errors import NotAllowed
from decisions.rights import cdo_group
from stakeholders.identity import (
    identity_mapping_create,
    identity_mapping_delete,
    identity_mapping_update,
)
from stakeholders.models import IdentityGroupMapping, Role
from tests.api.conftest import session_api, token_api
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/identity-group-mappings/"


@pytest.fixture
def admin_api(org):
    return session_api(org.superuser)


def test_the_administrator_adds_a_department_mapping(admin_api):
    response = admin_api.post(URL, {"claim_value": "hr-reviewers", "department": "HR",
                                    "role": "reviewer", "approval_limit": "25000.00"})  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["claim_value"] == "hr-reviewers"
    assert body["department"]["code"] == "HR"
    assert (body["role"], body["approval_limit"], body["group"]) == ("reviewer", "25000.00", None)
    event = Event.objects.get(kind="identity_mapping.created")
    assert event.payload == {
        "claim_value": "hr-reviewers",
        "department": "HR",
        "role": "reviewer",
        "approval_limit": "25000.00",
        "group": None,
    }
    assert admin_api.post(URL, {"claim_value": "it", "department": "IT"}).status_code == 201
    event = Event.objects.filter(kind="identity_mapping.created").latest("seq")
    assert event.payload == {"claim_value": "it", "department": "IT", "role": "member",
                             "approval_limit": None, "group": None}  # fmt: skip


def test_the_administrator_maps_a_group_to_the_cdo(admin_api):
    group = cdo_group()
    response = admin_api.post(URL, {"claim_value": "cdo-office", "group": group.name})
    assert response.status_code == 201
    assert response.json()["group"] == "Chief Digital Officer"
    assert response.json()["department"] is None
    # A site group gives no role or limit: the audit trail says none.
    event = Event.objects.get(kind="identity_mapping.created")
    assert event.payload == {"claim_value": "cdo-office", "department": None, "role": None,
                             "approval_limit": None, "group": "Chief Digital Officer"}  # fmt: skip


def test_a_mapping_needs_exactly_one_target(admin_api):
    both = admin_api.post(URL, {"claim_value": "x", "department": "HR", "group": cdo_group().name})
    neither = admin_api.post(URL, {"claim_value": "x"})
    for response in (both, neither):
        assert response.status_code == 400
        assert "message" in response.json()
    assert not IdentityGroupMapping.objects.exists()


DUPLICATE = {"claim_value": ["This group already maps to that department or site group."]}


def test_the_same_group_cannot_map_twice_to_one_department(admin_api):
    assert admin_api.post(URL, {"claim_value": "it", "department": "IT"}).status_code == 201
    again = admin_api.post(URL, {"claim_value": "it", "department": "IT", "role": "head"})
    assert again.status_code == 400
    assert again.json()["errors"] == DUPLICATE
    assert IdentityGroupMapping.objects.get().role == Role.MEMBER
    # To another department it may, and another group to the same department.
    assert admin_api.post(URL, {"claim_value": "it", "department": "HR"}).status_code == 201
    assert admin_api.post(URL, {"claim_value": "it-leads", "department": "IT"}).status_code == 201
    assert IdentityGroupMapping.objects.count() == 3


def test_the_same_group_cannot_map_twice_to_one_site_group(admin_api):
    auditors = Group.objects.create(name="Auditors")
    cdo = {"claim_value": "office", "group": cdo_group().name}
    assert admin_api.post(URL, cdo).status_code == 201
    again = admin_api.post(URL, cdo)
    assert again.status_code == 400
    assert again.json()["errors"] == DUPLICATE
    # To another site group it may.
    assert admin_api.post(URL, {"claim_value": "office", "group": auditors.name}).status_code == 201
    assert sorted(IdentityGroupMapping.objects.values_list("group__name", flat=True)) == [
        "Auditors", "Chief Digital Officer",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "body",
    [
        {"claim_value": "a\x00b", "department": "HR"},
        {"claim_value": "a\nb", "department": "HR"},
        {"claim_value": "x" * 201, "department": "HR"},
        {"claim_value": "x", "department": "HR", "approval_limit": "1" * 40},
        {"claim_value": "x", "department": "HR", "approval_limit": "-1"},
        {"claim_value": "x", "department": "NOPE"},
        {"claim_value": "x", "department": "HR", "role": "king"},
        {"claim_value": 5, "department": "HR"},
        {"claim_value": "x", "department": "HR", "extra": 1},
        ["not", "an", "object"],
    ],
)
def test_bad_input_is_a_clean_400_and_nothing_is_added(admin_api, body):
    response = admin_api.post(URL, body)
    assert response.status_code == 400
    assert "message" in response.json()
    assert not IdentityGroupMapping.objects.exists()


def test_a_lone_surrogate_is_a_clean_400(admin_api):
    raw = '{"claim_value": "\\ud800", "department": "HR"}'
    response = admin_api.request("POST", URL, raw=raw)
    assert response.status_code == 400
    assert not IdentityGroupMapping.objects.exists()


def test_the_administrator_changes_and_removes_a_mapping(admin_api, org):
    mapping = IdentityGroupMapping.objects.create(
        claim_value="mkt", department=org.departments["MKT"]
    )
    url = f"{URL}{mapping.pk}/"
    response = admin_api.patch(url, {"role": "head", "approval_limit": "300"})
    assert response.status_code == 200
    assert response.json()["role"] == "head"
    event = Event.objects.get(kind="identity_mapping.changed")
    before = {"claim_value": "mkt", "department": "MKT", "role": "member", "approval_limit": None,
              "group": None}  # fmt: skip
    assert event.payload == {**before, "role": "head", "approval_limit": "300.00",
                             "before": before}  # fmt: skip
    # A site group given replaces the department.
    response = admin_api.patch(url, {"group": cdo_group().name})
    assert response.status_code == 200
    assert (response.json()["department"], response.json()["group"]) == (
        None, "Chief Digital Officer",
    )  # fmt: skip
    assert admin_api.delete(url).status_code == 204
    assert not IdentityGroupMapping.objects.exists()
    kinds = list(Event.objects.order_by("seq").values_list("kind", flat=True))
    assert kinds[-3:] == [
        "identity_mapping.changed", "identity_mapping.changed", "identity_mapping.deleted",
    ]  # fmt: skip
    deleted = Event.objects.get(kind="identity_mapping.deleted")
    assert deleted.payload == {
        "claim_value": "mkt",
        "department": None,
        "role": None,
        "approval_limit": None,
        "group": "Chief Digital Officer",
    }


def test_an_unknown_or_huge_id_is_a_404(admin_api):
    assert admin_api.get(f"{URL}999999/").status_code == 404
    assert admin_api.get(f"{URL}{2**70}/").status_code == 404


@pytest.mark.parametrize("persona", ["requester", "hr_head", "cdo", "outsider"])
def test_anyone_but_the_administrator_is_refused_and_nothing_changes(org, persona):
    mapping = IdentityGroupMapping.objects.create(
        claim_value="hr", department=org.departments["HR"]
    )
    api = session_api(getattr(org, persona))
    assert api.get(URL).status_code == 403
    assert api.post(URL, {"claim_value": "x", "department": "IT"}).status_code == 403
    assert api.patch(f"{URL}{mapping.pk}/", {"role": "head"}).status_code == 403
    assert api.delete(f"{URL}{mapping.pk}/").status_code == 403
    assert IdentityGroupMapping.objects.get().role == Role.MEMBER
    assert not Event.objects.filter(kind__startswith="identity_mapping.").exists()


def test_only_an_active_administrator_keeps_the_mappings_whoever_calls_the_rules(org):
    mapping = IdentityGroupMapping.objects.create(
        claim_value="hr", department=org.departments["HR"]
    )
    disabled_admin = UserFactory(username="ex.admin", is_superuser=True, is_active=False)
    for actor in (None, AnonymousUser(), org.requester, org.cdo, disabled_admin):
        with pytest.raises(NotAllowed):
            identity_mapping_create(actor=actor, data={"claim_value": "x", "department":
                                                       org.departments["IT"]})  # fmt: skip
        with pytest.raises(NotAllowed):
            identity_mapping_update(actor=actor, mapping=mapping, data={"role": Role.HEAD})
        with pytest.raises(NotAllowed):
            identity_mapping_delete(actor=actor, mapping=mapping)
    assert IdentityGroupMapping.objects.get().role == Role.MEMBER
    assert not Event.objects.filter(kind__startswith="identity_mapping.").exists()


def test_a_full_token_of_a_non_administrator_is_refused(org):
    assert token_api(org.requester).get(URL).status_code == 403


def test_the_list_costs_the_same_queries_for_one_mapping_or_many(
    admin_api, org, django_assert_max_num_queries
):
    IdentityGroupMapping.objects.create(claim_value="g0", department=org.departments["HR"])
    with django_assert_max_num_queries(8) as one:
        admin_api.get(URL)
    for n in range(1, 30):
        IdentityGroupMapping.objects.create(claim_value=f"g{n}", department=org.departments["IT"])
    IdentityGroupMapping.objects.create(claim_value="cdo", group=cdo_group())
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = admin_api.get(URL)
    assert len(response.json()) == 31
