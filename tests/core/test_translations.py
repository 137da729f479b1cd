"""Dutch and French, complete: every message the code marks has a translation in both catalogs,
none fuzzy, with the same placeholders; the catalogs hold what the code marks today (a string
added without `make messages` fails here); and the language a user picks is the one they read."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
LANGUAGES = ("nl", "fr")
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdifr]|%[sdif]|\{[A-Za-z_][A-Za-z0-9_]*\}")


def _catalog(language: str):
    with (ROOT / "locale" / language / "LC_MESSAGES" / "django.po").open("rb") as po:
        return read_po(po, locale=language)


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_has_a_translation_that_is_not_fuzzy(language):
    catalog = _catalog(language)
    missing, fuzzy, wrong = [], [], []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            missing.append(ids[0])
        elif message.fuzzy:
            fuzzy.append(ids[0])
        elif len(ids) == 1:
            if _placeholders(strings[0]) != _placeholders(ids[0]):
                wrong.append(ids[0])
        else:
            # A plural's singular form may leave the count out ("Eén…"), never add a value; the
            # last form says what the plural says.
            allowed = set(_placeholders(ids[0])) | set(_placeholders(ids[1]))
            if any(not set(_placeholders(s)) <= allowed for s in strings) or set(
                _placeholders(strings[-1])
            ) != set(_placeholders(ids[1])):
                wrong.append(ids[0])
    assert not missing, f"{len(missing)} {language} messages without a translation: {missing[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy {language} messages: {fuzzy[:10]}"
    assert not wrong, f"{language} translations with other placeholders: {wrong[:10]}"
    assert len(catalog) > 100  # not an empty catalog that passes by having nothing


def test_the_catalogs_hold_every_message_the_code_marks(tmp_path):
    """makemessages over a copy of the code must find nothing the catalogs lack: a new string
    needs `make messages` and its Dutch and French translations."""
    assert shutil.which("xgettext"), "GNU gettext (xgettext) is needed: apt-get install gettext"
    copy = tmp_path / "src"
    ignore = shutil.ignore_patterns(
        ".venv",
        "node_modules",
        "tests",
        "mutants",
        "staticfiles",
        "bench",
        ".git",
        "*.mo",
        "__pycache__",
        "*.sqlite3",
        "artifacts",
    )
    shutil.copytree(ROOT, copy, ignore=ignore, symlinks=True)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "nl",
            "-l",
            "fr",
            "--no-location",
            "--no-obsolete",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    for language in LANGUAGES:
        with (copy / "locale" / language / "LC_MESSAGES" / "django.po").open("rb") as po:
            current = {m.id for m in read_po(po) if m.id}
        committed = {m.id for m in _catalog(language) if m.id}
        new = sorted(map(str, current - committed))
        assert not new, f"run `make messages` and translate ({language}): {new[:10]}"


@pytest.mark.django_db
def test_the_language_buttons_switch_the_pages_language(client, django_user_model):
    user = django_user_model.objects.create_user("reader", password="pw-0123456789")
    client.force_login(user)
    page = client.get(reverse("proposal-list"))
    assert page.headers["Content-Language"] == "en"
    for language, word in (("nl", "Voorstellen"), ("fr", "Propositions")):
        answer = client.post(reverse("set_language"), {"language": language, "next": "/proposals/"})
        assert answer.status_code == 302
        page = client.get(reverse("proposal-list"))
        assert page.headers["Content-Language"] == language
        assert f'<html lang="{language}"' in page.content.decode()
        assert word in page.content.decode()


@pytest.mark.django_db
def test_the_browsers_language_is_taken_when_none_was_chosen(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr-BE,fr;q=0.9,en;q=0.5")
    assert page.headers["Content-Language"] == "fr"
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="nl-BE,nl;q=0.9")
    assert page.headers["Content-Language"] == "nl"
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert page.headers["Content-Language"] == "en"


@pytest.mark.django_db
def test_cached_pages_are_kept_per_language(client, org, settings):
    """The dashboard and the map are cached until the data changes: an English visit must not
    fill the cache a Dutch reader is then served."""
    settings.DASHBOARD_CACHE_SECONDS = 300
    client.force_login(org.cdo)
    english = client.get(reverse("dashboard")).content.decode()
    assert "open proposals" in english
    client.post(reverse("set_language"), {"language": "nl", "next": "/"})
    dutch = client.get(reverse("dashboard")).content.decode()
    assert "openstaande voorstellen" in dutch
    assert "open proposals" not in dutch
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "No tools match" in client.get(reverse("landscape-map")).content.decode()
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    french_map = client.get(reverse("landscape-map")).content.decode()
    assert "No tools match" not in french_map


@pytest.mark.parametrize(
    ("language", "two", "whole"),
    [
        ("en", "41,300.00 EUR", "41,300 EUR"),
        ("nl", "€\xa041.300,00", "€\xa041.300"),
        ("fr", "41\u202f300,00\xa0€", "41\u202f300\xa0€"),
    ],
)
def test_amounts_read_as_the_language_writes_them(language, two, whole):
    from decimal import Decimal

    from django.utils import translation

    from core.templatetags.money import money_format

    with translation.override(language):
        assert money_format(Decimal("41300"), "EUR") == two
        assert money_format(Decimal("41300.40"), "EUR", decimals=0) == whole
        assert money_format(None, "EUR") == ""


@pytest.mark.django_db
def test_a_proposals_amounts_in_dutch(client, org):
    from tests.factories import make_proposal

    proposal = make_proposal(requester=org.requester, submit=True, one_off_cost=41300)
    client.force_login(org.requester)
    client.post(reverse("set_language"), {"language": "nl", "next": "/"})
    page = client.get(reverse("proposal-detail", args=[proposal.reference])).content.decode()
    assert "€\xa041.300,00" in page


@pytest.mark.parametrize(
    ("language", "december", "march", "may"),
    [
        ("en", "Dec. 2, 2026, 10:42 a.m.", "March 2, 2026, 10:42 a.m.", "May 2, 2026"),
        ("nl", "2 dec. 2026 10:42", "2 mrt. 2026 10:42", "2 mei 2026"),
        ("fr", "2 déc. 2026 10:42", "2 mars 2026 10:42", "2 mai 2026"),
    ],
)
def test_dates_read_as_the_language_writes_them(language, december, march, may):
    """Dutch keeps the full stop of an abbreviated month ("2 dec. 2026"), which Django's own
    Dutch catalog drops; a month written out in full ("mei", "mars") takes none."""
    import datetime

    from django.utils import formats, translation

    with translation.override(language):
        # Naive on purpose: date_format writes what it is given, without a time zone.
        december_2 = datetime.datetime(2026, 12, 2, 10, 42)  # noqa: DTZ001
        march_2 = datetime.datetime(2026, 3, 2, 10, 42)  # noqa: DTZ001
        assert formats.date_format(december_2, "DATETIME_FORMAT") == december
        assert formats.date_format(march_2, "DATETIME_FORMAT") == march
        assert formats.date_format(datetime.date(2026, 5, 2), "DATE_FORMAT") == may
