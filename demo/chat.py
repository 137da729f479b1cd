"""Demo chat channels: IT Operations' Slack and HR's Teams channel, seeded switched off.

Their URLs are the platforms' documented placeholders, valid but leading nowhere: active, every
sign-off would leave a failed delivery in the log. To see messages arrive, paste a real
incoming-webhook URL in the admin (*Chat channels*) and tick *active*."""

from __future__ import annotations

from django.db import transaction

from stakeholders.models import ChatChannel, Department, chat_events_all
from webhooks.models import WebhookPlatform, WebhookSubscription

CHANNELS: list[tuple[str, str, str, str, str]] = [
    (
        "IT",
        "IT Operations sign-offs (Slack)",
        WebhookPlatform.SLACK,
        "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        "en",
    ),
    (
        "HR",
        "HR sign-offs (Teams)",
        WebhookPlatform.TEAMS,
        "https://example.webhook.office.com/webhookb2/00000000-0000-0000-0000-000000000000",
        "nl",
    ),
]


def load_demo_chat_channels() -> tuple[int, int]:
    """Create the demo channels that are missing (by name); returns (created, existing). One
    query when they are all there."""
    names = set(ChatChannel.objects.values_list("subscription__name", flat=True))
    missing = [c for c in CHANNELS if c[1] not in names]
    if missing:
        _create(missing)
    return len(missing), len(CHANNELS) - len(missing)


@transaction.atomic
def _create(channels: list[tuple[str, str, str, str, str]]) -> None:
    departments = {d.code: d for d in Department.objects.filter(code__in=[c[0] for c in channels])}
    for code, name, platform, url, language in channels:
        if code not in departments:  # an organisation without that department
            continue
        subscription = WebhookSubscription.objects.create(
            name=name, platform=platform, url=url, is_active=False
        )
        ChatChannel.objects.create(
            department=departments[code],
            subscription=subscription,
            language=language,
            events=chat_events_all(),
        )
