"""Demo budgets per fiscal year: this year's and next year's budget for HR, IT Operations and
Marketing, set by the CDO through the service (audit events included). Finance has none, so
the budgets page shows its standing annual budget. Rows that exist are left alone (an
administrator may have changed them): running twice adds nothing."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.fiscal import fiscal_year_of
from stakeholders.models import Department, DepartmentBudget
from stakeholders.services import department_budget_set

# Department code -> (this fiscal year's budget, next year's), in EUR. Marketing's is tight
# this year: the CDO's card and the proposal form warn when a proposal would overrun it.
BUDGETS = {
    "HR": (Decimal("900000"), Decimal("950000")),
    "IT": (Decimal("2500000"), Decimal("2600000")),
    "MKT": (Decimal("350000"), Decimal("1150000")),
}


def load_demo_budgets() -> tuple[int, int]:
    """Create the demo budgets that are missing; (created, already there). One query when
    they are all there."""
    year = fiscal_year_of(timezone.localdate())
    wanted = {
        (code, fiscal_year): amount
        for code, amounts in BUDGETS.items()
        for fiscal_year, amount in zip((year, year + 1), amounts, strict=True)
    }
    existing = set(
        DepartmentBudget.objects.filter(fiscal_year__in=[year, year + 1]).values_list(
            "department__code", "fiscal_year"
        )
    )
    missing = {key: amount for key, amount in wanted.items() if key not in existing}
    if missing:
        _create(missing)
    return len(missing), len(wanted) - len(missing)


@transaction.atomic
def _create(missing: dict[tuple[str, int], Decimal]) -> None:
    cdo = get_user_model().objects.filter(username="cdo").first()
    departments = {d.code: d for d in Department.objects.filter(code__in=BUDGETS)}
    for (code, fiscal_year), amount in missing.items():
        if code not in departments or cdo is None:  # an organisation configured otherwise
            continue
        department_budget_set(
            actor=cdo,
            department=departments[code],
            fiscal_year=fiscal_year,
            amount=amount,
            currency="EUR",
        )
