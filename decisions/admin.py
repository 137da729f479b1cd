from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from decisions import webhooks
from decisions.errors import DomainError
from decisions.models import (
    Comment,
    Decision,
    Event,
    Proposal,
    ProposalGoal,
    SignOff,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEventKind,
    WebhookSubscription,
    webhook_secret_new,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SignOffInline(ReadOnlyInline):
    model = SignOff
    fields = ["round", "department", "required_role", "status", "reviewer", "due_on", "decided_at"]
    readonly_fields = fields


class DecisionInline(ReadOnlyInline):
    model = Decision
    fields = ["round", "outcome", "decided_by", "decided_at", "rationale"]
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
    list_filter = ["status", "tier", "requesting_department", "paying_department", "category"]
    search_fields = ["reference", "title", "problem", "new_vendor_name", "solution__name"]
    list_select_related = ["requesting_department", "paying_department", "tier"]
    readonly_fields = [
        "reference",
        "status",
        "round",
        "tier",
        "tco",
        "tier_basis",
        "tier_reason",
        "submitted_at",
        "decided_at",
    ]
    raw_id_fields = ["requester", "solution"]
    filter_horizontal = ["integrates_with"]
    inlines = [GoalInline, SignOffInline, DecisionInline]
    date_hierarchy = "submitted_at"


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
    ]
    list_filter = ["status", "department", "required_role"]
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


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The audit trail: visible, never editable."""

    list_display = ["seq", "kind", "proposal", "actor", "created_at"]
    list_filter = ["kind"]
    search_fields = ["proposal__reference", "kind"]
    list_select_related = ["proposal", "actor"]
    readonly_fields = [f.name for f in Event._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class WebhookSubscriptionForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=[(k.value, k.label) for k in WebhookEventKind if k != WebhookEventKind.PING],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The kinds of event to send; none ticked for all."),
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "events", "is_active"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    """Receivers of outgoing webhooks. The secret is generated; give it to the receiver."""

    form = WebhookSubscriptionForm
    list_display = ["name", "url", "kinds", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    readonly_fields = ["secret", "created_at"]
    fields = ["name", "url", "events", "is_active", "secret", "created_at"]
    actions = ["send_test_event", "rotate_secret"]

    @admin.display(description=_("events"))
    def kinds(self, obj: WebhookSubscription) -> str:
        return ", ".join(obj.events) if obj.events else _("all")

    @admin.action(description=_("Send a test event (ping)"))
    def send_test_event(self, request, queryset):
        for subscription in queryset:
            webhooks.webhook_ping(subscription=subscription)
        count = len(queryset)
        self.message_user(
            request,
            ngettext(
                "Queued a test event to %(count)d subscription.",
                "Queued a test event to %(count)d subscriptions.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Generate a new secret"))
    @transaction.atomic
    def rotate_secret(self, request, queryset):
        for subscription in queryset:
            subscription.secret = webhook_secret_new()
            subscription.save(update_fields=["secret"])
        self.message_user(
            request,
            _("New secrets generated: give them to the receivers before the next event."),
            messages.WARNING,
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: read-only; failed deliveries can be sent again."""

    list_display = [
        "created_at",
        "kind",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "delivered_at",
        "next_attempt_at",
    ]
    list_filter = ["status", "kind", "subscription"]
    search_fields = ["event_id", "subscription__name", "subscription__url", "last_error"]
    list_select_related = ["subscription"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    date_hierarchy = "created_at"
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request) -> bool:
        # The log itself is never edited; sending again is for those allowed to change it.
        return request.user.has_perm("decisions.change_webhookdelivery")

    @admin.action(description=_("Retry failed deliveries"), permissions=["retry"])
    def retry(self, request, queryset):
        retried = 0
        for delivery in queryset.filter(status=WebhookDeliveryStatus.FAILED):
            try:
                webhooks.webhook_delivery_retry(delivery=delivery)
            except DomainError:
                continue  # retried by someone else since the page was rendered
            retried += 1
        self.message_user(
            request,
            ngettext(
                "Queued %(count)d failed delivery again.",
                "Queued %(count)d failed deliveries again.",
                retried,
            )
            % {"count": retried},
            messages.SUCCESS if retried else messages.WARNING,
        )
