"""Writes of the catalog outside the admin forms and the sync (vendors.sync): the landscape
flag set by the workflow, and the solutions a proposal brings in that the catalog did not list.

Lock order, the same in every catalog write path so that none can deadlock: the
Idempotency-Key row (pushes only), then the full-sync session row (vendors.sync.sessions), then
the catalog change counter (vendors.models.reserve_change_seqs), then the vendor and solution
rows.
"""

from __future__ import annotations

from django.db import transaction

from vendors.models import Solution, Vendor, reserve_change_seqs


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


def solution_entered(
    *, vendor_name: str, solution_name: str, category: str, pricing_model: str
) -> Solution:
    """A solution the catalog did not list, entered here (source empty) when a proposal for it
    is piloted or adopted: the vendor and solution are matched by name, case-insensitively,
    among the records entered here, or created."""
    vendor = (
        Vendor.objects.filter(source="", name__iexact=vendor_name.strip(), is_deleted=False)
        .order_by("pk")
        .first()
    )
    if vendor is None:
        vendor = Vendor.objects.create(name=vendor_name.strip())
    solution = (
        Solution.objects.filter(
            source="", vendor=vendor, name__iexact=solution_name.strip(), is_deleted=False
        )
        .order_by("pk")
        .first()
    )
    if solution is None:
        solution = Solution.objects.create(
            vendor=vendor,
            name=solution_name.strip(),
            category=category,
            pricing_model=pricing_model,
        )
    return solution
