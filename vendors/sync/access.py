"""Who may write to which catalog source through the sync API (vendors.models.CatalogSource)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import NotAllowed
from vendors.models import CatalogSource


def _refusal(source: str) -> NotAllowed:
    return NotAllowed(
        _(
            "The catalog source %(source)s belongs to another integration: this account may "
            "not write to it. Ask an administrator to grant it to this account."
        )
        % {"source": source}
    )


def _granted(*, pk: int, owner_id: int | None, actor) -> bool:
    return owner_id == actor.pk or (
        CatalogSource.writers.through.objects.filter(catalogsource_id=pk, user_id=actor.pk).exists()
    )


def catalog_source_check(*, source: str, actor) -> None:
    """NotAllowed (403) unless `actor` may write to `source`: a superuser, the source's owner
    or an account it was granted to. A source nobody registered is registered with `actor` as
    its owner, in the caller's transaction. One query for the owner (two for a grantee)."""
    if actor.is_superuser:
        return
    registered = CatalogSource.objects.filter(name=source).values_list("pk", "owner_id").first()
    if registered is None:
        try:
            with transaction.atomic():
                CatalogSource.objects.create(name=source, owner=actor)
            return
        except IntegrityError:
            # Two first writes at once: the unique name let the other in.
            registered = (
                CatalogSource.objects.filter(name=source).values_list("pk", "owner_id").get()
            )
    pk, owner_id = registered
    if not _granted(pk=pk, owner_id=owner_id, actor=actor):
        raise _refusal(source)


def catalog_source_synced(*, source: str) -> None:
    """Note the time of a sync of `source` (the admin shows it)."""
    CatalogSource.objects.filter(name=source).update(last_synced_at=timezone.now())
