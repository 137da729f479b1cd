from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from stakeholders.models import ChatEvent, Department
from stakeholders.selectors import delegates_eligible, signing_departments_of
from webhooks.models import CHAT_PLATFORMS


def _person(user: Any) -> str:
    return str(user.get_full_name() or user.username)


class DelegationForm(forms.Form):
    delegate = forms.ModelChoiceField(
        label=_("Colleague who signs for you"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("first_name", "username"),
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("All my departments"),
    )
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label=_("Until (inclusive)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the people who could hold the rights (stakeholders.selectors.delegates_eligible):
        # for one department its members, for all of them the members of each.
        delegate = cast(forms.ModelChoiceField, self.fields["delegate"])
        delegate.queryset = delegates_eligible(delegator=user)
        chosen = self.data.get(self.add_prefix("department")) if self.is_bound else None
        signing = signing_departments_of(user=user)
        if chosen and str(chosen).isdigit() and signing.filter(pk=chosen).exists():
            delegate.queryset = delegates_eligible(
                delegator=user, department=signing.get(pk=chosen)
            )
        else:
            eligible = set()
            for dept in signing:
                eligible |= set(
                    delegates_eligible(delegator=user, department=dept).values_list("pk", flat=True)
                )
            delegate.queryset = (
                get_user_model().objects.filter(pk__in=eligible).order_by("first_name", "username")
            )
        delegate.label_from_instance = _person  # type: ignore[assignment]
        department = cast(forms.ModelChoiceField, self.fields["department"])
        department.queryset = signing

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The delegation cannot end before it starts."))
        return data


class ChatChannelForm(forms.Form):
    """A new chat channel, as its department's head adds it on the department's page."""

    name = forms.CharField(label=_("Name"), max_length=100)
    platform = forms.ChoiceField(
        label=_("Platform"), choices=[(p.value, p.label) for p in CHAT_PLATFORMS]
    )
    url = forms.CharField(
        label=_("Incoming-webhook URL"),
        max_length=500,
        widget=forms.URLInput(attrs={"autocomplete": "off", "placeholder": "https://"}),
        help_text=_("From the channel's settings (https). Stored, never shown again."),
    )
    language = forms.ChoiceField(
        label=_("Language of its messages"), choices=settings.LANGUAGES, initial="en"
    )
    events = forms.MultipleChoiceField(
        label=_("Tell the channel when"),
        choices=ChatEvent.choices,
        initial=list(ChatEvent.values),
        widget=forms.CheckboxSelectMultiple,
    )
