"""Personas shared by the suite: a requester in HR, a reviewer for each of HR, IT Operations and
Marketing, department heads, the CDO, and an outsider with no membership."""

from __future__ import annotations

import os
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.management.commands import flush as flush_command
from django.db import DEFAULT_DB_ALIAS, connections

from hrtech_gov.celery import app as celery_app
from stakeholders.models import Role
from tests import schema_check
from tests.factories import (
    DepartmentFactory,
    MembershipFactory,
    TierFactory,
    UserFactory,
    cdo_group,
)

# The single sign-on tests' identity provider (a real one, on a local port) and `sso`.
pytest_plugins = ["tests.oidc_idp.fixtures"]

# Playwright's sync API runs an event loop in the test thread; the ORM calls beside it are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _flush_as_maintenance(handle):
    """Transactional tests empty the database with `flush` (TRUNCATE on PostgreSQL), which the
    audit trail's triggers refuse (audit/migrations/0002) unless the session says it is
    maintenance: a test database being emptied is exactly that."""

    def flush(self, **options):
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        if connection.vendor != "postgresql":
            return handle(self, **options)
        with connection.cursor() as cursor:
            cursor.execute("SET hrtech.audit_maintenance = 'on'")
        try:
            return handle(self, **options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET hrtech.audit_maintenance")

    return flush


flush_command.Command.handle = _flush_as_maintenance(flush_command.Command.handle)
# Every API response any test receives must be one the published schema describes.
schema_check.install()


def pytest_runtest_logreport(report):
    """Under `make mutation`, a test that fails against a mutant is written down (the mutant and
    the test, one line each in MUTATION_KILLERS): `bench/mutation_run.py` then runs it first for
    the next mutants of the same function, which the same test usually kills too."""
    killers = os.environ.get("MUTATION_KILLERS")
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if killers and report.failed and "__mutmut_" in mutant:
        with open(killers, "a", encoding="utf-8") as file:
            file.write(f"{mutant}\t{report.nodeid}\n")


# (process id, the lock file it holds for its lifetime) under make mutation: a forked worker
# inherits its parent's, and must take a slot of its own.
_DB_SLOT: tuple[int, object] | None = None


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Under `make mutation` (MUTATION_DB_SLOTS set), mutmut runs mutants in parallel forked
    processes, each a pytest session: each takes the first free numbered test database (a
    lock file held until it exits), so that no two share a SQLite file and each slot's
    database is created once and reused (--reuse-db). mutmut forks each mutant's process from
    its own, which took a slot for its trace of the suite: the fork inherits that slot's
    settings and lock, and takes the next free slot instead of sharing a SQLite file with its
    parent and its sibling (their writes would wait on each other's, one at a time)."""
    global _DB_SLOT
    if not os.environ.get("MUTATION_DB_SLOTS") or (
        _DB_SLOT is not None and _DB_SLOT[0] == os.getpid()
    ):
        return
    import fcntl

    from django.conf import settings

    test = settings.DATABASES["default"].setdefault("TEST", {})
    base = str(test.get("BASE_NAME") or test.get("NAME") or "mutation.sqlite3")
    test["BASE_NAME"] = base
    for slot in range(32):
        handle = open(f"{base}.slot{slot}.lock", "w")  # noqa: SIM115 (held open on purpose)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        _DB_SLOT = (os.getpid(), handle)
        stem = base.removesuffix(".sqlite3")
        name = f"{stem}-slot{slot}.sqlite3" if stem != base else f"{base}_slot{slot}"
        test["NAME"] = name
        connections["default"].settings_dict.setdefault("TEST", {})["NAME"] = name
        _reuse_slot_without_migrating(connections["default"], name)
        return
    raise RuntimeError("no free mutation test database slot")


def _migrations_fingerprint() -> str:
    import hashlib
    from pathlib import Path

    from django.conf import settings

    digest = hashlib.sha256()
    for path in sorted(Path(settings.BASE_DIR).glob("*/migrations/*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _reuse_slot_without_migrating(connection, name: str) -> None:
    """Each mutant is a pytest session of its own, and Django's test database setup runs
    `migrate` even on a kept database: the migration graph and the post-migrate signals cost
    each mutant about half a second. A slot whose database was migrated from these very
    migration files (a fingerprint kept beside it) is used as it is."""
    from pathlib import Path

    from django.conf import settings

    creation = connection.creation
    # A forked worker finds its parent's replacement in place: wrap Django's own, not that.
    create = getattr(creation.create_test_db, "django_create_test_db", creation.create_test_db)
    marker = Path(f"{name}.migrated")
    fingerprint = _migrations_fingerprint()

    def create_test_db(*args, **kwargs):
        current = marker.exists() and marker.read_text() == fingerprint
        if kwargs.get("keepdb") and current and Path(name).exists():
            connection.close()
            settings.DATABASES[connection.alias]["NAME"] = name
            connection.settings_dict["NAME"] = name
            return name
        created = create(*args, **kwargs)
        marker.write_text(fingerprint)
        return created

    create_test_db.django_create_test_db = create  # type: ignore[attr-defined]
    creation.create_test_db = create_test_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The production hasher costs ~0.3 s a user; personas are created for nearly every test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Cached read models must not leak from one test's data into another's.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _language_of_the_settings():
    """A request through the test client leaves its language active in the test's thread
    (LocaleMiddleware does not deactivate it): a French request must not make the next test
    French."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run in-process unless a test starts a real worker (which switches this off)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def build_departments() -> dict:
    return {
        "HR": DepartmentFactory(code="HR", name="Human Resources"),
        "IT": DepartmentFactory(code="IT", name="IT Operations"),
        "MKT": DepartmentFactory(code="MKT", name="Marketing"),
        "FIN": DepartmentFactory(code="FIN", name="Finance", signoff_required=False),
    }


def build_tiers() -> dict:
    return {
        "small": TierFactory(
            name="Small",
            min_tco=Decimal("0"),
            max_tco=Decimal("10000"),
            cdo_decision_required=False,
            sla_days=3,
        ),
        "medium": TierFactory(
            name="Medium", min_tco=Decimal("10000"), max_tco=Decimal("100000"), sla_days=5
        ),
        "large": TierFactory(
            name="Large",
            min_tco=Decimal("100000"),
            max_tco=None,
            signoff_role=Role.HEAD,
            sla_days=10,
        ),
    }


def build_org(departments: dict, tiers: dict):
    """The whole organisation, as a namespace of personas."""

    class Org:
        pass

    o = Org()
    o.departments, o.tiers = departments, tiers
    o.requester = UserFactory(username="rita.requester", first_name="Rita", last_name="Requester")
    MembershipFactory(user=o.requester, department=departments["HR"], role=Role.MEMBER)
    o.hr_reviewer = UserFactory(username="hanna.hr")
    MembershipFactory(user=o.hr_reviewer, department=departments["HR"])
    o.it_reviewer = UserFactory(username="ivan.it")
    MembershipFactory(user=o.it_reviewer, department=departments["IT"])
    o.mkt_reviewer = UserFactory(username="mia.mkt")
    MembershipFactory(user=o.mkt_reviewer, department=departments["MKT"])
    o.hr_head = UserFactory(username="henk.hrhead")
    MembershipFactory(
        user=o.hr_head, department=departments["HR"], role=Role.HEAD, approval_limit=None
    )
    o.it_head = UserFactory(username="iris.ithead")
    MembershipFactory(
        user=o.it_head, department=departments["IT"], role=Role.HEAD, approval_limit=None
    )
    o.mkt_head = UserFactory(username="max.mkthead")
    MembershipFactory(
        user=o.mkt_head, department=departments["MKT"], role=Role.HEAD, approval_limit=None
    )
    o.cdo = UserFactory(username="carla.cdo", first_name="Carla")
    o.cdo.groups.add(cdo_group())
    o.outsider = UserFactory(username="otto.outsider")
    # An HR colleague who signs nothing themselves (a delegate when a reviewer is away).
    o.hr_member = UserFactory(username="hugo.hrmember")
    MembershipFactory(
        user=o.hr_member, department=departments["HR"], role=Role.MEMBER, approval_limit=None
    )
    # Finance reads everything and proposes nothing.
    o.viewer = UserFactory(username="vera.viewer")
    MembershipFactory(
        user=o.viewer, department=departments["FIN"], role=Role.VIEWER, approval_limit=None
    )
    # The administrator: administers, neither proposes nor decides.
    o.superuser = UserFactory(username="ada.admin", is_staff=True, is_superuser=True)
    o.reviewers = {"HR": o.hr_reviewer, "IT": o.it_reviewer, "MKT": o.mkt_reviewer}
    o.heads = {"HR": o.hr_head, "IT": o.it_head, "MKT": o.mkt_head}
    return o


@pytest.fixture
def departments(db):
    return build_departments()


@pytest.fixture
def tiers(db):
    return build_tiers()


@pytest.fixture
def org(departments, tiers):
    """The whole organisation, as a namespace of personas."""
    return build_org(departments, tiers)


@contextmanager
def shared_org(django_db_blocker):
    """The organisation built once for a group of tests (a module-scoped fixture's body): in a
    transaction rolled back at the end, each test's own transaction a savepoint inside it, so
    every test starts from the same organisation and leaves nothing behind. For the permission
    matrices, which would otherwise build it once per persona and row (2,800 times)."""
    from django.db import transaction
    from django.test import override_settings

    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        yield build_org(build_departments(), build_tiers())
        transaction.set_rollback(True)
