"""The default department checklists: what each department's reviewer answers on sign-off.
Loaded by seed_demo and `manage.py load_checklists`; after that they are data, edited in the
admin."""

from __future__ import annotations

from core.i18n import fill_blank_translations, glossary, in_every_language
from stakeholders.models import AnswerKind, ChecklistQuestion, Department

YES_NO, TEXT = AnswerKind.YES_NO, AnswerKind.TEXT

DEFAULT_CHECKLISTS: dict[str, list[tuple[str, str, str, bool]]] = {
    # (question, help text, kind, required to approve)
    "HR": [
        ("Is the impact on employees' work understood and acceptable?", "", YES_NO, True),
        ("Were the employees who will use it involved in choosing it?", "", YES_NO, True),
        (
            "Does it need the works council's consent, and is that arranged?",
            "Answer no if consent is needed but not yet given.",
            YES_NO,
            True,
        ),
        ("Is a privacy impact assessment done where personal data is processed?", "", YES_NO, True),
        ("People-related risks or conditions", "", TEXT, False),
    ],
    "IT": [
        ("Does it meet our security baseline (ISO 27001 / SOC 2 or equivalent)?", "", YES_NO, True),
        ("Does it support single sign-on with our identity provider?", "", YES_NO, True),
        ("Are the integrations with tools in use understood and supportable?", "", YES_NO, True),
        ("Is ongoing support and ownership agreed?", "", YES_NO, True),
        ("Is data held where our data-residency rules allow?", "", YES_NO, True),
        ("Technical conditions", "", TEXT, False),
    ],
    "MKT": [
        ("Is it consistent with our employer brand?", "", YES_NO, True),
        ("Is it consistent with our customer brand where customers see it?", "", YES_NO, True),
        ("Is the internal communication of the change planned?", "", YES_NO, True),
        ("Customer-facing impact", "", TEXT, False),
    ],
}


# The default questions and help texts in Dutch and French (English, Dutch, French).
TRANSLATIONS = glossary(
    (
        "Is the impact on employees' work understood and acceptable?",
        "Is de impact op het werk van medewerkers begrepen en aanvaardbaar?",
        "L'impact sur le travail des collaborateurs est-il compris et acceptable ?",
    ),
    (
        "Were the employees who will use it involved in choosing it?",
        "Zijn de medewerkers die het gaan gebruiken betrokken bij de keuze?",
        "Les collaborateurs qui l'utiliseront ont-ils participé au choix ?",
    ),
    (
        "Does it need the works council's consent, and is that arranged?",
        "Is instemming van de ondernemingsraad nodig, en is die geregeld?",
        "Faut-il l'accord du conseil d'entreprise, et est-il obtenu ?",
    ),
    (
        "Answer no if consent is needed but not yet given.",
        "Antwoord nee als instemming nodig is maar nog niet gegeven.",
        "Répondez non si l'accord est nécessaire mais pas encore donné.",
    ),
    (
        "Is a privacy impact assessment done where personal data is processed?",
        "Is er een gegevensbeschermingseffectbeoordeling (DPIA) gedaan waar persoonsgegevens "
        "worden verwerkt?",
        "Une analyse d'impact relative à la protection des données (AIPD) est-elle faite là où "
        "des données personnelles sont traitées ?",
    ),
    (
        "People-related risks or conditions",
        "Risico's of voorwaarden voor mensen",
        "Risques ou conditions liés aux personnes",
    ),
    (
        "Does it meet our security baseline (ISO 27001 / SOC 2 or equivalent)?",
        "Voldoet het aan onze beveiligingsbaseline (ISO 27001 / SOC 2 of gelijkwaardig)?",
        "Respecte-t-il notre socle de sécurité (ISO 27001 / SOC 2 ou équivalent) ?",
    ),
    (
        "Does it support single sign-on with our identity provider?",
        "Ondersteunt het single sign-on met onze identiteitsprovider?",
        "Prend-il en charge l'authentification unique avec notre fournisseur d'identité ?",
    ),
    (
        "Are the integrations with tools in use understood and supportable?",
        "Zijn de koppelingen met de tools in gebruik begrepen en te ondersteunen?",
        "Les intégrations avec les outils en service sont-elles comprises et maintenables ?",
    ),
    (
        "Is ongoing support and ownership agreed?",
        "Zijn doorlopende ondersteuning en eigenaarschap afgesproken?",
        "Le support continu et la responsabilité sont-ils convenus ?",
    ),
    (
        "Is data held where our data-residency rules allow?",
        "Worden gegevens bewaard waar onze regels voor gegevenslocatie het toelaten?",
        "Les données sont-elles hébergées là où nos règles de localisation des données le "
        "permettent ?",
    ),
    ("Technical conditions", "Technische voorwaarden", "Conditions techniques"),
    (
        "Is it consistent with our employer brand?",
        "Past het bij ons werkgeversmerk?",
        "Est-il cohérent avec notre marque employeur ?",
    ),
    (
        "Is it consistent with our customer brand where customers see it?",
        "Past het bij ons merk voor klanten, waar klanten het zien?",
        "Est-il cohérent avec notre marque client là où les clients le voient ?",
    ),
    (
        "Is the internal communication of the change planned?",
        "Is de interne communicatie over de verandering gepland?",
        "La communication interne sur le changement est-elle planifiée ?",
    ),
    ("Customer-facing impact", "Impact voor klanten", "Impact pour les clients"),
)


def load_default_checklists() -> int:
    """Create the default questions, in English, Dutch and French, for departments that have
    none yet, and give the default questions that lack them their Dutch and French texts.
    Returns how many questions were created."""
    created = 0
    for department in Department.objects.filter(code__in=DEFAULT_CHECKLISTS):
        if department.checklist_questions.exists():
            continue
        questions = [
            ChecklistQuestion(
                department=department,
                **in_every_language("text", text, TRANSLATIONS),
                **(in_every_language("help_text", help_text, TRANSLATIONS) if help_text else {}),
                kind=kind,
                required=required,
                position=position,
            )
            for position, (text, help_text, kind, required) in enumerate(
                DEFAULT_CHECKLISTS[department.code], start=1
            )
        ]
        ChecklistQuestion.objects.bulk_create(questions)
        created += len(questions)
    fill_blank_translations(
        ChecklistQuestion.objects.filter(department__code__in=DEFAULT_CHECKLISTS),
        ("text", "help_text"),
        TRANSLATIONS,
    )
    return created
