"""The default department checklists: what each department's reviewer answers on sign-off.
Loaded by seed_demo and `manage.py load_checklists`; after that they are data, edited in the
admin."""

from __future__ import annotations

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


def load_default_checklists() -> int:
    """Create the default questions for departments that have none yet. Returns how many."""
    created = 0
    for department in Department.objects.filter(code__in=DEFAULT_CHECKLISTS):
        if department.checklist_questions.exists():
            continue
        questions = [
            ChecklistQuestion(
                department=department,
                text=text,
                help_text=help_text,
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
    return created
