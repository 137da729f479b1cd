"""The vendor risk questionnaire's demo: IT Operations' weighted questions (in English, Dutch and
French), and IT's reviewer completing the assessment of the proposals waiting for IT's
sign-off: the first one rated high finds no safeguard (all noes), so its IT sign-off now needs
IT's head; the others answer yes. Loaded after the demo proposals (their stories predate the
questionnaire); safe to run again."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from core.i18n import (
    fill_blank_translations,
    glossary,
    in_default_language,
    in_every_language,
)
from decisions.models import (
    Proposal,
    ProposalStatus,
    RiskCategory,
    RiskFact,
    RiskQuestion,
    SignOff,
    SignOffStatus,
)
from decisions.plugin import it_department_code
from decisions.risk import risk_assessment
from decisions.services.risk import risk_answers_save

# (question, category, weight, the catalog fact that answers it)
RISK_QUESTIONS = [
    (
        "Does it support single sign-on through our identity provider?",
        RiskCategory.SECURITY,
        3,
        RiskFact.SSO,
    ),
    ("Is the vendor ISO 27001 or SOC 2 certified?", RiskCategory.SECURITY, 3, RiskFact.CERTIFIED),
    (
        "Are administrator accounts protected by multi-factor authentication?",
        RiskCategory.SECURITY,
        2,
        "",
    ),
    ("Does it process no personal data?", RiskCategory.PRIVACY, 3, RiskFact.NO_PERSONAL_DATA),
    ("Does the data stay in the EU?", RiskCategory.PRIVACY, 2, RiskFact.EU_DATA),
    ("Can we export all our data in an open format?", RiskCategory.CONTINUITY, 2, ""),
    (
        "Does the vendor commit to 99.5% uptime or more in its SLA?",
        RiskCategory.CONTINUITY,
        1,
        "",
    ),
    ("Does it offer an API?", RiskCategory.CONTINUITY, 1, RiskFact.HAS_API),
]

RISK_TRANSLATIONS = glossary(
    (
        "Does it support single sign-on through our identity provider?",
        "Ondersteunt het single sign-on via onze identiteitsprovider?",
        "Prend-il en charge l'authentification unique via notre fournisseur d'identité ?",
    ),
    (
        "Is the vendor ISO 27001 or SOC 2 certified?",
        "Is de leverancier ISO 27001- of SOC 2-gecertificeerd?",
        "Le fournisseur est-il certifié ISO 27001 ou SOC 2 ?",
    ),
    (
        "Are administrator accounts protected by multi-factor authentication?",
        "Zijn beheerdersaccounts beveiligd met meervoudige authenticatie?",
        "Les comptes administrateur sont-ils protégés par une authentification multifacteur ?",
    ),
    (
        "Does it process no personal data?",
        "Verwerkt het geen persoonsgegevens?",
        "Ne traite-t-il aucune donnée personnelle ?",
    ),
    (
        "Does the data stay in the EU?",
        "Blijven de gegevens in de EU?",
        "Les données restent-elles dans l'UE ?",
    ),
    (
        "Can we export all our data in an open format?",
        "Kunnen we al onze gegevens in een open formaat exporteren?",
        "Pouvons-nous exporter toutes nos données dans un format ouvert ?",
    ),
    (
        "Does the vendor commit to 99.5% uptime or more in its SLA?",
        "Belooft de leverancier in zijn SLA een beschikbaarheid van 99,5% of meer?",
        "Le fournisseur s'engage-t-il sur une disponibilité d'au moins 99,5 % dans son SLA ?",
    ),
    ("Does it offer an API?", "Biedt het een API?", "Propose-t-il une API ?"),
)


def load_demo_risk_questions() -> tuple[int, int]:
    """The questionnaire, entered directly as reference data is; a question that exists (by its
    English text) is left as IT Operations keeps it. (created, existing)"""
    existing = set(RiskQuestion.objects.values_list(in_default_language("text"), flat=True))
    missing = [
        RiskQuestion(
            **in_every_language("text", text, RISK_TRANSLATIONS),
            category=category,
            weight=weight,
            fact=fact,
            position=position,
        )
        for position, (text, category, weight, fact) in enumerate(RISK_QUESTIONS, start=1)
        if text not in existing
    ]
    RiskQuestion.objects.bulk_create(missing)
    fill_blank_translations(RiskQuestion.objects.all(), ("text",), RISK_TRANSLATIONS)
    return len(missing), len(RISK_QUESTIONS) - len(missing)


def seed_demo_risk() -> list[str]:
    """IT's reviewer answers the open questions of each proposal waiting for IT's sign-off
    that nobody assessed yet, through the service (audit events, the head rule)."""
    reviewer = get_user_model().objects.filter(username="reviewer.it").first()
    if reviewer is None:
        return []
    waiting = (
        SignOff.objects.filter(
            department__code=it_department_code(),
            status=SignOffStatus.PENDING,
            proposal__status=ProposalStatus.IN_REVIEW,
        )
        .exclude(proposal__requester=reviewer)
        .values_list("proposal_id", flat=True)
    )
    proposals = (
        Proposal.objects.filter(pk__in=list(waiting))
        .exclude(risk_answers__isnull=False)
        .select_related("solution", "tier")
        .order_by("reference")
    )
    lines = []
    risky_done = False
    for proposal in proposals:
        assessment = risk_assessment(proposal)
        if assessment is None:
            break
        open_items = [item for item in assessment.items if not item.by_fact]
        if not open_items:
            continue
        # The first proposal rated high before any answer: IT finds no safeguard at all.
        risky = not risky_done and assessment.is_high
        risky_done = risky_done or risky
        answers = {item.question.pk: "no" if risky else "yes" for item in open_items}
        notes = {
            item.question.pk: "Asked the vendor: no commitment in the contract."
            for item in open_items
            if risky
        }
        result = risk_answers_save(proposal=proposal, actor=reviewer, answers=answers, notes=notes)
        if result is not None:
            lines.append(
                f"Vendor risk of {proposal.reference}: {result.rating} (score {result.score})."
            )
    return lines
