"""What each import takes and how each row goes in: the columns, who may import, and the
service every row goes through (the same one the pages, the API and the sync call, so the
rules live once). Each `run` writes; the caller (imports.services) rolls everything back for
a preview, or when any row has an error."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError, NotAllowed
from glossary.models import Term
from glossary.rights import may_edit_terms
from glossary.services import clean_name, meaning_set, term_create, term_update
from imports.models import ImportKind
from imports.reading import Row
from landscape.models import Tool
from landscape.rights import governs_landscape
from landscape.serializers import ToolInputSerializer
from landscape.services import TOOL_EDITABLE, tool_update
from stakeholders.annual_budget import (
    clean_budget,
    clean_currency,
    department_budget_set,
    may_set_budgets,
)
from stakeholders.models import Department, DepartmentBudget
from stakeholders.selectors import budgets_may_manage
from stakeholders.services import department_budget_set as department_year_budget_set
from vendors.sync.push import catalog_sync_push
from vendors.sync.spec import SOLUTION_FIELDS

CREATED, UPDATED, UNCHANGED, INVALID = "created", "updated", "unchanged", "invalid"
STATUSES = (CREATED, UPDATED, UNCHANGED, INVALID)
# Imported catalog records are the source "import"'s: a sync of another source never sees them,
# and importing the same file twice changes nothing (the sync's upsert by source + external id).
CATALOG_SOURCE = "import"


@dataclass
class RowResult:
    line: int
    key: str
    status: str = INVALID
    errors: dict[str, list[str]] = field(default_factory=dict)

    def error(self, column: str, message: str) -> None:
        messages = self.errors.setdefault(column, [])
        if message not in messages:
            messages.append(message)
        self.status = INVALID


@dataclass(frozen=True)
class Kind:
    name: str
    label: Any
    required: tuple[str, ...]
    optional: tuple[str, ...]
    may_import: Callable[[Any], bool]
    refusal: Any
    run: Callable[..., list[RowResult]]
    example: str
    extra: re.Pattern[str] | None = None
    # Rows per file: each row of a kind without a bulk path costs its service's queries, and a
    # preview must answer well within a request's time (the catalog goes through the sync's).
    max_rows: int = 2000


def _from_row(row: Row, key: str) -> RowResult:
    result = RowResult(line=row.line, key=key)
    for column, messages in row.errors.items():
        for message in messages:
            result.error(column, message)
    return result


# --- Department budgets -------------------------------------------------------------------


def _department_row(row: Row, departments: dict[str, Department]):
    """A budget row's department code, its result, and the department (None, with the error
    on the row, when the code is missing or unknown)."""
    code = row.cells.get("department", "").upper()
    result = _from_row(row, code)
    department = departments.get(code)
    if not code:
        result.error("department", _("Give the department's code, e.g. HR."))
    elif department is None:
        result.error("department", _("No department has the code %(code)s.") % {"code": code[:20]})
    return code, result, department


def _run_budgets(rows: list[Row], *, actor: Any) -> list[RowResult]:
    codes = {row.cells.get("department", "").upper() for row in rows}
    departments = {d.code.upper(): d for d in Department.objects.filter(code__in=codes)}
    seen: dict[str, int] = {}
    results = []
    for row in rows:
        code, result, department = _department_row(row, departments)
        if department is not None and code in seen:
            result.error(
                "department",
                _("The department is on line %(line)d already.") % {"line": seen[code]},
            )
        seen.setdefault(code, row.line)
        if not result.errors and department is not None:
            try:
                changed = department_budget_set(
                    actor=actor,
                    department=department,
                    annual_budget=row.cells.get("annual_budget", ""),
                    currency=row.cells.get("currency") or None,
                )
                result.status = UPDATED if changed else UNCHANGED
            except NotAllowed:
                raise
            except DomainError as error:
                result.error(error.field or "", error.message)
        results.append(result)
    return results


# --- Budgets per fiscal year ------------------------------------------------------------------

FISCAL_YEAR_EXAMPLE = "2027"


def _parsed(result: RowResult, parse: Callable[..., Any], raw: str, **kwargs: Any) -> Any:
    """`parse(raw)`, or None with its error on the row."""
    try:
        return parse(raw, **kwargs)
    except DomainError as error:
        result.error(error.field or "", error.message)
        return None


def _fiscal_year(row: Row, result: RowResult) -> int | None:
    text = row.cells.get("fiscal_year", "").strip()
    if not re.fullmatch(r"[0-9]{4}", text):
        result.error(
            "fiscal_year", _("Expected a year such as %(year)s.") % {"year": FISCAL_YEAR_EXAMPLE}
        )
        return None
    return int(text)


def _run_yearly_budgets(rows: list[Row], *, actor: Any) -> list[RowResult]:
    """Each row a department's budget for one fiscal year, through the same service as the
    budgets page and the API (its rules, its audit events). A year without a currency keeps
    the one it has, or takes the department's."""
    codes = {row.cells.get("department", "").upper() for row in rows}
    departments = {d.code.upper(): d for d in Department.objects.filter(code__in=codes)}
    existing = {
        (budget.department_id, budget.fiscal_year): budget
        for budget in DepartmentBudget.objects.filter(department__in=departments.values())
    }
    seen: dict[tuple[str, int], int] = {}
    results = []
    for row in rows:
        code, result, department = _department_row(row, departments)
        year = _fiscal_year(row, result)
        if year is not None:
            result.key = f"{code} {year}"
            if (code, year) in seen:
                result.error(
                    "fiscal_year",
                    _("The department's budget for this year is on line %(line)d already.")
                    % {"line": seen[(code, year)]},
                )
            seen.setdefault((code, year), row.line)
        amount = _parsed(result, clean_budget, row.cells.get("amount", ""), field="amount")
        currency = row.cells.get("currency", "")
        currency = currency and _parsed(result, clean_currency, currency)
        if result.errors or department is None or year is None or amount is None:
            results.append(result)
            continue
        before = existing.get((department.pk, year))
        currency = currency or (before.currency if before else department.currency)
        try:
            _budget, created = department_year_budget_set(
                actor=actor, department=department, fiscal_year=year, amount=amount,
                currency=currency,
            )  # fmt: skip
        except NotAllowed:
            raise
        except DomainError as error:
            result.error(error.field or "", error.message)
        else:
            if created:
                result.status = CREATED
            elif before is not None and (before.amount, before.currency) == (amount, currency):
                result.status = UNCHANGED
            else:
                result.status = UPDATED
        results.append(result)
    return results


# --- Glossary --------------------------------------------------------------------------------

MEANING_COLUMN = re.compile(r"meaning_[a-z0-9_]{1,12}")


def _run_glossary(rows: list[Row], *, actor: Any) -> list[RowResult]:
    terms = {term.name.casefold(): term for term in Term.objects.all()}  # tens, not thousands
    departments = {d.code.lower(): d for d in Department.objects.filter(is_active=True)}
    seen: dict[str, int] = {}
    results = []
    for row in rows:
        raw_name = row.cells.get("term", "")
        result = _from_row(row, raw_name[:80])
        try:
            name = clean_name(raw_name)
        except DomainError as error:
            result.error("term", error.message)
            results.append(result)
            continue
        folded = name.casefold()
        if folded in seen:
            result.error(
                "term", _("The term is on line %(line)d already.") % {"line": seen[folded]}
            )
        seen.setdefault(folded, row.line)
        meanings = []
        for column, text in row.cells.items():
            if not column.startswith("meaning_") or not text:
                continue  # an empty meaning leaves the department's meaning as it is
            department = departments.get(column.removeprefix("meaning_"))
            if department is None:
                result.error(column, _("No active department has this code."))
            else:
                meanings.append((column, department, text))
        if result.errors:
            results.append(result)
            continue
        try:
            # A savepoint per row: a refused row leaves nothing of itself behind.
            with transaction.atomic():
                result.status = _glossary_row(
                    actor=actor, terms=terms, name=name, folded=folded,
                    definition=row.cells.get("definition", ""), meanings=meanings, result=result,
                )  # fmt: skip
                if result.errors:
                    raise _RowFailed
        except _RowFailed:
            result.status = INVALID
        except DomainError as error:
            result.error("definition" if error.field == "definition" else "term", error.message)
        results.append(result)
    return results


class _RowFailed(Exception):
    pass


def _glossary_row(*, actor, terms, name, folded, definition, meanings, result) -> str:
    term = terms.get(folded)
    status = UNCHANGED
    if term is None:
        term = term_create(actor=actor, name=name, definition=definition)
        terms[folded] = term
        status = CREATED
    else:
        # An empty definition keeps the term's; the name's spelling follows the file.
        before = (term.name, term.definition)
        term = term_update(
            actor=actor, term=term, name=name, definition=definition or term.definition
        )
        terms[folded] = term
        if (term.name, term.definition) != before:
            status = UPDATED
    current = {m.department_id: m.text for m in term.meanings.all()}
    for column, department, text in meanings:
        try:
            stored = meaning_set(term=term, department=department, actor=actor, text=text)
        except DomainError as error:  # NotAllowed too: another department's meaning
            result.error(column, error.message)
            continue
        if stored != current.get(department.pk, "") and status == UNCHANGED:
            status = UPDATED
    return status


# --- Catalog -----------------------------------------------------------------------------------

CATALOG_REQUIRED = ("external_id", "name", "vendor", "category", "pricing_model")
CATALOG_OPTIONAL = (
    "vendor_external_id",
    "vendor_website",
    "vendor_country",
    *(name for name in SOLUTION_FIELDS if name not in ("name", "custom")),
)
BOOLEANS = {
    "true": True, "yes": True, "y": True, "1": True, "ja": True, "oui": True, "x": True,
    "false": False, "no": False, "n": False, "0": False, "nee": False, "non": False,
}  # fmt: skip
BOOLEAN_FIELDS = ("iso27001", "soc2", "sso", "has_api", "processes_personal_data")


def may_import_catalog(user: Any) -> bool:
    """Catalog maintainers: those who may synchronise the catalog (an administrator too)."""
    return bool(user and user.is_authenticated and user.has_perm("vendors.sync_catalog"))


def _solution_item(cells: dict[str, str], vendor_key: str) -> dict[str, Any]:
    item: dict[str, Any] = {"vendor": vendor_key}
    for name, value in cells.items():
        if name.startswith("vendor") or value == "":
            continue  # a blank cell: the field's default, as an item without it
        if name in BOOLEAN_FIELDS:
            item[name] = BOOLEANS.get(value.lower(), value)
        elif name == "tags":
            item[name] = [tag for tag in re.split(r"[,;|]", value) if tag.strip()]
        else:
            item[name] = value
    return item


def _catalog_items(rows: list[Row], results: list[RowResult]):
    """The sync's vendor and solution items of the rows without errors, and which rows each
    (type, external id) comes from."""
    vendors: dict[str, dict[str, Any]] = {}
    solutions: list[dict[str, Any]] = []
    lines: dict[tuple[str, str], list[RowResult]] = {}
    for row, result in zip(rows, results, strict=True):
        cells = row.cells
        vendor_name = cells.get("vendor", "")
        vendor_key = cells.get("vendor_external_id") or (
            (slugify(vendor_name) or vendor_name)[:100] if vendor_name else ""
        )
        if not vendor_key:
            result.error("vendor", _("Give the vendor's name."))
        if result.errors:
            continue
        if vendor_key not in vendors:
            vendor = {"external_id": vendor_key, "name": vendor_name}
            for column, name in (("vendor_website", "website"), ("vendor_country", "country")):
                if cells.get(column):
                    vendor[name] = cells[column]
            vendors[vendor_key] = vendor
        lines.setdefault(("vendor", vendor_key), []).append(result)
        lines.setdefault(("solution", cells.get("external_id", "").strip()), []).append(result)
        solutions.append(_solution_item(cells, vendor_key))
    return list(vendors.values()), solutions, lines


def _catalog_column(item_type: str, name: str) -> str:
    """The file's column of a sync item's field."""
    if item_type != "vendor":
        return name
    return "vendor" if name == "name" else f"vendor_{name}"


def _run_catalog(rows: list[Row], *, actor: Any) -> list[RowResult]:
    results = [_from_row(row, row.cells.get("external_id", "")) for row in rows]
    vendors, solutions, lines = _catalog_items(rows, results)
    if not solutions:
        return results
    _status, body, _replayed = catalog_sync_push(
        actor=actor,
        data={"source": CATALOG_SOURCE, "mode": "upsert", "vendors": vendors,
              "solutions": solutions},
    )  # fmt: skip
    touched: set[int] = set()
    for item in body["items"]:
        for result in lines.get((item["type"], item["external_id"] or ""), []):
            for name, messages in item["errors"].items():
                for message in messages:
                    result.error(_catalog_column(item["type"], name), message)
            if item["type"] == "solution" and not result.errors:
                result.status = item["status"]
            elif item["type"] == "vendor" and item["status"] in (CREATED, UPDATED):
                touched.add(id(result))
    for result in results:
        # A row whose solution is unchanged but whose vendor it changes: the row changes it.
        if result.status == UNCHANGED and id(result) in touched:
            result.status = UPDATED
    return results


# --- Tools -----------------------------------------------------------------------------------
# Tools enter the landscape through an approved proposal, never through an import: the import
# changes existing tools' owners, data and contract, as the tool's edit (PATCH) does, through
# the same input rules (landscape.serializers.ToolInputSerializer) and service (tool_update).
TOOL_COLUMNS = (*tuple(name for name in TOOL_EDITABLE if name != "currency"), "currency")
PEOPLE_COLUMNS = ("business_owner", "it_steward")


def _find_tools(keys: set[str]) -> tuple[dict[int, Tool], dict[str, list[Tool]]]:
    ids = {int(key) for key in keys if key.isdigit() and len(key) < 19}
    names = {key.casefold() for key in keys if not key.isdigit()}
    by_id: dict[int, Tool] = {}
    by_name: dict[str, list[Tool]] = {}
    tools = Tool.objects.select_related("solution", "business_owner", "it_steward")
    # Names compared in Python (casefold): tens or hundreds of tools, read once.
    for tool in tools.filter(pk__in=ids) if not names else tools.all():
        by_id[tool.pk] = tool
        by_name.setdefault(tool.solution.name.casefold(), []).append(tool)
    return by_id, by_name


def _tool_of(key: str, by_id, by_name, result: RowResult) -> Tool | None:
    if key.isdigit():
        tool = by_id.get(int(key)) if len(key) < 19 else None
        if tool is None:
            result.error("tool", _("No tool has the id %(id)s.") % {"id": key[:20]})
        return tool
    found = by_name.get(key.casefold(), [])
    if len(found) != 1:
        result.error(
            "tool",
            _("No tool is named %(name)s.") % {"name": key[:80]}
            if not found
            else _("Several tools are named %(name)s: give the tool's id.") % {"name": key[:80]},
        )
        return None
    return found[0]


def _tool_input(cells: dict[str, str], people: dict[str, int], tool: Tool, result: RowResult):
    data: dict[str, Any] = {}
    for name, value in cells.items():
        if name == "tool" or value == "" or name == "currency":
            continue  # an empty cell leaves the field as it is
        if name in PEOPLE_COLUMNS:
            if value.casefold() not in people:
                result.error(name, _("No active user has the username %(u)s.") % {"u": value[:80]})
            else:
                data[name] = people[value.casefold()]
        elif name in ("personal_data", "is_platform", "auto_renews"):
            data[name] = BOOLEANS.get(value.lower(), value)
        elif name == "yearly_cost":
            data[name] = {"amount": value, "currency": cells.get("currency") or tool.currency}
        else:
            data[name] = value
    if cells.get("currency") and not cells.get("yearly_cost"):
        result.error("currency", _("A currency goes with a yearly cost."))
    return data


def _run_tools(rows: list[Row], *, actor: Any) -> list[RowResult]:
    from django.contrib.auth import get_user_model

    by_id, by_name = _find_tools({row.cells.get("tool", "") for row in rows})
    usernames = {row.cells.get(c, "").casefold() for row in rows for c in PEOPLE_COLUMNS}
    people = {
        username.casefold(): pk
        for pk, username in get_user_model()
        .objects.filter(is_active=True)
        .values_list("pk", "username")
        if username.casefold() in usernames
    }
    seen: dict[int, int] = {}
    results = []
    for row in rows:
        key = row.cells.get("tool", "")
        result = _from_row(row, key)
        tool = _tool_of(key, by_id, by_name, result) if key else None
        if not key:
            result.error("tool", _("Give the tool's id or name."))
        if tool is not None:
            result.key = tool.solution.name
            if tool.pk in seen:
                result.error(
                    "tool", _("The tool is on line %(line)d already.") % {"line": seen[tool.pk]}
                )
            seen.setdefault(tool.pk, row.line)
        data = _tool_input(row.cells, people, tool, result) if tool is not None else {}
        if result.errors or tool is None:
            results.append(result)
            continue
        payload = ToolInputSerializer(data=data)
        if not payload.is_valid():
            for name, messages in payload.errors.items():
                flat = messages.values() if isinstance(messages, dict) else [messages]
                for group in flat:
                    for message in group:
                        result.error(name, str(message))
            results.append(result)
            continue
        values = payload.service_data()
        changed = any(getattr(tool, name) != value for name, value in values.items())
        try:
            with transaction.atomic():
                tool_update(tool=tool, actor=actor, data=values)
            result.status = UPDATED if changed else UNCHANGED
        except DomainError as error:  # NotAllowed too: a tool the importer may not change
            result.error(
                "tool" if isinstance(error, NotAllowed) else error.field or "", error.message
            )
        results.append(result)
    return results


KINDS: dict[str, Kind] = {
    ImportKind.CATALOG: Kind(
        name=ImportKind.CATALOG,
        label=gettext_lazy("Catalog"),
        required=CATALOG_REQUIRED,
        optional=CATALOG_OPTIONAL,
        may_import=may_import_catalog,
        refusal=gettext_lazy(
            "Only a catalog maintainer or an administrator can import the catalog."
        ),
        run=_run_catalog,
        example=(
            "external_id;name;vendor;category;pricing_model;list_price;sso\n"
            "ats-1;Hirely ATS;Hirely;talent_acquisition;per_seat;12.50;yes"
        ),
    ),
    ImportKind.TOOLS: Kind(
        name=ImportKind.TOOLS,
        label=gettext_lazy("Tools"),
        required=("tool",),
        optional=TOOL_COLUMNS,
        may_import=governs_landscape,
        refusal=gettext_lazy("Only IT Operations can import changes to the tool landscape."),
        run=_run_tools,
        max_rows=500,
        example=(
            "tool;business_owner;seats;contract_start;term_months;yearly_cost;currency\n"
            "Hirely ATS;head.hr;250;2026-01-01;36;30000;EUR"
        ),
    ),
    ImportKind.BUDGETS: Kind(
        name=ImportKind.BUDGETS,
        label=gettext_lazy("Department budgets"),
        required=("department", "annual_budget"),
        optional=("currency", "name"),
        may_import=may_set_budgets,
        refusal=gettext_lazy("Only an administrator can import the departments' budgets."),
        run=_run_budgets,
        max_rows=200,
        example="department;annual_budget;currency\nHR;450000;EUR",
    ),
    ImportKind.YEARLY_BUDGETS: Kind(
        name=ImportKind.YEARLY_BUDGETS,
        label=gettext_lazy("Budgets per fiscal year"),
        required=("department", "fiscal_year", "amount"),
        optional=("currency", "name"),
        may_import=budgets_may_manage,
        refusal=gettext_lazy("Only the CDO or an administrator sets budgets."),
        run=_run_yearly_budgets,
        max_rows=500,
        example="department;fiscal_year;amount;currency\nHR;2027;480000;EUR",
    ),
    ImportKind.GLOSSARY: Kind(
        name=ImportKind.GLOSSARY,
        label=gettext_lazy("Glossary"),
        required=("term",),
        optional=("definition",),
        extra=MEANING_COLUMN,
        may_import=may_edit_terms,
        refusal=gettext_lazy("Only a department head or the CDO can import glossary terms."),
        run=_run_glossary,
        max_rows=200,
        example=(
            "term;definition;meaning_hr\n"
            "User;A person who signs in to a tool.;An employee with an account."
        ),
    ),
}
