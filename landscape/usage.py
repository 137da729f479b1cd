"""Usage reports: monthly active users and licensed seats per tool, from the API
(POST /api/v1/usage/), a CSV export uploaded in the browser, or the admin. One service takes a
batch of items: each item is checked on its own (a bad item never blocks the good ones) and
written idempotently per tool + month + source (the same figures again: `unchanged`).

Who may report a tool's usage: IT Operations, or the tool's owners (landscape.rights). The
API's token scopes (full, usage) are checked by the API before this service runs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from core.actors import Actor
from core.errors import DomainError
from core.text import InvalidText
from landscape.models import Tool, ToolUsage
from landscape.rights import can_edit_tool, governs_landscape
from stakeholders.models import Membership, Role

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
INVALID = "invalid"
STATUSES = (CREATED, UPDATED, UNCHANGED, INVALID)

# The largest figure we take: more users than any organisation has is a typo (and stays far
# below the column's limit, so a huge number is a clear error, not a database failure).
MAX_USERS = 10_000_000
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
SOURCE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
KEY_RE = re.compile(r"^([^:]{1,40}):(.{1,100})$")


@dataclass
class UsageItemResult:
    """One item of a batch, as reported back: its status, the row's id, or its errors."""

    index: int
    status: str
    tool: int | None = None
    month: str | None = None
    source: str | None = None
    id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class UsageReport:
    items: list[UsageItemResult]
    dry_run: bool = False

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for item in self.items:
            counts[item.status] += 1
        return counts


@dataclass
class _Clean:
    index: int
    tool: Tool
    month: dt.date
    source: str
    active_users: int
    licensed_seats: int | None


def parse_month(value: Any, *, today: dt.date | None = None) -> dt.date:
    """ "YYYY-MM" → the month's first day. Not a later month than the current one."""
    if not isinstance(value, str) or isinstance(value, InvalidText):
        raise ValueError(_("Expected a month as YYYY-MM."))
    match = MONTH_RE.match(value.strip())
    if not match:
        raise ValueError(_("Expected a month as YYYY-MM."))
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < 2000:
        raise ValueError(_("Expected a month as YYYY-MM (a month from 2000 on)."))
    first = dt.date(year, month, 1)
    today = today or timezone.localdate()
    if first > today.replace(day=1):
        raise ValueError(_("Usage cannot be reported for a month that has not started."))
    return first


def parse_count(value: Any, *, required: bool) -> int | None:
    """A whole number of people, 0 or more. Text of digits is taken (CSV cells are text)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError(_("This field is required."))
        return None
    if isinstance(value, bool):
        raise ValueError(_("Expected a whole number."))
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"-?\d+", text):
            raise ValueError(_("Expected a whole number."))
        value = int(text)
    if not isinstance(value, int):
        raise ValueError(_("Expected a whole number."))
    if value < 0:
        raise ValueError(_("Cannot be negative."))
    if value > MAX_USERS:
        raise ValueError(_("At most %(max)d.") % {"max": MAX_USERS})
    return value


def parse_source(value: Any, *, default: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if not isinstance(value, str) or not SOURCE_RE.match(value.strip().lower()):
        raise ValueError(
            _("A short name of lower-case letters, digits, - or _ (at most 40), e.g. okta.")
        )
    return value.strip().lower()


class ToolResolver:
    """Finds the tools a batch names, in three queries whatever its size. A tool is named by
    its id (a number), by its catalog solution's key `source:external_id`, or (the CSV of a
    SaaS console knows only names) by its name when exactly one tool has it."""

    def __init__(self, refs: Iterable[Any]) -> None:
        ids: set[int] = set()
        keys: set[tuple[str, str]] = set()
        names: set[str] = set()
        for ref in refs:
            if isinstance(ref, bool) or ref is None:
                continue
            if isinstance(ref, int):
                ids.add(ref)
            elif isinstance(ref, str) and not isinstance(ref, InvalidText) and ref.strip():
                text = ref.strip()
                if text.isascii() and text.isdigit():  # "²" is a digit to isdigit()
                    ids.add(int(text))
                elif match := KEY_RE.match(text):
                    keys.add((match.group(1), match.group(2)))
                    names.add(text.lower())
                else:
                    names.add(text.lower())
        tools = Tool.objects.select_related("solution")
        self.by_id = {t.pk: t for t in tools.filter(pk__in=[i for i in ids if 0 < i < 2**63])}
        self.by_key: dict[tuple[str, str], Tool] = {}
        if keys:
            query = Q()
            for source, external_id in keys:
                query |= Q(solution__source=source, solution__external_id=external_id)
            self.by_key = {
                (t.solution.source, t.solution.external_id): t for t in tools.filter(query)
            }
        self.by_name: dict[str, list[Tool]] = {}
        if names:
            named = tools.annotate(lower_name=Lower("solution__name")).filter(lower_name__in=names)
            for tool in named:
                self.by_name.setdefault(tool.solution.name.lower(), []).append(tool)

    def resolve(self, ref: Any) -> Tool:
        if isinstance(ref, bool) or ref is None or (isinstance(ref, str) and not ref.strip()):
            raise ValueError(_("Name the tool: its id, name or catalog key (source:external_id)."))
        if isinstance(ref, InvalidText):
            raise ValueError(_("Expected a tool id, name or catalog key."))
        text = ref.strip() if isinstance(ref, str) else ""
        if isinstance(ref, int) or (text.isascii() and text.isdigit()):
            tool = self.by_id.get(int(ref))
            if tool is None:
                raise ValueError(_("No tool has the id %(id)s.") % {"id": ref})
            return tool
        if not isinstance(ref, str):
            raise ValueError(_("Expected a tool id, name or catalog key."))
        text = ref.strip()
        if match := KEY_RE.match(text):
            tool = self.by_key.get((match.group(1), match.group(2)))
            if tool is not None:
                return tool
        found = self.by_name.get(text.lower(), [])
        if len(found) > 1:
            raise ValueError(
                _("Several tools are named “%(name)s”: name it by its id.") % {"name": text}
            )
        if not found:
            raise ValueError(_("No tool is named “%(name)s”.") % {"name": text})
        return found[0]


def usage_items_check(
    *,
    actor: Actor,
    items: Sequence[Any],
    default_source: str,
    today: dt.date | None = None,
    item_label: Callable[[int], str] | None = None,
) -> tuple[list[_Clean], list[UsageItemResult]]:
    """Check every item: the clean ones to write, and a report entry for each refused one.
    `item_label` names an item in messages ("item 3", a CSV's "line 4")."""
    label = item_label or (lambda index: _("item %(index)d") % {"index": index})
    dicts = [item if isinstance(item, dict) else {} for item in items]
    resolver = ToolResolver(item.get("tool") for item in dicts)
    clean: list[_Clean] = []
    refused: list[UsageItemResult] = []
    seen: dict[tuple[int, dt.date, str], int] = {}
    for index, (raw, item) in enumerate(zip(items, dicts, strict=True)):
        errors: dict[str, list[str]] = {}
        if not isinstance(raw, dict):
            refused.append(
                UsageItemResult(
                    index=index, status=INVALID, errors={"item": [_("Expected an object.")]}
                )
            )
            continue
        for name in sorted(str(k) for k in item if k not in USAGE_ITEM_FIELDS):
            errors[name] = [_("Unknown field.")]
        values: dict[str, Any] = {}
        for name, parse in (
            ("tool", resolver.resolve),
            ("month", lambda v: parse_month(v, today=today)),
            ("source", lambda v: parse_source(v, default=default_source)),
            ("active_users", lambda v: parse_count(v, required=True)),
            ("licensed_seats", lambda v: parse_count(v, required=False)),
        ):
            try:
                values[name] = parse(item.get(name))
            except ValueError as error:
                errors[name] = [str(error)]
        tool: Tool | None = values.get("tool")
        if tool is not None and not can_edit_tool(user=actor, tool=tool):
            errors["tool"] = [_("Only the tool's owners or IT Operations report its usage.")]
        seats, active = values.get("licensed_seats"), values.get("active_users")
        if seats is not None and active is not None and active > seats:
            errors["active_users"] = [_("More active users than licensed seats.")]
        if not errors and tool is not None:
            key = (tool.pk, values["month"], values["source"])
            if key in seen:
                errors["month"] = [
                    _("The same tool, month and source as %(other)s.") % {"other": label(seen[key])}
                ]
            else:
                seen[key] = index
        if errors or tool is None or active is None:
            refused.append(
                UsageItemResult(
                    index=index,
                    status=INVALID,
                    tool=tool.pk if tool is not None else None,
                    month=values["month"].strftime("%Y-%m") if "month" in values else None,
                    source=values.get("source"),
                    errors=errors,
                )
            )
            continue
        clean.append(
            _Clean(
                index=index,
                tool=tool,
                month=values["month"],
                source=values["source"],
                active_users=active,
                licensed_seats=seats,
            )
        )
    return clean, refused


def may_report_usage(user: Any) -> bool:
    """Whether the usage import is for this person: IT Operations, or the owner of a tool (its
    business owner, its IT steward, the head of its owner department). Per tool, the service
    checks again (landscape.rights.can_edit_tool)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if governs_landscape(user):
        return True
    heads = Membership.objects.filter(user=user, role=Role.HEAD, department__is_active=True)
    return Tool.objects.filter(
        Q(business_owner=user)
        | Q(it_steward=user)
        | Q(owner_department__in=heads.values("department"))
    ).exists()


USAGE_ITEM_FIELDS = ("tool", "month", "source", "active_users", "licensed_seats")


def usage_ingest(
    *,
    actor: Actor,
    items: Sequence[Any],
    default_source: str,
    dry_run: bool = False,
    via: str = "api",
    today: dt.date | None = None,
    item_label: Callable[[int], str] | None = None,
    event_extra: dict[str, Any] | None = None,
) -> UsageReport:
    """Check and write a batch of usage items (at most USAGE_BATCH_MAX): created, updated,
    unchanged or invalid, one result per item in the batch's order. `dry_run` writes nothing
    (the CSV preview). One audit event for the batch (its counts), not one per row: when it
    changed something, or always when `event_extra` says what was imported (a file)."""
    if len(items) > settings.USAGE_BATCH_MAX:
        raise DomainError(
            _("At most %(max)d items per batch.") % {"max": settings.USAGE_BATCH_MAX},
            field="items",
        )
    clean, refused = usage_items_check(
        actor=actor, items=items, default_source=default_source, today=today, item_label=item_label
    )
    results = {result.index: result for result in refused}
    with transaction.atomic():
        existing = _existing(clean)
        to_create: list[ToolUsage] = []
        to_update: list[ToolUsage] = []
        for row in clean:
            found = existing.get((row.tool.pk, row.month, row.source))
            result = UsageItemResult(
                index=row.index,
                status=CREATED,
                tool=row.tool.pk,
                month=row.month.strftime("%Y-%m"),
                source=row.source,
            )
            results[row.index] = result
            if found is None:
                to_create.append(
                    ToolUsage(
                        tool=row.tool,
                        month=row.month,
                        source=row.source,
                        active_users=row.active_users,
                        licensed_seats=row.licensed_seats,
                    )
                )
                continue
            result.id = found.pk
            if (found.active_users, found.licensed_seats) == (
                row.active_users,
                row.licensed_seats,
            ):
                result.status = UNCHANGED
                continue
            result.status = UPDATED
            found.active_users, found.licensed_seats = row.active_users, row.licensed_seats
            found.updated_at = timezone.now()
            to_update.append(found)
        report = UsageReport(items=[results[i] for i in sorted(results)], dry_run=dry_run)
        if dry_run or not (to_create or to_update or event_extra is not None):
            return report
        if to_create:
            # An upsert: a concurrent batch that created the same key first is overwritten with
            # these figures instead of failing the whole batch (it reports `created` here).
            ToolUsage.objects.bulk_create(
                to_create,
                update_conflicts=True,
                unique_fields=["tool", "month", "source"],
                update_fields=["active_users", "licensed_seats", "updated_at"],
            )
            _ids_of_created(to_create, results)
        if to_update:
            ToolUsage.objects.bulk_update(
                to_update, ["active_users", "licensed_seats", "updated_at"]
            )
        record_event(
            kind="usage.reported",
            actor=actor,
            payload={
                "via": via,
                **(event_extra or {}),
                "counts": report.counts,
                "tools": sorted({row.tool.pk for row in clean}),
            },
        )
    return report


def _existing(clean: list[_Clean]) -> dict[tuple[int, dt.date, str], ToolUsage]:
    """The rows the batch's keys already have: one query (the batch's tools, months and
    sources, a superset, matched by key in Python), locked so a concurrent batch waits."""
    if not clean:
        return {}
    rows = ToolUsage.objects.select_for_update().filter(
        tool__in={row.tool.pk for row in clean},
        month__in={row.month for row in clean},
        source__in={row.source for row in clean},
    )
    return {(row.tool_id, row.month, row.source): row for row in rows}


def _ids_of_created(created: list[ToolUsage], results: dict[int, UsageItemResult]) -> None:
    """bulk_create with update_conflicts returns no ids on every database: read them back."""
    if all(row.pk for row in created):
        ids = {(row.tool_id, row.month, row.source): row.pk for row in created}
    else:
        ids = {
            (tool_id, month, source): pk
            for pk, tool_id, month, source in ToolUsage.objects.filter(
                tool__in={row.tool_id for row in created},
                month__in={row.month for row in created},
                source__in={row.source for row in created},
            ).values_list("pk", "tool_id", "month", "source")
        }
    for result in results.values():
        if result.status == CREATED and result.id is None and result.tool is not None:
            year, month = (int(p) for p in (result.month or "0-0").split("-"))
            result.id = ids.get((result.tool, dt.date(year, month, 1), result.source or ""))
