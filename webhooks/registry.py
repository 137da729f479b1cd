"""The kinds of webhook event, registered by the apps that send them (from AppConfig.ready()):
the ground floor knows no feature app's events."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PING = "ping"
_KINDS: dict[str, str | Promise] = {PING: _("Test event")}
# Kinds only chat channels receive (their messages are written for one department's channel):
# a signed subscription cannot ask for them.
_UNSUBSCRIBABLE: set[str] = {PING}


def register_event_kinds(kinds: Mapping[str, str | Promise], *, subscribable: bool = True) -> None:
    _KINDS.update(kinds)
    if not subscribable:
        _UNSUBSCRIBABLE.update(kinds)


def event_kind_choices() -> list[tuple[str, str]]:
    """Every kind with its label, ping included (the model field's choices)."""
    return [(kind, str(label)) for kind, label in _KINDS.items()]


def subscribable_kinds() -> list[tuple[str, str]]:
    """The kinds a subscription may ask for: all but ping, which reaches everyone, and the
    chat channels' own kinds."""
    return [(kind, label) for kind, label in event_kind_choices() if kind not in _UNSUBSCRIBABLE]
