"""The scoring's writes: a department's criteria (kept by its head), a proposal's alternatives
(added and removed by its requester), and a department's scores of the options (by its
reviewers while the proposal is in review). Each writes its audit event in its transaction."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from core.actors import Actor, signed_in
from core.errors import DomainError, InvalidTransition, NotAllowed
from decisions.models import (
    AlternativeScore,
    Proposal,
    ProposalAlternative,
    ScoringCriterion,
)
from decisions.rights import is_owner
from decisions.scoring import (
    ALTERNATIVE_STATES,
    PROPOSED,
    SCORING_STATES,
    criteria_departments,
    scoring_department_ids,
)
from decisions.scoring_models import (
    ALTERNATIVES_MAX,
    SCORE_MAX,
    SCORE_MIN,
    WEIGHT_MAX,
    WEIGHT_MIN,
)
from decisions.services._common import lock_proposal
from stakeholders.models import Department
from vendors.models import Solution


def criterion_save(
    *,
    actor: Actor,
    department: Department,
    name: str,
    weight: int,
    position: int = 0,
    is_active: bool = True,
    criterion: ScoringCriterion | None = None,
) -> ScoringCriterion:
    """Add a criterion to the department's scoring, or change one (`criterion`). Its head (or
    the administrator) keeps them; a change counts in every comparison shown afterwards."""
    with transaction.atomic():
        user = signed_in(actor, _("Sign in to keep scoring criteria."))
        if not criteria_departments(user).filter(pk=department.pk).exists():
            raise NotAllowed(
                _("Only the head of %(dept)s keeps its scoring criteria.")
                % {"dept": department.name}
            )
        if criterion is not None:
            criterion = ScoringCriterion.objects.select_for_update().get(pk=criterion.pk)
            if criterion.department_id != department.pk:
                raise NotAllowed(_("The criterion belongs to another department."))
        name = name.strip()
        if not name:
            raise DomainError(_("Give the criterion a name."), field="name")
        if not WEIGHT_MIN <= weight <= WEIGHT_MAX:
            raise DomainError(
                _("A weight lies between %(low)s and %(high)s.")
                % {"low": WEIGHT_MIN, "high": WEIGHT_MAX},
                field="weight",
            )
        same = ScoringCriterion.objects.filter(department=department, name__iexact=name)
        if criterion is not None:
            same = same.exclude(pk=criterion.pk)
        if same.exists():
            raise DomainError(
                _("%(dept)s has a criterion with that name already.") % {"dept": department.name},
                field="name",
            )
        created = criterion is None
        criterion = criterion or ScoringCriterion(department=department)
        criterion.name = name
        criterion.weight = weight
        criterion.position = position
        criterion.is_active = is_active
        criterion.save()
        record_event(
            kind="scoring.criterion_saved",
            actor=actor,
            payload={
                "criterion": criterion.pk,
                "department": department.code,
                "name": name,
                "weight": weight,
                "is_active": is_active,
                "created": created,
            },
        )
        return criterion


def _may_change_alternatives(proposal: Proposal, user: Actor) -> None:
    if not is_owner(user=user, proposal=proposal):
        raise NotAllowed(_("Only the requester sets the alternatives of the proposal."))
    if proposal.status not in ALTERNATIVE_STATES:
        raise InvalidTransition(
            _("The proposal is %(status)s; its alternatives are settled.")
            % {"status": proposal.get_status_display().lower()}
        )


def alternative_add(
    *,
    proposal: Proposal,
    actor: Actor,
    solution: Solution | None = None,
    name: str = "",
    vendor_name: str = "",
) -> ProposalAlternative:
    """Set an alternative beside the proposed solution: a catalog solution, or a named one."""
    with transaction.atomic():
        user = signed_in(actor)
        proposal = lock_proposal(proposal)
        _may_change_alternatives(proposal, user)
        name, vendor_name = name.strip(), vendor_name.strip()
        if (solution is None) == (not name):
            raise DomainError(
                _("Choose a solution from the catalog or name one, not both."), field="name"
            )
        if solution is not None and solution.pk == proposal.solution_id:
            raise DomainError(
                _("That is the proposed solution; it is always one of the options."),
                field="solution",
            )
        existing = list(ProposalAlternative.objects.filter(proposal=proposal))
        if len(existing) >= ALTERNATIVES_MAX:
            raise DomainError(
                _("A proposal compares at most %(count)s alternatives.")
                % {"count": ALTERNATIVES_MAX}
            )
        if solution is not None and any(a.solution_id == solution.pk for a in existing):
            raise DomainError(_("That solution is an alternative already."), field="solution")
        if name and any(
            not a.solution_id
            and a.name.casefold() == name.casefold()
            and a.vendor_name.casefold() == vendor_name.casefold()
            for a in existing
        ):
            raise DomainError(_("That solution is an alternative already."), field="name")
        alternative = ProposalAlternative.objects.create(
            proposal=proposal,
            solution=solution,
            name="" if solution is not None else name,
            vendor_name="" if solution is not None else vendor_name,
            added_by=user,
        )
        record_event(
            kind="scoring.alternative_added",
            actor=actor,
            proposal_id=proposal.pk,
            payload={
                "alternative": alternative.pk,
                "solution": solution.pk if solution is not None else None,
                "label": alternative.label,
            },
        )
        return alternative


def alternative_remove(*, alternative: ProposalAlternative, actor: Actor) -> None:
    """Take an alternative off the comparison, with its scores."""
    with transaction.atomic():
        user = signed_in(actor)
        proposal = lock_proposal(alternative.proposal)
        _may_change_alternatives(proposal, user)
        alternative = ProposalAlternative.objects.select_related("solution").get(pk=alternative.pk)
        label = alternative.label
        scored = AlternativeScore.objects.filter(alternative=alternative).count()
        alternative.delete()
        record_event(
            kind="scoring.alternative_removed",
            actor=actor,
            proposal_id=proposal.pk,
            payload={"alternative": alternative.pk, "label": label, "scores_dropped": scored},
        )


def scores_set(
    *,
    proposal: Proposal,
    actor: Actor,
    department: Department,
    scores: Mapping[tuple[str, int], int | None],
) -> int:
    """Record the department's scores: {(option key, criterion id): score or None to clear}.
    The option key is "proposed" or an alternative's id. All or nothing; returns how many
    scores were written or cleared."""
    with transaction.atomic():
        user = signed_in(actor)
        proposal = lock_proposal(proposal)
        if department.pk not in scoring_department_ids(user=user, proposal=proposal):
            if proposal.status not in SCORING_STATES:
                raise InvalidTransition(
                    _("The proposal is %(status)s; its options are scored while it is in review.")
                    % {"status": proposal.get_status_display().lower()}
                )
            raise NotAllowed(
                _("Only a reviewer or head of %(dept)s scores on its criteria, never on their own.")
                % {"dept": department.name}
            )
        criteria = {
            c.pk: c for c in ScoringCriterion.objects.filter(department=department, is_active=True)
        }
        alternatives = {
            str(pk): pk
            for pk in ProposalAlternative.objects.filter(proposal=proposal).values_list(
                "pk", flat=True
            )
        }
        for (option, criterion_id), score in scores.items():
            if criterion_id not in criteria:
                raise DomainError(
                    _("That criterion is not one of %(dept)s's.") % {"dept": department.name},
                    field="criterion",
                )
            if option != PROPOSED and option not in alternatives:
                raise DomainError(_("That option is not one of the proposal's."), field="option")
            if score is not None and not SCORE_MIN <= score <= SCORE_MAX:
                raise DomainError(
                    _("A score lies between %(low)s and %(high)s.")
                    % {"low": SCORE_MIN, "high": SCORE_MAX},
                    field="score",
                )
        written = []
        for (option, criterion_id), score in scores.items():
            alternative_id = None if option == PROPOSED else alternatives[option]
            rows = AlternativeScore.objects.filter(
                proposal=proposal, alternative_id=alternative_id, criterion_id=criterion_id
            )
            if score is None:
                if rows.delete()[0]:
                    written.append([option, criterion_id, None])
                continue
            updated = rows.update(score=score, scored_by=user, scored_at=timezone.now())
            if not updated:
                AlternativeScore.objects.create(
                    proposal=proposal,
                    alternative_id=alternative_id,
                    criterion_id=criterion_id,
                    score=score,
                    scored_by=user,
                )
            written.append([option, criterion_id, score])
        if written:
            record_event(
                kind="scoring.scored",
                actor=actor,
                proposal_id=proposal.pk,
                payload={"department": department.code, "round": proposal.round, "scores": written},
            )
        return len(written)
