"""Writes of the catalog outside the admin forms and the sync (vendors.sync): the landscape
flag set by the workflow.

Lock order, the same in every catalog write path so that none can deadlock: the
Idempotency-Key row (pushes only), then the full-sync session row (vendors.sync.sessions), then
the catalog change counter (vendors.models.reserve_change_seqs), then the vendor and solution
rows.
"""

from __future__ import annotations

from django.db import transaction

from vendors.models import Solution, reserve_change_seqs


@transaction.atomic
def solution_in_use_set(*, solution_id: int, in_use: bool) -> Solution:
    """Put a solution into the tool landscape or take it out. A no-op when it already is,
    so the change feed and ETags move only on a real change."""
    reserve_change_seqs(0)  # the catalog lock order: counter first, then the row
    solution = Solution.objects.select_for_update().get(pk=solution_id)
    if solution.in_use != in_use:
        solution.in_use = in_use
        solution.save(update_fields=["in_use"])
    return solution
