"""What the proposal page and its actions share: the page's context, and how an action answers
(HTMX gets the workflow panel re-rendered in place; a plain form post a redirect or the page)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.htmx import HtmxHttpRequest
from decisions import selectors, services
from decisions.consent import dissent_log, objection_open, presumed_on
from decisions.dmu import who_decides
from decisions.forms import CommentForm, DecisionForm, SignOffForm
from decisions.handoff import handoff_progress
from decisions.models import (
    ALLOWED_TRANSITIONS,
    IN_FLIGHT_STATES,
    Proposal,
    ProposalKind,
    ProposalStatus,
)
from decisions.pilots import pilot_panel
from decisions.plugin import it_department_code
from decisions.rights import (
    can_edit,
    can_steer_lifecycle,
    cdo_conflict,
    is_cdo,
    is_owner,
    is_read_only,
    may_propose,
    signing_rights,
)
from decisions.scoring import METHOD, compare
from decisions.services.lifecycle import lifecycle_actions_allowed
from decisions.views.renewals import renewal_context
from decisions.voices import voice_summary
from landscape.selectors import tool_impact
from stakeholders.models import ChecklistQuestion


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    """The page that says why not, with 403."""
    return render(request, "decisions/forbidden.html", {"message": message}, status=403)


def proposers_only[**P](view: Callable[P, HttpResponse]) -> Callable[P, HttpResponse]:
    """The proposal form and its helpers are for those who may file a proposal for some
    department: a member of it, not a viewer (see decisions.rights.may_propose)."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        request = args[0]
        if isinstance(request, HttpRequest) and not may_propose(request.user):
            return forbidden(
                request,
                _(
                    "Proposals are filed by members of the department that buys the tool, and "
                    "you are not a member of one who may (a viewer only reads). An "
                    "administrator can add you to your department."
                ),
            )
        return view(*args, **kwargs)

    return wrapper


def proposal_or_404(reference: str, *, user: Any) -> Proposal:
    try:
        return selectors.proposal_detail(reference=reference, user=user)
    except Proposal.DoesNotExist:
        raise Http404(_("No proposal %(ref)s.") % {"ref": reference}) from None


def questions_by_department(department_ids: Iterable[int]) -> dict[int, list[ChecklistQuestion]]:
    by_department: dict[int, list[ChecklistQuestion]] = defaultdict(list)
    for question in ChecklistQuestion.objects.filter(
        department_id__in=department_ids, is_active=True
    ):
        by_department[question.department_id].append(question)
    return by_department


def detail_context(
    request: HtmxHttpRequest, proposal: Proposal, *, bound_forms: dict | None = None, **extra
) -> dict:
    user = request.user
    signoffs = list(proposal.signoffs.all())
    current = [s for s in signoffs if s.round == proposal.round]
    earlier = [s for s in signoffs if s.round != proposal.round]
    rights = signing_rights(user=user, proposal=proposal, signoffs=current)
    today = timezone.localdate()
    for s in signoffs:
        # Consent mode: the day the consent is presumed, and whether an objection is still taken.
        s.presumed_on = presumed_on(s)  # type: ignore[attr-defined]
        s.may_object = objection_open(s, today=today)  # type: ignore[attr-defined]
    who = who_decides(proposal=proposal)
    it_code = it_department_code()
    questions = questions_by_department({s.department_id for s in current if s.pk in rights})
    for s in current:
        right = rights.get(s.pk)
        # What the sign-off panel shows for each department: attributes for the template.
        s.can_sign = right is not None  # type: ignore[attr-defined]
        s.signing_for = right.on_behalf_of if right else None  # type: ignore[attr-defined]
        # IT Operations' reviewer signs knowing the vendor risk (decisions.risk).
        s.risk = who.risk if s.department.code == it_code else None  # type: ignore[attr-defined]
        if right:
            s.form = (bound_forms or {}).get(s.pk) or SignOffForm(  # type: ignore[attr-defined]
                prefix=f"s{s.pk}", questions=questions[s.department_id]
            )
    cdo_may_decide = is_cdo(user) and proposal.status == ProposalStatus.AWAITING_DECISION
    decide_conflict = cdo_conflict(user=user, proposal=proposal) if cdo_may_decide else None
    return {
        "proposal": proposal,
        "current_signoffs": current,
        "earlier_signoffs": earlier,
        "dissent": dissent_log(signoffs),
        "can_edit": can_edit(user=user, proposal=proposal),
        "can_withdraw": is_owner(user=user, proposal=proposal)
        and ProposalStatus.WITHDRAWN in ALLOWED_TRANSITIONS[ProposalStatus(proposal.status)],
        "who_decides": who,
        "can_decide": cdo_may_decide and not decide_conflict,
        "decide_conflict": decide_conflict,
        "lifecycle_actions": lifecycle_actions(user, proposal),
        "voice": voice_summary(proposal, user=user),
        "may_voice": user.is_authenticated
        and not is_owner(user=user, proposal=proposal)
        and proposal.status in IN_FLIGHT_STATES,
        # A retirement: what breaks, while the tool still runs.
        "impact": tool_impact(proposal.tool)
        if proposal.kind == ProposalKind.RETIREMENT and proposal.tool and proposal.tool.is_live
        else None,
        "decision_form": DecisionForm(),
        "comment_form": None if is_read_only(user) else CommentForm(),
        "pilot": pilot_panel(proposal, user=user, typed=extra.get("pilot_typed")),
        "handoff_progress": handoff_progress(proposal),
        "scoring": compare(proposal),
        "scoring_method": METHOD,
        **renewal_context(proposal),
        **extra,
    }


def lifecycle_actions(user, proposal: Proposal) -> list[tuple[str, str]]:
    if not can_steer_lifecycle(user=user, proposal=proposal):
        return []
    labels = {
        services.LifecycleAction.START_PILOT: _("Start the pilot"),
        services.LifecycleAction.ADOPT: _("Adopt into the tool landscape"),
        services.LifecycleAction.RETIRE: _("Stop the pilot"),
    }
    return [(action, labels[action]) for action in lifecycle_actions_allowed(proposal)]


def refused(
    request: HtmxHttpRequest,
    proposal: Proposal,
    error: DomainError,
    *,
    signoff_pk: int | None = None,
    decision: bool = False,
    **context,
) -> HttpResponse:
    """A refused action: HTMX gets the workflow panel with the message in place; a plain post
    gets the whole page with the message, with the error's status code either way.

    The message sits by the form that was refused (a sign-off's, `signoff_pk`; the CDO's,
    `decision`) when the page still shows that form, else at the top of the panel, by the
    actions; it takes the focus either way (`autofocus`: the browser honours it on a whole
    page, htmx after a swap)."""
    proposal = selectors.proposal_detail(reference=proposal.reference, user=request.user)
    context = detail_context(request, proposal, error=error.message, **context)
    signoff = next(
        (s for s in context["current_signoffs"] if s.pk == signoff_pk and s.can_sign), None
    )
    if signoff is not None:
        signoff.error = context.pop("error")
    elif decision and context["can_decide"]:
        context["decision_error"] = context.pop("error")
    # A plain post renders this page at the action's URL, which answers POST only: the
    # language buttons go back to the proposal's page instead.
    context["page_url"] = reverse("proposal-detail", args=[proposal.reference])
    template = "decisions/proposal_detail.html"
    if request.htmx:
        template += "#workflow"
    return render(request, template, context, status=error.status_code)


def after_action(request: HtmxHttpRequest, proposal: Proposal, message: str) -> HttpResponse:
    if request.htmx:
        # The workflow panel in place, and the timeline with the new step (out of band).
        proposal = selectors.proposal_detail(reference=proposal.reference, user=request.user)
        context = detail_context(request, proposal, notice=message)
        template = "decisions/proposal_detail.html"
        return HttpResponse(
            render_to_string(f"{template}#workflow", context, request)
            + render_to_string(f"{template}#timeline", {**context, "oob": True}, request)
        )
    messages.success(request, message)
    return redirect("proposal-detail", proposal.reference)
