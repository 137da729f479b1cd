from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from core.errors import DomainError
from core.i18n import per_language
from decisions.models import (
    Comment,
    Decision,
    OnboardingTask,
    OnboardingTemplate,
    PilotReview,
    PilotVerdict,
    Proposal,
    ProposalAlternative,
    ProposalGoal,
    RiskQuestion,
    ScoringCriterion,
    ShelfwareFlag,
    SignOff,
)
from decisions.risk import keeps_risk_questions
from decisions.services import risk as risk_services


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SignOffInline(ReadOnlyInline):
    model = SignOff
    fields = ("round", "department", "required_role", "status", "reviewer", "due_on", "decided_at")
    readonly_fields = fields


class DecisionInline(ReadOnlyInline):
    model = Decision
    fields = ("round", "outcome", "decided_by", "decided_at", "rationale")
    readonly_fields = fields


class GoalInline(admin.TabularInline):
    model = ProposalGoal
    extra = 0


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """Workflow fields are read-only here: state changes go through the services, which check
    rights and write the audit trail."""

    list_display = [
        "reference",
        "title",
        "status",
        "requesting_department",
        "paying_department",
        "tco",
        "tier",
        "submitted_at",
    ]
    list_filter = [
        "status",
        "tier",
        "requesting_department",
        "paying_department",
        "category",
        "cost_model",
    ]
    search_fields = [
        "reference",
        "title",
        "problem",
        "new_vendor_name",
        "solution__name",
        "requester__username",
        "filed_by__username",
    ]
    list_select_related = ["requesting_department", "paying_department", "tier"]
    readonly_fields = [
        "reference",
        "status",
        "round",
        "tier",
        "tco",
        "tier_basis",
        "tier_reason",
        "tco_lines",
        "submitted_at",
        "decided_at",
    ]
    # Who it is for and who filed it on their behalf (empty: the requester filed it).
    raw_id_fields = ["requester", "filed_by", "solution"]
    filter_horizontal = ["integrates_with"]
    inlines = [GoalInline, SignOffInline, DecisionInline]
    date_hierarchy = "submitted_at"

    @admin.display(description=_("why this tier"))
    def tier_reason(self, obj):
        # Written from the rule submission kept, in the admin's language.
        return obj.tier_reason

    @admin.display(description=_("TCO, line by line"))
    def tco_lines(self, obj):
        # From the costs or the pricing model's inputs (decisions.tco), in the proposal's currency.
        breakdown = obj.tco_breakdown
        lines = [f"{line.label}: {line.amount} {breakdown.currency}" for line in breakdown.lines]
        lines.append(f"{breakdown.tier_scenario_label}: {breakdown.tco} {breakdown.currency}")
        return format_html_join("\n", "<div>{}</div>", ((line,) for line in lines))


@admin.register(SignOff)
class SignOffAdmin(admin.ModelAdmin):
    list_display = [
        "proposal",
        "department",
        "round",
        "required_role",
        "status",
        "reviewer",
        "due_on",
        "consent_mode",
        "presumed",
    ]
    list_filter = ["status", "department", "required_role", "consent_mode", "presumed"]
    search_fields = ["proposal__reference", "proposal__title", "reviewer__username"]
    list_select_related = ["proposal", "department", "reviewer"]
    readonly_fields = [f.name for f in SignOff._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["proposal", "round", "outcome", "decided_by", "decided_at"]
    list_filter = ["outcome"]
    search_fields = ["proposal__reference", "rationale"]
    readonly_fields = [f.name for f in Decision._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["proposal", "author", "created_at"]
    search_fields = ["proposal__reference", "body"]
    raw_id_fields = ["proposal", "author"]


class PilotVerdictInline(ReadOnlyInline):
    model = PilotVerdict
    fields = ("department", "verdict", "reason", "new_end", "user", "on_behalf_of", "at")
    readonly_fields = fields


@admin.register(PilotReview)
class PilotReviewAdmin(admin.ModelAdmin):
    """Pilot reviews, read-only: criteria, ratings, verdicts and outcomes go through
    decisions.services.pilots, which check rights and write the audit trail."""

    list_display = ["proposal", "round", "status", "outcome", "decided_by", "decided_at"]
    list_filter = ["status", "outcome"]
    search_fields = ["proposal__reference", "proposal__title"]
    list_select_related = ["proposal", "decided_by"]
    inlines = [PilotVerdictInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ShelfwareFlag)
class ShelfwareFlagAdmin(admin.ModelAdmin):
    """The Yammer rule's flags, read-only: the rule writes them, the owner dismisses on the
    tool's page (decisions.services.shelfware)."""

    list_display = ["tool", "flagged_on", "retirement", "dismissed_at", "cleared_on"]
    list_filter = ["flagged_on"]
    search_fields = ["tool__solution__name", "dismiss_reason"]
    list_select_related = ["tool__solution", "retirement"]
    readonly_fields = [f.name for f in ShelfwareFlag._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OnboardingTemplate)
class OnboardingTemplateAdmin(TranslationAdmin[OnboardingTemplate]):
    """The tasks every approved new tool gets, by department (decisions.handoff), with their
    title and description in each language."""

    list_display = ["title", "department", "due_days", "position", "is_active"]
    list_filter = ["department", "is_active"]
    list_editable = ["due_days", "position", "is_active"]
    search_fields = per_language("title", "description")
    list_select_related = ["department"]


@admin.register(OnboardingTask)
class OnboardingTaskAdmin(admin.ModelAdmin):
    """The checklists' tasks: assigned and ticked off on the handoff page (with their audit
    trail), so read-only here."""

    list_display = ["title", "proposal", "department", "assignee", "due_on", "done_at"]
    list_filter = ["department", ("done_at", admin.EmptyFieldListFilter)]
    search_fields = [*per_language("title"), "proposal__reference", "proposal__title"]
    list_select_related = ["proposal", "department", "assignee"]
    readonly_fields = [
        "proposal",
        "department",
        "template",
        "title",
        "description",
        "position",
        "assignee",
        "due_on",
        "done_at",
        "done_by",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# The vendor risk questionnaire (decisions.risk): every save goes through the services (the
# right, the checks, the audit event); a question is deactivated, never deleted.


@admin.register(RiskQuestion)
class RiskQuestionAdmin(TranslationAdmin[RiskQuestion]):
    list_display = ["text", "category", "weight", "fact", "position", "is_active"]
    list_filter = ["category", "fact", "is_active"]
    search_fields = per_language("text")
    fields = ["text", "category", "weight", "fact", "position", "is_active"]
    actions = ["deactivate"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return keeps_risk_questions(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: RiskQuestion | None = None) -> bool:
        return keeps_risk_questions(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: RiskQuestion | None = None) -> bool:
        return False  # deactivate instead: answers keep naming it

    def save_model(self, request, obj, form, change):
        data = {
            name: getattr(obj, name)
            for name in [*per_language("text"), *RISK_QUESTION_ADMIN_FIELDS]
        }
        try:
            if change:
                saved = risk_services.risk_question_update(
                    question=RiskQuestion.objects.get(pk=obj.pk), actor=request.user, data=data
                )
            else:
                saved = risk_services.risk_question_create(actor=request.user, data=data)
        except DomainError as error:
            messages.error(request, error.message)
            return
        obj.pk = saved.pk

    def log_addition(self, request, obj, message):
        if obj.pk is not None:  # nothing to log when the service refused it
            return super().log_addition(request, obj, message)
        return None

    def response_add(self, request, obj, post_url_continue=None):
        if obj.pk is None:
            return HttpResponseRedirect(request.get_full_path())
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description=_("Deactivate the selected risk questions"))
    def deactivate(self, request, queryset):
        for question in queryset.filter(is_active=True):
            risk_services.risk_question_update(
                question=question, actor=request.user, data={"is_active": False}
            )
        messages.success(request, _("Risk questions deactivated."))


RISK_QUESTION_ADMIN_FIELDS = ["category", "weight", "fact", "position", "is_active"]


@admin.register(ScoringCriterion)
class ScoringCriterionAdmin(admin.ModelAdmin):
    """Each department's weighted criteria for scoring alternatives (decisions.scoring); its
    head keeps them on the criteria page too."""

    list_display = ["name", "department", "weight", "position", "is_active"]
    list_filter = ["department", "is_active"]
    list_editable = ["weight", "position", "is_active"]
    search_fields = ["name"]
    list_select_related = ["department"]


@admin.register(ProposalAlternative)
class ProposalAlternativeAdmin(admin.ModelAdmin):
    """The alternatives requesters set beside their proposed solution, and their scores: set
    and scored on the scoring page (with their audit trail), so read-only here."""

    list_display = ["__str__", "proposal", "added_by", "added_at"]
    search_fields = ["name", "vendor_name", "proposal__reference"]
    list_select_related = ["proposal", "solution", "solution__vendor", "added_by"]
    readonly_fields = ["proposal", "solution", "name", "vendor_name", "added_by", "added_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
