"""What the pages and the API show of the employees' voice on proposals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from decisions.models import Proposal, Voice, VoiceKind


@dataclass(frozen=True)
class Concern:
    reason: str
    by: str | None  # None: shown without the name
    at: dt.datetime


@dataclass
class VoiceSummary:
    endorsements: int = 0
    concerns: list[Concern] = field(default_factory=list)
    mine: Voice | None = None  # the viewer's own voice

    @property
    def total(self) -> int:
        return self.endorsements + len(self.concerns)


def _name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def voice_summaries(proposals: Iterable[Proposal], *, user: Any = None) -> dict[int, VoiceSummary]:
    """The voice on each proposal, by proposal id: one query for a page of them."""
    summaries = {p.pk: VoiceSummary() for p in proposals}
    if not summaries:
        return summaries
    for voice in Voice.objects.filter(proposal_id__in=list(summaries)).select_related("person"):
        summary = summaries[voice.proposal_id]
        if user is not None and voice.person_id == getattr(user, "pk", None):
            summary.mine = voice
        if voice.kind == VoiceKind.ENDORSE:
            summary.endorsements += 1
        else:
            by = None if voice.anonymous else _name(voice.person)
            summary.concerns.append(Concern(voice.reason, by, voice.created_at))
    return summaries


def voice_summary(proposal: Proposal, *, user: Any = None) -> VoiceSummary:
    return voice_summaries([proposal], user=user)[proposal.pk]
