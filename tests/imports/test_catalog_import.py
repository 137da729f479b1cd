"""The catalog imported: rows go through the catalog sync (source "import"), so the sync's
rules, its idempotency and its change feed hold for imported records."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from core.errors import NotAllowed
from imports.kinds import KINDS
from imports.services import import_check
from tests.factories import SolutionFactory
from tests.imports.helpers import csv_bytes, xlsx_bytes
from vendors.models import Solution, Vendor

pytestmark = pytest.mark.django_db
CATALOG = KINDS["catalog"]
HEADER = "external_id;name;vendor;category;pricing_model;list_price;sso;tags"


def run(actor, *lines, apply=False, header=HEADER):
    return import_check(kind=CATALOG, actor=actor, data=csv_bytes(header, *lines),
                        filename="catalog.csv", apply=apply)  # fmt: skip


def test_an_administrator_imports_solutions_and_their_vendors_into_the_import_source(org):
    lines = (
        "ats-1;Hirely ATS;Hirely;talent_acquisition;per_seat;12.50;yes;ats, hiring",
        "lms-1;Learnly;Learnly Inc;learning;per_seat;;no;",
    )
    preview = run(org.superuser, *lines)
    assert [r.status for r in preview.rows] == ["created", "created"]
    assert not Solution.objects.exists()
    done = run(org.superuser, *lines, apply=True)
    assert done.applied
    ats = Solution.objects.get(external_id="ats-1")
    assert (ats.source, ats.vendor.name, ats.vendor.external_id) == ("import", "Hirely", "hirely")
    assert (ats.list_price, ats.sso, ats.tags) == (Decimal("12.50"), True, ["ats", "hiring"])
    again = run(org.superuser, *lines, apply=True)
    assert [r.status for r in again.rows] == ["unchanged", "unchanged"]
    changed = run(org.superuser, lines[0].replace("12.50", "13.00"), apply=True)
    assert [r.status for r in changed.rows] == ["updated"]


def test_an_import_never_touches_another_sources_record_with_the_same_key(org):
    synced = SolutionFactory(source="acme", external_id="ats-1", name="Acme ATS")
    run(org.superuser, "ats-1;Hirely ATS;Hirely;talent_acquisition;per_seat;1;no;", apply=True)
    synced.refresh_from_db()
    assert synced.name == "Acme ATS"
    assert Solution.objects.filter(external_id="ats-1").count() == 2


def test_row_errors_name_the_column_and_nothing_is_imported(org):
    outcome = run(
        org.superuser,
        "ats-1;Hirely ATS;Hirely;talent_acquisition;per_seat;12.50;yes;",
        "crm-1;Sellr;Sellr;no_such_category;per_seat;-1;maybe;",
        ";Nameless;Acme;crm;per_seat;;;",
        "x-1;Nobody's;;crm;per_seat;;;",
        apply=True,
    )
    assert not outcome.applied
    assert [r.status for r in outcome.rows] == ["created", "invalid", "invalid", "invalid"]
    errors = outcome.rows[1].errors
    assert {"category", "list_price", "sso"} <= set(errors)
    assert "external_id" in outcome.rows[2].errors
    assert "vendor" in outcome.rows[3].errors
    assert not Solution.objects.exists()
    assert not Vendor.objects.exists()


def test_an_excel_file_imports_like_a_csv(org):
    data = xlsx_bytes(
        ["external_id", "name", "vendor", "category", "pricing_model", "list_price"],
        ["ats-1", "Hirely ATS", "Hirely", "talent_acquisition", "per_seat", 12.5],
    )
    outcome = import_check(kind=CATALOG, actor=org.superuser, data=data,
                           filename="catalog.xlsx", apply=True)  # fmt: skip
    assert outcome.applied
    assert Solution.objects.get().list_price == Decimal("12.50")


def test_a_catalog_maintainer_imports_and_a_department_head_may_not(org):
    with pytest.raises(NotAllowed):
        run(org.hr_head, "ats-1;Hirely ATS;Hirely;talent_acquisition;per_seat;;;", apply=True)
    org.it_head.user_permissions.add(Permission.objects.get(codename="sync_catalog"))
    org.it_head = type(org.it_head).objects.get(pk=org.it_head.pk)  # permissions re-read
    outcome = run(org.it_head, "ats-1;Hirely ATS;Hirely;talent_acquisition;per_seat;;;",
                  apply=True)  # fmt: skip
    assert outcome.applied
    assert Solution.objects.get().source == "import"


def test_the_import_source_belongs_to_its_first_importer_until_an_administrator_grants_it(org):
    from django.test import Client

    from tests.imports.helpers import csv_bytes as file_of
    from vendors.models import CatalogSource

    line = "ats-1;Hirely ATS;Hirely;talent_acquisition;per_seat;;;"
    run(org.superuser, line, apply=True)  # a superuser writes to any source
    maintainer = org.it_head
    maintainer.user_permissions.add(Permission.objects.get(codename="sync_catalog"))
    CatalogSource.objects.update_or_create(name="import", defaults={"owner": org.hr_head})
    client = Client()
    client.force_login(maintainer)
    upload = {"file": _upload(file_of(HEADER, line.replace("Hirely ATS", "Hirely")))}
    response = client.post("/imports/catalog/", upload)
    assert response.status_code == 403
    assert "another integration" in response.content.decode()
    assert Solution.objects.get().name == "Hirely ATS"
    CatalogSource.objects.get(name="import").writers.add(maintainer)
    response = client.post("/imports/catalog/", {"file": _upload(file_of(HEADER, line))})
    assert response.status_code == 200


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("catalog.csv", data, content_type="text/csv")
