"""A department's annual budget, set outside the admin (the budgets import): who may, what an
amount may be, and the write with its audit event. The admin's department form keeps its own
field checks; the rule here is the same (not negative, fits the column, a known currency)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record_event
from core.errors import DomainError, NotAllowed
from core.money import Currency
from stakeholders.models import Department

_FIELD = Department._meta.get_field("annual_budget")
BUDGET_DECIMALS: int = _FIELD.decimal_places
BUDGET_MAX = Decimal(10) ** (_FIELD.max_digits - BUDGET_DECIMALS) - Decimal(1).scaleb(
    -BUDGET_DECIMALS
)


def may_set_budgets(user: Any) -> bool:
    """Administrators, and whoever was given the right to change departments."""
    return bool(user and user.is_authenticated and user.has_perm("stakeholders.change_department"))


def clean_budget(raw: Any, *, field: str = "annual_budget") -> Decimal:
    """A budget as stored, or DomainError (on `field`): a plain decimal number (spaces between
    thousands allowed), not negative, at most two decimals, fitting the column. The annual
    budget's and a fiscal year's budget's columns are the same size (core.money.MONEY)."""
    text = str(raw).replace(" ", "").replace("\u00a0", "") if raw is not None else ""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise DomainError(
            _("Expected an amount such as 250000 or 250000.50."), field=field
        ) from None
    if not value.is_finite():
        raise DomainError(_("Expected a finite amount."), field=field)
    if value < 0:
        raise DomainError(_("A budget may not be negative."), field=field)
    if value > BUDGET_MAX:
        raise DomainError(
            _("A budget is at most %(max)s.") % {"max": f"{BUDGET_MAX:f}"}, field=field
        )
    if value != value.quantize(Decimal(1).scaleb(-BUDGET_DECIMALS)):
        raise DomainError(
            _("At most %(places)d decimal places.") % {"places": BUDGET_DECIMALS},
            field=field,
        )
    return value.quantize(Decimal(1).scaleb(-BUDGET_DECIMALS))


def clean_currency(raw: Any) -> str:
    value = str(raw or "").strip().upper()
    if value not in Currency.values:
        raise DomainError(
            _("Unknown currency %(value)s; expected one of: %(choices)s.")
            % {"value": repr(str(raw))[:20], "choices": ", ".join(Currency.values)},
            field="currency",
        )
    return value


def department_budget_set(
    *, actor: Any, department: Department, annual_budget: Any, currency: Any = None
) -> bool:
    """Set `department`'s annual budget (and currency, when given); True when it changed. An
    unchanged budget records nothing."""
    if not may_set_budgets(actor):
        raise NotAllowed(_("Only an administrator can change the departments' budgets."))
    amount = clean_budget(annual_budget)
    with transaction.atomic():
        locked = Department.objects.select_for_update().get(pk=department.pk)
        new_currency = locked.currency if currency in (None, "") else clean_currency(currency)
        if locked.annual_budget == amount and locked.currency == new_currency:
            return False
        old = {"amount": f"{locked.annual_budget:f}", "currency": locked.currency}
        locked.annual_budget, locked.currency = amount, new_currency
        locked.save(update_fields=["annual_budget", "currency"])
        record_event(
            kind="department.budget_changed",
            actor=actor,
            payload={
                "department": locked.code,
                "old": old,
                "new": {"amount": f"{amount:f}", "currency": new_currency},
            },
        )
    department.annual_budget, department.currency = amount, new_currency
    return True
