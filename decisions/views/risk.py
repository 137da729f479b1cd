"""The vendor risk questionnaire in the browser: the questions (everyone reads them; IT
Operations adds and changes them) and a proposal's assessment page (the answers, the score and
the rating; the requester and IT's reviewers answer there). Plain forms; with htmx the
assessment form swaps itself in place."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.htmx import HtmxHttpRequest
from core.i18n import default_value
from decisions import selectors
from decisions.lockin import lock_in_rating
from decisions.models import Proposal, RiskCategory, RiskQuestion
from decisions.risk import (
    HIGH_SCORE,
    MEDIUM_SCORE,
    it_head_required,
    keeps_risk_questions,
    may_answer_as,
)
from decisions.risk import risk_assessment as assessment_of
from decisions.risk_forms import RiskAnswersForm, RiskQuestionForm
from decisions.services import risk as services


def _questions_page(
    request: HttpRequest, *, form: RiskQuestionForm | None = None, status: int = 200, **extra: Any
) -> HttpResponse:
    keeps = keeps_risk_questions(request.user)
    questions = list(RiskQuestion.objects.order_by("-is_active", "position", "pk"))
    by_category = [
        (label, [q for q in questions if q.category == value])
        for value, label in RiskCategory.choices
    ]
    return render(
        request,
        "decisions/risk/questions.html",
        {
            "by_category": by_category,
            "keeps": keeps,
            "form": (form or RiskQuestionForm()) if keeps else None,
            "high_score": HIGH_SCORE,
            "medium_score": MEDIUM_SCORE,
            **extra,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def risk_questions(request: HttpRequest) -> HttpResponse:
    """The questionnaire; IT Operations adds a question with the form below it."""
    if request.method == "GET":
        return _questions_page(request)
    if not keeps_risk_questions(request.user):
        return _questions_page(
            request, status=403, error=_("Only IT Operations keeps the vendor risk questions.")
        )
    form = RiskQuestionForm(request.POST)
    if not form.is_valid():
        return _questions_page(
            request, form=form, status=400, error=_("The question was not added: see below.")
        )
    try:
        services.risk_question_create(actor=request.user, data=form.service_data())
    except DomainError as error:
        return _questions_page(request, form=form, status=error.status_code, error=error.message)
    messages.success(request, _("The question is added."))
    return redirect("risk-questions")


@login_required
@require_http_methods(["GET", "POST"])
def risk_question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a question, or deactivate it (IT Operations)."""
    question = get_object_or_404(RiskQuestion, pk=pk)
    if not keeps_risk_questions(request.user):
        return render(
            request,
            "decisions/forbidden.html",
            {"message": _("Only IT Operations keeps the vendor risk questions.")},
            status=403,
        )
    initial = {
        "text": default_value(question, "text"),
        "text_nl": question.text_nl or "",  # type: ignore[attr-defined]
        "text_fr": question.text_fr or "",  # type: ignore[attr-defined]
        "category": question.category,
        "weight": question.weight,
        "fact": question.fact,
        "position": question.position,
        "is_active": question.is_active,
    }
    form = RiskQuestionForm(request.POST or None, initial=initial)
    context: dict[str, Any] = {"question": question, "form": form}
    if request.method == "POST":
        if not form.is_valid():
            context["error"] = _("The question was not changed: see below.")
            return render(request, "decisions/risk/question_edit.html", context, status=400)
        try:
            services.risk_question_update(
                question=question, actor=request.user, data=form.service_data()
            )
        except DomainError as error:
            context["error"] = error.message
            return render(
                request, "decisions/risk/question_edit.html", context, status=error.status_code
            )
        messages.success(request, _("The question is saved."))
        return redirect("risk-questions")
    return render(request, "decisions/risk/question_edit.html", context)


def _proposal(request: HttpRequest, reference: str) -> Proposal:
    return get_object_or_404(
        selectors.proposals_seen_by(request.user).select_related(
            "solution", "tier", "requesting_department"
        ),
        reference=reference,
    )


def _assessment_context(request: HttpRequest, proposal: Proposal, **extra: Any) -> dict:
    assessment = assessment_of(proposal)
    may_answer = may_answer_as(user=request.user, proposal=proposal) is not None
    form = extra.pop("form", None)
    if form is None and may_answer:
        form = RiskAnswersForm(assessment=assessment)
    return {
        "proposal": proposal,
        "risk": assessment,
        "form": form if may_answer else None,
        "it_head": it_head_required(lock_in=lock_in_rating(proposal), risk=assessment),
        "high_score": HIGH_SCORE,
        "medium_score": MEDIUM_SCORE,
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def proposal_risk(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    """A proposal's vendor risk assessment; its answers are posted here."""
    proposal = _proposal(request, reference)
    template = "decisions/risk/proposal_risk.html"
    if request.method == "GET":
        return render(request, template, _assessment_context(request, proposal))
    part = f"{template}#assessment" if request.htmx else template
    form = RiskAnswersForm(request.POST, assessment=assessment_of(proposal))
    if not form.is_valid():
        context = _assessment_context(
            request, proposal, form=form, error=_("The answers were not saved: see below.")
        )
        return render(request, part, context, status=400)
    try:
        services.risk_answers_save(
            proposal=proposal, actor=request.user, answers=form.answers(), notes=form.notes()
        )
    except DomainError as error:
        context = _assessment_context(request, proposal, form=form, error=error.message)
        return render(request, part, context, status=error.status_code)
    notice = _("The answers are saved.")
    if request.htmx:
        proposal = _proposal(request, reference)
        return render(request, part, _assessment_context(request, proposal, notice=notice))
    messages.success(request, notice)
    return redirect("proposal-risk", reference=reference)
