"""The data version cached reads key on: bumped after a commit, never by a rollback, and never an
error when the cache is away."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from core.dataversion import bump_data_version, data_changed, data_version

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_changes_after_a_commit_and_not_before():
    before = data_version()
    with transaction.atomic():
        data_changed()
        assert data_version() == before  # readers still see the committed state
    assert data_version() != before


def test_a_rolled_back_change_leaves_it_alone():
    before = data_version()

    def failing_change():
        with transaction.atomic():
            data_changed()
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        failing_change()
    assert data_version() == before


def test_without_a_transaction_it_changes_at_once():
    before = data_version()
    data_changed()
    assert data_version() != before


def test_a_cache_that_is_away_is_no_error_for_the_writer():
    away = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
        }
    }
    with override_settings(CACHES=away):
        bump_data_version()  # logged, not raised
        assert data_version() < 0  # a fresh number: nothing cached under it is found again
