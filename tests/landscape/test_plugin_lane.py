"""The plug-in lane: IT Operations' guardrails, the proposals that meet them (IT's sign-off
satisfied by the guardrails, the tool joining as plug_in), and IT pulling a tool back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from audit.models import Event
from core.errors import DomainError, InvalidTransition, NotAllowed
from decisions import services as workflow
from decisions.dmu import who_decides
from decisions.models import Notification, ProposalStatus, SignOffStatus
from decisions.plugin import lane_check, proposal_facts
from landscape import services
from landscape.guardrails import Facts, data_stays_in_eu, guardrails_check
from landscape.models import Guardrail, GuardrailKind, Lane, Lifecycle
from tests.api.conftest import session_api
from tests.factories import MembershipFactory, SolutionFactory, ToolFactory, make_proposal

pytestmark = pytest.mark.django_db


def rail(kind, code=None, **extra) -> Guardrail:
    return Guardrail.objects.create(code=code or kind.replace("_", "-"), name=str(kind), kind=kind,
                                    **extra)  # fmt: skip


@pytest.fixture
def rails(db):
    return [
        rail(GuardrailKind.SSO, position=1),
        rail(GuardrailKind.NO_PERSONAL_DATA_OR_DPA, position=2),
        rail(GuardrailKind.EU_DATA, position=3),
        rail(GuardrailKind.PLATFORM_ONLY, position=4),
        rail(GuardrailKind.YEARLY_COST_UNDER, threshold=Decimal("10000"), currency="EUR",
             position=5),
        rail(GuardrailKind.CERTIFIED, position=6),
    ]  # fmt: skip


def plug_in_solution(**overrides):
    facts = {"sso": True, "iso27001": True, "data_location": "EU (Frankfurt)"}
    facts.update(overrides)
    return SolutionFactory(**facts)


def plug_in_proposal(org, *, submit=True, **overrides):
    """A proposal meeting every guardrail: a catalog solution with SSO, ISO 27001 and EU hosting,
    1,200 EUR a year, no personal data, no integrations."""
    data = {"solution": plug_in_solution(), "new_vendor_name": "", "new_solution_name": "",
            "one_off_cost": Decimal("0"), "recurring_cost": Decimal("100")}  # fmt: skip
    data.update(overrides)
    return make_proposal(requester=org.requester, submit=submit, **data)


# --------------------------------------------------------------------------------------------
# Each check, on catalog facts and on the proposal's answers


@pytest.mark.parametrize(
    ("kind", "facts", "passed"),
    [
        (GuardrailKind.SSO, {"sso": True}, True),
        (GuardrailKind.SSO, {"sso": False}, False),
        (GuardrailKind.CERTIFIED, {"certified": True}, True),
        (GuardrailKind.CERTIFIED, {}, False),
        (GuardrailKind.NO_PERSONAL_DATA_OR_DPA, {}, True),
        (GuardrailKind.NO_PERSONAL_DATA_OR_DPA, {"personal_data": True}, False),
        (GuardrailKind.NO_PERSONAL_DATA_OR_DPA, {"personal_data": True, "dpa_signed": True}, True),
        (GuardrailKind.EU_DATA, {"data_location": "Germany"}, True),
        (GuardrailKind.EU_DATA, {"data_location": "EU, US"}, False),
        (GuardrailKind.EU_DATA, {}, False),
        (GuardrailKind.PLATFORM_ONLY, {}, True),
        (GuardrailKind.PLATFORM_ONLY, {"integrates_with": (("MuleSoft", True),)}, True),
        (GuardrailKind.PLATFORM_ONLY, {"integrates_with": (("MuleSoft", True), ("SAP", False))},
         False),
        (GuardrailKind.YEARLY_COST_UNDER, {"yearly_cost": Decimal("9999.99")}, True),
        (GuardrailKind.YEARLY_COST_UNDER, {"yearly_cost": Decimal("10000")}, False),
    ],
)  # fmt: skip
def test_each_check_passes_or_fails_on_the_facts(db, kind, facts, passed):
    guardrail = Guardrail(code="x", name="X", kind=kind, threshold=Decimal("10000"))
    [result] = guardrails_check(Facts(name="Tool", **facts), [guardrail])
    assert result.passed is passed
    assert result.why


@pytest.mark.parametrize(
    ("location", "eu"),
    [("EU", True), ("eu-central-1 (Frankfurt)", True), ("Germany / France", True), ("DE", True),
     ("EEA", True), ("US", False), ("Switzerland", False), ("non-EU", False),
     ("Outside the EU", False), ("", False), ("Hosted at AWS us-east", False)],
)  # fmt: skip
def test_where_data_counts_as_staying_in_the_eu(location, eu):
    assert data_stays_in_eu(location) is eu


def test_catalog_facts_win_over_the_proposal_answers(org):
    # The proposal says SSO, certified, EU; the catalog says none of it, and US hosting.
    solution = SolutionFactory(sso=False, iso27001=False, soc2=False, data_location="US",
                               processes_personal_data=True)  # fmt: skip
    proposal = make_proposal(requester=org.requester, solution=solution, new_vendor_name="",
                             new_solution_name="", sso=True, certified=True,
                             data_location="EU")  # fmt: skip
    facts = proposal_facts(proposal)
    assert (facts.sso, facts.certified, facts.data_location, facts.personal_data) == (
        False, False, "US", True)  # fmt: skip
    assert facts.sso_source == "catalog"
    # Where the catalog does not know the location, the proposal's answer stands.
    solution.data_location = ""
    solution.save()
    proposal.refresh_from_db()
    assert proposal_facts(proposal).data_location == "EU"
    assert proposal_facts(proposal).data_location_source == "proposal"


def test_a_tool_outside_the_catalog_is_judged_on_the_proposal_answers(org, rails):
    proposal = make_proposal(requester=org.requester, sso=True, certified=True,
                             data_location="Ireland", one_off_cost=0,
                             recurring_cost=100)  # fmt: skip
    check = lane_check(proposal)
    assert check.plug_in, [r.why for r in check.results if not r.passed]


def test_integrations_pass_only_through_the_platform(org, rails):
    platform = ToolFactory(is_platform=True, solution=SolutionFactory(in_use=True))
    direct = ToolFactory(solution=SolutionFactory(in_use=True, name="Payroll"))
    proposal = plug_in_proposal(org, submit=False)
    workflow.proposal_update(proposal=proposal, actor=org.requester, data={},
                             integrates_with=[platform.solution])  # fmt: skip
    assert lane_check(proposal).plug_in
    workflow.proposal_update(proposal=proposal, actor=org.requester, data={},
                             integrates_with=[platform.solution, direct.solution])  # fmt: skip
    check = lane_check(proposal)
    assert not check.plug_in
    assert "Payroll" in next(r.why for r in check.results if not r.passed)


# --------------------------------------------------------------------------------------------
# Routing


def test_a_proposal_meeting_every_guardrail_runs_in_the_plug_in_lane(org, rails):
    draft = plug_in_proposal(org, submit=False)
    preview = who_decides(proposal=draft)
    assert preview.lane == Lane.PLUG_IN
    assert [d.department.code for d in preview.departments if d.by_guardrails] == ["IT"]

    proposal = workflow.proposal_submit(proposal=draft, actor=org.requester)
    assert proposal.lane == Lane.PLUG_IN
    it = proposal.signoffs.get(department__code="IT")
    assert (it.status, it.by_guardrails, it.reviewer) == (SignOffStatus.APPROVED, True, None)
    for guardrail in rails:
        assert guardrail.name in it.comment
    event = Event.objects.get(kind="signoff.satisfied_by_guardrails")
    assert event.proposal_id == proposal.pk
    assert event.payload["department"] == "IT"
    assert [g["code"] for g in event.payload["guardrails"]] == [g.code for g in rails]
    assert all(g["passed"] and g["why"] for g in event.payload["guardrails"])
    # The owning (buying) department and the others sign as usual; IT is not asked.
    pending = set(proposal.signoffs.filter(status="pending").values_list("department__code",
                                                                         flat=True))  # fmt: skip
    assert pending == {"HR", "MKT"}
    for code in ("HR", "MKT"):
        workflow.signoff_decide(signoff=proposal.signoffs.get(department__code=code),
                                actor=org.reviewers[code], outcome="approved")  # fmt: skip
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    workflow.proposal_advance(proposal=proposal, actor=org.requester, action="start_pilot")
    proposal.refresh_from_db()
    assert (proposal.tool.lane, proposal.tool.lifecycle) == (Lane.PLUG_IN, Lifecycle.PILOT)


def test_it_is_not_notified_for_a_sign_off_the_guardrails_gave(
    org, rails, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        plug_in_proposal(org)
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert org.hr_reviewer.username in told
    assert not told & {org.it_reviewer.username, org.it_head.username}


def test_the_owning_department_signs_even_when_it_signs_nothing_otherwise(org, rails):
    MembershipFactory(user=org.requester, department=org.departments["FIN"], role="member")
    proposal = plug_in_proposal(org, requesting_department=org.departments["FIN"],
                                paying_department=org.departments["FIN"])  # fmt: skip
    assert "FIN" in set(proposal.signoffs.values_list("department__code", flat=True))


@pytest.mark.parametrize("failing", ["sso", "cost", "personal", "location"])
def test_one_failing_guardrail_keeps_the_governed_lane(org, rails, failing):
    overrides = {
        "sso": {"solution": plug_in_solution(sso=False)},
        "cost": {"recurring_cost": Decimal("900")},  # 10,800 a year
        "personal": {"processes_personal_data": True},
        "location": {"solution": plug_in_solution(data_location="US")},
    }[failing]
    proposal = plug_in_proposal(org, **overrides)
    assert proposal.lane == Lane.GOVERNED
    assert not proposal.signoffs.filter(by_guardrails=True).exists()
    assert proposal.signoffs.get(department__code="IT").status == SignOffStatus.PENDING
    assert not Event.objects.filter(kind="signoff.satisfied_by_guardrails").exists()


def test_a_signed_dpa_lets_personal_data_through(org, rails):
    proposal = plug_in_proposal(org, processes_personal_data=True, dpa_signed=True)
    assert proposal.lane == Lane.PLUG_IN


def test_without_an_active_guardrail_every_proposal_is_governed(org, rails):
    Guardrail.objects.update(is_active=False)
    proposal = plug_in_proposal(org)
    assert proposal.lane == Lane.GOVERNED
    assert proposal.signoffs.get(department__code="IT").status == SignOffStatus.PENDING


def test_a_governed_tool_joins_the_fleet_governed(org, rails):
    proposal = plug_in_proposal(org, solution=plug_in_solution(sso=False))
    for signoff in proposal.signoffs.filter(status="pending"):
        workflow.signoff_decide(signoff=signoff, actor=org.reviewers[signoff.department.code],
                                outcome="approved")  # fmt: skip
    workflow.proposal_advance(proposal=proposal, actor=org.requester, action="adopt")
    proposal.refresh_from_db()
    assert proposal.tool.lane == Lane.GOVERNED


# --------------------------------------------------------------------------------------------
# Pull-back


def test_it_pulls_a_plug_in_tool_back_with_a_reason(org):
    tool = ToolFactory(lane=Lane.PLUG_IN)
    with pytest.raises(DomainError):
        services.tool_pull_back(tool=tool, actor=org.it_reviewer, reason="  ")
    services.tool_pull_back(tool=tool, actor=org.it_reviewer, reason="It now holds payroll data.")
    tool.refresh_from_db()
    assert tool.lane == Lane.GOVERNED
    event = Event.objects.get(kind="tool.lane_changed")
    assert event.payload["from"] == "plug_in"
    assert event.payload["reason"] == "It now holds payroll data."
    with pytest.raises(InvalidTransition):
        services.tool_pull_back(tool=tool, actor=org.it_reviewer, reason="Again.")


@pytest.mark.parametrize("persona", ["hr_head", "requester", "superuser", "cdo", "mkt_reviewer"])
def test_only_it_pulls_a_tool_back(org, persona):
    tool = ToolFactory(lane=Lane.PLUG_IN, business_owner=org.requester)
    with pytest.raises(NotAllowed):
        services.tool_pull_back(tool=tool, actor=getattr(org, persona), reason="Mine now.")
    tool.refresh_from_db()
    assert tool.lane == Lane.PLUG_IN


def test_no_one_moves_a_tool_into_the_plug_in_lane_by_hand(org):
    tool = ToolFactory()
    response = session_api(org.it_reviewer).post(
        f"/api/v1/tools/{tool.pk}/lane/", {"to": "plug_in", "reason": "Low risk."}
    )
    assert response.status_code == 400
    assert set(response.json()) == {"message", "errors"}
    assert "to" in response.json()["errors"]
    tool.refresh_from_db()
    assert tool.lane == Lane.GOVERNED


def test_pull_back_through_the_api_and_the_page(org, client):
    tool = ToolFactory(lane=Lane.PLUG_IN)
    refused = session_api(org.hr_head).post(f"/api/v1/tools/{tool.pk}/lane/",
                                            {"to": "governed", "reason": "Mine."})  # fmt: skip
    assert refused.status_code == 403
    assert set(refused.json()) == {"message", "errors"}
    body = {"to": "governed", "reason": "Holds HR data."}
    done = session_api(org.it_reviewer).post(f"/api/v1/tools/{tool.pk}/lane/", body)
    assert done.status_code == 200
    assert done.json()["lane"] == "governed"

    other = ToolFactory(lane=Lane.PLUG_IN)
    client.force_login(org.it_reviewer)
    page = client.get(f"/landscape/tools/{other.pk}/")
    assert b"Pull back into the governed lane" in page.content
    response = client.post(f"/landscape/tools/{other.pk}/lane/", {"reason": "Too critical."})
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.lane == Lane.GOVERNED
    client.force_login(org.hr_head)
    assert client.post(f"/landscape/tools/{other.pk}/lane/", {"reason": "x"}).status_code == 403


# --------------------------------------------------------------------------------------------
# The guardrails' API


def test_it_keeps_the_guardrails_through_the_api(org):
    api = session_api(org.it_reviewer)
    created = api.post("/api/v1/guardrails/", {
        "code": "cost", "name": "Under 10,000 EUR a year", "kind": "yearly_cost_under",
        "threshold": {"amount": "10000.00", "currency": "EUR"},
    })  # fmt: skip
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["threshold"] == {"amount": "10000.00", "currency": "EUR"}
    changed = api.patch(f"/api/v1/guardrails/{pk}/", {"name": "Under 10k EUR"})
    assert changed.status_code == 200
    gone = api.delete(f"/api/v1/guardrails/{pk}/")
    assert (gone.status_code, gone.json()["is_active"]) == (200, False)
    kinds = list(Event.objects.filter(kind__startswith="guardrail.").values_list("kind", flat=True))
    assert sorted(kinds) == ["guardrail.created", "guardrail.updated", "guardrail.updated"]
    listed = session_api(org.requester).get("/api/v1/guardrails/")
    assert listed.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "x", "name": "A\x00B", "kind": "sso"}, "name"),
        ({"code": "x", "name": "\ud800", "kind": "sso"}, "name"),
        ({"code": "x", "name": "Cost", "kind": "yearly_cost_under",
          "threshold": {"amount": "-1.00", "currency": "EUR"}}, "threshold"),
        ({"code": "x", "name": "Cost", "kind": "yearly_cost_under"}, "threshold"),
        ({"code": "x y", "name": "SSO", "kind": "sso"}, "code"),
        ({"code": "x", "name": "SSO", "kind": "telepathy"}, "kind"),
        ({"code": "x", "name": "SSO", "kind": "sso", "colour": "red"}, "colour"),
    ],
)  # fmt: skip
def test_bad_guardrail_input_is_refused_with_the_error_shape(org, body, field):
    response = session_api(org.it_reviewer).post("/api/v1/guardrails/", body)
    assert response.status_code == 400, response.content
    data = response.json()
    assert set(data) == {"message", "errors"}
    assert any(key.split(".")[0] == field for key in data["errors"]), data
    assert not Guardrail.objects.exists()


def test_a_duplicate_code_is_refused(org):
    rail(GuardrailKind.SSO, code="sso")
    response = session_api(org.it_reviewer).post(
        "/api/v1/guardrails/", {"code": "sso", "name": "Again", "kind": "sso"}
    )
    assert response.status_code == 400
    assert "code" in response.json()["errors"]


@pytest.mark.parametrize("persona", ["hr_head", "requester", "superuser", "cdo", "viewer"])
def test_only_it_writes_guardrails(org, persona):
    guardrail = rail(GuardrailKind.SSO)
    api = session_api(getattr(org, persona))
    for response in (
        api.post("/api/v1/guardrails/", {"code": "eu", "name": "EU", "kind": "eu_data"}),
        api.patch(f"/api/v1/guardrails/{guardrail.pk}/", {"name": "Other"}),
        api.delete(f"/api/v1/guardrails/{guardrail.pk}/"),
    ):
        assert response.status_code == 403
        assert set(response.json()) == {"message", "errors"}
    guardrail.refresh_from_db()
    assert (guardrail.name, guardrail.is_active) == ("sso", True)
    assert Guardrail.objects.count() == 1
