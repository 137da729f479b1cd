"""The plug-in lane, on the workflow's side: the facts a proposal for a new tool gives the
guardrails (landscape.guardrails), and the lane it runs in. The catalog's facts win where the
catalog has them (single sign-on, certifications, where the data is held, personal data);
the proposal's answers stand where it has none (a tool the catalog does not list)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from decisions.models import Proposal, ProposalKind
from landscape.guardrails import Facts, GuardrailResult, all_passed, guardrails_check
from landscape.models import Lane, Tool
from vendors.models import Solution


def proposal_facts(
    proposal: Proposal, *, integrates_with: Iterable[Solution] | None = None
) -> Facts:
    """What the guardrails check, from the proposal and its catalog solution. The tools it
    integrates with are the proposal's (or `integrates_with`, for an unsaved draft), each
    through the integration platform or not as the fleet says."""
    solution = proposal.solution if proposal.solution_id else None
    integrates: tuple[tuple[str, bool], ...] = ()
    if integrates_with is None and proposal.pk:
        integrates_with = proposal.integrates_with.all()
    if integrates_with is not None:
        names = {s.pk: s.name for s in integrates_with}
        platforms = set(
            Tool.objects.filter(solution_id__in=names, is_platform=True).values_list(
                "solution_id", flat=True
            )
        )
        integrates = tuple((name, pk in platforms) for pk, name in sorted(names.items()))
    yearly = (proposal.monthly_recurring * 12).quantize(Decimal("0.01"))
    if solution is None:
        return Facts(
            name=proposal.provider_name,
            sso=proposal.sso,
            certified=proposal.certified,
            personal_data=proposal.processes_personal_data,
            dpa_signed=proposal.dpa_signed,
            data_location=proposal.data_location.strip(),
            integrates_with=integrates,
            yearly_cost=yearly,
            currency=proposal.currency,
        )
    catalog_location = solution.data_location.strip()
    return Facts(
        name=solution.name,
        sso=solution.sso,
        sso_source="catalog",
        certified=solution.iso27001 or solution.soc2,
        certified_source="catalog",
        personal_data=proposal.processes_personal_data or solution.processes_personal_data,
        dpa_signed=proposal.dpa_signed,
        data_location=catalog_location or proposal.data_location.strip(),
        data_location_source="catalog" if catalog_location else "proposal",
        integrates_with=integrates,
        yearly_cost=yearly,
        currency=proposal.currency,
    )


@dataclass
class LaneCheck:
    lane: str
    results: list[GuardrailResult] = field(default_factory=list)

    @property
    def plug_in(self) -> bool:
        return self.lane == Lane.PLUG_IN


def lane_check(
    proposal: Proposal, *, integrates_with: Iterable[Solution] | None = None
) -> LaneCheck:
    """The lane the proposal runs in: the plug-in lane for a new tool that meets every active
    guardrail (there must be at least one), the governed lane otherwise."""
    if proposal.kind != ProposalKind.NEW:
        return LaneCheck(Lane.GOVERNED)
    results = guardrails_check(proposal_facts(proposal, integrates_with=integrates_with))
    return LaneCheck(Lane.PLUG_IN if all_passed(results) else Lane.GOVERNED, results)


def it_department_code() -> str:
    return str(settings.LANDSCAPE_IT_DEPARTMENT)
