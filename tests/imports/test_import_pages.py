"""The import pages: upload → preview → confirm, with and without htmx; refusals; CSRF."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from imports.models import ImportRun
from imports.services import import_sign
from tests.imports.helpers import csv_bytes

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def budgets_file(*lines: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "budgets.csv", csv_bytes("department;annual_budget", *lines), content_type="text/csv"
    )


def test_the_index_lists_only_the_imports_one_may_run(org):
    admin_page = client_for(org.superuser).get("/imports/").content.decode()
    assert "/imports/budgets/" in admin_page
    assert "/imports/catalog/" in admin_page
    assert "/imports/glossary/" not in admin_page  # administrators administer
    head_page = client_for(org.hr_head).get("/imports/").content.decode()
    assert "/imports/glossary/" in head_page
    assert "/imports/budgets/" not in head_page
    assert 'id="no-imports"' in client_for(org.requester).get("/imports/").content.decode()


def test_upload_preview_then_confirm_imports_the_previewed_file(org):
    client = client_for(org.superuser)
    preview = client.post("/imports/budgets/", {"file": budgets_file("HR;420000")})
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Preview: nothing is saved yet" in page
    assert 'id="confirm-import"' in page
    org.departments["HR"].refresh_from_db()
    assert org.departments["HR"].annual_budget == Decimal("500000")
    signed = preview.context["outcome"].signed
    done = client.post("/imports/budgets/confirm/", {"preview": signed})
    assert done.status_code == 200
    assert "Imported" in done.content.decode()
    org.departments["HR"].refresh_from_db()
    assert org.departments["HR"].annual_budget == Decimal("420000")
    assert ImportRun.objects.get().imported_by == org.superuser
    assert "budgets.csv" in client.get("/imports/budgets/").content.decode()


def test_a_preview_with_an_error_shows_the_row_line_and_column_and_offers_no_confirm(org):
    response = client_for(org.superuser).post(
        "/imports/budgets/", {"file": budgets_file("HR;1", "ZZ;2")}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<code>department</code>" in page
    assert "ZZ" in page
    assert 'id="confirm-import"' not in page
    assert 'id="nothing-imported"' in page


def test_an_unreadable_file_is_a_400_with_the_reason(org):
    upload = SimpleUploadedFile("b.csv", b"department;annual_budget\nHR\x00;1\n")
    response = client_for(org.superuser).post("/imports/budgets/", {"file": upload})
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
    response = client_for(org.superuser).post("/imports/budgets/", {})
    assert response.status_code == 400


def test_htmx_gets_the_result_fragment_only(org):
    response = client_for(org.superuser).post(
        "/imports/budgets/", {"file": budgets_file("HR;1")}, headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="import-result">')
    assert "<html" not in page


def test_a_forged_or_foreign_preview_imports_nothing(org):
    client = client_for(org.superuser)
    assert client.post("/imports/budgets/confirm/", {"preview": "forged"}).status_code == 400
    other = import_sign(csv_bytes("department;annual_budget", "HR;1"), kind="glossary",
                        filename="x.csv")  # fmt: skip
    assert client.post("/imports/budgets/confirm/", {"preview": other}).status_code == 400
    assert not ImportRun.objects.exists()


def test_someone_without_the_right_gets_a_403_page_and_nothing_changes(org):
    signed = import_sign(csv_bytes("department;annual_budget", "HR;1"), kind="budgets",
                         filename="x.csv")  # fmt: skip
    client = client_for(org.cdo)
    assert client.get("/imports/budgets/").status_code == 403
    assert client.post("/imports/budgets/", {"file": budgets_file("HR;1")}).status_code == 403
    assert client.post("/imports/budgets/confirm/", {"preview": signed}).status_code == 403
    org.departments["HR"].refresh_from_db()
    assert org.departments["HR"].annual_budget == Decimal("500000")


def test_an_unknown_import_is_a_404_and_anonymous_is_sent_to_sign_in(org):
    assert client_for(org.superuser).get("/imports/nothing/").status_code == 404
    assert Client().get("/imports/budgets/").status_code == 302


def test_the_confirm_needs_the_csrf_token(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.superuser)
    signed = import_sign(csv_bytes("department;annual_budget", "HR;1"), kind="budgets",
                         filename="x.csv")  # fmt: skip
    assert client.post("/imports/budgets/confirm/", {"preview": signed}).status_code == 403
    assert not ImportRun.objects.exists()


def test_each_row_of_a_preview_costs_a_fixed_number_of_queries(org):
    """The reading and the matching of departments cost the same for any number of rows; each
    changed row costs only its own write (lock, update, audit event) through the service."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import DepartmentFactory

    codes = [f"D{i}" for i in range(22)]
    for code in codes:
        DepartmentFactory(code=code, name=code)
    client = client_for(org.superuser)
    client.post("/imports/budgets/", {"file": budgets_file("HR;1")})  # warm

    def cost(n: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            client.post("/imports/budgets/", {"file": budgets_file(*(f"{c};7" for c in codes[:n]))})
        return len(queries)

    two, twelve, twenty_two = cost(2), cost(12), cost(22)
    per_row = (twelve - two) / 10
    assert twenty_two - twelve == twelve - two  # linear: nothing per row beyond the write
    assert per_row <= 8


def test_the_latest_imports_list_costs_the_same_queries_for_many_imports(
    org, django_assert_num_queries
):
    client = client_for(org.superuser)
    ImportRun.objects.create(
        kind="budgets", filename="a.csv", sha256="0" * 64, imported_by=org.superuser,
        rows=1, created=0, updated=1, unchanged=0,
    )  # fmt: skip
    client.get("/imports/budgets/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get("/imports/budgets/")
    for n in range(8):
        ImportRun.objects.create(kind="budgets", filename=f"{n}.csv", sha256="0" * 64,
                                 imported_by=org.hr_head, rows=1, created=0, updated=1,
                                 unchanged=0)  # fmt: skip
    with django_assert_num_queries(len(one.captured_queries)):
        client.get("/imports/budgets/")


def test_a_hostile_file_name_is_refused_or_kept_storable(org):
    client = client_for(org.superuser)
    data = csv_bytes("department;annual_budget", "HR;1")
    response = client.post("/imports/budgets/", {"file": SimpleUploadedFile("b\x00ad.csv", data)})
    if response.status_code == 200:  # the name made storable, the file imported
        signed = response.context["outcome"].signed
        assert client.post("/imports/budgets/confirm/", {"preview": signed}).status_code == 200
        assert "\x00" not in ImportRun.objects.get().filename
        ImportRun.objects.all().delete()
    else:
        assert response.status_code == 400
    long_name = "x" * 300 + ".csv"
    preview = client.post("/imports/budgets/", {"file": SimpleUploadedFile(long_name, data)})
    signed = preview.context["outcome"].signed
    assert client.post("/imports/budgets/confirm/", {"preview": signed}).status_code == 200
    assert len(ImportRun.objects.get().filename) <= 200
