"""The plug-in lane's checks: whether a candidate tool meets IT Operations' guardrails.

Pure: the facts about the candidate (`Facts`, which the workflow gathers from a proposal and
its catalog solution, the catalog's facts winning where it has them) go in, and each
guardrail comes out passed or failed, with why in a sentence."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from core.i18n import default_value
from core.money import to_base_currency
from landscape.models import Guardrail, GuardrailKind

# Where data counts as staying in the EU: the Union, the EEA (GDPR applies there), and the
# member states, by name or, alone, by ISO code.
EU_WORDS = {
    "eu",
    "eea",
    "europe",
    "european",
    "austria",
    "belgium",
    "bulgaria",
    "croatia",
    "cyprus",
    "czechia",
    "czech",
    "denmark",
    "estonia",
    "finland",
    "france",
    "germany",
    "greece",
    "hungary",
    "ireland",
    "italy",
    "latvia",
    "lithuania",
    "luxembourg",
    "malta",
    "netherlands",
    "poland",
    "portugal",
    "romania",
    "slovakia",
    "slovenia",
    "spain",
    "sweden",
    "frankfurt",
    "dublin",
    "amsterdam",
    "paris",
    "stockholm",
    "milan",
}
EU_CODES = {
    "at", "be", "bg", "hr", "cy", "cz", "dk", "ee", "fi", "fr", "de", "gr", "hu", "ie", "it",
    "lv", "lt", "lu", "mt", "nl", "pl", "pt", "ro", "sk", "si", "es", "se",
}  # fmt: skip
# Places that are named with an EU word but are not in it ("outside the EU", "non-EU").
NOT_EU_WORDS = {"outside", "non", "except", "us", "usa", "uk", "global", "worldwide"}


def data_stays_in_eu(location: str) -> bool:
    """Whether a stated data location keeps the data in the EU: every place it names (split on
    commas, slashes, "and") is the EU, the EEA, or a member state. Empty: unknown, so no."""
    parts = [p.strip() for p in re.split(r"[,;/&+]|\band\b", location.lower()) if p.strip()]
    if not parts:
        return False
    for part in parts:
        words = set(re.findall(r"[a-z]+", part))
        if words & NOT_EU_WORDS:
            return False
        if not (words & EU_WORDS or part in EU_CODES):
            return False
    return True


@dataclass(frozen=True)
class Facts:
    """What is known about a candidate tool. `*_source` says where a fact comes from ("catalog"
    or "proposal"), for the reason given."""

    name: str
    sso: bool = False
    sso_source: str = "proposal"
    certified: bool = False
    certified_source: str = "proposal"
    personal_data: bool = False
    dpa_signed: bool = False
    data_location: str = ""
    data_location_source: str = "proposal"
    # The tools it is to exchange data with: (name, is the integration platform).
    integrates_with: tuple[tuple[str, bool], ...] = ()
    yearly_cost: Decimal = Decimal("0")
    currency: str = "EUR"


@dataclass(frozen=True)
class GuardrailResult:
    guardrail: Guardrail
    passed: bool
    why: str = field(default="")

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.guardrail.code,
            "name": default_value(self.guardrail, "name"),
            "passed": self.passed,
            "why": self.why,
        }


def _said(source: str) -> str:
    return _("the catalog") if source == "catalog" else _("the proposal")


def _sso(guardrail: Guardrail, facts: Facts) -> tuple[bool, str]:
    src = _said(facts.sso_source)
    if facts.sso:
        return True, _("Single sign-on, says %(src)s.") % {"src": src}
    return False, _("No single sign-on, says %(src)s.") % {"src": src}


def _certified(guardrail: Guardrail, facts: Facts) -> tuple[bool, str]:
    src = _said(facts.certified_source)
    if facts.certified:
        return True, _("ISO 27001 or SOC 2 certified, says %(src)s.") % {"src": src}
    return False, _("Neither ISO 27001 nor SOC 2 certified, says %(src)s.") % {"src": src}


def _personal_data(guardrail: Guardrail, facts: Facts) -> tuple[bool, str]:
    if not facts.personal_data:
        return True, _("No personal data processed.")
    if facts.dpa_signed:
        return True, _("Personal data, under a signed data-processing agreement.")
    return False, _("Personal data, and no signed data-processing agreement.")


def _eu_data(guardrail: Guardrail, facts: Facts) -> tuple[bool, str]:
    if not facts.data_location:
        return False, _("Where the data is held is not known.")
    said = {"where": facts.data_location, "src": _said(facts.data_location_source)}
    if data_stays_in_eu(facts.data_location):
        return True, _("Data held in %(where)s, says %(src)s.") % said
    return False, _("Data held in %(where)s (not only the EU), says %(src)s.") % said


def _platform_only(guardrail: Guardrail, facts: Facts) -> tuple[bool, str]:
    direct = sorted(name for name, platform in facts.integrates_with if not platform)
    if direct:
        return False, _("Connects directly to %(tools)s.") % {"tools": ", ".join(direct)}
    if facts.integrates_with:
        return True, _("Connects only through the integration platform.")
    return True, _("Connects to no other tool.")


def _yearly_cost_under(guardrail: Guardrail, facts: Facts) -> tuple[bool, str]:
    if guardrail.threshold is None:
        return False, _("The guardrail has no threshold.")
    said = {
        "cost": f"{facts.yearly_cost:,.2f} {facts.currency}",
        "limit": f"{guardrail.threshold:,.2f} {guardrail.currency}",
    }
    try:
        under = to_base_currency(facts.yearly_cost, facts.currency) < to_base_currency(
            guardrail.threshold, guardrail.currency
        )
    except ValueError as error:  # a currency without an exchange rate
        return False, str(error)
    if under:
        return True, _("%(cost)s a year, under %(limit)s.") % said
    return False, _("%(cost)s a year, not under %(limit)s.") % said


CHECKS: dict[str, Callable[[Guardrail, Facts], tuple[bool, str]]] = {
    GuardrailKind.SSO: _sso,
    GuardrailKind.CERTIFIED: _certified,
    GuardrailKind.NO_PERSONAL_DATA_OR_DPA: _personal_data,
    GuardrailKind.EU_DATA: _eu_data,
    GuardrailKind.PLATFORM_ONLY: _platform_only,
    GuardrailKind.YEARLY_COST_UNDER: _yearly_cost_under,
}


def _check(guardrail: Guardrail, facts: Facts) -> tuple[bool, str]:
    check = CHECKS.get(guardrail.kind)
    if check is None:
        return False, _("Unknown check.")
    return check(guardrail, facts)


def active_guardrails() -> list[Guardrail]:
    return list(Guardrail.objects.filter(is_active=True).order_by("position", "code"))


def guardrails_check(
    facts: Facts, guardrails: Iterable[Guardrail] | None = None
) -> list[GuardrailResult]:
    """Each guardrail (the active ones unless given), passed or not, and why."""
    rails = active_guardrails() if guardrails is None else list(guardrails)
    return [GuardrailResult(g, *_check(g, facts)) for g in rails]


def all_passed(results: list[GuardrailResult]) -> bool:
    """The plug-in lane's condition: at least one guardrail, and every one passed."""
    return bool(results) and all(r.passed for r in results)
