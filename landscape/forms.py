"""The landscape's forms: a lifecycle move with its reason, and an integration."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from landscape.models import LIVE_LIFECYCLES, Criticality, Lifecycle, Method, Tool


class LifecycleMoveForm(forms.Form):
    to = forms.ChoiceField(label=_("Move to"), choices=Lifecycle.choices)
    reason = forms.CharField(
        label=_("Why"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class PullBackForm(forms.Form):
    reason = forms.CharField(
        label=_("Why"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class StandardWithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the standard is withdrawn"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class IntegrationForm(forms.Form):
    """Connect the tool whose page this is with another one."""

    DIRECTIONS = [("out", _("sends data to")), ("in", _("receives data from"))]
    direction = forms.ChoiceField(label=_("This tool"), choices=DIRECTIONS)
    other = forms.ModelChoiceField(
        label=_("Tool"), queryset=Tool.objects.none(), empty_label=_("Choose a tool")
    )
    what = forms.CharField(label=_("What data flows"), max_length=200)
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices)
    criticality = forms.ChoiceField(
        label=_("Criticality"), choices=Criticality.choices, initial=Criticality.MEDIUM
    )

    def __init__(self, *args, tool: Tool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["other"]).queryset = (
            Tool.objects.filter(lifecycle__in=LIVE_LIFECYCLES)
            .exclude(pk=tool.pk)
            .select_related("solution")
            .order_by("solution__name")
        )


class IntegrationRemoveForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=500, required=False)
