"""What the exports of the workflow hold (core.export writes them): the proposals of the list
page, the CDO's decisions, a proposal's audit trail. Each is one query over `values()`, read
in chunks: no model instance and no related object per row, so memory stays flat and the
number of queries does not grow with the rows.

Headers and choice labels are read here, in the request's language, before any row is written
(the rows of a CSV are written after the view has returned)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from audit.models import EVENT_LABELS, Event
from core.export import CHUNK_SIZE, Column, choice, field
from core.i18n import DEFAULT_LANGUAGE, language_codes, per_language
from decisions.models import (
    Decision,
    DecisionOutcome,
    Proposal,
    ProposalKind,
    ProposalStatus,
    RecurringPeriod,
)
from decisions.selectors import NAMELESS_EVENTS
from vendors.models import Category


def _language() -> str:
    language = (translation.get_language() or DEFAULT_LANGUAGE).split("-")[0]
    return language if language in language_codes() else DEFAULT_LANGUAGE


def _translated(path: str) -> Any:
    """A column of reference data kept per language (core.i18n): the reader's language, else
    the default language's."""
    own, default = f"{path}_{_language()}", f"{path}_{DEFAULT_LANGUAGE}"
    return lambda row: row[own] or row[default]


def _person(prefix: str) -> Any:
    """A person as the pages name them: the full name, else the username."""

    def value(row: dict[str, Any]) -> str:
        if row[f"{prefix}__username"] is None:
            return ""
        name = f"{row[f'{prefix}__first_name']} {row[f'{prefix}__last_name']}".strip()
        return name or row[f"{prefix}__username"]

    return value


def _person_fields(prefix: str) -> list[str]:
    return [f"{prefix}__{name}" for name in ("username", "first_name", "last_name")]


def _provider(row: dict[str, Any]) -> str:
    """Who provides it, as the proposal page says (Proposal.provider_name)."""
    if row["solution__name"]:
        return f"{row['solution__name']} ({row['solution__vendor__name']})"
    vendor = f" ({row['new_vendor_name']})" if row["new_vendor_name"] else ""
    return f"{row['new_solution_name']}{vendor}"


def _rows(queryset: QuerySet[Any], names: list[str]) -> Iterator[dict[str, Any]]:
    return queryset.values(*names).iterator(chunk_size=CHUNK_SIZE)


# --- Proposals: the list page's rows, filtered and sorted as the page is.

PROPOSAL_FIELDS = [
    "reference",
    "title",
    "kind",
    "status",
    *_person_fields("requester"),
    *_person_fields("filed_by"),
    "requesting_department__code",
    "paying_department__code",
    "solution__name",
    "solution__vendor__name",
    "new_solution_name",
    "new_vendor_name",
    "category",
    *per_language("tier__name"),
    "currency",
    "one_off_cost",
    "recurring_cost",
    "recurring_period",
    "term_months",
    "seats",
    "employees_affected",
    "tco",
    "processes_personal_data",
    "round",
    "created_at",
    "submitted_at",
    "decided_at",
]


def proposal_columns() -> list[Column]:
    statuses = {k: str(v) for k, v in ProposalStatus.choices}
    base = settings.BASE_CURRENCY
    return [
        Column(_("Reference"), field("reference")),
        Column(_("Title"), field("title")),
        Column(_("Kind"), choice("kind", {k: str(v) for k, v in ProposalKind.choices})),
        Column(_("Status"), choice("status", statuses)),
        Column(_("Requester"), _person("requester")),
        Column(_("Filed by"), _person("filed_by")),
        Column(_("Buying department"), field("requesting_department__code")),
        Column(_("Paying department"), field("paying_department__code")),
        Column(_("Provider"), _provider),
        Column(_("Category"), choice("category", {k: str(v) for k, v in Category.choices})),
        Column(_("Tier"), _translated("tier__name")),
        Column(_("Currency"), field("currency")),
        Column(_("One-off cost"), field("one_off_cost")),
        Column(_("Recurring cost"), field("recurring_cost")),
        Column(
            _("Recurring period"),
            choice("recurring_period", {k: str(v) for k, v in RecurringPeriod.choices}),
        ),
        Column(_("Term (months)"), field("term_months")),
        Column(_("Seats"), field("seats")),
        Column(_("Employees affected"), field("employees_affected")),
        Column(_("TCO (%(currency)s)") % {"currency": base}, field("tco")),
        Column(_("Processes personal data"), field("processes_personal_data")),
        Column(_("Review round"), field("round")),
        Column(_("Created at"), field("created_at")),
        Column(_("Submitted at"), field("submitted_at")),
        Column(_("Decided at"), field("decided_at")),
    ]


def proposal_rows(queryset: QuerySet[Proposal]) -> Iterator[dict[str, Any]]:
    """The rows of `queryset` (already filtered to what the reader may see, and ordered)."""
    return _rows(queryset, PROPOSAL_FIELDS)


# --- The CDO's decisions: one row a decision (a proposal returned and decided again has two).

DECISION_FIELDS = [
    "proposal__reference",
    "proposal__title",
    "round",
    "outcome",
    "rationale",
    "conditions",
    *_person_fields("decided_by"),
    "decided_at",
    "proposal__status",
    "proposal__requesting_department__code",
    "proposal__paying_department__code",
    "proposal__category",
    *per_language("proposal__tier__name"),
    "proposal__currency",
    "proposal__tco",
    "proposal__submitted_at",
]


def decision_columns() -> list[Column]:
    base = settings.BASE_CURRENCY
    return [
        Column(_("Reference"), field("proposal__reference")),
        Column(_("Title"), field("proposal__title")),
        Column(_("Review round"), field("round")),
        Column(_("Outcome"), choice("outcome", {k: str(v) for k, v in DecisionOutcome.choices})),
        Column(_("Rationale"), field("rationale")),
        Column(_("Conditions"), field("conditions")),
        Column(_("Decided by"), _person("decided_by")),
        Column(_("Decided at"), field("decided_at")),
        Column(
            _("Status now"),
            choice("proposal__status", {k: str(v) for k, v in ProposalStatus.choices}),
        ),
        Column(_("Buying department"), field("proposal__requesting_department__code")),
        Column(_("Paying department"), field("proposal__paying_department__code")),
        Column(
            _("Category"), choice("proposal__category", {k: str(v) for k, v in Category.choices})
        ),
        Column(_("Tier"), _translated("proposal__tier__name")),
        Column(_("TCO (%(currency)s)") % {"currency": base}, field("proposal__tco")),
        Column(_("Submitted at"), field("proposal__submitted_at")),
    ]


def decision_rows(queryset: QuerySet[Decision]) -> Iterator[dict[str, Any]]:
    return _rows(queryset, DECISION_FIELDS)


# --- A proposal's audit trail, as its page shows it (who gave a voice: administrators only).

EVENT_FIELDS = ["seq", "created_at", "kind", *_person_fields("actor"), "payload", "hash"]
# The texts people wrote that an event keeps (a comment event keeps the comment's id only).
DETAIL_KEYS = ("comment", "rationale", "reason")


def event_columns(*, show_voice_names: bool) -> list[Column]:
    labels = {kind: str(label) for kind, label in EVENT_LABELS.items()}
    statuses = {k: str(v) for k, v in ProposalStatus.choices}
    person = _person("actor")

    def who(row: dict[str, Any]) -> str:
        if row["kind"] in NAMELESS_EVENTS and not show_voice_names:
            return ""
        return person(row)

    def payload(key: str, names: dict[str, str] | None = None) -> Any:
        def value(row: dict[str, Any]) -> Any:
            found = row["payload"].get(key) if isinstance(row["payload"], dict) else None
            if found is None or isinstance(found, (dict, list)):
                return None
            return names.get(found, found) if names else found

        return value

    def details(row: dict[str, Any]) -> str:
        data = row["payload"] if isinstance(row["payload"], dict) else {}
        return "\n".join(data[k] for k in DETAIL_KEYS if isinstance(data.get(k), str) and data[k])

    def everything(row: dict[str, Any]) -> str:
        # The payload names nobody (the actor is its own column): shown whole.
        return json.dumps(row["payload"], ensure_ascii=False, sort_keys=True)

    return [
        Column("#", field("seq")),
        Column(_("When"), field("created_at")),
        Column(_("What"), lambda row: labels.get(row["kind"], row["kind"])),
        Column(_("Event kind"), field("kind")),
        Column(_("Who"), who),
        Column(_("On behalf of"), payload("on_behalf_of")),
        Column(_("From status"), payload("from", statuses)),
        Column(_("To status"), payload("to", statuses)),
        Column(_("Department"), payload("department")),
        Column(_("Review round"), payload("round")),
        Column(_("Details"), details),
        Column(_("Recorded data (JSON)"), everything),
        Column(_("Hash"), field("hash")),
    ]


def event_rows(queryset: QuerySet[Event]) -> Iterator[dict[str, Any]]:
    return _rows(queryset, EVENT_FIELDS)
