"""A department's chat channels in a real browser: HR's head finds the page from Out of office,
is refused a URL that is not https, adds a Slack channel (the URL never shown back), sends it
a test message that a real local receiver gets as Block Kit, switches it off and removes it.
At 1366 and 375 px, under the strict CSP, checked with axe."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from stakeholders.models import ChatChannel

pytestmark = pytest.mark.browser


def test_a_head_adds_tests_and_removes_a_slack_channel(org, browser_for, httpserver, settings):
    settings.CHAT_WEBHOOK_ALLOW_LOOPBACK = True  # the receiver is on 127.0.0.1
    httpserver.expect_request("/slack", method="POST").respond_with_data("ok")
    url = httpserver.url_for("/slack")
    head = browser_for(org.hr_head.username)
    page = head.page

    page.goto("/delegations/")
    page.get_by_role("link", name=org.departments["HR"].name).click()
    expect(page).to_have_url(re.compile(r"/departments/HR/chat-channels/$"))
    expect(page.locator("main")).to_contain_text("No chat channel yet.")

    page.get_by_label("Name").fill("HR sign-offs")
    page.get_by_label("Platform").select_option(value="slack")
    page.get_by_label("Incoming-webhook URL").fill("http://hooks.slack.com/services/T/B/X")
    page.get_by_role("button", name="Add the channel").click()
    expect(page.locator("main")).to_contain_text("The URL must start with https://.")
    assert not ChatChannel.objects.exists()

    page.get_by_label("Incoming-webhook URL").fill(url)
    page.get_by_role("button", name="Add the channel").click()
    expect(page.locator("main")).to_contain_text("Chat channel added.")
    channel = page.locator("li", has_text="HR sign-offs")
    expect(channel).to_contain_text("Slack")
    expect(channel).to_contain_text("active")
    assert url not in page.content()  # only its host and last characters
    expect(channel).to_contain_text("…lack")
    head.screenshot("chat-channels/added-1366")
    page.set_viewport_size({"width": 375, "height": 800})
    head.screenshot("chat-channels/added-375")
    page.set_viewport_size({"width": 1366, "height": 900})

    channel.get_by_role("button", name="Send a test message").click()
    expect(page.locator("main")).to_contain_text("Test message queued.")
    [(request, _response)] = httpserver.log
    body = json.loads(request.get_data())
    assert body["blocks"][0]["text"]["text"] == "Test message from hrtech-gov"

    channel.get_by_role("button", name="Switch off").click()
    expect(page.locator("main")).to_contain_text("Chat channel switched off.")
    expect(channel).to_contain_text("switched off")
    channel.get_by_role("button", name="Remove").click()
    expect(page.locator("main")).to_contain_text("Chat channel removed.")
    expect(page.locator("main")).to_contain_text("No chat channel yet.")
    assert not ChatChannel.objects.exists()


def test_a_reviewer_is_refused_the_page(org, browser_for):
    reviewer = browser_for(org.hr_reviewer.username)
    response = reviewer.page.goto("/departments/HR/chat-channels/")
    assert response is not None
    assert response.status == 403
