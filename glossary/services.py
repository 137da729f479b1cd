"""Every change to the glossary: a term added, renamed or redefined, a department's meaning
written or cleared. Each checks the actor's right on the server, locks the term, keeps the text
it replaces as a version, and records an audit event in the same transaction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from audit.services import record_event
from core.errors import DomainError, NotAllowed
from core.text import unreadable, validate_single_line
from glossary.models import NAME_MAX, TEXT_MAX, DepartmentMeaning, Term, TermVersion, VersionField
from glossary.rights import may_edit_meaning, may_edit_terms
from stakeholders.models import Department


def clean_name(name: Any) -> str:
    """A term's name as stored, or DomainError: one line, with a letter or digit, not too long.
    The form, the API and the services all call this."""
    if not isinstance(name, str):
        raise DomainError(_("Give the term as text."), field="name")
    problem = unreadable(name)
    if problem:
        raise DomainError(problem, field="name")
    try:
        validate_single_line(name.strip())
    except ValidationError as error:
        raise DomainError(str(error.messages[0]), field="name") from error
    name = " ".join(name.split())  # runs of spaces are one space: the linking matches words
    if not any(ch.isalnum() for ch in name):
        raise DomainError(_("A term needs at least one letter or digit."), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(
            _("A term has at most %(max)d characters.") % {"max": NAME_MAX}, field="name"
        )
    return name


def clean_text(text: Any, *, field: str, required: bool) -> str:
    """A definition or meaning as stored, or DomainError."""
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise DomainError(_("Give the definition as text."), field=field)
    problem = unreadable(text)
    if problem:
        raise DomainError(problem, field=field)
    text = text.strip()
    if required and not text:
        raise DomainError(_("Write the shared definition."), field=field)
    if len(text) > TEXT_MAX:
        raise DomainError(
            _("A definition has at most %(max)d characters.") % {"max": TEXT_MAX}, field=field
        )
    return text


def _name_taken(name: str, *, exclude: int | None = None) -> DomainError | None:
    # Compared in Python: SQLite's iexact folds ASCII only ("Überblick" and "überblick").
    # The glossary holds tens of terms, not thousands.
    folded = name.casefold()
    names = Term.objects.values_list("name", flat=True)
    if exclude is not None:
        names = names.exclude(pk=exclude)
    if any(n.casefold() == folded for n in names):
        return DomainError(
            _("The glossary already has the term “%(name)s”.") % {"name": name},
            code="duplicate",
            field="name",
        )
    return None


def _free_slug(name: str) -> str:
    base = (slugify(name) or "term")[:NAME_MAX]
    slug, n = base, 2
    # "new" is the address of the form that adds a term.
    while slug == "new" or Term.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _version(*, term: Term, field: str, old: str, new: str, actor: Any,
             department: Department | None = None) -> TermVersion:  # fmt: skip
    return TermVersion.objects.create(
        term=term, field=field, department=department, old_text=old, new_text=new,
        changed_by=actor if actor is not None and actor.is_authenticated else None,
    )  # fmt: skip


def term_create(*, actor: Any, name: Any, definition: Any) -> Term:
    if not may_edit_terms(actor):
        raise NotAllowed(_("Only a department head or the CDO can add a term to the glossary."))
    name = clean_name(name)
    definition = clean_text(definition, field="definition", required=True)
    taken = _name_taken(name)
    if taken:
        raise taken
    try:
        with transaction.atomic():
            term = Term.objects.create(name=name, slug=_free_slug(name), definition=definition)
            _version(term=term, field=VersionField.NAME, old="", new=name, actor=actor)
            _version(term=term, field=VersionField.DEFINITION, old="", new=definition,
                     actor=actor)  # fmt: skip
            record_event(
                kind="glossary.term_created",
                actor=actor,
                payload={"term": term.slug, "name": name, "definition": definition},
            )
    except IntegrityError as error:  # someone added the same name a moment ago
        raise _name_taken(name) or DomainError(_("The term could not be saved.")) from error
    return term


def term_update(*, term: Term, actor: Any, name: Any, definition: Any) -> Term:
    """Rename `term` and/or change its shared definition; nothing changed records nothing."""
    if not may_edit_terms(actor):
        raise NotAllowed(_("Only a department head or the CDO can change a glossary term."))
    name = clean_name(name)
    definition = clean_text(definition, field="definition", required=True)
    try:
        with transaction.atomic():
            # Locked: two heads saving at once each keep the text they really replaced.
            term = Term.objects.select_for_update().get(pk=term.pk)
            changes: dict[str, dict[str, str]] = {}
            if name != term.name:
                taken = _name_taken(name, exclude=term.pk)
                if taken:
                    raise taken
                _version(term=term, field=VersionField.NAME, old=term.name, new=name,
                         actor=actor)  # fmt: skip
                changes["name"] = {"old": term.name, "new": name}
                term.name = name
            if definition != term.definition:
                _version(term=term, field=VersionField.DEFINITION, old=term.definition,
                         new=definition, actor=actor)  # fmt: skip
                changes["definition"] = {"old": term.definition, "new": definition}
                term.definition = definition
            if changes:
                term.updated_at = timezone.now()
                term.save(update_fields=["name", "definition", "updated_at"])
                record_event(
                    kind="glossary.term_changed",
                    actor=actor,
                    payload={"term": term.slug, **changes},
                )
    except IntegrityError as error:
        raise _name_taken(name, exclude=term.pk) or DomainError(
            _("The term could not be saved.")
        ) from error
    return term


def meaning_set(*, term: Term, department: Department, actor: Any, text: Any) -> str:
    """Write `department`'s meaning of `term`; an empty text clears it (the department then
    uses the shared definition). Returns the meaning as stored ("" when cleared)."""
    if not may_edit_meaning(actor, department):
        raise NotAllowed(
            _("Only the head of %(department)s or the CDO can write what it means by a term.")
            % {"department": department.name}
        )
    text = clean_text(text, field="text", required=False)
    with transaction.atomic():
        term = Term.objects.select_for_update().get(pk=term.pk)
        meaning = DepartmentMeaning.objects.filter(term=term, department=department).first()
        old = meaning.text if meaning else ""
        if old == text:
            return text
        if meaning is None:
            DepartmentMeaning.objects.create(term=term, department=department, text=text)
        elif not text:
            meaning.delete()
        else:
            meaning.text = text
            meaning.updated_at = timezone.now()
            meaning.save(update_fields=["text", "updated_at"])
        _version(term=term, field=VersionField.MEANING, old=old, new=text, actor=actor,
                 department=department)  # fmt: skip
        term.updated_at = timezone.now()
        term.save(update_fields=["updated_at"])
        record_event(
            kind="glossary.meaning_changed",
            actor=actor,
            payload={"term": term.slug, "department": department.code, "old": old, "new": text},
        )
    return text
