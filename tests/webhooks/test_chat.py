"""Departments' chat channels: Slack (Block Kit) and Teams (Adaptive Card) messages POSTed to a
real local HTTP server when a sign-off is requested, overdue, and decided; through the webhook
outbox (its retries, its log), once per event and channel, only to active channels that asked
for the event; managed by the department's head and the CDO through the API and the admin."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from audit.models import Event
from core.money import money_format
from decisions import services, sla, tasks
from decisions.chat import signoff_chat_requested
from decisions.models import SignOff, SignOffStatus
from hrtech_gov.celery import app as celery_app
from stakeholders.models import ChatChannel
from stakeholders.services import chat_channel_create
from tests.api.conftest import session_api
from tests.factories import make_proposal
from webhooks.chat import ChatCard, chat_url_problem, masked_url, slack_message
from webhooks.models import WebhookDelivery, WebhookDeliveryStatus, WebhookSubscription

pytestmark = pytest.mark.django_db

SITE = "https://hrtech.example"


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.SITE_URL = SITE
    settings.CHAT_WEBHOOK_ALLOW_LOOPBACK = True  # the receiver is on 127.0.0.1
    settings.WEBHOOK_RETRY_BACKOFF_SECONDS = 0
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    settings.WEBHOOK_MAX_RETRIES = 3
    previous = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = previous


@pytest.fixture
def receiver(httpserver):
    assert httpserver.host in ("localhost", "127.0.0.1")
    return httpserver


def channel(org, receiver, *, code="IT", platform="slack", path="/slack", **data) -> ChatChannel:
    head = {"IT": org.it_head, "HR": org.hr_head, "MKT": org.mkt_head}[code]
    return chat_channel_create(
        actor=head,
        department=org.departments[code],
        data={
            "name": f"{code} {platform}",
            "platform": platform,
            "url": receiver.url_for(path),
            **data,
        },
    )


def posted(receiver, path: str | None = None) -> list:
    return [r for r, _ in receiver.log if path is None or r.path == path]


def bodies(receiver, path: str) -> list[dict]:
    return [json.loads(r.get_data()) for r in posted(receiver, path)]


def submit(org, captured, **overrides):
    with captured(execute=True):
        return make_proposal(requester=org.requester, submit=True, **overrides)


def proposal_url(proposal) -> str:
    return SITE + reverse("proposal-detail", args=[proposal.reference])


# --- What each platform gets -------------------------------------------------------------------


def test_a_sign_off_request_reaches_the_departments_slack_channel_as_block_kit(
    org, receiver, django_capture_on_commit_callbacks
):
    channel(org, receiver, code="IT")
    receiver.expect_request("/slack", method="POST").respond_with_data("ok")

    proposal = submit(org, django_capture_on_commit_callbacks)

    [request] = posted(receiver, "/slack")
    assert request.headers["Content-Type"] == "application/json"
    assert "X-Hrtech-Signature" not in request.headers  # Slack verifies nothing; no secret sent
    body = json.loads(request.get_data())
    signoff = proposal.signoffs.get(department__code="IT")
    assert proposal.reference in body["text"]  # the fallback notifications show
    header, section, actions = body["blocks"]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": f"Sign-off requested: {proposal.reference}"},
    }
    assert section["type"] == "section"
    assert section["text"]["type"] == "mrkdwn"
    assert "waits for the sign-off of IT" in section["text"]["text"]
    fields = {f["text"].split("\n")[0]: f["text"].split("\n")[1] for f in section["fields"]}
    assert all(f["type"] == "mrkdwn" for f in section["fields"])
    assert fields["*Reference*"] == proposal.reference
    assert fields["*Title*"] == proposal.title
    assert fields["*Department*"] == org.departments["IT"].name
    assert fields["*Tier*"] == "Medium"
    assert fields["*Total cost of ownership*"] == money_format(Decimal("14000"), "EUR")
    assert fields["*Due on*"] == date_format(signoff.due_on)
    assert actions["type"] == "actions"
    [button] = actions["elements"]
    assert button["type"] == "button"
    assert button["text"] == {"type": "plain_text", "text": "Sign off"}
    assert button["url"] == proposal_url(proposal)
    delivery = WebhookDelivery.objects.get(kind="chat.signoff_requested")
    assert delivery.status == WebhookDeliveryStatus.SUCCEEDED


def test_a_teams_channel_gets_an_adaptive_card_in_its_language(
    org, receiver, django_capture_on_commit_callbacks
):
    channel(org, receiver, code="HR", platform="teams", path="/teams", language="nl")
    receiver.expect_request("/teams", method="POST").respond_with_data("1")

    proposal = submit(org, django_capture_on_commit_callbacks)

    [body] = bodies(receiver, "/teams")
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.4"
    title, text, facts = card["body"]
    assert title["type"] == "TextBlock"
    assert title["weight"] == "Bolder"
    assert title["text"] == f"Akkoord gevraagd: {proposal.reference}"
    assert text["type"] == "TextBlock"
    assert proposal.reference in text["text"]
    assert facts["type"] == "FactSet"
    by_title = {f["title"]: f["value"] for f in facts["facts"]}
    assert by_title["Referentie"] == proposal.reference
    assert "14.000,00" in by_title["Totale eigendomskosten"]
    [action] = card["actions"]
    assert action == {
        "type": "Action.OpenUrl",
        "title": "Akkoord geven",
        "url": proposal_url(proposal),
    }


def test_slack_markup_in_a_title_is_escaped():
    card = ChatCard(title="a", text="<!channel> & <http://evil|x>", url=SITE, action="Open",
                    facts=[("Title", "<@U123>")])  # fmt: skip
    message = slack_message(card)
    section = message["blocks"][1]
    assert section["text"]["text"] == "&lt;!channel&gt; &amp; &lt;http://evil|x&gt;"
    assert section["fields"][0]["text"] == "*Title*\n&lt;@U123&gt;"
    assert "<!channel>" not in message["text"]


# --- Through the outbox ------------------------------------------------------------------------


def send_webhooks() -> str:
    out = StringIO()
    call_command("send_webhooks", stdout=out)
    return out.getvalue()


def test_a_failing_channel_is_retried_by_the_outbox_until_it_succeeds(
    org, receiver, django_capture_on_commit_callbacks
):
    channel(org, receiver, code="IT")
    receiver.expect_ordered_request("/slack").respond_with_data("internal_error", status=500)
    receiver.expect_ordered_request("/slack").respond_with_data("ok")

    submit(org, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(kind="chat.signoff_requested")
    assert delivery.status == WebhookDeliveryStatus.PENDING
    assert (delivery.attempts, delivery.last_status_code) == (1, 500)
    assert "1 sent" in send_webhooks()

    first, second = posted(receiver, "/slack")
    receiver.check_assertions()
    assert first.get_data() == second.get_data()  # the same message, byte for byte
    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.SUCCEEDED
    assert delivery.attempts == 2


def test_a_channel_that_keeps_failing_is_dead_lettered(
    org, receiver, django_capture_on_commit_callbacks
):
    channel(org, receiver, code="IT")
    receiver.expect_request("/slack").respond_with_data("no_service", status=404)

    submit(org, django_capture_on_commit_callbacks)
    for _ in range(3):
        send_webhooks()

    delivery = WebhookDelivery.objects.get(kind="chat.signoff_requested")
    assert delivery.status == WebhookDeliveryStatus.FAILED
    assert delivery.attempts == 4  # the first try and WEBHOOK_MAX_RETRIES retries
    assert "HTTP 404" in delivery.last_error


def test_the_message_is_queued_once_however_often_the_notification_runs(
    org, receiver, django_capture_on_commit_callbacks
):
    channel(org, receiver, code="IT")
    receiver.expect_request("/slack").respond_with_data("ok")
    proposal = submit(org, django_capture_on_commit_callbacks)
    signoff = proposal.signoffs.get(department__code="IT")

    with django_capture_on_commit_callbacks(execute=True):
        tasks.notify_signoff_requested(signoff.pk)
        tasks.notify_signoff_requested(signoff.pk)

    assert WebhookDelivery.objects.filter(kind="chat.signoff_requested").count() == 1
    assert len(posted(receiver, "/slack")) == 1


def test_inactive_channels_and_unasked_events_get_nothing(
    org, receiver, django_capture_on_commit_callbacks
):
    channel(org, receiver, code="IT", is_active=False)
    channel(org, receiver, code="HR", path="/hr", events=["decision"])
    channel(org, receiver, code="MKT", path="/mkt", events=["signoff_requested"])
    receiver.expect_request("/mkt").respond_with_data("ok")

    submit(org, django_capture_on_commit_callbacks)

    assert posted(receiver, "/slack") == []
    assert posted(receiver, "/hr") == []
    assert len(posted(receiver, "/mkt")) == 1


def test_a_channel_switched_off_after_queueing_is_not_posted_to(org, receiver):
    it = channel(org, receiver, code="IT")
    make_proposal(requester=org.requester, submit=True)  # its tasks wait for a commit: not run
    signoff_chat_requested(signoff=SignOff.objects.get(department__code="IT"))
    WebhookSubscription.objects.filter(pk=it.subscription_id).update(is_active=False)

    send_webhooks()

    assert posted(receiver) == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDeliveryStatus.FAILED
    assert "deactivated" in delivery.last_error


def test_generic_events_never_reach_a_chat_channel(
    org, receiver, django_capture_on_commit_callbacks
):
    channel(org, receiver, code="IT", events=["decision"])

    submit(org, django_capture_on_commit_callbacks)  # proposal.submitted, to signed receivers

    assert not WebhookDelivery.objects.filter(kind="proposal.submitted").exists()
    assert posted(receiver) == []


def test_the_decision_reaches_every_signing_departments_channel(
    org, receiver, django_capture_on_commit_callbacks
):
    channel(org, receiver, code="IT", events=["decision"])
    channel(org, receiver, code="HR", platform="teams", path="/teams", events=["decision"])
    receiver.expect_request("/slack").respond_with_data("ok")
    receiver.expect_request("/teams").respond_with_data("1")
    proposal = submit(org, django_capture_on_commit_callbacks, recurring_cost=Decimal("100"))

    with django_capture_on_commit_callbacks(execute=True):
        for signoff in proposal.signoffs.filter(status=SignOffStatus.PENDING):
            services.signoff_decide(
                signoff=signoff, actor=org.reviewers[signoff.department.code], outcome="approved"
            )
    # Run twice (a retried task): still one message each.
    tasks.notify_decision_taken(proposal.pk, proposal.round)

    [slack] = bodies(receiver, "/slack")
    assert slack["blocks"][0]["text"]["text"] == f"Decision taken: {proposal.reference}"
    assert "is approved" in slack["blocks"][1]["text"]["text"]
    assert slack["blocks"][2]["elements"][0]["text"]["text"] == "Open"
    assert slack["blocks"][2]["elements"][0]["url"] == proposal_url(proposal)
    [teams] = bodies(receiver, "/teams")
    content = teams["attachments"][0]["content"]
    assert content["actions"][0]["url"] == proposal_url(proposal)
    assert "is approved" in content["body"][1]["text"]


def test_an_overdue_sign_off_is_reminded_and_escalated_in_the_channel(
    org, receiver, django_capture_on_commit_callbacks
):
    channel(org, receiver, code="IT", events=["reminder"])
    receiver.expect_request("/slack").respond_with_data("ok")
    proposal = submit(org, django_capture_on_commit_callbacks)
    signoff = proposal.signoffs.get(department__code="IT")
    later = timezone.now() + dt.timedelta(days=60)

    with django_capture_on_commit_callbacks(execute=True):
        sla.signoff_sla_step(signoff_id=signoff.pk, step="remind", now=later)
        sla.signoff_sla_step(signoff_id=signoff.pk, step="remind", now=later)  # taken: nothing
        sla.signoff_sla_step(
            signoff_id=signoff.pk, step="escalate_head", now=later + dt.timedelta(days=30)
        )

    reminder, escalation = bodies(receiver, "/slack")
    assert reminder["blocks"][0]["text"]["text"] == f"Overdue sign-off: {proposal.reference}"
    assert "Overdue since" in reminder["blocks"][1]["text"]["text"]
    assert "Escalated to the head of" in escalation["blocks"][1]["text"]["text"]
    assert reminder["blocks"][2]["elements"][0]["url"] == proposal_url(proposal)


# --- The URL -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.slack.com/services/T/B/X",  # not https
        "https://10.0.0.8/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://localhost/hook",
        "https://intranet/hook",
        "https://hooks.internal/hook",
        "https://user:pw@hooks.slack.com/services/T/B/X",
        "ftp://hooks.slack.com/x",
        "https://hooks.slack.com:notaport/x",
        "javascript:alert(1)",
    ],
)
def test_it_refuses_urls_that_lead_inside_or_are_not_https(url, settings):
    settings.CHAT_WEBHOOK_ALLOW_LOOPBACK = False
    assert chat_url_problem(url) is not None


def test_it_accepts_a_public_https_url_and_loopback_only_where_allowed(settings):
    assert chat_url_problem("https://hooks.slack.com/services/T0/B0/abc") is None
    assert chat_url_problem("https://acme.webhook.office.com/webhookb2/x") is None
    assert chat_url_problem("https://[2606:4700:4700::1111]/hook") is None  # a public IPv6
    assert chat_url_problem("https://[fd00::1]/hook") is not None  # a private one
    assert chat_url_problem("http://127.0.0.1:8001/hook") is None  # the demo, the tests
    settings.CHAT_WEBHOOK_ALLOW_LOOPBACK = False
    assert chat_url_problem("http://127.0.0.1:8001/hook") is not None
    assert chat_url_problem("https://127.0.0.1/hook") is not None


def test_a_url_that_leads_inside_at_send_time_is_not_posted_to(
    org, receiver, settings, django_capture_on_commit_callbacks
):
    channel(org, receiver, code="IT")
    settings.CHAT_WEBHOOK_ALLOW_LOOPBACK = False  # production: 127.0.0.1 is inside

    submit(org, django_capture_on_commit_callbacks)

    assert posted(receiver) == []
    delivery = WebhookDelivery.objects.get(kind="chat.signoff_requested")
    assert delivery.status == WebhookDeliveryStatus.FAILED
    assert delivery.last_error.startswith("Not sent:")


def test_the_url_is_masked():
    assert masked_url("https://hooks.slack.com/services/T0/B0/abcdWXYZ") == (
        "https://hooks.slack.com/…WXYZ"
    )


# --- Managing channels (the API) ---------------------------------------------------------------


def channels_url(org, code="HR") -> str:
    return f"/api/v1/departments/{org.departments[code].pk}/chat-channels/"


SLACK_URL = "https://hooks.slack.com/services/T0/B0/secretXYZ1"


def test_the_head_adds_a_channel_and_never_sees_its_url_again(org):
    api = session_api(org.hr_head)

    response = api.request(
        "POST",
        channels_url(org),
        {"name": "HR sign-offs", "platform": "slack", "url": SLACK_URL, "language": "fr"},
    )

    assert response.status_code == 201, response.content
    data = response.json()
    assert "secretXYZ1" not in response.content.decode()
    assert data["url_hint"] == "https://hooks.slack.com/…XYZ1"
    assert data["events"] == ["signoff_requested", "reminder", "decision"]
    assert (data["platform"], data["language"], data["is_active"]) == ("slack", "fr", True)
    listed = api.request("GET", channels_url(org)).json()
    assert [c["id"] for c in listed] == [data["id"]]
    assert "secretXYZ1" not in json.dumps(listed)
    event = Event.objects.get(kind="chat_channel.created")
    assert "secretXYZ1" not in json.dumps(event.payload)
    assert event.actor == org.hr_head


def test_a_patch_without_url_keeps_it_and_delete_removes_the_webhook(org):
    api = session_api(org.hr_head)
    created = api.request(
        "POST", channels_url(org), {"name": "HR", "platform": "teams", "url": SLACK_URL}
    ).json()
    url = f"/api/v1/chat-channels/{created['id']}/"

    changed = api.request("PATCH", url, {"events": ["decision"], "is_active": False})

    assert changed.status_code == 200, changed.content
    channel = ChatChannel.objects.select_related("subscription").get()
    assert channel.subscription.url == SLACK_URL
    assert channel.events == ["decision"]
    assert channel.subscription.is_active is False
    assert api.request("DELETE", url).status_code == 204
    assert not WebhookSubscription.objects.exists()
    assert Event.objects.filter(kind="chat_channel.deleted").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "platform": "slack", "url": "http://hooks.slack.com/x"}, "url"),
        ({"name": "x", "platform": "slack", "url": "https://192.168.1.4/x"}, "url"),
        ({"name": "x", "platform": "slack", "url": "not a url"}, "url"),
        ({"name": "x\x00y", "platform": "slack", "url": SLACK_URL}, "name"),
        ({"name": "x", "platform": "slack", "url": SLACK_URL + "\x00"}, "url"),
        ({"name": "x", "platform": "slack", "url": SLACK_URL + "\ud800"}, "url"),
        ({"name": "x", "platform": "signed", "url": SLACK_URL}, "platform"),
        ({"name": "x", "platform": "slack", "url": SLACK_URL, "events": []}, "events"),
        ({"name": "x", "platform": "slack", "url": SLACK_URL, "events": ["x"]}, "events"),
        ({"name": "x", "platform": "slack", "url": SLACK_URL, "language": "de"}, "language"),
        ({"name": "x", "platform": "slack", "url": "https://h.example/" + "a" * 600}, "url"),
        ({"name": "x", "platform": "slack", "url": SLACK_URL, "secret": "y"}, "secret"),
        ({"platform": "slack", "url": SLACK_URL}, "name"),
    ],
)
def test_bad_input_is_refused_with_a_clear_400_and_changes_nothing(org, body, field):
    response = session_api(org.hr_head).request("POST", channels_url(org), body)

    assert response.status_code == 400, response.content
    data = response.json()
    assert set(data) == {"message", "errors"}
    assert any(key.split(".")[0] == field for key in data["errors"]), data
    assert not ChatChannel.objects.exists()
    assert not WebhookSubscription.objects.exists()


def test_another_departments_head_may_not_manage_hr_channels(org):
    api = session_api(org.it_head)
    refused = api.request(
        "POST", channels_url(org), {"name": "x", "platform": "slack", "url": SLACK_URL}
    )
    assert refused.status_code == 403
    assert (
        session_api(org.cdo)
        .request("POST", channels_url(org), {"name": "x", "platform": "slack", "url": SLACK_URL})
        .status_code
        == 201
    )


# --- The admin ---------------------------------------------------------------------------------


def test_the_admin_adds_a_channel_without_showing_its_url(admin_client, org):
    response = admin_client.post(
        reverse("admin:stakeholders_chatchannel_add"),
        {
            "department": org.departments["IT"].pk,
            "name": "IT approvals",
            "platform": "teams",
            "url": "https://acme.webhook.office.com/webhookb2/secretABCD",
            "language": "en",
            "events": ["signoff_requested", "decision"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    channel = ChatChannel.objects.select_related("subscription").get()
    assert channel.subscription.platform == "teams"
    change = admin_client.get(reverse("admin:stakeholders_chatchannel_change", args=[channel.pk]))
    listing = admin_client.get(reverse("admin:stakeholders_chatchannel_changelist"))
    assert "secretABCD" not in change.content.decode()
    assert "secretABCD" not in listing.content.decode()
    assert "…ABCD" in listing.content.decode()
    # Not among the signed subscriptions (whose admin shows URLs).
    subscriptions = admin_client.get(reverse("admin:webhooks_webhooksubscription_changelist"))
    assert "IT approvals" not in subscriptions.content.decode()


def test_the_admin_refuses_a_private_url(admin_client, org, settings):
    settings.CHAT_WEBHOOK_ALLOW_LOOPBACK = False
    response = admin_client.post(
        reverse("admin:stakeholders_chatchannel_add"),
        {
            "department": org.departments["IT"].pk,
            "name": "IT",
            "platform": "slack",
            "url": "http://127.0.0.1:9000/x",
            "language": "en",
            "events": ["decision"],
        },
    )
    assert response.status_code == 200
    assert "https://" in response.content.decode()
    assert not ChatChannel.objects.exists()


def test_the_admin_sends_a_test_message_in_the_platforms_format(
    admin_client, org, receiver, django_capture_on_commit_callbacks
):
    it = channel(org, receiver, code="IT", is_active=False)
    receiver.expect_request("/slack").respond_with_data("ok")

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:stakeholders_chatchannel_changelist"),
            {"action": "send_test_message", "_selected_action": [it.pk]},
        )

    [body] = bodies(receiver, "/slack")
    assert body["blocks"][0]["text"]["text"] == "Test message from hrtech-gov"


def test_the_deploy_check_warns_when_loopback_is_allowed_in_production(settings):
    from webhooks.chat import check_chat_loopback

    settings.DEBUG = False
    settings.CHAT_WEBHOOK_ALLOW_LOOPBACK = True
    [warning] = check_chat_loopback()
    assert warning.id == "hrtech.W010"
    settings.CHAT_WEBHOOK_ALLOW_LOOPBACK = False
    assert check_chat_loopback() == []
