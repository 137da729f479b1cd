"""Single sign-on's rules without the provider: which groups are read from the claims, what
several groups mapping to one department give, whose account a subject signs in as, and what
each sign-in grants, changes and takes away."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from audit.models import Event
from decisions.rights import cdo_group
from stakeholders.identity import (
    EMAIL_LENGTH,
    MAX_GROUP_LENGTH,
    MAX_GROUPS,
    MAX_SUBJECT_LENGTH,
    USERNAME_LENGTH,
    Grant,
    IdentityRefused,
    _stronger,
    grants_for_groups,
    groups_from_claims,
    identity_sign_in,
)
from stakeholders.models import IdentityGroupMapping, IdentityLink, Membership, Role
from stakeholders.selectors import is_cdo
from tests.factories import MembershipFactory, UserFactory

User = get_user_model()


def sign_in(subject="sub-1", groups=None, **claims):
    claims = {"sub": subject, "groups": groups or [], **claims}
    return identity_sign_in(claims=claims, id_token_subject=subject, groups_claim="groups")


def audited(kind):
    """Each event of `kind`, oldest first: who did it and what it says."""
    events = Event.objects.filter(kind=kind).order_by("seq").select_related("actor")
    return [(e.actor.username if e.actor else None, e.payload) for e in events]


def held(user):
    return {
        m.department.code: (m.role, m.approval_limit, m.from_identity_provider)
        for m in Membership.objects.filter(user=user).select_related("department")
    }


# --- The groups claim


def test_it_reads_a_list_of_group_names_and_a_single_name():
    assert groups_from_claims({"groups": ["a", "b"]}, claim="groups") == ["a", "b"]
    assert groups_from_claims({"groups": "a"}, claim="groups") == ["a"]
    assert groups_from_claims({"roles": ["a"]}, claim="roles") == ["a"]
    assert groups_from_claims({"roles": ["a"]}, claim="groups") == []


def test_it_skips_what_cannot_be_a_group_name():
    claims = {"groups": ["ok", 7, None, {"x": 1}, "", "  ", "nul\x00", "line\nbreak", " ok ", "ok"]}
    assert groups_from_claims(claims, claim="groups") == ["ok"]
    assert groups_from_claims({"groups": {"a": 1}}, claim="groups") == []
    assert groups_from_claims({"groups": 12}, claim="groups") == []


def test_names_after_one_that_cannot_be_a_group_name_are_still_read():
    claims = {"groups": [7, "a", "", "b", "x" * (MAX_GROUP_LENGTH + 1), "c", "nul\x00", "d"]}
    assert groups_from_claims(claims, claim="groups") == ["a", "b", "c", "d"]


def test_group_names_up_to_the_longest_a_mapping_holds_are_read():
    longest, too_long = "g" * MAX_GROUP_LENGTH, "g" * (MAX_GROUP_LENGTH + 1)
    assert groups_from_claims({"groups": [longest, too_long]}, claim="groups") == [longest]


def test_only_the_first_groups_are_read():
    names = [f"g{n}" for n in range(MAX_GROUPS + 1)]
    read = groups_from_claims({"groups": names}, claim="groups")
    assert len(read) == MAX_GROUPS
    assert read[-1] == f"g{MAX_GROUPS - 1}"


# --- Several groups for one department


def test_the_higher_role_wins_whatever_the_limits():
    reviewer = Grant(Role.REVIEWER, Decimal("10"))
    member = Grant(Role.MEMBER, None)
    assert _stronger(reviewer, member) is reviewer
    assert _stronger(member, reviewer) is reviewer
    head = Grant(Role.HEAD, Decimal("1"))
    assert _stronger(reviewer, head) is head


def test_for_the_same_role_the_higher_limit_wins_and_no_limit_is_highest():
    low, high = Grant(Role.REVIEWER, Decimal("10")), Grant(Role.REVIEWER, Decimal("10.01"))
    assert _stronger(low, high) is high
    assert _stronger(high, low) is high
    unlimited = Grant(Role.REVIEWER, None)
    assert _stronger(high, unlimited) is unlimited
    assert _stronger(unlimited, high) is unlimited
    same = Grant(Role.REVIEWER, Decimal("10"))
    assert _stronger(low, same) is low  # equal: the one held


@pytest.mark.django_db
def test_grants_come_from_mapped_groups_only(departments):
    IdentityGroupMapping.objects.create(
        claim_value="hr", department=departments["HR"], role=Role.MEMBER
    )
    IdentityGroupMapping.objects.create(
        claim_value="hr-leads", department=departments["HR"], role=Role.HEAD,
        approval_limit=Decimal("5"),
    )  # fmt: skip
    IdentityGroupMapping.objects.create(claim_value="cdo", group=cdo_group())
    grants, groups = grants_for_groups(["hr", "hr-leads", "other"])
    assert grants == {departments["HR"].pk: Grant(Role.HEAD, Decimal("5.00"))}
    assert groups == set()
    grants, groups = grants_for_groups(["cdo"])
    assert grants == {}
    assert groups == {cdo_group().pk}
    assert grants_for_groups([]) == ({}, set())


@pytest.mark.django_db
def test_the_strongest_grant_wins_whichever_group_is_read_first(departments):
    def mapping(claim_value, code, role, limit=None):
        IdentityGroupMapping.objects.create(claim_value=claim_value, department=departments[code],
                                            role=role, approval_limit=limit)  # fmt: skip

    IdentityGroupMapping.objects.create(claim_value="a-cdo", group=cdo_group())
    mapping("hr-heads", "HR", Role.HEAD, Decimal("5"))
    mapping("hr-members", "HR", Role.MEMBER)
    mapping("it-big", "IT", Role.REVIEWER, Decimal("1000"))
    mapping("it-small", "IT", Role.REVIEWER, Decimal("10"))
    grants, groups = grants_for_groups(["a-cdo", "hr-heads", "hr-members", "it-big", "it-small"])
    assert grants == {
        departments["HR"].pk: Grant(Role.HEAD, Decimal("5.00")),
        departments["IT"].pk: Grant(Role.REVIEWER, Decimal("1000.00")),
    }
    assert groups == {cdo_group().pk}


# --- Who signs in


@pytest.mark.django_db
def test_a_subject_signs_in_as_the_same_person_every_time():
    first = sign_in(preferred_username="ann")
    again = sign_in(preferred_username="ann-renamed", given_name="Ann")
    assert again == first
    assert again.first_name == "Ann"
    assert again.username == "ann"  # the name chosen at the first sign-in stays
    assert IdentityLink.objects.count() == 1


@pytest.mark.django_db
def test_user_info_about_another_subject_than_the_id_token_is_refused():
    with pytest.raises(IdentityRefused):
        identity_sign_in(claims={"sub": "a"}, id_token_subject="b", groups_claim="groups")
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("subject", [None, "", "  ", 17, "x\x00y", "s" * (MAX_SUBJECT_LENGTH + 1)])
def test_a_missing_or_unreadable_subject_is_refused(subject):
    with pytest.raises(IdentityRefused):
        identity_sign_in(claims={"sub": subject}, id_token_subject=str(subject),
                         groups_claim="groups")  # fmt: skip
    assert not User.objects.exists()


@pytest.mark.django_db
def test_the_longest_subject_signs_in():
    assert sign_in(subject="s" * MAX_SUBJECT_LENGTH).pk


@pytest.mark.django_db
def test_an_unusable_username_or_email_from_the_provider_is_not_used():
    user = sign_in(preferred_username="ha ck!/", email="not an email")
    assert user.username == "hack"
    assert user.email == ""
    unreadable = sign_in(subject="sub-4", preferred_username="nul\x00")
    assert unreadable.username.startswith("sso-")
    other = sign_in(subject="sub-2", email="zoe@example.org")
    assert other.username == "zoe"
    nameless = sign_in(subject="sub-3")
    assert nameless.username.startswith("sso-")


@pytest.mark.django_db
def test_a_username_someone_here_has_gets_a_suffix_from_the_subject():
    UserFactory(username="ann")
    suffix = hashlib.sha256(b"sub-1").hexdigest()[:10]
    assert sign_in(preferred_username="ann").username == f"ann-{suffix}"
    assert not IdentityLink.objects.filter(user__username="ann").exists()  # not taken over
    long_name = "x" * USERNAME_LENGTH
    UserFactory(username=long_name)
    suffix = hashlib.sha256(b"sub-2").hexdigest()[:10]
    user = sign_in(subject="sub-2", preferred_username=long_name)
    assert user.username == f"{'x' * (USERNAME_LENGTH - 11)}-{suffix}"
    assert len(user.username) == USERNAME_LENGTH


@pytest.mark.django_db
def test_an_email_too_long_to_keep_is_not_used_and_not_shortened():
    domain = f"{'b' * 63}.{'c' * 63}.{'d' * 57}.org"
    longest = f"{'a' * 64}@{domain}"
    assert len(longest) == EMAIL_LENGTH
    assert sign_in(email=longest).email == longest
    too_long = f"{'a' * 64}@{domain[:-4]}d.org"
    assert len(too_long) == EMAIL_LENGTH + 1
    assert sign_in(subject="sub-2", email=too_long).email == ""


@pytest.mark.django_db
def test_a_disabled_account_is_refused():
    user = sign_in()
    User.objects.filter(pk=user.pk).update(is_active=False)
    with pytest.raises(IdentityRefused):
        sign_in()


# --- What a sign-in grants and takes away


@pytest.fixture
def mapped(departments):
    return {
        "hr": IdentityGroupMapping.objects.create(
            claim_value="hr", department=departments["HR"], role=Role.REVIEWER,
            approval_limit=Decimal("1000"),
        ),
        "it": IdentityGroupMapping.objects.create(
            claim_value="it", department=departments["IT"], role=Role.VIEWER
        ),
        "cdo": IdentityGroupMapping.objects.create(claim_value="cdo", group=cdo_group()),
    }  # fmt: skip


@pytest.mark.django_db
def test_a_sign_in_grants_changes_and_removes_only_what_came_from_the_provider(mapped, departments):
    user = sign_in(groups=["hr", "it"])
    assert held(user) == {
        "HR": (Role.REVIEWER, Decimal("1000.00"), True),
        "IT": (Role.VIEWER, None, True),
    }
    MembershipFactory(user=user, department=departments["MKT"], role=Role.MEMBER,
                      approval_limit=None)  # fmt: skip
    mapped["hr"].approval_limit = None
    mapped["hr"].save()
    sign_in(groups=["hr"])
    assert held(user) == {
        "HR": (Role.REVIEWER, None, True),
        "MKT": (Role.MEMBER, None, False),
    }
    kinds = list(Event.objects.order_by("seq").values_list("kind", flat=True))
    assert kinds == [
        "user.created_by_sign_in",
        "membership.granted_by_sign_in",
        "membership.granted_by_sign_in",
        "membership.changed_by_sign_in",
        "membership.removed_by_sign_in",
    ]


@pytest.mark.django_db
def test_each_membership_a_sign_in_grants_changes_or_removes_is_audited(mapped, departments):
    user = sign_in(preferred_username="ann")
    # Made by hand before any group came: it stays, and the others are still kept in step.
    MembershipFactory(user=user, department=departments["MKT"], role=Role.MEMBER,
                      approval_limit=None)  # fmt: skip
    sign_in(groups=["hr", "it"])
    hr = {"user": "ann", "department": "HR", "role": "reviewer", "approval_limit": "1000.00"}
    it = {"user": "ann", "department": "IT", "role": "viewer", "approval_limit": None}
    assert audited("membership.granted_by_sign_in") == [("ann", hr), ("ann", it)]
    mapped["hr"].role, mapped["hr"].approval_limit = Role.HEAD, Decimal("2500")
    mapped["hr"].save()
    sign_in(groups=["hr"])
    assert held(user) == {
        "HR": (Role.HEAD, Decimal("2500.00"), True),
        "MKT": (Role.MEMBER, None, False),
    }
    changed = {"user": "ann", "department": "HR", "role": "head", "approval_limit": "2500.00",
               "before": hr}  # fmt: skip
    assert audited("membership.changed_by_sign_in") == [("ann", changed)]
    assert audited("membership.removed_by_sign_in") == [("ann", it)]


@pytest.mark.django_db
def test_a_group_for_a_department_held_by_hand_leaves_it_alone_and_grants_the_others(
    mapped, departments
):
    user = sign_in(preferred_username="ann")
    MembershipFactory(user=user, department=departments["HR"], role=Role.MEMBER,
                      approval_limit=None)  # fmt: skip
    sign_in(groups=["hr", "it"])
    assert held(user) == {
        "HR": (Role.MEMBER, None, False),
        "IT": (Role.VIEWER, None, True),
    }
    sign_in(groups=[])
    assert held(user) == {"HR": (Role.MEMBER, None, False)}


@pytest.mark.django_db
def test_a_site_group_a_sign_in_grants_or_takes_away_is_audited(mapped):
    sign_in(preferred_username="ann", groups=["cdo"])
    sign_in(groups=[])
    cdo = {"user": "ann", "group": "Chief Digital Officer"}
    assert audited("group.granted_by_sign_in") == [("ann", cdo)]
    assert audited("group.removed_by_sign_in") == [("ann", cdo)]


@pytest.mark.django_db
def test_a_sign_in_with_nothing_changed_writes_nothing(mapped):
    sign_in(groups=["hr", "cdo"])
    count = Event.objects.count()
    sign_in(groups=["hr", "cdo"])
    assert Event.objects.count() == count


@pytest.mark.django_db
def test_a_site_group_is_granted_and_taken_away_but_one_given_by_hand_stays(mapped):
    user = sign_in(groups=["cdo"])
    assert is_cdo(User.objects.get(pk=user.pk))
    sign_in(groups=[])
    assert not is_cdo(User.objects.get(pk=user.pk))
    other = Group.objects.create(name="Auditors")
    user.groups.add(cdo_group(), other)
    sign_in(groups=["cdo"])  # already held by hand: not the provider's to take
    sign_in(groups=[])
    assert set(user.groups.values_list("name", flat=True)) == {"Chief Digital Officer", "Auditors"}
    kinds = list(Event.objects.filter(kind__startswith="group.").values_list("kind", flat=True))
    assert kinds == ["group.granted_by_sign_in", "group.removed_by_sign_in"]


@pytest.mark.django_db
def test_a_group_an_administrator_took_away_is_not_given_back_by_a_stale_grant(mapped):
    user = sign_in(groups=["cdo"])
    user.groups.clear()
    sign_in(groups=[])
    assert not IdentityLink.objects.get(user=user).granted_groups.exists()
    sign_in(groups=["cdo"])
    assert is_cdo(User.objects.get(pk=user.pk))


@pytest.mark.django_db
def test_the_demo_mappings_load_once(departments):
    from demo.sso import MAPPINGS, load_demo_identity_mappings

    assert load_demo_identity_mappings() == (len(MAPPINGS), 0)
    assert load_demo_identity_mappings() == (0, len(MAPPINGS))
    cdo = IdentityGroupMapping.objects.get(claim_value="hrtech-cdo")
    assert cdo.group == cdo_group()
    user = sign_in(groups=["hrtech-hr-reviewers", "hrtech-cdo"])
    assert held(user) == {"HR": (Role.REVIEWER, Decimal("50000.00"), True)}
    assert is_cdo(User.objects.get(pk=user.pk))


@pytest.mark.django_db
def test_a_sign_in_costs_the_same_queries_for_one_department_or_many(
    departments, django_assert_max_num_queries
):
    IdentityGroupMapping.objects.create(claim_value="g-HR", department=departments["HR"])
    sign_in(subject="one", groups=["g-HR"])
    with django_assert_max_num_queries(50) as one:
        sign_in(subject="one", groups=["g-HR"])
    for code in ("IT", "MKT", "FIN"):
        IdentityGroupMapping.objects.create(claim_value=f"g-{code}", department=departments[code])
    groups = [f"g-{code}" for code in departments] + [f"other-{n}" for n in range(100)]
    sign_in(subject="many", groups=groups)
    with django_assert_max_num_queries(len(one.captured_queries)):
        sign_in(subject="many", groups=groups)
