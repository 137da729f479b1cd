from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from stakeholders.models import Department


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

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = self.fields["delegate"].queryset.exclude(pk=user.pk)
        self.fields["delegate"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["department"].queryset = Department.objects.filter(memberships__user=user)

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The delegation cannot end before it starts."))
        return data
