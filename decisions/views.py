"""HTML views: parse the form, call one service or selector, render. An HTMX request gets the
partial of the same template; a plain form post gets a redirect, so every page works without
JavaScript."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from decisions import dashboard as dashboard_reads
from decisions import notifications, selectors, services
from decisions.audit import data_version
from decisions.errors import DomainError
from decisions.forms import CommentForm, DecisionForm, ProposalForm, SignOffForm, WithdrawForm
from decisions.models import (
    ALLOWED_TRANSITIONS,
    Notification,
    Proposal,
    ProposalStatus,
    SignOff,
    SignOffStatus,
)
from decisions.rights import can_edit, can_steer_lifecycle, is_cdo, memberships_held, signing_right
from stakeholders.models import ApprovalTier, ChecklistQuestion, Department
from vendors.models import Category


def _proposal_or_404(reference: str) -> Proposal:
    try:
        return selectors.proposal_detail(reference=reference)
    except Proposal.DoesNotExist:
        raise Http404(_("No proposal %(ref)s.") % {"ref": reference}) from None


def _questions_by_department(department_ids) -> dict[int, list[ChecklistQuestion]]:
    by_department: dict[int, list[ChecklistQuestion]] = defaultdict(list)
    for question in ChecklistQuestion.objects.filter(
        department_id__in=department_ids, is_active=True
    ):
        by_department[question.department_id].append(question)
    return by_department


def _detail_context(
    request: HttpRequest, proposal: Proposal, *, bound_forms: dict | None = None, **extra
) -> dict:
    user = request.user
    signoffs = list(proposal.signoffs.all())
    current = [s for s in signoffs if s.round == proposal.round]
    earlier = [s for s in signoffs if s.round != proposal.round]
    pending = [s for s in current if s.status == SignOffStatus.PENDING]
    held = memberships_held(user=user) if pending else []
    questions = _questions_by_department({s.department_id for s in pending})
    for s in current:
        s.proposal = proposal  # already loaded: spare a query per row
        right = None
        if s.status == SignOffStatus.PENDING and proposal.status == ProposalStatus.IN_REVIEW:
            right = signing_right(user=user, signoff=s, held=held)
        s.can_sign = right is not None
        s.signing_for = right.on_behalf_of if right else None
        if right:
            s.form = (bound_forms or {}).get(s.pk) or SignOffForm(
                prefix=f"s{s.pk}", questions=questions[s.department_id]
            )
    return {
        "proposal": proposal,
        "current_signoffs": current,
        "earlier_signoffs": earlier,
        "can_edit": can_edit(user=user, proposal=proposal),
        "can_withdraw": proposal.requester_id == user.pk
        and ProposalStatus.WITHDRAWN in ALLOWED_TRANSITIONS[ProposalStatus(proposal.status)],
        "can_decide": is_cdo(user)
        and proposal.status == ProposalStatus.AWAITING_DECISION
        and proposal.requester_id != user.pk,
        "lifecycle_actions": _lifecycle_actions(user, proposal),
        "decision_form": DecisionForm(),
        "comment_form": CommentForm(),
        **extra,
    }


def _lifecycle_actions(user, proposal: Proposal) -> list[tuple[str, str]]:
    if not can_steer_lifecycle(user=user, proposal=proposal):
        return []
    allowed = ALLOWED_TRANSITIONS[ProposalStatus(proposal.status)]
    labels = {
        services.LifecycleAction.START_PILOT: _("Start the pilot"),
        services.LifecycleAction.ADOPT: _("Adopt into the tool landscape"),
        services.LifecycleAction.RETIRE: _("Retire"),
    }
    return [
        (action, labels[action])
        for action, target in services.LIFECYCLE_TARGETS.items()
        if target in allowed
    ]


def _refused(
    request: HttpRequest, proposal: Proposal, error: DomainError, **context
) -> HttpResponse:
    """A refused action: HTMX gets the workflow panel with the message in place; a plain post
    gets the whole page with the message, with the error's status code either way."""
    proposal = selectors.proposal_detail(reference=proposal.reference)
    context = _detail_context(request, proposal, error=error.message, **context)
    template = "decisions/proposal_detail.html"
    if request.htmx:
        template += "#workflow"
    return render(request, template, context, status=error.status_code)


def _after_action(request: HttpRequest, proposal: Proposal, message: str) -> HttpResponse:
    if request.htmx:
        proposal = selectors.proposal_detail(reference=proposal.reference)
        context = _detail_context(request, proposal, notice=message)
        return render(request, "decisions/proposal_detail.html#workflow", context)
    messages.success(request, message)
    return redirect("proposal-detail", proposal.reference)


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "my_proposals": selectors.proposal_list(requester=user).order_by("-updated_at")[:10],
        "queue": selectors.signoffs_actionable_by(user=user)[:10],
        "awaiting_decision": selectors.proposals_awaiting_decision()[:10] if is_cdo(user) else [],
        "status_counts": dict(
            Proposal.objects.values_list("status").annotate(n=Count("pk")).order_by()
        ),
    }
    return render(request, "decisions/home.html", context)


@login_required
@require_GET
def proposal_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    if status and status not in ProposalStatus.values:
        status = None
    mine = request.GET.get("mine") == "1"
    proposals = selectors.proposal_list(requester=request.user if mine else None, status=status)
    context = {
        "proposals": proposals[:200],
        "statuses": ProposalStatus.choices,
        "status": status,
        "mine": mine,
    }
    return render(request, "decisions/proposal_list.html", context)


def _submit_if_asked(request: HttpRequest, proposal: Proposal, *, saved: str) -> None:
    ref = {"ref": proposal.reference}
    if "submit" not in request.POST:
        messages.success(request, saved % ref)
        return
    try:
        services.proposal_submit(proposal=proposal, actor=request.user)
    except DomainError as error:
        messages.error(request, _("%(ref)s is saved but not submitted: ") % ref + error.message)
    else:
        messages.success(request, _("Proposal %(ref)s submitted for review.") % ref)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request: HttpRequest) -> HttpResponse:
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_create(requester=request.user, **form.service_kwargs())
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            # The draft is saved either way; a refused submission is explained on its page.
            _submit_if_asked(request, proposal, saved=_("Draft %(ref)s saved."))
            return redirect("proposal-detail", proposal.reference)
    return render(
        request, "decisions/proposal_form.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request: HttpRequest, reference: str) -> HttpResponse:
    proposal = get_object_or_404(Proposal, reference=reference)
    if not can_edit(user=request.user, proposal=proposal):
        messages.error(
            request, _("Only the requester can edit a draft or a proposal returned for changes.")
        )
        return redirect("proposal-detail", reference)
    form = ProposalForm(request.POST or None, instance=proposal)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_update(
                proposal=proposal, actor=request.user, **form.service_kwargs()
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            _submit_if_asked(request, proposal, saved=_("Changes to %(ref)s saved."))
            return redirect("proposal-detail", reference)
    context = {"form": form, "proposal": proposal}
    return render(
        request, "decisions/proposal_form.html", context, status=400 if form.errors else 200
    )


@login_required
@require_GET
def proposal_detail(request: HttpRequest, reference: str) -> HttpResponse:
    proposal = _proposal_or_404(reference)
    return render(request, "decisions/proposal_detail.html", _detail_context(request, proposal))


@login_required
@require_POST
def proposal_submit(request: HttpRequest, reference: str) -> HttpResponse:
    proposal = get_object_or_404(Proposal, reference=reference)
    try:
        services.proposal_submit(proposal=proposal, actor=request.user)
    except DomainError as error:
        return _refused(request, proposal, error)
    return _after_action(request, proposal, _("Submitted for review."))


@login_required
@require_POST
def proposal_withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    proposal = get_object_or_404(Proposal, reference=reference)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.proposal_withdraw(proposal=proposal, actor=request.user, reason=reason)
    except DomainError as error:
        return _refused(request, proposal, error)
    return _after_action(request, proposal, _("Proposal withdrawn."))


@login_required
@require_POST
def signoff_decide(request: HttpRequest, pk: int) -> HttpResponse:
    signoff = get_object_or_404(SignOff.objects.select_related("proposal"), pk=pk)
    proposal = signoff.proposal
    questions = _questions_by_department([signoff.department_id])[signoff.department_id]
    form = SignOffForm(request.POST, prefix=f"s{pk}", questions=questions)
    if not form.is_valid():
        error = DomainError(_("Choose approve, request changes or reject."))
        return _refused(request, proposal, error)
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
        return _refused(request, proposal, error, bound_forms={signoff.pk: form})
    return _after_action(request, proposal, _("Sign-off recorded."))


@login_required
@require_POST
def decision_take(request: HttpRequest, reference: str) -> HttpResponse:
    proposal = get_object_or_404(Proposal, reference=reference)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        error = DomainError(_("Choose a decision and write its rationale."))
        return _refused(request, proposal, error)
    try:
        services.decision_take(proposal=proposal, actor=request.user, **form.cleaned_data)
    except DomainError as error:
        return _refused(request, proposal, error)
    if request.htmx and request.POST.get("from") == "decisions":
        return HttpResponseClientRedirect(reverse("cdo-decisions"))
    return _after_action(request, proposal, _("Decision recorded."))


@login_required
@require_POST
def comment_add(request: HttpRequest, reference: str) -> HttpResponse:
    proposal = get_object_or_404(Proposal, reference=reference)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A comment cannot be empty."))
        return redirect("proposal-detail", reference)
    try:
        services.comment_add(proposal=proposal, actor=request.user, body=form.cleaned_data["body"])
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(reverse("proposal-detail", args=[reference]) + "#comments")


QUEUE_PAGE_SIZE = 50


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    signoffs = selectors.signoffs_actionable_by(user=request.user)
    paginator = Paginator(signoffs, QUEUE_PAGE_SIZE)
    paginator.count = selectors.signoffs_actionable_count(user=request.user)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "decisions/queue.html", {"signoffs": page.object_list, "page": page})


@login_required
@require_GET
def cdo_decisions(request: HttpRequest) -> HttpResponse:
    if not is_cdo(request.user):
        return render(
            request,
            "decisions/forbidden.html",
            {"message": _("Only the Chief Digital Officer decides here.")},
            status=403,
        )
    proposals = selectors.proposals_awaiting_decision()
    return render(
        request,
        "decisions/cdo_decisions.html",
        {"proposals": proposals[:200], "decision_form": DecisionForm()},
    )


@login_required
@require_POST
def proposal_advance(request: HttpRequest, reference: str) -> HttpResponse:
    proposal = get_object_or_404(Proposal, reference=reference)
    try:
        services.proposal_advance(
            proposal=proposal,
            actor=request.user,
            action=request.POST.get("action", ""),
            note=request.POST.get("note", "")[:1000],
        )
    except DomainError as error:
        return _refused(request, proposal, error)
    return _after_action(request, proposal, _("Status updated."))


@login_required
@require_GET
def proposal_timeline(request: HttpRequest, reference: str) -> HttpResponse:
    """The proposal's audit trail: every event, who, when, and what it recorded."""
    proposal = get_object_or_404(
        Proposal.objects.select_related("requester", "requesting_department"), reference=reference
    )
    events = proposal.events.select_related("actor").order_by("seq")
    return render(
        request, "decisions/proposal_timeline.html", {"proposal": proposal, "events": events}
    )


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The CDO's view of everything in flight; filters update it in place and stay in the URL."""
    if not is_cdo(request.user):
        return render(
            request,
            "decisions/forbidden.html",
            {"message": _("The dashboard is the Chief Digital Officer's.")},
            status=403,
        )
    departments = list(Department.objects.filter(is_active=True).order_by("code"))
    tiers = list(ApprovalTier.objects.all())
    filters = dashboard_reads.Filters.from_query(request.GET, departments=departments, tiers=tiers)
    matrix_departments = [d for d in departments if d.signoff_required]
    # Everything below is computed only when the template's cached fragments are stale: their
    # key holds the data version, which every committed change bumps.
    matrix = SimpleLazyObject(
        lambda: dashboard_reads.signoff_matrix(filters=filters, departments=matrix_departments)
    )
    context = {
        "filters": filters,
        "cache_key": f"{data_version()}:{sorted(filters.as_query().items())}",
        "departments": departments,
        "tiers": tiers,
        "statuses": ProposalStatus.choices,
        "categories": Category.choices,
        "figures": SimpleLazyObject(
            lambda: dashboard_reads.figures(filters=filters, departments=departments)
        ),
        "awaiting": SimpleLazyObject(
            lambda: list(
                filters.apply(selectors.proposals_awaiting_decision())
                .select_related(None)
                .select_related("tier")
                .only("reference", "title", "tco", "submitted_at", "tier__name")[:20]
            )
        ),
        "matrix": matrix,
        "matrix_departments": matrix_departments,
    }
    template = "decisions/dashboard.html"
    if request.htmx:
        template += "#body"
    return render(request, template, context)


PREVIEW_FIELDS = (
    "currency",
    "one_off_cost",
    "recurring_cost",
    "recurring_period",
    "term_months",
    "solution",
    "new_vendor_name",
    "category",
)


@login_required
@require_GET
def proposal_preview(request: HttpRequest) -> HttpResponse:
    """The live "who decides" panel of the proposal form: the tier the costs typed so far fall
    in, the sign-offs it needs, and what is already in use in the chosen category."""
    form = ProposalForm(request.GET)
    form.is_valid()  # partial input: use whichever fields are valid so far
    data = {k: v for k, v in form.cleaned_data.items() if k in PREVIEW_FIELDS and v is not None}
    if data.get("solution") and not data.get("category"):
        data["category"] = data["solution"].category
    draft = Proposal(**data)
    context = {"category": data.get("category", "")}
    try:
        assessment = services.assess_tier(proposal=draft, at=timezone.now())
    except (DomainError, ValueError) as error:
        context["preview_error"] = getattr(error, "message", str(error))
    else:
        context["assessment"] = assessment
        context["deciders"] = Department.objects.filter(signoff_required=True, is_active=True)
    if context["category"]:
        context["in_use"] = selectors.solutions_in_use(category=context["category"])
        context["approved"] = selectors.proposals_committed(category=context["category"])
    return render(request, "decisions/_preview.html", context)


@login_required
@require_POST
def proposal_validate(request: HttpRequest) -> HttpResponse:
    """Inline validation as a field is left: the field re-rendered with its errors."""
    form = ProposalForm(request.POST)
    name = request.GET.get("field", "")
    if name not in form.fields:
        return HttpResponse(status=204)
    form.is_valid()
    return render(
        request,
        "decisions/_field.html",
        {"field": form[name], "validate_url": reverse("proposal-validate")},
    )


NOTIFICATIONS_PAGE_SIZE = 25


def _notifications_context(request: HttpRequest, page_number: str | None) -> dict:
    paginator = Paginator(selectors.notifications_of(user=request.user), NOTIFICATIONS_PAGE_SIZE)
    page = paginator.get_page(page_number)
    return {"page": page, "notifications": page.object_list}


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The bell's page: the user's own notifications, newest first."""
    template = "decisions/notifications.html"
    if request.htmx:
        template += "#list"
    return render(request, template, _notifications_context(request, request.GET.get("page")))


def _after_marking(request: HttpRequest, message: str) -> HttpResponse:
    """HTMX gets the list re-rendered in place, with the bell's new count out of band; a plain
    form post goes back to the page it came from."""
    page = request.POST.get("page", "")
    if request.htmx:
        context = _notifications_context(request, page) | {"notice": message, "oob_bell": True}
        return render(request, "decisions/notifications.html#list", context)
    messages.success(request, message)
    url = reverse("notifications")
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        notifications.notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404(_("No such notification.")) from None
    return _after_marking(request, _("Marked as read."))


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications.notifications_mark_all_read(user=request.user)
    message = ngettext(
        "%(n)d notification marked as read.", "%(n)d notifications marked as read.", count
    ) % {"n": count}
    return _after_marking(request, message)


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's link; opening it marks it read."""
    try:
        notification = notifications.notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404(_("No such notification.")) from None
    url = notification.url
    # Our own paths only: a stored URL must never turn the bell into an open redirect.
    if not url.startswith("/") or not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        url = reverse("notifications")
    return redirect(url)
