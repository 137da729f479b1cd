"""Hostile input to the landscape: a 4xx in the error shape (or a 400 page), nothing saved."""

from __future__ import annotations

import json

import pytest

from landscape.models import Integration, Tool
from tests.api.conftest import session_api
from tests.factories import ToolFactory

pytestmark = pytest.mark.django_db


def error_shape(response, status=400):
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"message", "errors"}
    return body


@pytest.mark.parametrize(
    "url",
    ["/api/v1/tools/?q=a%00", "/api/v1/tools/?department=%00", "/api/v1/integrations/?tool=%00",
     "/api/v1/tools/?lifecycle=%00", "/api/v1/tools/1%00/impact/"],
)  # fmt: skip
def test_a_nul_in_a_landscape_api_address_is_a_400(org, url):
    ToolFactory()
    assert error_shape(session_api(org.requester).get(url), status=400)


@pytest.mark.parametrize("url", ["/landscape/?q=%00", "/landscape/map/?department=%00",
                                 "/radar/?x=%00"])  # fmt: skip
def test_a_nul_in_a_landscape_page_address_is_a_400_page(client, org, url):
    client.force_login(org.requester)
    assert client.get(url).status_code == 400


@pytest.mark.parametrize("text", ["Pay\\u0000roll", "Pay\\ud800roll"])
def test_unreadable_text_in_an_integration_names_the_field_and_saves_nothing(org, text):
    a, b = ToolFactory(), ToolFactory()
    body = json.dumps({"source": a.pk, "target": b.pk, "data": "MARK"}).replace("MARK", text)
    response = session_api(org.it_reviewer).post("/api/v1/integrations/", raw=body)
    assert "data" in error_shape(response)["errors"]
    assert not Integration.objects.exists()


def test_a_nul_in_a_lifecycle_reason_on_the_page_saves_nothing(client, org):
    tool = ToolFactory(lifecycle="pilot", business_owner=org.requester)
    client.force_login(org.requester)
    response = client.post(f"/landscape/tools/{tool.pk}/lifecycle/",
                           {"to": "adopted", "reason": "ok\x00"})  # fmt: skip
    assert response.status_code == 400
    assert Tool.objects.get(pk=tool.pk).lifecycle == "pilot"


def test_a_huge_integer_id_is_a_400_not_a_500(org):
    response = session_api(org.it_reviewer).post(
        "/api/v1/integrations/", {"source": 10**30, "target": 1, "data": "x"}
    )
    assert "source" in error_shape(response)["errors"]
