"""Consent mode (an option of the approval tier): a department's sign-off is presumed given unless
it objects by the due date.

- The due date is the last day to object: an objection (reject or request changes, with a
  reason) is taken up to and including `due_on`, in the local time zone.
- From the day after (`presumed_on`), a sign-off still pending is presumed approved by the
  periodic task (decisions.services.consent); an objection is refused from then on, even before
  the task ran. Approving explicitly stays possible while the sign-off is pending.
- An objection does not end the round: it goes to the proposal's dissent log, and when no
  sign-off of the round is pending any more, the proposal goes to the CDO whatever the tier says
  (the CDO breaks the tie, with the dissent log on the decision card). A round without an
  objection ends as any round does: the CDO decides where the tier says so, else it is approved.

Read side only: the rules on dates and the dissent log. The writes are in
decisions.services.signoffs (objections) and decisions.services.consent (presumptions).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q

from decisions.models import SignOff, SignOffStatus

# What an objection is: a department's "no" in consent mode (a reason is always required).
OBJECTIONS = (SignOffStatus.REJECTED, SignOffStatus.CHANGES_REQUESTED)


def presumed_on(signoff: SignOff) -> dt.date | None:
    """The day a consent-mode sign-off is presumed given if nobody objects: the day after its
    due date. None when the sign-off is not in consent mode or has no due date."""
    if not signoff.consent_mode or signoff.due_on is None:
        return None
    return signoff.due_on + dt.timedelta(days=1)


def objection_open(signoff: SignOff, *, today: dt.date) -> bool:
    """Whether the department may still object today: up to and including the due date."""
    if signoff.due_on is None:
        return True
    return today <= signoff.due_on


def is_objection(signoff: SignOff) -> bool:
    """Whether this sign-off is an objection recorded in consent mode."""
    return signoff.consent_mode and signoff.status in OBJECTIONS


def presumable_q(*, today: dt.date) -> Q:
    """The sign-off's own columns that make its consent presumable today (also the claim's
    WHERE clause in decisions.services.consent): in consent mode, pending, past its due date."""
    return Q(consent_mode=True, status=SignOffStatus.PENDING, due_on__lt=today)


def dissent_log(signoffs: Iterable[SignOff]) -> list[SignOff]:
    """The proposal's dissent log: every objection of every round, oldest first."""
    objections = [s for s in signoffs if is_objection(s)]
    return sorted(objections, key=lambda s: (s.decided_at or s.created_at, s.pk))
