"""PostgreSQL only: a trigram index for the proposal list's search (`title__icontains`, which
Django writes as UPPER(title) LIKE UPPER('%…%')): a search reads the matching titles, not every
proposal. pg_trgm ships with PostgreSQL (contrib) and is a trusted extension; where it cannot be
created, the search still works, by scanning."""

import logging

from django.db import DatabaseError, migrations, transaction

log = logging.getLogger(__name__)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        log.warning("pg_trgm is not available: the proposal search scans the titles")
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS proposal_title_trgm ON decisions_proposal "
        "USING gin (UPPER(title::text) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS proposal_title_trgm")


class Migration(migrations.Migration):
    dependencies = [("decisions", "0014_decided_cycle_index")]

    operations = [migrations.RunPython(create, drop)]
