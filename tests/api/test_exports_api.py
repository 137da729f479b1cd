"""The exports for API clients: the proposal and decision lists with the API's filters, search
and ordering, every row, as CSV or Excel, in English whatever Accept-Language says, and only
what the client may read."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.utils import timezone

from decisions import services
from decisions.models import DecisionOutcome, SignOffStatus
from tests.api.conftest import session_api, token_api
from tests.factories import make_proposal

pytestmark = pytest.mark.django_db


def csv_dicts(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_a_token_exports_the_filtered_proposals_it_may_read(org):
    make_proposal(requester=org.requester, submit=True, title="Reviewed", new_vendor_name="A")
    make_proposal(requester=org.requester, title="Rita's draft")
    make_proposal(requester=org.hr_head, title="Henk's draft")
    api = token_api(org.requester)

    every = api.get("/api/v1/proposals/export/", HTTP_ACCEPT_LANGUAGE="nl")
    drafts = api.get("/api/v1/proposals/export/?status=draft&ordering=title")

    assert every.status_code == 200
    assert every["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert every["Content-Disposition"] == f'attachment; filename="proposals-{today}.csv"'
    rows = csv_dicts(every)
    assert {r["Title"] for r in rows} == {"Reviewed", "Rita's draft"}  # English headers
    assert {r["Status"] for r in rows} == {"In review", "Draft"}
    assert [r["Title"] for r in csv_dicts(drafts)] == ["Rita's draft"]


def test_the_decisions_export_as_excel_with_the_apis_filters(org):
    for title, outcome in (("Kept", DecisionOutcome.APPROVED), ("Dropped", "rejected")):
        proposal = make_proposal(requester=org.requester, submit=True, title=title,
                                 new_vendor_name=title)  # fmt: skip
        for code, reviewer in org.reviewers.items():
            services.signoff_decide(signoff=proposal.signoffs.get(department__code=code),
                                    actor=reviewer, outcome=SignOffStatus.APPROVED)  # fmt: skip
        services.decision_take(proposal=proposal, actor=org.cdo, outcome=outcome,
                               rationale="@because")  # fmt: skip

    response = session_api(org.viewer).get(
        "/api/v1/decisions/export/?file_format=xlsx&outcome=approved"
    )

    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    rows = list(openpyxl.load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("Reference", "Title", "Review round", "Outcome")
    assert [(r[1], r[3], r[4]) for r in rows[1:]] == [("Kept", "Approved", "'@because")]


@pytest.mark.parametrize(
    "query", ["file_format=pdf", "status=nonsense", "ordering=password", "mine=perhaps"]
)
def test_bad_input_is_a_400_in_the_error_shape(org, query):
    response = token_api(org.requester).get(f"/api/v1/proposals/export/?{query}")
    assert response.status_code == 400
    assert "message" in response.json()


@pytest.mark.parametrize("size", [5, 25])
def test_an_api_export_costs_the_same_queries_at_any_size(org, size, django_assert_max_num_queries):
    for i in range(size):
        make_proposal(requester=org.requester, submit=True, title=f"Tool {i}")
    api = token_api(org.requester)
    with django_assert_max_num_queries(6):  # the token, its use, the user, the rows
        response = api.get("/api/v1/proposals/export/?file_format=xlsx")
        body = b"".join(response.streaming_content)
    rows = list(openpyxl.load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))
    assert len(rows) == size + 1
