"""Every change to the landscape: a tool's arrival (from a proposal's pilot or adoption), its
lifecycle moves, its details, and the integrations between tools. Each change locks the rows it
changes, checks the actor's right on the server, records an audit event in the same transaction,
and queues its webhook after commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from core.actors import Actor
from core.errors import DomainError, InvalidTransition, NotAllowed
from core.i18n import default_value, in_default_language, per_language, translated_fields
from landscape.models import (
    LIFECYCLE_MOVES,
    Criticality,
    Guardrail,
    GuardrailKind,
    Integration,
    Lane,
    Lifecycle,
    Method,
    Tool,
    ToolLifecycleChange,
)
from landscape.rights import can_connect, can_edit_tool, governs_landscape
from landscape.standards import (
    may_decide_standard,
    standard_eligibility,
    standard_lock_category,
    standards_to_drop,
)
from stakeholders.models import Department
from vendors.models import Solution
from vendors.services import solution_in_use_set
from webhooks.services import webhook_event_queue

# Moves a person makes on the tool page. The others belong to the workflow: `sunset` only
# through an approved retirement proposal, out of `retired` only through a new proposal, and
# `sunset` → `retired` on the planned day (or earlier by IT Operations).
OWNER_MOVES = {(Lifecycle.PILOT, Lifecycle.ADOPTED), (Lifecycle.PILOT, Lifecycle.RETIRED)}
GOVERNOR_MOVES = OWNER_MOVES | {
    (Lifecycle.ADOPTED, Lifecycle.STANDARD),
    (Lifecycle.STANDARD, Lifecycle.ADOPTED),
    (Lifecycle.SUNSET, Lifecycle.RETIRED),
}


def _person(actor: Actor | None) -> Any:
    """The user to record as having acted: None for the system (a scheduled retirement)."""
    return actor if actor is not None and actor.is_authenticated else None


def _lock(tool: Tool) -> Tool:
    return Tool.objects.select_for_update(of=("self",)).select_related("solution").get(pk=tool.pk)


def tool_event_data(tool: Tool, **extra: Any) -> dict[str, Any]:
    return {
        "tool": {
            "id": tool.pk,
            "name": tool.solution.name,
            "solution_id": tool.solution_id,
            "owner_department": tool.owner_department.code,
            "lifecycle": tool.lifecycle,
            "lane": tool.lane,
        },
        **extra,
    }


def _move(
    tool: Tool,
    to: str,
    *,
    actor: Actor | None,
    reason: str,
    proposal_reference: str = "",
) -> ToolLifecycleChange:
    """Move a locked tool's lifecycle along LIFECYCLE_MOVES, with its history row, audit event
    and webhook; a retired tool leaves the catalog's "in use" and its integrations end."""
    previous = tool.lifecycle
    if to not in LIFECYCLE_MOVES[previous]:
        raise InvalidTransition(
            _("A tool cannot go from %(from)s to %(to)s.")
            % {"from": Lifecycle(previous).label.lower(), "to": Lifecycle(to).label.lower()}
        )
    now = timezone.now()
    tool.lifecycle = to
    tool.lifecycle_changed_at = now
    if to != Lifecycle.SUNSET:
        tool.retire_on = None
    tool.save(update_fields=["lifecycle", "lifecycle_changed_at", "retire_on", "updated_at"])
    change = ToolLifecycleChange.objects.create(
        tool=tool,
        from_lifecycle=previous,
        to_lifecycle=to,
        actor=_person(actor),
        reason=reason,
        proposal_reference=proposal_reference,
    )
    removed: list[int] = []
    if to == Lifecycle.RETIRED:
        removed = _end_integrations(tool, now=now)
    if to in (Lifecycle.SUNSET, Lifecycle.RETIRED) and tool.standard_since is not None:
        tool_standard_drop(
            tool=tool, actor=actor, reason=_("The tool is being retired."), locked=True
        )
    solution_in_use_set(solution_id=tool.solution_id, in_use=to != Lifecycle.RETIRED)
    record_event(
        kind="tool.lifecycle_changed",
        actor=actor,
        payload={
            "tool": tool.pk,
            "solution": tool.solution_id,
            "from": previous,
            "to": to,
            "reason": reason,
            "proposal": proposal_reference,
            "retire_on": tool.retire_on,
            "integrations_removed": removed,
        },
    )
    webhook_event_queue(
        kind="tool.lifecycle_changed",
        payload=lambda: tool_event_data(
            tool,
            **{"from": previous, "to": to, "reason": reason, "proposal": proposal_reference},
        ),
    )
    return change


# --------------------------------------------------------------------------------------------
# The standard for a category: made and withdrawn by the CDO (decisions.services.standards),
# lost here when the tool goes into sunset, is retired or is flagged shelfware.


def standard_event(
    *,
    kind: str,
    tool: Tool,
    previous: Tool | None,
    actor: Actor | None,
    at: dt.datetime,
    reason: str = "",
) -> None:
    """The audit event (`tool.standard_set` or `tool.standard_withdrawn`) and the
    `tool.standard_changed` webhook of a change of a category's standard. In the caller's
    transaction; the webhook leaves after commit."""
    category = tool.solution.category
    standard = tool if kind == "tool.standard_set" else None
    record_event(
        kind=kind,
        actor=actor,
        payload={
            "tool": tool.pk,
            "solution": tool.solution_id,
            "category": category,
            "previous": previous.pk if previous is not None else None,
            "reason": reason,
        },
    )
    by = _person(actor)

    def payload() -> dict[str, Any]:
        def ref(t: Tool | None) -> dict[str, Any] | None:
            return None if t is None else {"id": t.pk, "name": t.solution.name}

        return {
            "category": category,
            "tool": ref(standard),
            "previous_tool": ref(tool if standard is None else previous),
            "by": by.get_username() if by is not None else None,
            "at": at.isoformat(),
            "reason": reason,
        }

    webhook_event_queue(kind="tool.standard_changed", payload=payload)


def tool_standard_drop(
    *, tool: Tool, actor: Actor | None, reason: str, locked: bool = False
) -> bool:
    """The tool stops being its category's standard (retiring, retired, shelfware, or withdrawn
    by the CDO, who has been checked). Idempotent: False when it was not the standard. Must run
    inside a transaction; locks the tool unless the caller has (`locked`)."""
    if not locked:
        tool = _lock(tool)
    if tool.standard_since is None:
        return False
    tool.standard_since = None
    tool.save(update_fields=["standard_since", "updated_at"])
    standard_event(
        kind="tool.standard_withdrawn",
        tool=tool,
        previous=None,
        actor=actor,
        at=timezone.now(),
        reason=reason,
    )
    return True


def standard_set(*, tool: Tool, by: Actor, today: dt.date | None = None) -> Tool:
    """The CDO makes `tool` its category's standard. The previous standard of the category, if
    any, is withdrawn in the same transaction: every tool of the category is locked first, so
    two CDOs at once end with one standard, the later one."""
    with transaction.atomic():
        if not may_decide_standard(by):
            raise NotAllowed(_("Only the Chief Digital Officer can make a tool the standard."))
        category = Tool.objects.filter(pk=tool.pk).values_list("solution__category", flat=True)
        if not category:
            raise DomainError(_("No such tool."))
        locked = {t.pk: t for t in standard_lock_category(category[0])}
        tool = locked[tool.pk]
        if tool.standard_since is not None:
            raise InvalidTransition(_("%(tool)s is the standard already.") % {"tool": tool.name})
        reasons = standard_eligibility(tool, today)
        if reasons:
            raise InvalidTransition(
                _("%(tool)s cannot become the standard: %(why)s")
                % {"tool": tool.name, "why": " ".join(reasons)},
                code="not_eligible",
            )
        previous = next((t for t in locked.values() if t.standard_since is not None), None)
        if previous is not None:
            tool_standard_drop(
                tool=previous,
                actor=by,
                reason=_("%(tool)s became the standard.") % {"tool": tool.name},
                locked=True,  # above, with the whole category
            )
        now = timezone.now()
        tool.standard_since = now
        tool.save(update_fields=["standard_since", "updated_at"])
        standard_event(kind="tool.standard_set", tool=tool, previous=previous, actor=by, at=now)
        return tool


def standard_withdraw(*, tool: Tool, by: Actor, reason: str) -> Tool:
    """The CDO withdraws the standard, saying why; the category has none until another is set."""
    with transaction.atomic():
        if not may_decide_standard(by):
            raise NotAllowed(_("Only the Chief Digital Officer can withdraw a standard."))
        reason = (reason or "").strip()
        if not reason:
            raise DomainError(_("Say why the standard is withdrawn."), field="reason")
        tool = _lock(tool)
        if tool.standard_since is None:
            raise InvalidTransition(_("%(tool)s is not the standard.") % {"tool": tool.name})
        tool_standard_drop(tool=tool, actor=by, reason=reason, locked=True)
        return tool


def standards_drop_lapsed() -> int:
    """Withdraw every standard that no longer holds (flagged shelfware, retiring or retired):
    the scheduled sweep behind the hooks, for changes that bypass them (the admin, an import).
    A second run finds nothing."""
    dropped = 0
    for tool_id in list(standards_to_drop().values_list("pk", flat=True)):
        with transaction.atomic():
            locked = (
                standards_to_drop()
                .select_for_update(of=("self",))
                .select_related("solution")
                .filter(pk=tool_id)
                .first()
            )
            if locked is None:  # recovered or dropped meanwhile
                continue
            tool = locked
            reason = (
                _("The tool is flagged as shelfware.")
                if tool.shelfware_since is not None
                else _("The tool is being retired.")
            )
            if tool_standard_drop(tool=tool, actor=None, reason=reason, locked=True):
                dropped += 1
    return dropped


def _end_integrations(tool: Tool, *, now: dt.datetime) -> list[int]:
    live = Integration.objects.filter(removed_at__isnull=True).filter(
        source=tool
    ) | Integration.objects.filter(removed_at__isnull=True, target=tool)
    ids = sorted(live.values_list("pk", flat=True))
    Integration.objects.filter(pk__in=ids).update(removed_at=now, updated_at=now)
    return ids


def tool_from_proposal(
    *,
    solution_id: int,
    department: Department,
    actor: Actor,
    lifecycle: str,
    proposal_reference: str,
    business_owner: Any = None,
    seats: int | None = None,
    personal_data: bool = False,
    yearly_cost: Decimal | None = None,
    currency: str = "EUR",
    contract_start: dt.date | None = None,
    term_months: int | None = None,
    reason: str = "",
    lane: str = Lane.GOVERNED,
) -> Tool:
    """An approved proposal's pilot starts or its tool is adopted: the tool joins the fleet,
    or, already there (another department's proposal, an earlier pilot, a retired tool brought
    back), moves on and takes the new contract. The workflow has checked the actor's right.
    A tool new to the fleet, or a retired one brought back, takes the proposal's `lane` (the
    plug-in lane when the proposal met every guardrail); a live tool keeps its own: a plug-in
    proposal never takes a governed tool out of IT's hands. Must run inside the workflow's
    transaction."""
    if lifecycle not in (Lifecycle.PILOT, Lifecycle.ADOPTED):
        raise DomainError(_("A proposal brings a tool in as a pilot or adopted."))
    solution = Solution.objects.get(pk=solution_id)
    tool = Tool.objects.select_for_update(of=("self",)).filter(solution=solution).first()
    contract = {
        "seats": seats,
        "yearly_cost": yearly_cost,
        "currency": currency,
        "contract_start": contract_start,
        "term_months": term_months,
    }
    if tool is None:
        tool = Tool.objects.create(
            solution=solution,
            owner_department=department,
            business_owner=business_owner,
            lifecycle=lifecycle,
            lifecycle_changed_at=timezone.now(),
            lane=lane,
            personal_data=personal_data or solution.processes_personal_data,
            **contract,
        )
        ToolLifecycleChange.objects.create(
            tool=tool,
            to_lifecycle=lifecycle,
            actor=_person(actor),
            reason=reason,
            proposal_reference=proposal_reference,
        )
        solution_in_use_set(solution_id=solution.pk, in_use=True)
        record_event(
            kind="tool.lifecycle_changed",
            actor=actor,
            payload={
                "tool": tool.pk,
                "solution": solution.pk,
                "from": "",
                "to": lifecycle,
                "reason": reason,
                "proposal": proposal_reference,
                "lane": lane,
            },
        )
        webhook_event_queue(
            kind="tool.lifecycle_changed",
            payload=lambda: tool_event_data(
                tool, **{"from": "", "to": lifecycle, "proposal": proposal_reference}
            ),
        )
        return tool
    if tool.lifecycle == Lifecycle.RETIRED and tool.lane != lane:
        # Back in the fleet on this proposal's terms.
        _lane_set(tool, lane, actor=actor, reason=reason, proposal_reference=proposal_reference)
    for name, value in contract.items():
        if value is not None:
            setattr(tool, name, value)
    tool.personal_data = tool.personal_data or personal_data
    tool.save()
    # Already further along (a second department adopting a standard tool): only the contract.
    if (
        tool.lifecycle != lifecycle
        and not (
            tool.lifecycle in (Lifecycle.ADOPTED, Lifecycle.STANDARD)
            and lifecycle == Lifecycle.PILOT
        )
        and not (tool.lifecycle == Lifecycle.STANDARD and lifecycle == Lifecycle.ADOPTED)
    ):
        _move(tool, lifecycle, actor=actor, reason=reason, proposal_reference=proposal_reference)
    return tool


def tool_move(*, tool: Tool, actor: Actor, to: str, reason: str) -> Tool:
    """A lifecycle move made by a person on the tool page or through the API."""
    with transaction.atomic():
        tool = _lock(tool)
        reason = reason.strip()
        if not reason:
            raise DomainError(_("Say why the tool's lifecycle changes."))
        if to not in Lifecycle.values:
            raise DomainError(_("Unknown lifecycle."))
        move = (tool.lifecycle, to)
        if move in GOVERNOR_MOVES - OWNER_MOVES:
            if not governs_landscape(actor):
                raise NotAllowed(_("Only IT Operations can make this lifecycle change."))
        elif move in OWNER_MOVES:
            if not can_edit_tool(user=actor, tool=tool):
                raise NotAllowed(_("Only the tool's owners or IT Operations can change it."))
        elif to in LIFECYCLE_MOVES[tool.lifecycle]:
            raise NotAllowed(
                _("This change goes through a proposal: a retirement proposal, or a new one.")
            )
        _move(tool, to, actor=actor, reason=reason)
        return tool


def tool_move_by_workflow(
    *, tool: Tool, actor: Actor, to: str, reason: str, proposal_reference: str
) -> Tool:
    """A lifecycle move the workflow decided (a stopped pilot): it has checked the actor's
    right. Must run inside its transaction."""
    tool = _lock(tool)
    _move(tool, to, actor=actor, reason=reason, proposal_reference=proposal_reference)
    return tool


def tool_sunset(
    *, tool: Tool, actor: Actor, retire_on: dt.date, reason: str, proposal_reference: str
) -> Tool:
    """An approved retirement: the tool goes into sunset until `retire_on`. The workflow has
    checked the decision. Must run inside its transaction."""
    tool = _lock(tool)
    tool.retire_on = retire_on
    _move(tool, Lifecycle.SUNSET, actor=actor, reason=reason, proposal_reference=proposal_reference)
    return tool


def tools_due_for_retirement(*, today: dt.date) -> list[int]:
    """Tools in sunset whose planned retirement day has come."""
    return list(
        Tool.objects.filter(lifecycle=Lifecycle.SUNSET, retire_on__lte=today)
        .order_by("retire_on", "pk")
        .values_list("pk", flat=True)
    )


def tool_retire_planned(*, tool_id: int, today: dt.date, actor: Actor | None = None) -> Tool | None:
    """Retire a tool in sunset whose planned day has come (None if it moved meanwhile). The
    workflow's task calls it, one tool per transaction. Must run inside that transaction."""
    tool = (
        Tool.objects.select_for_update(of=("self",))
        .select_related("solution", "owner_department")
        .filter(pk=tool_id, lifecycle=Lifecycle.SUNSET, retire_on__lte=today)
        .first()
    )
    if tool is None:
        return None
    _move(tool, Lifecycle.RETIRED, actor=actor, reason=_("The planned retirement day came."))
    return tool


TOOL_EDITABLE = [
    "business_owner",
    "it_steward",
    "seats",
    "personal_data",
    "classification",
    "is_platform",
    "contract_start",
    "term_months",
    "notice_days",
    "auto_renews",
    "yearly_cost",
    "currency",
    "notes",
]


def tool_update(*, tool: Tool, actor: Actor, data: dict[str, Any]) -> Tool:
    """Change a tool's owners, data, contract or notes (not its lifecycle: see tool_move)."""
    with transaction.atomic():
        tool = _lock(tool)
        if not can_edit_tool(user=actor, tool=tool):
            raise NotAllowed(_("Only the tool's owners or IT Operations can change it."))
        unknown = set(data) - set(TOOL_EDITABLE)
        if unknown:
            raise DomainError(
                _("These fields cannot be changed here: %s.") % ", ".join(sorted(unknown))
            )
        changed = {}
        for name, value in data.items():
            if getattr(tool, name) != value:
                changed[name] = value
                setattr(tool, name, value)
        if not changed:
            return tool
        try:
            tool.full_clean(exclude=["solution", "owner_department"])
        except ValidationError as exc:
            name, messages = next(iter(exc.message_dict.items()))
            raise DomainError(" ".join(messages), field=name) from exc
        tool.save()
        record_event(
            kind="tool.updated",
            actor=actor,
            payload={
                "tool": tool.pk,
                "fields": sorted(changed),
            },
        )
        return tool


@dataclass
class IntegrationInput:
    source: Tool
    target: Tool
    data: str
    method: str = Method.API
    criticality: str = Criticality.MEDIUM
    owner: Any = None


def _check_integration(
    source: Tool, target: Tool, data: str, method: str, criticality: str
) -> None:
    """The first thing wrong with an integration, as a DomainError naming its field."""
    if source.pk == target.pk:
        raise DomainError(_("A tool does not integrate with itself."), field="target")
    for end, tool in (("source", source), ("target", target)):
        if not tool.is_live:
            raise DomainError(_("%(tool)s is retired.") % {"tool": tool.solution.name}, field=end)
    if not data:
        raise DomainError(_("Say what data flows."), field="data")
    try:
        Integration._meta.get_field("data").clean(data, None)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="data") from exc
    if method not in Method.values:
        raise DomainError(_("Unknown method."), field="method")
    if criticality not in Criticality.values:
        raise DomainError(_("Unknown criticality."), field="criticality")


def _integration_event(kind: str, integration: Integration, *, actor: Actor, **extra: Any) -> None:
    record_event(
        kind=kind,
        actor=actor,
        payload={
            "integration": integration.pk,
            "source": integration.source_id,
            "target": integration.target_id,
            "data": integration.data,
            "method": integration.method,
            "criticality": integration.criticality,
            **extra,
        },
    )
    webhook_event_queue(
        kind="integration.changed",
        payload=lambda: {
            "change": kind.removeprefix("integration."),
            "integration": {
                "id": integration.pk,
                "source": integration.source_id,
                "target": integration.target_id,
                "data": integration.data,
                "method": integration.method,
                "criticality": integration.criticality,
                "removed": integration.removed_at is not None,
            },
        },
    )


def integration_create(*, actor: Actor, spec: IntegrationInput) -> Integration:
    with transaction.atomic():
        if not can_connect(user=actor, source=spec.source, target=spec.target):
            raise NotAllowed(_("Only IT Operations or an owner of either tool can connect them."))
        data = spec.data.strip()
        _check_integration(spec.source, spec.target, data, spec.method, spec.criticality)
        try:
            with transaction.atomic():
                integration = Integration.objects.create(
                    source=spec.source,
                    target=spec.target,
                    data=data,
                    method=spec.method,
                    criticality=spec.criticality,
                    owner=spec.owner,
                )
        except IntegrityError as exc:
            raise DomainError(
                _("These tools already exchange this data."), code="duplicate", field="data"
            ) from exc
        _integration_event("integration.created", integration, actor=actor)
        return integration


def _lock_integration(integration: Integration) -> Integration:
    return (
        Integration.objects.select_for_update(of=("self",))
        .select_related("source__solution", "target__solution")
        .get(pk=integration.pk)
    )


INTEGRATION_EDITABLE = ["data", "method", "criticality", "owner"]


def integration_update(
    *, integration: Integration, actor: Actor, data: dict[str, Any]
) -> Integration:
    with transaction.atomic():
        integration = _lock_integration(integration)
        if not can_connect(user=actor, source=integration.source, target=integration.target):
            raise NotAllowed(_("Only IT Operations or an owner of either tool can change it."))
        if integration.removed_at is not None:
            raise InvalidTransition(_("This integration was removed."))
        unknown = set(data) - set(INTEGRATION_EDITABLE)
        if unknown:
            raise DomainError(
                _("These fields cannot be changed here: %s.") % ", ".join(sorted(unknown))
            )
        for name, value in data.items():
            setattr(integration, name, value.strip() if name == "data" else value)
        _check_integration(
            integration.source,
            integration.target,
            integration.data,
            integration.method,
            integration.criticality,
        )
        try:
            with transaction.atomic():
                integration.save()
        except IntegrityError as exc:
            raise DomainError(
                _("These tools already exchange this data."), code="duplicate", field="data"
            ) from exc
        _integration_event("integration.updated", integration, actor=actor, fields=sorted(data))
        return integration


def integration_remove(*, integration: Integration, actor: Actor, reason: str = "") -> Integration:
    with transaction.atomic():
        integration = _lock_integration(integration)
        if not can_connect(user=actor, source=integration.source, target=integration.target):
            raise NotAllowed(_("Only IT Operations or an owner of either tool can remove it."))
        if integration.removed_at is not None:
            return integration
        integration.removed_at = timezone.now()
        integration.save(update_fields=["removed_at", "updated_at"])
        _integration_event("integration.removed", integration, actor=actor, reason=reason)
        return integration


@dataclass
class ImportReport:
    created: list[int] = field(default_factory=list)
    errors: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    # Items refused because the actor may not connect those tools.
    not_allowed: int = 0


def integrations_import(
    *, actor: Actor, rows: list[IntegrationInput | dict[str, list[str]]]
) -> ImportReport:
    """Several integrations at once (the API's bulk import): each row on its own, so a bad row
    never blocks the good ones; the report gives the new ids and each refused row's errors,
    by the row's index."""
    report = ImportReport()
    for index, row in enumerate(rows):
        if isinstance(row, dict):  # refused while reading
            report.errors[index] = row
            continue
        try:
            report.created.append(integration_create(actor=actor, spec=row).pk)
        except DomainError as exc:
            report.errors[index] = {exc.field or "non_field_errors": [exc.message]}
            report.not_allowed += isinstance(exc, NotAllowed)
    return report


# --------------------------------------------------------------------------------------------
# The plug-in lane: a tool's lane, and IT Operations' guardrails


def _lane_set(
    tool: Tool, lane: str, *, actor: Actor | None, reason: str, proposal_reference: str = ""
) -> None:
    """Change a locked tool's lane, with its audit event and webhook."""
    previous = tool.lane
    tool.lane = lane
    tool.save(update_fields=["lane", "updated_at"])
    record_event(
        kind="tool.lane_changed",
        actor=actor,
        payload={
            "tool": tool.pk,
            "solution": tool.solution_id,
            "from": previous,
            "to": lane,
            "reason": reason,
            "proposal": proposal_reference,
        },
    )
    webhook_event_queue(
        kind="tool.lane_changed",
        payload=lambda: tool_event_data(
            tool, **{"from": previous, "to": lane, "reason": reason, "proposal": proposal_reference}
        ),
    )


def tool_pull_back(*, tool: Tool, actor: Actor, reason: str) -> Tool:
    """IT Operations takes a plug-in tool back into the governed lane, saying why, at any time.
    The other way is no manual move: a tool enters the plug-in lane only through a proposal
    that met every guardrail."""
    with transaction.atomic():
        if not governs_landscape(actor):
            raise NotAllowed(_("Only IT Operations can pull a tool back into the governed lane."))
        tool = _lock(tool)
        reason = reason.strip()
        if not reason:
            raise DomainError(
                _("Say why the tool comes back into the governed lane."), field="reason"
            )
        if tool.lane != Lane.PLUG_IN:
            raise InvalidTransition(_("The tool is in the governed lane already."))
        _lane_set(tool, Lane.GOVERNED, actor=actor, reason=reason)
        return tool


def tool_lane_move(*, tool: Tool, actor: Actor, to: str, reason: str) -> Tool:
    """A lane move asked for by hand (the tool page, the API): only back to governed."""
    if to != Lane.GOVERNED:
        if not governs_landscape(actor):
            raise NotAllowed(_("Only IT Operations can pull a tool back into the governed lane."))
        raise DomainError(
            _("A tool enters the plug-in lane only through a proposal that meets every guardrail."),
            field="to",
        )
    return tool_pull_back(tool=tool, actor=actor, reason=reason)


GUARDRAIL_FIELDS = [
    "code",
    # Each language's name and description (landscape/translation.py); `name` and
    # `description` alone, as the API gives them, are the default language's.
    *per_language("name", "description"),
    "kind",
    "threshold",
    "currency",
    "position",
    "is_active",
]


def _guardrail_data(data: dict[str, Any]) -> dict[str, Any]:
    """`name` and `description` without a language are the default language's (the API's)."""
    translated = translated_fields(Guardrail)
    return {in_default_language(k) if k in translated else k: v for k, v in data.items()}


def _guardrail_clean(guardrail: Guardrail) -> None:
    if guardrail.kind == GuardrailKind.YEARLY_COST_UNDER and guardrail.threshold is None:
        raise DomainError(_("A yearly cost check needs a threshold."), field="threshold")
    if guardrail.threshold is not None and guardrail.threshold < 0:
        raise DomainError(_("A threshold cannot be negative."), field="threshold")
    try:
        guardrail.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        raise DomainError(" ".join(messages), field=name) from exc


def _guardrail_event(kind: str, guardrail: Guardrail, *, actor: Actor, **extra: Any) -> None:
    record_event(
        kind=kind,
        actor=actor,
        payload={
            "guardrail": guardrail.pk,
            "code": guardrail.code,
            "name": default_value(guardrail, "name"),
            "kind": guardrail.kind,
            "threshold": guardrail.threshold,
            "currency": guardrail.currency,
            "is_active": guardrail.is_active,
            **extra,
        },
    )


def _guardrail_save(guardrail: Guardrail) -> None:
    try:
        with transaction.atomic():
            guardrail.save()
    except IntegrityError as exc:
        raise DomainError(
            _("A guardrail with this code exists already."), code="duplicate", field="code"
        ) from exc


def guardrail_create(*, actor: Actor, data: dict[str, Any]) -> Guardrail:
    """A new guardrail for the plug-in lane (IT Operations)."""
    with transaction.atomic():
        if not governs_landscape(actor):
            raise NotAllowed(_("Only IT Operations keeps the plug-in lane's guardrails."))
        data = _guardrail_data(data)
        unknown = set(data) - set(GUARDRAIL_FIELDS)
        if unknown:
            raise DomainError(
                _("These fields cannot be set here: %s.") % ", ".join(sorted(unknown))
            )
        guardrail = Guardrail(**data)
        _guardrail_clean(guardrail)
        _guardrail_save(guardrail)
        _guardrail_event("guardrail.created", guardrail, actor=actor)
        return guardrail


def guardrail_update(*, guardrail: Guardrail, actor: Actor, data: dict[str, Any]) -> Guardrail:
    """Change a guardrail, or (`is_active`) deactivate or reactivate it (IT Operations). A
    guardrail is never deleted: sign-offs it stood for name it in the audit trail."""
    with transaction.atomic():
        if not governs_landscape(actor):
            raise NotAllowed(_("Only IT Operations keeps the plug-in lane's guardrails."))
        guardrail = Guardrail.objects.select_for_update().get(pk=guardrail.pk)
        data = _guardrail_data(data)
        unknown = set(data) - set(GUARDRAIL_FIELDS)
        if unknown:
            raise DomainError(
                _("These fields cannot be changed here: %s.") % ", ".join(sorted(unknown))
            )
        changed = sorted(name for name, value in data.items() if getattr(guardrail, name) != value)
        if not changed:
            return guardrail
        for name in changed:
            setattr(guardrail, name, data[name])
        _guardrail_clean(guardrail)
        _guardrail_save(guardrail)
        _guardrail_event("guardrail.updated", guardrail, actor=actor, fields=changed)
        return guardrail


def tool_contract_renew(
    *,
    tool: Tool,
    actor: Actor,
    contract_start: dt.date,
    term_months: int,
    yearly_cost: Any,
    currency: str,
    proposal_reference: str,
) -> Tool:
    """An approved renewal: the tool's contract starts again on `contract_start` (the old
    renewal date) for the new term and yearly cost. The workflow has checked the decision.
    Must run inside its transaction."""
    tool = _lock(tool)
    before = {
        "contract_start": tool.contract_start,
        "term_months": tool.term_months,
        "yearly_cost": tool.yearly_cost,
        "currency": tool.currency,
    }
    tool.contract_start = contract_start
    tool.term_months = term_months
    tool.yearly_cost = yearly_cost
    tool.currency = currency
    tool.save(update_fields=[*before, "updated_at"])
    record_event(
        kind="tool.contract_renewed",
        actor=_person(actor),
        payload={
            "tool": tool.pk,
            "proposal": proposal_reference,
            "before": before,
            "after": {
                "contract_start": contract_start,
                "term_months": term_months,
                "yearly_cost": yearly_cost,
                "currency": currency,
            },
        },
    )
    return tool
