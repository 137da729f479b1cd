from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from stakeholders.models import Department


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
        delegate = cast(forms.ModelChoiceField, self.fields["delegate"])
        delegate.queryset = get_user_model().objects.filter(is_active=True).exclude(pk=user.pk)
        delegate.queryset = delegate.queryset.order_by("first_name", "username")
        delegate.label_from_instance = _person  # type: ignore[assignment]
        department = cast(forms.ModelChoiceField, self.fields["department"])
        department.queryset = Department.objects.filter(memberships__user=user)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The delegation cannot end before it starts."))
        return data
