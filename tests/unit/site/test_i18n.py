"""The portal speaks French: the catalogue is complete, compiled, and used.

The msgids are English (see CONTRIBUTING.md, Translations); a msgid without a French msgstr would
show English to French users, so any untranslated, fuzzy or uncompiled entry
fails here. After changing a translatable string, from ``aquatiris_portal/``:
``../.venv/bin/python ../example_site/manage.py makemessages -l fr --no-obsolete``,
translate the new entries, then ``compilemessages -l fr``.
"""

import ast
import gettext as gnu_gettext
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

import aquatiris_portal

MESSAGES = Path(aquatiris_portal.__file__).parent / "locale" / "fr" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sdf]|\{\w*\}")


def parse_po(path):
    """Entries of a .po file as dicts (msgctxt, msgid, msgid_plural, msgstr
    list, flags); obsolete (#~) entries are left out. A small parser, so the
    test needs nothing outside the test requirements."""
    entries = []
    for block in Path(path).read_text(encoding="utf-8").split("\n\n"):
        entry = {"flags": set(), "msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": {}}
        field = None
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#") or not line:
                continue
            elif line.startswith('"'):
                value = ast.literal_eval(line)
                if isinstance(field, int):
                    entry["msgstr"][field] += value
                else:
                    entry[field] += value
            else:
                keyword, _space, literal = line.partition(" ")
                value = ast.literal_eval(literal)
                match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
                if match:
                    field = int(match.group(1))
                    entry["msgstr"][field] = value
                elif keyword == "msgstr":
                    field = 0
                    entry["msgstr"][0] = value
                else:
                    field = keyword
                    entry[field] = value
        if entry["msgid"] is not None:
            entry["msgstr"] = [entry["msgstr"][n] for n in sorted(entry["msgstr"])]
            entries.append(entry)
    return entries


def label(entry):
    return f"{entry['msgctxt'] + ' | ' if entry['msgctxt'] else ''}{entry['msgid']!r}"


@pytest.fixture(scope="module")
def catalogue():
    po = MESSAGES / "django.po"
    assert po.is_file(), "the French catalogue is missing"
    entries = parse_po(po)
    header = entries[0]
    assert header["msgid"] == "", "the .po file starts with its header"
    return header, entries[1:]


def test_header_says_french_utf8_and_french_plurals(catalogue):
    header, entries = catalogue
    assert "fuzzy" not in header["flags"]
    text = header["msgstr"][0]
    assert "Language: fr\n" in text and "charset=UTF-8" in text
    assert "Plural-Forms: nplurals=2; plural=(n > 1);" in text
    assert len(entries) > 500  # the whole UI, not a sample


def test_every_entry_is_translated_not_fuzzy_and_keeps_its_placeholders(catalogue):
    _header, entries = catalogue
    untranslated = [label(e) for e in entries if not e["msgstr"] or not all(s.strip() for s in e["msgstr"])]
    assert not untranslated, f"untranslated entries: {untranslated}"
    fuzzy = [label(e) for e in entries if "fuzzy" in e["flags"]]
    assert not fuzzy, f"fuzzy entries (check the translation, then remove the flag): {fuzzy}"
    plural = [label(e) for e in entries if e["msgid_plural"] and len(e["msgstr"]) != 2]
    assert not plural, f"plural entries need msgstr[0] and msgstr[1]: {plural}"
    broken = []
    for entry in entries:
        expected = set(PLACEHOLDER.findall(entry["msgid"])) | set(PLACEHOLDER.findall(entry["msgid_plural"] or ""))
        for msgstr in entry["msgstr"]:
            found = set(PLACEHOLDER.findall(msgstr))
            # The singular may say "une" instead of %(counter)s, never invent a placeholder.
            if not found <= expected or (not entry["msgid_plural"] and found != expected):
                broken.append(label(entry))
    assert not broken, f"placeholders differ between msgid and msgstr: {broken}"


def test_compiled_catalogue_matches_the_po_file(catalogue):
    """The .mo is committed (pip installs need no gettext) and must say what the .po says."""
    _header, entries = catalogue
    with open(MESSAGES / "django.mo", "rb") as handle:
        compiled = gnu_gettext.GNUTranslations(handle)
    stale = []
    for entry in entries:
        ctx, msgid, plural = entry["msgctxt"], entry["msgid"], entry["msgid_plural"]
        if plural:
            got = [
                compiled.npgettext(ctx, msgid, plural, n) if ctx else compiled.ngettext(msgid, plural, n)
                for n in (1, 2)
            ]
        else:
            got = [compiled.pgettext(ctx, msgid) if ctx else compiled.gettext(msgid)]
        if got != entry["msgstr"]:
            stale.append(label(entry))
    assert not stale, f"django.mo is out of date, run compilemessages -l fr: {stale}"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="gettext's xgettext is not installed")
def test_every_translatable_string_of_the_code_is_in_the_catalogue(catalogue, tmp_path, monkeypatch):
    """makemessages on a copy of the package finds no string the catalogue lacks."""
    _header, entries = catalogue
    package = Path(aquatiris_portal.__file__).parent
    copy = tmp_path / "aquatiris_portal"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("static", "__pycache__", "*.mo"))
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["fr"], no_obsolete=True, verbosity=0)
    regenerated = {
        (e["msgctxt"], e["msgid"]): e for e in parse_po(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po")[1:]
    }
    known = {(e["msgctxt"], e["msgid"]) for e in entries}
    missing = sorted(label(e) for key, e in regenerated.items() if key not in known)
    assert not missing, f"strings not in the French catalogue yet (run makemessages and translate): {missing}"
    fuzzy = sorted(label(e) for e in regenerated.values() if "fuzzy" in e["flags"])
    assert not fuzzy, f"strings whose msgid changed (check their translation): {fuzzy}"


def test_french_is_what_runs():
    with translation.override("fr"):
        assert translation.gettext("Password") == "Mot de passe"
        assert translation.pgettext("dashboard heading", "My installation") == "Mon installation"
        # French plural: 0 and 1 are singular.
        assert (
            translation.ngettext("%(counter)s new request", "%(counter)s new requests", 0) % {"counter": 0}
            == "0 nouvelle demande"
        )
        assert (
            translation.ngettext("%(counter)s new request", "%(counter)s new requests", 2) % {"counter": 2}
            == "2 nouvelles demandes"
        )


@pytest.mark.django_db
def test_login_page_is_in_french(client):
    response = client.get(reverse("aquatiris_portal:login"))
    html = response.content.decode()
    assert response.status_code == 200 and '<html lang="fr"' in html
    for french in (
        "Connexion à votre espace",
        "Mot de passe",
        "Adresse e-mail",
        "Se connecter",
        "Mot de passe perdu",
        "Première connexion",
        "Activer mon compte",
    ):
        assert french in html, french
    for english in ("Log in to your space", "Password", "Email address", "Lost password", "First connection"):
        assert english not in html, english
