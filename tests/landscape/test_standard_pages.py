"""The standard for a category on the tool page and the landscape list (plain forms): the CDO
makes or withdraws it, others are refused in place, with DEBUG on and off."""

from __future__ import annotations

import pytest
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import SolutionFactory, ToolFactory
from tests.landscape.standard_helpers import eligible_tool

pytestmark = pytest.mark.django_db


def test_the_cdo_makes_a_tool_standard_from_its_page(client, org):
    tool = eligible_tool()
    client.force_login(org.cdo)
    page = client.get(reverse("tool-detail", args=[tool.pk]))
    assert "Make standard" in page.text
    assert "No tool is the standard for this category yet." in page.text
    done = client.post(reverse("tool-standard-set", args=[tool.pk]))
    assert done.status_code == 302
    page = client.get(done.url)
    assert "Slack is now the standard for engagement and communication." in page.text
    assert "Standard for Engagement and communication since" in page.text
    assert "Withdraw standard" in page.text
    tool.refresh_from_db()
    assert tool.standard_since is not None


def test_the_cdo_sees_why_a_tool_cannot_become_the_standard(client, org):
    tool = ToolFactory(solution=SolutionFactory(category="engagement"))
    client.force_login(org.cdo)
    page = client.get(reverse("tool-detail", args=[tool.pk]))
    assert "It cannot become the standard yet:" in page.text
    assert "Its adoption is unknown" in page.text
    assert "Make standard" not in page.text
    # The server refuses too, in place.
    refused = client.post(reverse("tool-standard-set", args=[tool.pk]))
    assert refused.status_code == 409
    assert "cannot become the standard" in refused.text
    assert 'id="refusal"' in refused.text


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("who", ["superuser", "it_head", "requester"])
def test_others_are_refused_in_place(client, org, who, debug):
    tool = eligible_tool()
    client.force_login(getattr(org, who))
    with override_settings(DEBUG=debug):
        page = client.get(reverse("tool-detail", args=[tool.pk]))
        assert "Make standard" not in page.text
        refused = client.post(reverse("tool-standard-set", args=[tool.pk]))
    assert refused.status_code == 403
    assert "Only the Chief Digital Officer can make a tool the standard." in refused.text
    assert "<h1>" in refused.text  # the tool's page, not an error page
    tool.refresh_from_db()
    assert tool.standard_since is None


def test_the_cdo_withdraws_with_a_reason(client, org):
    tool = eligible_tool()
    client.force_login(org.cdo)
    client.post(reverse("tool-standard-set", args=[tool.pk]))
    url = reverse("tool-standard-withdraw", args=[tool.pk])
    missing = client.post(url, {"reason": ""})
    assert missing.status_code == 400
    assert "Say why the standard is withdrawn." in missing.text
    client.force_login(org.superuser)
    assert client.post(url, {"reason": "No"}).status_code == 403
    client.force_login(org.cdo)
    assert client.post(url, {"reason": "The suite replaces it."}).status_code == 302
    tool.refresh_from_db()
    assert tool.standard_since is None


def test_another_tools_page_names_the_standard(client, org):
    standard = eligible_tool(standard_since=timezone.now())
    other = eligible_tool(name="Teams")
    client.force_login(org.cdo)
    page = client.get(reverse("tool-detail", args=[other.pk]))
    assert reverse("tool-detail", args=[standard.pk]) in page.text
    assert "It replaces Slack as the standard." in page.text


def test_the_list_marks_and_filters_the_standards(client, org):
    eligible_tool(standard_since=timezone.now())
    ToolFactory(solution=SolutionFactory(name="Teams", category="engagement"))
    client.force_login(org.requester)
    everything = client.get(reverse("tool-list"))
    assert "Teams" in everything.text
    assert 'class="badge standard"' in everything.text
    standards = client.get(reverse("tool-list"), {"standard": "true"})
    assert "Slack" in standards.text
    assert "Teams" not in standards.text
    others = client.get(reverse("tool-list"), {"standard": "false"})
    assert "Teams" in others.text
    assert ">Slack<" not in others.text
