from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.errors import DomainError
from webhooks import services
from webhooks.models import (
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookPlatform,
    WebhookSubscription,
    webhook_secret_new,
)
from webhooks.registry import subscribable_kinds


class WebhookSubscriptionForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=subscribable_kinds,
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

    def get_queryset(self, request):
        # Departments' chat channels are kept in their own admin, with their URL (a secret)
        # masked; their deliveries are in the log below with everyone's.
        return super().get_queryset(request).filter(platform=WebhookPlatform.SIGNED)

    @admin.display(description=_("events"))
    def kinds(self, obj: WebhookSubscription) -> str:
        return ", ".join(obj.events) if obj.events else str(_("all"))

    @admin.action(description=_("Send a test event (ping)"))
    def send_test_event(self, request, queryset):
        for subscription in queryset:
            services.webhook_ping(subscription=subscription)
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
        return request.user.has_perm("webhooks.change_webhookdelivery")

    @admin.action(description=_("Retry failed deliveries"), permissions=["retry"])
    def retry(self, request, queryset):
        retried = 0
        for delivery in queryset.filter(status=WebhookDeliveryStatus.FAILED):
            try:
                services.webhook_delivery_retry(delivery=delivery)
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
