from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.fiscal import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR, fiscal_year_label
from core.i18n import in_default_language
from core.money import Currency, format_base_money
from core.text import validate_single_line
from decisions.budgets import over_budget_warning
from decisions.handoff_models import DUE_DAYS_MAX, OnboardingTemplate
from decisions.models import (
    CONTINUING_RENEWALS,
    DecisionOutcome,
    ExportFormat,
    Proposal,
    ProposalKind,
    RenewalAction,
    SignOffStatus,
)
from decisions.rules import COST_FIELDS, proposal_errors, standard_in_the_way
from decisions.scoring_models import WEIGHT_MAX, WEIGHT_MIN, ScoringCriterion
from decisions.services import PROPOSAL_FIELDS
from decisions.tco import ALL_MODEL_FIELDS, CostModel, default_cost_model
from landscape.models import LIVE_LIFECYCLES, Tool
from stakeholders.models import AnswerKind, Department, StrategicGoal
from stakeholders.selectors import departments_proposable_by, people_proposable_for
from stakeholders.services import department_budget_check
from vendors.models import Solution
from vendors.selectors import integration_checkboxes

SOLUTION_OPTIONS = 300


def solution_label(solution: Solution) -> str:
    """How the picker shows a catalog solution, and the text it accepts back."""
    return f"{solution.name} ({solution.vendor.name})"


class SolutionPickInput(forms.TextInput):
    """One text box with the catalog as its suggestions (a native combobox: `<input list>` and
    a `<datalist>` the server narrows as one types, or the first SOLUTION_OPTIONS without
    JavaScript). It shows a picked solution by its label, never by its id."""

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            solution = Solution.objects.filter(pk=value).select_related("vendor").first()
            return solution_label(solution) if solution else None
        return super().format_value(value)


class SolutionPickField(forms.ModelChoiceField):
    """A catalog solution from what was typed: its label as the picker offers it, a name that
    only one live solution has, or its id (API-style posts and older pages)."""

    def to_python(self, value: Any) -> Solution | None:
        text = " ".join(str(value or "").split())
        if not text:
            return None
        if text.isdigit():
            return super().to_python(text)
        live = self.queryset if self.queryset is not None else Solution.objects.none()
        by_label = [s for s in live.filter(name__iexact=text.rsplit(" (", 1)[0])
                    if solution_label(s).casefold() == text.casefold()]  # fmt: skip
        if len(by_label) == 1:
            return by_label[0]
        by_name = list(live.filter(name__iexact=text)[:2])
        if len(by_name) == 1:
            return by_name[0]
        raise ValidationError(
            _("“%(text)s” is not in the catalog: pick one of the suggestions, or clear the box "
              "and name the new solution below.") % {"text": text[:100]},
            code="invalid_choice",
        )  # fmt: skip


class PersonChoiceField(forms.ModelChoiceField):
    """A person, shown by name (their username when they have none)."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


class ProposalForm(forms.ModelForm):
    goals = forms.ModelMultipleChoiceField(
        label=_("Strategic goals it serves"),
        queryset=StrategicGoal.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    goal_note = forms.CharField(
        label=_("How it serves those goals"),
        max_length=300,
        required=False,
        widget=forms.TextInput,
        validators=[validate_single_line],
    )

    solution = SolutionPickField(
        label=_("Catalog solution"),
        queryset=Solution.objects.filter(is_deleted=False).select_related("vendor"),
        required=False,
        widget=SolutionPickInput(
            attrs={"list": "solution-options", "autocomplete": "off", "spellcheck": "false"}
        ),
        help_text=_("Type a product or vendor name and pick a suggestion; leave it empty to "
                    "name a new one below."),
    )  # fmt: skip
    on_behalf_of = PersonChoiceField(
        label=_("On behalf of"),
        queryset=get_user_model().objects.none(),  # people_proposable_for(filer=user)
        required=False,
        empty_label=_("— myself —"),
        help_text=_(
            "File it for someone of your department (an assistant for a manager): it is their "
            "proposal, both of you see and edit it, and neither of you signs it off."
        ),
    )
    confirm_amounts = forms.BooleanField(
        label=_("Yes, these amounts are right"),
        required=False,
        help_text=_("Asked only when the amounts look implausible."),
    )

    class Meta:
        model = Proposal
        fields = [*PROPOSAL_FIELDS, "integrates_with"]
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 3}),
            "rationale": forms.Textarea(attrs={"rows": 3}),
            "alternatives": forms.Textarea(attrs={"rows": 2}),
            "standard_why_not": forms.Textarea(attrs={"rows": 3}),
            "end_user_involvement": forms.Textarea(attrs={"rows": 2}),
            "integration_notes": forms.Textarea(attrs={"rows": 2}),
            "personal_data_notes": forms.Textarea(attrs={"rows": 2}),
            "pilot_success_criteria": forms.Textarea(attrs={"rows": 2}),
            "pilot_start": forms.DateInput(attrs={"type": "date"}),
            "pilot_end": forms.DateInput(attrs={"type": "date"}),
            "integrates_with": forms.SelectMultiple(attrs={"size": 6}),
            "exit_clause": forms.NullBooleanSelect(),
            "unit_price": forms.NumberInput(attrs={"step": "0.0001", "min": "0"}),
        }
        help_texts = {
            "problem": _("What goes wrong today, for whom, and how often."),
            "rationale": _("Why this tool, and why now."),
            "standard_why_not": _(
                "Required when the category you choose has a standard tool and you propose "
                "another: what it cannot do for you."
            ),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One buys for a department one works in; any active department may pay.
        buying = departments_proposable_by(user=user)
        self._choices("requesting_department").queryset = buying
        self._choices("paying_department").queryset = Department.objects.filter(is_active=True)
        # Filing on someone's behalf (an assistant for a manager): only when creating, and only
        # someone of a department the filer works in; the service checks the buying department.
        if self.instance.pk:
            del self.fields["on_behalf_of"]
        else:
            self._choices("on_behalf_of").queryset = people_proposable_for(filer=user)
        if not self.is_bound and not self.instance.pk:
            own = list(buying[:2])
            if len(own) == 1:  # the one department one works in: filled in already
                self.initial.setdefault("requesting_department", own[0].pk)
                self.initial.setdefault("paying_department", own[0].pk)
        self.fields["solution"].widget.attrs.update(
            {
                "hx-get": reverse("solution-options"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": "#solution-options",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
                # static/js/solution-category.js: a picked solution sets this category.
                "data-category-field": self["category"].auto_id,
            }
        )
        # The picker's suggestions without JavaScript (with it, HTMX narrows them as one types
        # from the whole catalog): the tools in use first, then by name.
        self.solution_suggestions = [
            (solution_label(s), s.category, default_cost_model(s.pricing_model))
            for s in Solution.objects.filter(is_deleted=False)
            .select_related("vendor")
            .order_by("-in_use", "name")[:SOLUTION_OPTIONS]
        ]
        self._choices("integrates_with").queryset = Solution.objects.filter(
            in_use=True, is_deleted=False
        ).select_related("vendor")
        self.fields["category"].required = False
        # A new tool (the default) or the retirement of one of the fleet's: the kind and the
        # tool travel as hidden fields, set from the tool's page ("Propose its retirement").
        self.fields["kind"].required = False
        self.fields["kind"].widget = forms.HiddenInput()
        self._choices("tool").queryset = Tool.objects.filter(
            lifecycle__in=LIVE_LIFECYCLES
        ).select_related("solution__vendor", "owner_department")
        self.fields["tool"].widget = forms.HiddenInput()
        self.fields["retire_on"].widget = forms.DateInput(attrs={"type": "date"})
        # Lock-in and exit: every answer optional (decisions.lockin counts a missing one).
        export = self._choices_field("export_format")
        export.choices = [("", _("— not answered —")), *ExportFormat.choices]
        cast(forms.NullBooleanSelect, self.fields["exit_clause"].widget).choices = [
            ("unknown", _("— not answered —")),
            ("true", _("Yes")),
            ("false", _("No")),
        ]
        self.fields["proprietary_integrations"].required = False
        # Priced by a model, the one-off and recurring costs follow from its inputs: asked for
        # only without one (clean).
        for name in COST_FIELDS:
            self.fields[name].required = False
        self._choices_field("cost_model").choices = [
            ("", _("— one-off and recurring costs —")),
            *CostModel.choices,
        ]
        if self.instance.pk:
            links = list(self.instance.goal_links.all())
            self.initial["goals"] = [link.goal_id for link in links]
            self.initial["goal_note"] = next((link.note for link in links if link.note), "")

    @property
    def is_retirement(self) -> bool:
        kind = self["kind"].value() or ProposalKind.NEW
        return kind == ProposalKind.RETIREMENT

    @property
    def is_renewal(self) -> bool:
        return (self["kind"].value() or ProposalKind.NEW) == ProposalKind.RENEWAL

    @property
    def retired_tool(self) -> Tool | None:
        value = self["tool"].value()
        if not self.is_retirement or not str(value or "").isdigit():
            return None
        return Tool.objects.filter(lifecycle__in=LIVE_LIFECYCLES, pk=int(str(value))).first()

    @property
    def standard_tool(self) -> Tool | None:
        """The category's standard tool when this proposal is for another one: the form shows
        it first ("a standard tool exists for this job") and asks why it does not serve."""
        if self.is_bound:
            data = getattr(self, "cleaned_data", None) or {}
            candidate = Proposal(
                kind=data.get("kind") or ProposalKind.NEW,
                solution=data.get("solution"),
                category=data.get("category") or "",
            )
        else:
            candidate = self.instance
        return standard_in_the_way(candidate)

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or ProposalKind.NEW

    def integration_checkboxes(self) -> dict[str, Any]:
        """The "integrates with" checkboxes as the page first shows them: those ticked, then
        the other tools in use (the filter box above them asks the server for the rest)."""
        value = self["integrates_with"].value() or []
        return integration_checkboxes(ticked_ids=[int(v) for v in value if str(v).isdigit()])

    def _choices(self, name: str) -> forms.ModelChoiceField:
        return cast(forms.ModelChoiceField, self.fields[name])

    def _choices_field(self, name: str) -> forms.ChoiceField:
        return cast(forms.ChoiceField, self.fields[name])

    def clean_proprietary_integrations(self) -> int:
        return self.cleaned_data.get("proprietary_integrations") or 0

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        solution = data.get("solution")
        # Inputs of a pricing model but no model: the catalog solution's (without JavaScript,
        # nobody picked it for them).
        given = any(data.get(name) is not None for name in ALL_MODEL_FIELDS)
        if not data.get("cost_model") and solution is not None and given:
            data["cost_model"] = default_cost_model(solution.pricing_model)
        if not data.get("cost_model"):
            for name in COST_FIELDS:
                if name in data and data[name] is None and name not in self.errors:
                    self.add_error(name, forms.Field.default_error_messages["required"])
        # The whole-proposal rules (decisions.rules), on the fields that are valid so far;
        # a field with its own error already keeps just that one.
        candidate = Proposal(
            **{f: data[f] for f in PROPOSAL_FIELDS if f in data and data[f] is not None}
        )
        for name, message in proposal_errors(candidate).items():
            if name not in self.errors:
                self.add_error(name, message)
        if candidate.category and not data.get("category"):
            data["category"] = candidate.category  # taken from the catalog solution
        if candidate.kind != ProposalKind.NEW and candidate.solution_id:
            data["solution"] = candidate.solution  # the retired tool's
        warning = (
            None if self.errors or data.get("confirm_amounts") else implausible_amounts(candidate)
        )
        if warning:
            self.add_error("confirm_amounts", warning)
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        note = data.get("goal_note", "")
        return {
            "data": {f: data[f] for f in PROPOSAL_FIELDS if f in data},
            "goals": dict.fromkeys(data.get("goals", []), note),
            "integrates_with": data.get("integrates_with", []),
            **({"on_behalf_of": data["on_behalf_of"]} if data.get("on_behalf_of") else {}),
        }


# A term longer than this many months is asked about (ten years).
PLAUSIBLE_TERM_MONTHS = 120


def implausible_amounts(proposal: Proposal) -> str | None:
    """Why the costs need a second look (a term over ten years; more than the paying
    department's budget leaves in a fiscal year), or None. The person filing confirms or
    corrects them."""
    if proposal.term_months and proposal.term_months > PLAUSIBLE_TERM_MONTHS:
        return _(
            "A term of %(months)s months is over ten years. Check the term, or confirm it."
        ) % {"months": proposal.term_months}
    found = over_budget_warning(proposal, today=timezone.localdate())
    if found is None:
        return None
    line, part = found
    values = {
        "part": format_base_money(part),
        "year": fiscal_year_label(line.fiscal_year),
        "payer": line.department.name,
        "budget": format_base_money(line.budget),
        "remaining": format_base_money(line.remaining),
    }
    if line.remaining <= 0:
        return (
            _(
                "%(payer)s's budget for fiscal year %(year)s (%(budget)s) is already fully "
                "committed, and %(part)s of this proposal falls in that year. Check the amounts "
                "and the recurring period, or confirm them."
            )
            % values
        )
    return (
        _(
            "%(part)s of this proposal falls in fiscal year %(year)s: more than the %(remaining)s "
            "that %(payer)s has left of its budget for that year (%(budget)s). Check the amounts "
            "and the recurring period, or confirm them."
        )
        % values
    )


class SignOffForm(forms.Form):
    """Outcome, comment, and one field per question of the department's checklist, named
    q<id>. Whether required answers are given is the service's rule (only to approve)."""

    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (SignOffStatus.APPROVED, _("Approve")),
            (SignOffStatus.CHANGES_REQUESTED, _("Request changes")),
            (SignOffStatus.REJECTED, _("Reject")),
        ],
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to reject or request changes."),
    )

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            field: forms.Field
            if question.kind == AnswerKind.YES_NO:
                field = forms.ChoiceField(
                    choices=[("yes", _("Yes")), ("no", _("No"))],
                    widget=forms.RadioSelect,
                    required=False,
                )
            else:
                field = forms.CharField(
                    max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
                )
            field.label = question.text
            field.help_text = question.help_text
            field.is_required_to_approve = question.required  # type: ignore[union-attr]
            self.fields[f"q{question.pk}"] = field

    def checklist_fields(self):
        return [self[f"q{q.pk}"] for q in self.questions]

    def answers(self) -> dict[str, str]:
        return {
            str(q.pk): self.cleaned_data.get(f"q{q.pk}") or ""
            for q in self.questions
            if self.cleaned_data.get(f"q{q.pk}")
        }


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), choices=DecisionOutcome.choices)
    rationale = forms.CharField(
        label=_("Rationale"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    conditions = forms.CharField(
        label=_("Conditions"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment or question"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=1000)


class RenewalForm(forms.Form):
    """Opening a renewal from the tool's page or the calendar (decisions.services.renewal)."""

    renewal_action = forms.ChoiceField(
        label=_("Renewal"), choices=RenewalAction.choices, widget=forms.RadioSelect
    )
    term_months = forms.IntegerField(
        label=_("New term (months)"),
        required=False,
        min_value=1,
        max_value=PLAUSIBLE_TERM_MONTHS,
        help_text=_("To renew or renegotiate."),
    )
    yearly_cost = forms.DecimalField(
        label=_("New yearly cost"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("To renew or renegotiate, in the contract's currency."),
    )
    rationale = forms.CharField(
        label=_("Why"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Adoption, cost, what the users say, what changes in the new contract."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("renewal_action") in CONTINUING_RENEWALS:
            if not data.get("term_months") and "term_months" not in self.errors:
                self.add_error("term_months", _("Give the new term in months."))
            if data.get("yearly_cost") is None and "yearly_cost" not in self.errors:
                self.add_error("yearly_cost", _("Give the new yearly cost."))
        return data


class BudgetForm(forms.Form):
    """One department's budget for one fiscal year (the budgets page); the rules are the
    service's (stakeholders.services.department_budget_check)."""

    department = forms.ModelChoiceField(
        queryset=Department.objects.filter(is_active=True),
        to_field_name="code",
        widget=forms.HiddenInput,
    )
    fiscal_year = forms.IntegerField(
        min_value=FIRST_FISCAL_YEAR, max_value=LAST_FISCAL_YEAR, widget=forms.HiddenInput
    )
    amount = forms.DecimalField(label=_("Budget"), min_value=0, max_digits=14, decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if all(data.get(f) is not None for f in ("fiscal_year", "amount", "currency")):
            try:
                department_budget_check(
                    fiscal_year=data["fiscal_year"],
                    amount=data["amount"],
                    currency=data["currency"],
                )
            except DomainError as error:
                self.add_error(error.field if error.field in self.fields else None, error.message)
        return data


class OnboardingTemplateForm(forms.ModelForm):
    """One onboarding task template, as its department's head edits it: its title and what to
    do in English, and optionally in Dutch and French (blank: read as the English). The rules
    are decisions.services.handoff.onboarding_template_save's."""

    title = forms.CharField(
        label=_("Title (English)"), max_length=200, validators=[validate_single_line]
    )
    title_nl = forms.CharField(
        label=_("Title (Dutch)"), max_length=200, required=False, validators=[validate_single_line]
    )
    title_fr = forms.CharField(
        label=_("Title (French)"), max_length=200, required=False, validators=[validate_single_line]
    )
    description = forms.CharField(
        label=_("What to do (English)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    description_nl = forms.CharField(
        label=_("What to do (Dutch)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    description_fr = forms.CharField(
        label=_("What to do (French)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    TEXTS = ["title", "title_nl", "title_fr", "description", "description_nl", "description_fr"]

    class Meta:
        model = OnboardingTemplate
        # The texts are the form's own fields, read from each language's column: the model's
        # `title` reads the active language's.
        fields = ["due_days", "position", "is_active"]

    field_order = [*TEXTS, "due_days", "position", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in self.TEXTS:
                column = in_default_language(name) if name in ("title", "description") else name
                self.initial.setdefault(name, getattr(self.instance, column) or "")
        self.fields["due_days"].widget.attrs.update(min=0, max=DUE_DAYS_MAX)
        self.fields["due_days"].validators.append(MaxValueValidator(DUE_DAYS_MAX))
        self.fields["position"].widget.attrs.update(min=0, max=999)
        self.fields["position"].validators.append(MaxValueValidator(999))

    def validate_unique(self):
        """The service checks the titles' uniqueness in the department (the form has no
        department field)."""


class ScoringCriterionForm(forms.ModelForm):
    """One scoring criterion, as its department's head edits it (the rules are
    decisions.services.scoring.criterion_save's)."""

    class Meta:
        model = ScoringCriterion
        fields = ["name", "weight", "position", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["weight"].widget.attrs.update(min=WEIGHT_MIN, max=WEIGHT_MAX)
        self.fields["weight"].validators.append(MaxValueValidator(WEIGHT_MAX))
        self.fields["position"].widget.attrs.update(min=0, max=999)
        self.fields["position"].validators.append(MaxValueValidator(999))

    def validate_unique(self):
        """The service checks the name's uniqueness and the weight's range in the department
        (the form has no department field)."""
