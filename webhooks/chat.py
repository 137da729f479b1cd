"""Chat channels' messages: a card (a headline, a sentence, facts and a link) written once and
rendered in each platform's own format, Slack's Block Kit and Microsoft Teams' Adaptive Cards;
and the guard on the incoming-webhook URLs departments register.

The URL is chosen by a department's head, not by an administrator: it must not let them make
the server POST to itself or to the internal network (SSRF). It is https on a public address;
only CHAT_WEBHOOK_ALLOW_LOOPBACK (the demo and the tests) allows http://127.0.0.1. The host's
addresses are checked again right before each POST (a name may resolve elsewhere later)."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext as _

from webhooks.models import WebhookPlatform

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
# Names that never lead to the public internet.
PRIVATE_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
SLACK_FIELDS_MAX = 10  # Block Kit: at most 10 fields in a section
SLACK_FIELD_CHARS = 1900  # of 2000, for the bold label
SLACK_TEXT_CHARS = 3000
SLACK_HEADER_CHARS = 150


@dataclass(frozen=True)
class ChatCard:
    """What a chat message says, whatever the platform."""

    title: str
    text: str
    url: str
    action: str  # the button's label ("Sign off", "Open")
    facts: list[tuple[str, str]] = field(default_factory=list)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_escape(text: str) -> str:
    """Slack's mrkdwn treats &, < and > as markup (links, mentions): escape them."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(card: ChatCard) -> dict[str, Any]:
    """The Block Kit body of an incoming-webhook POST: a header, a section with the sentence and
    the facts as fields, and an actions block with a URL button. `text` is the fallback that
    notifications and screen readers show."""
    fields = [
        {"type": "mrkdwn", "text": _cut(f"*{slack_escape(label)}*\n{slack_escape(value)}", 2000)}
        for label, value in card.facts[:SLACK_FIELDS_MAX]
    ]
    section: dict[str, Any] = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": _cut(slack_escape(card.text), SLACK_TEXT_CHARS)},
    }
    if fields:
        section["fields"] = fields
    return {
        "text": _cut(slack_escape(f"{card.title}: {card.text}"), SLACK_TEXT_CHARS),
        "blocks": [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": _cut(card.title, SLACK_HEADER_CHARS)},
            },
            section,
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "open",
                        "style": "primary",
                        "text": {"type": "plain_text", "text": _cut(card.action, 75)},
                        "url": card.url,
                    }
                ],
            },
        ],
    }


def teams_message(card: ChatCard) -> dict[str, Any]:
    """The body of a Teams incoming-webhook (or Workflows) POST: a message with one Adaptive
    Card 1.4 attachment: a bold title, the sentence, a FactSet and an Action.OpenUrl."""
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": card.title,
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        },
        {"type": "TextBlock", "text": card.text, "wrap": True},
    ]
    if card.facts:
        body.append({"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in card.facts]})
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": body,
                    "actions": [{"type": "Action.OpenUrl", "title": card.action, "url": card.url}],
                },
            }
        ],
    }


def chat_message(platform: str, card: ChatCard) -> dict[str, Any]:
    if platform == WebhookPlatform.SLACK:
        return slack_message(card)
    if platform == WebhookPlatform.TEAMS:
        return teams_message(card)
    raise ValueError(f"Not a chat platform: {platform!r}")


# --- The URL ----------------------------------------------------------------------------------


def _loopback_allowed(host: str) -> bool:
    return bool(settings.CHAT_WEBHOOK_ALLOW_LOOPBACK) and host in LOOPBACK_HOSTS


def _address_problem(address: str) -> str | None:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if ip.is_loopback and settings.CHAT_WEBHOOK_ALLOW_LOOPBACK:
        return None
    if not ip.is_global:
        return _("The URL must lead to a public address, not a private or local one.")
    return None


def chat_url_problem(url: str, *, resolve: bool = False) -> str | None:
    """Why `url` may not be a chat channel's webhook URL, or None. With `resolve`, the host's
    current addresses are checked too (right before a POST)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return _("Enter a valid URL.")
    if parts.scheme not in ("https", "http") or not host or parts.netloc.startswith("@"):
        return _("Enter a valid https URL.")
    if parts.username is not None or parts.password is not None:
        return _("The URL must not hold a user name or password.")
    if parts.scheme == "http" and not _loopback_allowed(host):
        return _("The URL must start with https://.")
    if _loopback_allowed(host):
        return None
    if (problem := _host_problem(host)) is not None:
        return problem
    return _resolved_problem(host, parts.port or 443) if resolve else None


def _host_problem(host: str) -> str | None:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:  # a name: none that stays inside
        if host in LOOPBACK_HOSTS or host.endswith(PRIVATE_SUFFIXES) or "." not in host:
            return _("The URL must lead to a public address, not a private or local one.")
        return None
    return _address_problem(host)  # an address: a public one


def _resolved_problem(host: str, port: int) -> str | None:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError:
        return None  # the POST fails on it with the resolver's own words
    for info in infos:
        if (problem := _address_problem(str(info[4][0]))) is not None:
            return problem
    return None


def masked_url(url: str) -> str:
    """Enough of a secret URL to recognise it, never enough to use it: the scheme, the host and
    the last four characters."""
    parts = urlsplit(url)
    tail = url[-4:] if len(url) > 12 else ""
    return f"{parts.scheme}://{parts.hostname or ''}/…{tail}"


@checks.register(checks.Tags.security, deploy=True)
def check_chat_loopback(**kwargs: object) -> list[checks.CheckMessage]:
    if not settings.CHAT_WEBHOOK_ALLOW_LOOPBACK or settings.DEBUG:
        return []
    return [
        checks.Warning(
            "CHAT_WEBHOOK_ALLOW_LOOPBACK is on: a department head may point a chat channel at "
            "http://127.0.0.1 (this server).",
            hint="Unset CHAT_WEBHOOK_ALLOW_LOOPBACK in production.",
            id="hrtech.W010",
        )
    ]
