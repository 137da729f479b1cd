"""Payloads and clients shared by the catalog sync tests."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from api.services import api_token_create
from tests.factories import UserFactory

SOURCE = "acme-feed"


def vendor_item(n: int, **overrides) -> dict:
    return {
        "external_id": f"v-{n}",
        "name": f"Vendor {n}",
        "website": f"https://vendor{n}.example",
        "country": "NL",
        **overrides,
    }


def solution_item(n: int, vendor: int, **overrides) -> dict:
    return {
        "external_id": f"s-{n}",
        "vendor": f"v-{vendor}",
        "name": f"Solution {n}",
        "category": "talent_acquisition",
        "pricing_model": "per_seat",
        "list_price": "12.50",
        "price_currency": "EUR",
        "sso": True,
        **overrides,
    }


def payload(vendors: int = 2, solutions: int = 4, *, mode: str = "upsert", **extra) -> dict:
    return {
        "source": SOURCE,
        "mode": mode,
        "vendors": [vendor_item(i) for i in range(vendors)],
        "solutions": [solution_item(i, i % max(vendors, 1)) for i in range(solutions)],
        **extra,
    }


def syncing_user(username: str = "sam.sync"):
    user = UserFactory(username=username)
    user.user_permissions.add(Permission.objects.get(codename="sync_catalog"))
    return user


def token_client(user, *, scope: str = "catalog") -> APIClient:
    _token, plaintext = api_token_create(user=user, name="feed", scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client
