from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.models import TokenScope
from api.services import api_token_nonce


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What uses it, for example “procurement catalog sync”."),
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=TokenScope.choices, initial=TokenScope.FULL)
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty for no expiry. The token stops working at the start of that day."),
    )
    # One-time: a second POST of the same form (double click, resent request) creates nothing.
    nonce = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("nonce", api_token_nonce())

    def clean_nonce(self) -> str:
        # A form from before the nonce existed (or a script) still works, without the guard.
        return self.cleaned_data.get("nonce") or api_token_nonce()

    @property
    def expires_at(self) -> dt.datetime | None:
        """The chosen day's start, in the current time zone."""
        expires_on = self.cleaned_data.get("expires_on")
        if not expires_on:
            return None
        return timezone.make_aware(dt.datetime.combine(expires_on, dt.time.min))
