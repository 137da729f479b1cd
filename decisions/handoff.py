"""The handoff from decision to implementation, its rules and reads: the default onboarding
templates, who may work on a task, whom a task may be assigned to, when a due date is
acceptable, and when a tool counts as live. The writes are decisions.services.handoff.

A tool is *live* when every task of its checklist is done and it is adopted (or standard) in
the landscape. A pilot is not live: it is a trial that may still be stopped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.i18n import in_default_language
from decisions.handoff_models import DUE_DAYS_MAX, OnboardingTask, OnboardingTemplate
from decisions.models import Proposal, ProposalStatus
from landscape.models import Lifecycle
from stakeholders.models import Department, Membership, Role

# The proposal states whose checklist is worked on: approved, piloting or adopted. A rejected,
# withdrawn or retired tool's checklist is kept as it was.
WORKING_STATES = {ProposalStatus.APPROVED, ProposalStatus.PILOTING, ProposalStatus.ADOPTED}
# The tool's lifecycles that count as live once the checklist is done.
LIVE_LIFECYCLES = {Lifecycle.ADOPTED, Lifecycle.STANDARD}
# The roles that take a task: a viewer only reads.
ASSIGNABLE_ROLES = [Role.MEMBER, Role.REVIEWER, Role.HEAD]
# The roles that assign and tick off any task of their department.
KEEPER_ROLES = [Role.REVIEWER, Role.HEAD]


class DefaultTemplate(NamedTuple):
    """A default template: its title and what to do by language ("en", "nl", "fr")."""

    title: Mapping[str, str]
    description: Mapping[str, str]
    due_days: int


# By department code: loaded by seed_demo and `manage.py load_onboarding`; after that they are
# data, kept by each department's head.
DEFAULT_TEMPLATES: dict[str, list[DefaultTemplate]] = {
    "IT": [
        DefaultTemplate(
            {
                "en": "Set up single sign-on",
                "nl": "Single sign-on instellen",
                "fr": "Mettre en place l'authentification unique (SSO)",
            },
            {
                "en": "Connect the tool to our identity provider; no local passwords.",
                "nl": "Koppel de tool aan onze identiteitsprovider; geen lokale wachtwoorden.",
                "fr": "Connecter l'outil à notre fournisseur d'identité ; pas de mot de passe "
                "local.",
            },
            10,
        ),
        DefaultTemplate(
            {
                "en": "Provision user accounts",
                "nl": "Gebruikersaccounts aanmaken",
                "fr": "Créer les comptes des utilisateurs",
            },
            {
                "en": "Create the accounts and groups of the first users, automated where the "
                "tool can.",
                "nl": "Maak de accounts en groepen van de eerste gebruikers aan, geautomatiseerd "
                "waar de tool dat kan.",
                "fr": "Créer les comptes et les groupes des premiers utilisateurs, de façon "
                "automatisée quand l'outil le permet.",
            },
            14,
        ),
        DefaultTemplate(
            {
                "en": "Connect the integrations",
                "nl": "De koppelingen realiseren",
                "fr": "Mettre en place les intégrations",
            },
            {
                "en": "Build and test the integrations with the tools in use that the proposal "
                "names.",
                "nl": "Bouw en test de koppelingen met de gebruikte tools die het voorstel noemt.",
                "fr": "Développer et tester les intégrations avec les outils en service que "
                "cite la proposition.",
            },
            21,
        ),
    ],
    "HR": [
        DefaultTemplate(
            {
                "en": "Inform or consult the works council",
                "nl": "De ondernemingsraad informeren of raadplegen",
                "fr": "Informer ou consulter le comité social et économique (CSE)",
            },
            {
                "en": "Where the tool changes how people work or processes personal data, "
                "arrange the works council's consent.",
                "nl": "Verandert de tool de manier van werken of verwerkt hij persoonsgegevens, "
                "regel dan de instemming van de ondernemingsraad.",
                "fr": "Si l'outil modifie l'organisation du travail ou traite des données "
                "personnelles, recueillir l'avis du CSE.",
            },
            14,
        ),
        DefaultTemplate(
            {
                "en": "Plan and give the training",
                "nl": "De training plannen en geven",
                "fr": "Planifier et assurer la formation",
            },
            {
                "en": "Train the first users, and settle how newcomers learn the tool.",
                "nl": "Train de eerste gebruikers en spreek af hoe nieuwkomers de tool leren "
                "kennen.",
                "fr": "Former les premiers utilisateurs et convenir de la manière dont les "
                "nouveaux arrivants apprendront l'outil.",
            },
            21,
        ),
    ],
    "MKT": [
        DefaultTemplate(
            {
                "en": "Announce the tool internally",
                "nl": "De tool intern aankondigen",
                "fr": "Annoncer l'outil en interne",
            },
            {
                "en": "Plan the communication: who hears what, when, and through which channel.",
                "nl": "Plan de communicatie: wie hoort wat, wanneer en via welk kanaal.",
                "fr": "Planifier la communication : qui apprend quoi, quand et par quel canal.",
            },
            14,
        ),
    ],
}


def _in_every_language(default: DefaultTemplate) -> dict[str, str]:
    """A default template's columns: title_en, title_nl, ..., description_fr."""
    return {
        f"{field}_{code}": text
        for field in ("title", "description")
        for code, text in getattr(default, field).items()
    }


def load_default_templates() -> int:
    """Create the default templates, in every language, for departments that have none yet.
    Returns how many."""
    created = 0
    # One query when every department has its templates (seed_demo runs it every time).
    for department in Department.objects.filter(
        code__in=DEFAULT_TEMPLATES, onboarding_templates__isnull=True
    ).distinct():
        OnboardingTemplate.objects.bulk_create(
            OnboardingTemplate(
                department=department,
                due_days=default.due_days,
                position=position,
                **_in_every_language(default),
            )
            for position, default in enumerate(DEFAULT_TEMPLATES[department.code], start=1)
        )
        created += len(DEFAULT_TEMPLATES[department.code])
    return created


def fill_default_translations(template_model: Any, task_model: Any) -> int:
    """Give the default templates loaded before they had translations, and the tasks made from
    them, their Dutch and French title and description (decisions migration 0036; the models
    are passed in, the migration's own). Only a row whose English text is still the default's
    is filled, and only its blank languages: a text a head changed or translated is kept.
    Returns the rows changed."""
    changed = 0
    for code, defaults in DEFAULT_TEMPLATES.items():
        for default in defaults:
            for model in (template_model, task_model):
                rows = model.objects.filter(
                    department__code=code, **{in_default_language("title"): default.title["en"]}
                )
                for row in rows:
                    update = []
                    for field in ("title", "description"):
                        english = getattr(row, in_default_language(field)) or ""
                        if english != getattr(default, field)["en"]:
                            continue  # changed since: its translation would not fit
                        for code_, text in getattr(default, field).items():
                            column = f"{field}_{code_}"
                            if not getattr(row, column):
                                setattr(row, column, text)
                                update.append(column)
                    if update:
                        row.save(update_fields=update)
                        changed += 1
    return changed


def keeper_department_ids(user: Any) -> set[int]:
    """The departments whose tasks `user` assigns and ticks off: where they review or head."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        Membership.objects.filter(
            user=user, role__in=KEEPER_ROLES, department__is_active=True
        ).values_list("department_id", flat=True)
    )


def can_work_on(*, user: Any, task: OnboardingTask, keeps: set[int] | None = None) -> bool:
    """Whether `user` may assign, tick off or reopen `task`: its assignee, or a reviewer or head
    of its department. `keeps` is keeper_department_ids(user), when already read."""
    if not getattr(user, "is_authenticated", False):
        return False
    if task.assignee_id is not None and task.assignee_id == user.pk:
        return True
    if keeps is None:
        keeps = keeper_department_ids(user)
    return task.department_id in keeps


def is_assignable(*, user: Any, department_id: int) -> bool:
    """Whether `user` may be given a task of the department: a member of it, not a viewer."""
    return Membership.objects.filter(
        user=user,
        department_id=department_id,
        department__is_active=True,
        role__in=ASSIGNABLE_ROLES,
        user__is_active=True,
    ).exists()


def assignable_members(department_ids: Iterable[int]) -> dict[int, list[Any]]:
    """The people each department's tasks may be given to, by department id: one query."""
    people: dict[int, list[Any]] = {}
    memberships = (
        Membership.objects.filter(
            department_id__in=list(department_ids),
            role__in=ASSIGNABLE_ROLES,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )
    for membership in memberships:
        people.setdefault(membership.department_id, []).append(membership.user)
    return people


def due_date_problem(due_on: dt.date, *, today: dt.date | None = None) -> str | None:
    """Why `due_on` is no acceptable due date (None when it is): not before today, and not more
    than DUE_DAYS_MAX days ahead."""
    today = today or timezone.localdate()
    if due_on < today:
        return _("A due date cannot be in the past.")
    if (due_on - today).days > DUE_DAYS_MAX:
        return _("A due date is at most %(days)s days ahead.") % {"days": DUE_DAYS_MAX}
    return None


@dataclass(frozen=True)
class Progress:
    """How far a proposal's onboarding is."""

    total: int
    done: int
    overdue: int
    tool_in_landscape: bool

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total

    @property
    def live(self) -> bool:
        """Every task done and the tool adopted (or standard) in the landscape."""
        return self.complete and self.tool_in_landscape

    @property
    def percent(self) -> int:
        return self.done * 100 // self.total if self.total else 0


def progress_of(
    tasks: Iterable[OnboardingTask], *, proposal: Proposal, today: dt.date | None = None
) -> Progress:
    """The progress of `proposal`'s checklist from its tasks (already loaded)."""
    today = today or timezone.localdate()
    tasks = list(tasks)
    tool = proposal.tool if proposal.tool_id is not None else None
    return Progress(
        total=len(tasks),
        done=sum(1 for t in tasks if t.is_done),
        overdue=sum(1 for t in tasks if t.is_overdue(today)),
        tool_in_landscape=tool is not None and tool.lifecycle in LIVE_LIFECYCLES,
    )


def tasks_of_proposal(proposal: Proposal) -> QuerySet[OnboardingTask]:
    """A proposal's checklist, by department, with whom it names."""
    return (
        OnboardingTask.objects.filter(proposal=proposal)
        .select_related("department", "assignee", "done_by")
        .order_by("department__code", "position", "pk")
    )


def tasks_for_api() -> QuerySet[OnboardingTask]:
    """Every task, with what the API's rows name (no query per row)."""
    return OnboardingTask.objects.select_related(
        "department", "assignee", "done_by", "proposal", "proposal__tool"
    ).order_by("due_on", "pk")


def tasks_on_my_list(user: Any) -> QuerySet[OnboardingTask]:
    """The tasks on `user`'s list: those assigned to them, and the unassigned tasks of the
    departments they review or head, on checklists still worked on; open ones first, by due
    date."""
    keeps = keeper_department_ids(user)
    return (
        OnboardingTask.objects.filter(
            Q(assignee_id=user.pk) | Q(assignee__isnull=True, department_id__in=keeps),
            proposal__status__in=WORKING_STATES,
        )
        .select_related("department", "assignee", "done_by", "proposal")
        .order_by(F("done_at").asc(nulls_first=True), F("due_on").asc(nulls_last=True), "pk")
    )


def handoff_progress(proposal: Proposal) -> Progress | None:
    """The progress of `proposal`'s checklist, or None when it has none: one query."""
    tasks = list(OnboardingTask.objects.filter(proposal=proposal).only("done_at", "due_on"))
    return progress_of(tasks, proposal=proposal) if tasks else None


def tool_onboarding(tool: Any) -> dict[str, Any] | None:
    """The onboarding of the newest proposal that brought `tool` in and has a checklist (for
    the tool's page, registered with the landscape), or None."""
    proposal = (
        Proposal.objects.filter(tool=tool, onboarding_tasks__isnull=False)
        .order_by("-created_at")
        .first()
    )
    if proposal is None:
        return None
    proposal.tool = tool
    progress = handoff_progress(proposal)
    return {"reference": proposal.reference, "progress": progress} if progress else None


def template_departments(user: Any) -> QuerySet[Department]:
    """The departments whose onboarding templates `user` keeps: those they head (every active
    one for an administrator)."""
    active = Department.objects.filter(is_active=True).order_by("code")
    if not getattr(user, "is_authenticated", False):
        return active.none()
    if user.is_superuser:
        return active
    return active.filter(memberships__user=user, memberships__role=Role.HEAD)
