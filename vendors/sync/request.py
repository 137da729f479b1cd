"""The top level of a push body (or a feed's page): source, mode, the full-sync session fields and
the two lists of items, checked before any item is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from core.text import LINE_BREAK, InvalidText, unreadable
from vendors.sync.spec import (
    _MISSING,
    MAX_ITEMS,
    MODE_FULL,
    MODE_UPSERT,
    MODES,
    SOURCE_MAX,
    SYNC_ID_MAX,
    TOP_LEVEL_KEYS,
    SyncRequestInvalid,
)


@dataclass
class SyncRequest:
    source: str
    mode: str
    vendors: list[Any]
    solutions: list[Any]
    # A full sync in several requests: the client's id for it, and whether this is its last.
    sync_id: str | None = None
    final: bool = False
    # A full sync that lists no record empties the source only when this says so.
    confirm_empty: bool = False
    # A full sync removes more than the allowed share of its source only when this allows it.
    confirm_deletions: int | None = None
    # A delta push's removals: external ids of records to tombstone.
    removed_vendors: list[Any] = field(default_factory=list)
    removed_solutions: list[Any] = field(default_factory=list)


def parse_sync_request(
    data: Any, *, max_items: int = MAX_ITEMS, too_many_hint: str | None = None
) -> SyncRequest:
    """Check the top level of a push body; items are checked one by one later. More than
    `max_items` items: SyncRequestInvalid (413) with `too_many_hint` (what to do instead)."""
    if not isinstance(data, dict):
        raise SyncRequestInvalid(_("Expected a JSON object."))
    errors: dict[str, list[str]] = {}
    for key in sorted(set(data) - TOP_LEVEL_KEYS):
        errors[str(key)] = [_("Unknown field.")]
    source = _stripped(data.get("source", _MISSING))
    if (problem := _source_problem(source)) is not None:
        errors["source"] = [problem]
    mode = data.get("mode", MODE_UPSERT)
    if not isinstance(mode, str) or mode not in MODES:
        errors["mode"] = [_("Expected one of: upsert, full.")]
    sync_id = data.get("sync_id")
    if sync_id is not None and (problem := _sync_id_problem(sync_id, mode=mode)) is not None:
        errors["sync_id"] = [problem]
    flags = {name: data.get(name, False) for name in ("final", "confirm_empty")}
    errors.update(_flag_problems(flags, sync_id=sync_id, mode=mode))
    confirm_deletions = data.get("confirm_deletions")
    if (problem := _confirm_deletions_problem(confirm_deletions, mode=mode)) is not None:
        errors["confirm_deletions"] = [problem]
    lists = {name: data.get(name, []) for name in ("vendors", "solutions")}
    for name, value in lists.items():
        if not isinstance(value, list):
            errors[name] = [_("Expected a list.")]
    removed, problem = _removed(data.get("removed", _MISSING), mode=mode)
    if problem is not None:
        errors["removed"] = [problem]
    if errors:
        raise SyncRequestInvalid(
            _("Invalid input in: %(fields)s.") % {"fields": ", ".join(errors)}, errors=errors
        )
    total = len(lists["vendors"]) + len(lists["solutions"]) + sum(map(len, removed.values()))
    if total > max_items:
        hint = too_many_hint or _("Send them in several requests.")
        raise SyncRequestInvalid(
            _("%(n)d items in one request; the limit is %(max)d.") % {"n": total, "max": max_items}
            + " "
            + hint,
            errors={"non_field_errors": [_("At most %(max)d items.") % {"max": max_items}]},
            status=413,
        )
    return SyncRequest(
        source,
        mode,
        lists["vendors"],
        lists["solutions"],
        sync_id=sync_id,
        final=flags["final"],
        confirm_empty=flags["confirm_empty"],
        confirm_deletions=confirm_deletions,
        removed_vendors=removed["vendors"],
        removed_solutions=removed["solutions"],
    )


def _stripped(value: Any) -> Any:
    """An identifier without its surrounding whitespace, which is never meant. Only a plain
    str: core.text marks unreadable text (a lone surrogate) by its type, which strip() drops."""
    return value.strip() if type(value) is str else value


def _source_problem(source: Any) -> str | None:
    if source is _MISSING:
        return _("This field is required.")
    if not isinstance(source, str) or not source.strip():
        return _("Expected a non-empty string.")
    if len(source) > SOURCE_MAX:
        return _("At most %(max)d characters.") % {"max": SOURCE_MAX}
    if (problem := unreadable(source)) is not None:
        return problem
    if LINE_BREAK.search(source):
        return _("Line breaks are not allowed here.")
    return None


def _removed(value: Any, *, mode: Any) -> tuple[dict[str, list[Any]], str | None]:
    """A delta push's `removed`: {"vendors": [external ids], "solutions": [external ids]}."""
    empty: dict[str, list[Any]] = {"vendors": [], "solutions": []}
    if value is _MISSING:
        return empty, None
    if not isinstance(value, dict) or set(value) - {"vendors", "solutions"}:
        return empty, _('Expected an object with "vendors" and/or "solutions" lists.')
    lists = {name: value.get(name, []) for name in ("vendors", "solutions")}
    if not all(isinstance(ids, list) for ids in lists.values()):
        return empty, _("Expected lists of external ids.")
    if mode == MODE_FULL and any(lists.values()):
        return empty, _('Only with "mode": "upsert": a full sync removes what it does not list.')
    return lists, None


def _confirm_deletions_problem(value: Any, *, mode: Any) -> str | None:
    if value is None:
        return None
    if type(value) is not int or value < 0:
        return _("Expected a whole number, 0 or more.")
    if mode != MODE_FULL:
        return _('Only with "mode": "full".')
    return None


def _sync_id_problem(sync_id: Any, *, mode: Any) -> str | None:
    if not isinstance(sync_id, str) or not sync_id.strip():
        return _("Expected a non-empty string.")
    if len(sync_id) > SYNC_ID_MAX:
        return _("At most %(max)d characters.") % {"max": SYNC_ID_MAX}
    if isinstance(sync_id, InvalidText) or not sync_id.isprintable():
        return _("Only printable characters (no NUL or line breaks).")
    if mode != MODE_FULL:
        return _('Only with "mode": "full".')
    return None


def _flag_problems(flags: dict[str, Any], *, sync_id: Any, mode: Any) -> dict[str, list[str]]:
    errors = {
        name: [_("Expected true or false.")]
        for name, value in flags.items()
        if value is not True and value is not False
    }
    if flags["final"] is True and sync_id is None:
        errors["final"] = [
            _("Only with a sync_id: a full sync without one is whole in one request.")
        ]
    if flags["confirm_empty"] is True and mode != MODE_FULL:
        errors["confirm_empty"] = [_('Only with "mode": "full".')]
    return errors
