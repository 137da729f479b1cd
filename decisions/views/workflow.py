"""The workflow's actions from the browser: submit, withdraw, sign off, decide, comment, the
lifecycle after approval; and the pages that list what waits (the queue, the CDO's decisions)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from core.errors import DomainError
from core.fiscal import fiscal_year_of
from core.htmx import HtmxHttpRequest
from core.i18n import from_snapshot
from decisions import selectors, services
from decisions.budgets import BudgetLine, budget_card, budget_lines
from decisions.consent import dissent_log, presumed_on
from decisions.forms import CommentForm, DecisionForm, SignOffForm, WithdrawForm
from decisions.lockin import lock_in_rating
from decisions.models import Proposal, SignOff, SignOffStatus
from decisions.pilots import pilot_reviews_for_cdo
from decisions.rights import cdo_conflicts, is_cdo
from decisions.risk import risk_assessment, risk_assessments
from decisions.scoring import METHOD, compare, comparisons
from decisions.views._common import (
    after_action,
    questions_by_department,
    refused,
)
from decisions.views.renewals import renewal_context
from decisions.voices import voice_summaries, voice_summary
from landscape.selectors import tools_impact


@login_required
@require_POST
def proposal_submit(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    proposal = get_object_or_404(selectors.proposals_seen_by(request.user), reference=reference)
    try:
        services.proposal_submit(proposal=proposal, actor=request.user)
    except DomainError as error:
        return refused(request, proposal, error)
    return after_action(request, proposal, _("Submitted for review."))


@login_required
@require_POST
def proposal_withdraw(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    proposal = get_object_or_404(selectors.proposals_seen_by(request.user), reference=reference)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.proposal_withdraw(proposal=proposal, actor=request.user, reason=reason)
    except DomainError as error:
        return refused(request, proposal, error)
    return after_action(request, proposal, _("Proposal withdrawn."))


@login_required
@require_POST
def signoff_decide(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    signoff = get_object_or_404(SignOff.objects.select_related("proposal"), pk=pk)
    proposal = signoff.proposal
    questions = questions_by_department([signoff.department_id])[signoff.department_id]
    form = SignOffForm(request.POST, prefix=f"s{pk}", questions=questions)
    if not form.is_valid():
        error = DomainError(_("Choose approve, request changes or reject."))
        return refused(request, proposal, error, signoff_pk=signoff.pk, bound_forms={pk: form})
    try:
        services.signoff_decide(
            signoff=signoff,
            actor=request.user,
            outcome=form.cleaned_data["outcome"],
            comment=form.cleaned_data["comment"],
            answers=form.answers(),
        )
    except DomainError as error:
        # Keep what the reviewer typed: the form comes back filled in, with the reason.
        return refused(
            request, proposal, error, signoff_pk=signoff.pk, bound_forms={signoff.pk: form}
        )
    return after_action(request, proposal, _("Sign-off recorded."))


@login_required
@require_POST
def decision_take(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    proposal = get_object_or_404(selectors.proposals_seen_by(request.user), reference=reference)
    from_decisions = request.POST.get("from") == "decisions"
    form = DecisionForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("Choose a decision and write its rationale."))
        decision = services.decision_take(
            proposal=proposal, actor=request.user, **form.cleaned_data
        )
    except DomainError as error:
        if from_decisions:
            return _decisions_refused(request, proposal, error)
        # What the CDO typed comes back with the reason.
        return refused(request, proposal, error, decision=True, decision_form=form)
    if from_decisions:
        # Back to what still waits, with the decision confirmed at the top.
        messages.success(
            request,
            _("%(ref)s: %(outcome)s. The requester and the departments are told.")
            % {"ref": proposal.reference, "outcome": decision.get_outcome_display()},
        )
        url = reverse("cdo-decisions")
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return after_action(request, proposal, _("Decision recorded."))


def _decisions_refused(
    request: HtmxHttpRequest, proposal: Proposal, error: DomainError
) -> HttpResponse:
    """A refusal on the decisions page: the proposal's card again, with the reason and what was
    typed (HTMX: the card in place; without JavaScript: the whole page)."""
    typed = {k: request.POST.get(k, "") for k in ("outcome", "rationale", "conditions")}
    if not request.htmx:
        response = _decisions_page(request, refused={proposal.pk: (error.message, typed)})
        response.status_code = error.status_code
        return response
    card = selectors.decision_cards().filter(pk=proposal.pk).first() or proposal
    decorate_decision_card(card)
    card.risk = risk_assessment(card)  # type: ignore[attr-defined]
    card.voice = voice_summary(card)  # type: ignore[attr-defined]
    tool = card.tool
    card.impact = tools_impact([tool])[tool.pk] if tool else None  # type: ignore[attr-defined]
    card.scoring = compare(card)  # type: ignore[attr-defined]
    card.decide_error = error.message  # type: ignore[attr-defined]
    card.decide_data = typed  # type: ignore[attr-defined]
    return render(
        request,
        "decisions/_decide_card.html",
        {"p": card, "decision_form": DecisionForm(), "scoring_method": METHOD},
        status=error.status_code,
    )


@login_required
@require_POST
def comment_add(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    proposal = get_object_or_404(selectors.proposals_seen_by(request.user), reference=reference)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A comment cannot be empty."))
        return redirect("proposal-detail", reference)
    try:
        services.comment_add(proposal=proposal, actor=request.user, body=form.cleaned_data["body"])
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(reverse("proposal-detail", args=[reference]) + "#comments")


@login_required
@require_POST
def proposal_advance(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    proposal = get_object_or_404(selectors.proposals_seen_by(request.user), reference=reference)
    try:
        services.proposal_advance(
            proposal=proposal,
            actor=request.user,
            action=request.POST.get("action", ""),
            note=request.POST.get("note", "")[:1000],
        )
    except DomainError as error:
        return refused(request, proposal, error)
    return after_action(request, proposal, _("Status updated."))


QUEUE_PAGE_SIZE = 50
DECISIONS_PAGE_SIZE = 20


def decorate_decision_card(
    proposal: Proposal, *, lines: dict[int, BudgetLine] | None = None
) -> None:
    """What a decision card shows beyond the proposal: this round's sign-offs with the
    checklist answers that said no, this fiscal year's part of the TCO against the payer's
    budget for the year (`lines`: this year's budget lines by department id, read once for a
    page of cards), and the lock-in rating."""
    signoffs = [s for s in getattr(proposal, "all_signoffs", []) if s.round == proposal.round]
    for signoff in signoffs:
        signoff.noes = [
            from_snapshot(a, "question")
            for a in (signoff.answers or {}).values()
            if a.get("answer") == "no"
        ]
    proposal.round_signoffs = signoffs  # type: ignore[attr-defined]
    # Consent mode: the objections the CDO breaks the tie on (decisions.consent).
    proposal.dissent = dissent_log(signoffs)  # type: ignore[attr-defined]
    # "Who decides?": the CDO, on the sign-offs that are in.
    proposal.signoffs_in = sum(  # type: ignore[attr-defined]
        s.status == SignOffStatus.APPROVED for s in signoffs
    )
    proposal.lock_in = lock_in_rating(proposal)  # type: ignore[attr-defined]
    proposal.budget_card = budget_card(proposal, lines=lines)  # type: ignore[attr-defined]
    # A renewal: the cost now and proposed, adoption and the employees' scores.
    proposal.renewal_card = renewal_context(proposal)  # type: ignore[attr-defined]


@login_required
@require_GET
def queue(request: HtmxHttpRequest) -> HttpResponse:
    # The queue shows facts, not prose: the proposals' long texts and the answers stay behind.
    signoffs = selectors.signoffs_actionable_by(user=request.user).defer(
        "answers", "comment", *(f"proposal__{name}" for name in selectors.LONG_TEXTS)
    )
    paginator = Paginator(signoffs, QUEUE_PAGE_SIZE)
    paginator.count = selectors.signoffs_actionable_count(user=request.user)
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for signoff in rows:  # consent mode: "presumed on <day> unless you object"
        signoff.presumed_on = presumed_on(signoff)  # type: ignore[attr-defined]
    return render(request, "decisions/queue.html", {"signoffs": rows, "page": page})


@login_required
@require_GET
def cdo_decisions(request: HtmxHttpRequest) -> HttpResponse:
    return _decisions_page(request)


def _decisions_page(
    request: HtmxHttpRequest, refused: dict[int, tuple[str, dict[str, str]]] | None = None
) -> HttpResponse:
    if not is_cdo(request.user):
        return render(
            request,
            "decisions/forbidden.html",
            {"message": _("Only the Chief Digital Officer decides here.")},
            status=403,
        )
    page = Paginator(selectors.decision_cards(), DECISIONS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    proposals = list(page.object_list)
    # A CDO sees what waits, but decides only where nothing ties them to the proposal.
    conflicts = cdo_conflicts(user=request.user, proposals=proposals)
    impacts = tools_impact([p.tool for p in proposals if p.tool is not None])
    voices = voice_summaries(proposals)
    # This fiscal year's budget lines of the payers on the page: a fixed number of queries.
    payers = list({p.paying_department_id: p.paying_department for p in proposals}.values())
    year = fiscal_year_of(timezone.localdate())
    lines = {line.department.pk: line for line in budget_lines(year=year, departments=payers)}
    risks = risk_assessments(proposals)  # two queries, however many cards
    scorings = comparisons(proposals)
    for proposal in proposals:
        decorate_decision_card(proposal, lines=lines)
        proposal.risk = risks[proposal.pk]  # type: ignore[attr-defined]
        proposal.scoring = scorings[proposal.pk]  # type: ignore[attr-defined]
        proposal.impact = impacts.get(proposal.tool_id or 0)  # type: ignore[attr-defined]
        proposal.voice = voices[proposal.pk]  # type: ignore[attr-defined]
        proposal.decide_conflict = conflicts.get(proposal.pk)  # type: ignore[attr-defined]
        if refused and proposal.pk in refused:  # a refused decision, posted without JavaScript
            error, typed = refused[proposal.pk]
            proposal.decide_error = error  # type: ignore[attr-defined]
            proposal.decide_data = typed  # type: ignore[attr-defined]
    return render(
        request,
        "decisions/cdo_decisions.html",
        {
            "proposals": proposals,
            "page": page,
            "decision_form": DecisionForm(),
            "scoring_method": METHOD,
            "pilot_reviews": pilot_reviews_for_cdo(request.user),
            # A refusal posted without JavaScript is rendered at the action's URL (POST only).
            "page_url": reverse("cdo-decisions") if refused else None,
        },
    )


@login_required
@require_POST
def voice_give(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    """An employee's voice (a plain form): endorse, raise a concern, or take it back."""
    proposal = get_object_or_404(selectors.proposals_seen_by(request.user), reference=reference)
    kind = request.POST.get("kind", "")
    try:
        if kind == "withdraw":
            services.voice_withdraw(proposal=proposal, actor=request.user)
            message = _("Your voice was taken back.")
        else:
            services.voice_give(
                proposal=proposal,
                actor=request.user,
                kind=kind,
                reason=request.POST.get("reason", "")[: services.voice.REASON_MAX + 1],
                anonymous=request.POST.get("anonymous") == "1",
            )
            message = _("Thank you: your voice is heard by the departments and the CDO.")
    except DomainError as error:
        return refused(request, proposal, error)
    messages.success(request, message)
    return redirect(reverse("proposal-detail", args=[reference]) + "#voice")
