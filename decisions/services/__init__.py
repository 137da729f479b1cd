"""Every write of the decisions app: one atomic function per user action, by subject.

Each transition locks the proposal row first (then the rows under it, always in that order, so
two transactions cannot deadlock), checks state and right on the locked rows, writes its audit
event in the same transaction, and queues side effects with transaction.on_commit.
"""

from decisions.services.cdo import decision_take
from decisions.services.lifecycle import LIFECYCLE_TARGETS, LifecycleAction, proposal_advance
from decisions.services.proposals import (
    PROPOSAL_FIELDS,
    comment_add,
    proposal_create,
    proposal_submit,
    proposal_update,
    proposal_withdraw,
)
from decisions.services.retirement import tools_retire_due
from decisions.services.signoffs import checklist_answers, signoff_decide
from decisions.services.voice import voice_give, voice_withdraw

__all__ = [
    "LIFECYCLE_TARGETS",
    "PROPOSAL_FIELDS",
    "LifecycleAction",
    "checklist_answers",
    "comment_add",
    "decision_take",
    "proposal_advance",
    "proposal_create",
    "proposal_submit",
    "proposal_update",
    "proposal_withdraw",
    "signoff_decide",
    "tools_retire_due",
    "voice_give",
    "voice_withdraw",
]
