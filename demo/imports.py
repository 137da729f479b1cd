"""The demo imports: a glossary file imported by the CDO and a catalog file imported by the
administrator, through the real import (preview rules, services, audit events), so the import
pages show their latest imports. demo/files/ keeps the files, and budgets (annual, per fiscal
year) and tools files to try. An import already there is not done again: running twice adds
nothing."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model

from imports.kinds import KINDS
from imports.models import ImportRun
from imports.services import import_check

FILES = Path(__file__).resolve().parent / "files"
# (kind, file, who imports it)
DEMO_IMPORTS = [
    ("glossary", "glossary-import.csv", "cdo"),
    ("catalog", "catalog-import.csv", "admin"),
]


def load_demo_imports() -> tuple[int, int]:
    created = existing = 0
    users = get_user_model().objects
    for kind, name, username in DEMO_IMPORTS:
        if ImportRun.objects.filter(kind=kind, filename=name).exists():
            existing += 1
            continue
        actor = users.filter(username=username).first()
        if actor is None:
            continue
        outcome = import_check(kind=KINDS[kind], actor=actor, data=(FILES / name).read_bytes(),
                               filename=name, apply=True)  # fmt: skip
        if not outcome.applied:
            raise RuntimeError(f"the demo import {name} has errors: {outcome.rows}")
        created += 1
    return created, existing
