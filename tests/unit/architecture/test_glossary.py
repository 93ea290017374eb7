"""Plain French for clients, checked against docs/glossary.md.

The forbidden words are read from the glossary's table; what a client reads
is (1) the text written in the client-facing templates, (2) the French
msgstr of every msgid those templates and the client-facing Python modules
translate, (3) the editors' default texts shown to clients. A forbidden word
in any of them fails here, with where it is."""

import ast
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

import aquatiris_portal
from tests.unit.site.test_i18n import MESSAGES, parse_po

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = Path(aquatiris_portal.__file__).parent
TEMPLATES = PACKAGE / "templates" / "aquatiris_portal"
GLOSSARY = ROOT / "docs" / "glossary.md"

# Mails whose recipient is the client (the franchisee's, the network head's
# and the SPANC upload's are for professionals).
CLIENT_MAILS = (
    "request_client_copy",
    "request_answer",
    "warranty_confirmation",
    "activation",
    "already_activated",
    "password_reset",
)
# Python modules whose translated strings are shown to clients.
CLIENT_MODULES = ("enquiries/forms.py", "enquiries/views.py", "pages/stages.py", "snippets/stages.py")
# Editors' defaults shown to clients as they are (PortalSettings fields, client space page fields).
CLIENT_SETTINGS_DEFAULTS = ("serial_number_help", "maintenance_contract_text", "emergency_text")
CLIENT_PAGE_DEFAULTS = ("maintenance_contract_text", "emergency_text")


def client_templates():
    paths = sorted((TEMPLATES / "client_space").rglob("*.html"))
    paths += sorted(p for p in (TEMPLATES / "mail").iterdir() if p.name.split(".")[0] in CLIENT_MAILS)
    paths.append(TEMPLATES / "layout.html")
    return paths


def forbidden_rules():
    """(regex, advice) rows of the glossary's "Forbidden" table."""
    text = GLOSSARY.read_text(encoding="utf-8")
    section = text.split("## Forbidden", 1)[1].split("\n## ", 1)[0]
    rules = []
    for line in section.splitlines():
        match = re.match(r"\|\s*`([^`]+)`[^|]*\|\s*([^|]+)\|", line)
        if match:
            rules.append((re.compile(match.group(1).replace("\\|", "|"), re.IGNORECASE), match.group(2).strip()))
    return rules


def violations(text):
    # The agreed form of a capacity is allowed: « pour 5 personnes (5 EH) ».
    text = re.sub(r"pour [^()]+? personnes \([^()]+? EH\)", "", text)
    return [(rule.pattern, advice) for rule, advice in forbidden_rules() if rule.search(text)]


BLOCKTRANS = re.compile(
    r"{%\s*blocktrans(?:late)?\b(?P<args>[^%]*)%}(?P<singular>.*?)(?:{%\s*plural\s*%}(?P<plural>.*?))?"
    r"{%\s*endblocktrans(?:late)?\s*%}",
    re.S,
)
TRANS = re.compile(r"""{%\s*trans(?:late)?\s+(?P<q>["'])(?P<msgid>.*?)(?P=q)""")
UNDERSCORE = re.compile(r"""_\((?P<q>["'])(?P<msgid>.*?)(?P=q)\)""")


def _blocktrans_msgid(body, args):
    body = re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", body)
    if "trimmed" in args:
        body = " ".join(body.split())
    return body


def template_msgids(source):
    ids = {m.group("msgid") for m in TRANS.finditer(source)} | {m.group("msgid") for m in UNDERSCORE.finditer(source)}
    for match in BLOCKTRANS.finditer(source):
        ids.add(_blocktrans_msgid(match.group("singular"), match.group("args")))
        if match.group("plural"):
            ids.add(_blocktrans_msgid(match.group("plural"), match.group("args")))
    return ids


def template_literal_text(source):
    """The words a template writes itself (outside tags, variables, comments, HTML)."""
    source = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", " ", source, flags=re.S)
    source = BLOCKTRANS.sub(" ", source)
    source = re.sub(r"{#.*?#}|{%.*?%}|{{.*?}}", " ", source, flags=re.S)
    return re.sub(r"<[^>]+>", " ", source)


def module_msgids(path):
    names = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy", "gettext_noop"}
    ids = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in names:
            args = node.args[1:] if getattr(node.func, "id", "").startswith("pgettext") else node.args
            ids.update(arg.value for arg in args[:2] if isinstance(arg, ast.Constant) and isinstance(arg.value, str))
    return ids


@pytest.fixture(scope="module")
def french():
    """msgid -> [msgstr, ...] of the package's French catalogue."""
    table = {}
    for entry in parse_po(MESSAGES / "django.po")[1:]:
        for msgid in filter(None, (entry["msgid"], entry["msgid_plural"])):
            table.setdefault(msgid, []).extend(entry["msgstr"])
    return table


def client_msgids():
    found = {}
    for path in client_templates():
        for msgid in template_msgids(path.read_text(encoding="utf-8")):
            found.setdefault(msgid, str(path.relative_to(PACKAGE)))
    for name in CLIENT_MODULES:
        path = PACKAGE / name
        if path.is_file():
            for msgid in module_msgids(path):
                found.setdefault(msgid, name)
    from aquatiris_portal.pages.client_space import ClientSpacePage
    from aquatiris_portal.snippets.site_settings import PortalSettings

    for model, field_name in [(PortalSettings, name) for name in CLIENT_SETTINGS_DEFAULTS] + [
        (ClientSpacePage, name) for name in CLIENT_PAGE_DEFAULTS
    ]:
        try:
            default = model._meta.get_field(field_name).default
        except Exception:  # noqa: S112  a field not there yet
            continue
        with translation.override(None):
            msgid = str(default)  # a lazy msgid, read untranslated
        if msgid:
            found.setdefault(msgid, f"{model.__name__}.{field_name} default")
    return found


def test_the_glossary_lists_its_rules():
    patterns = [rule.pattern for rule, _advice in forbidden_rules()]
    assert len(patterns) >= 6 and any("franchis" in p for p in patterns) and any("EH" in p for p in patterns)


@pytest.mark.parametrize(
    "text, bad",
    [
        ("Contacter mon franchisé", True),
        ("Votre franchisée vous répond", True),
        ("envoyée à la tête de réseau Aquatiris", True),
        ("Filtre 5 EH", True),
        ("Filtre pour 5 personnes (5 EH)", False),
        ("2,0 Kio", True),
        ("2,0 Ko", False),
        ("le 1 janvier 2027", True),
        ("le 1er janvier 2027", False),
        ("le 11 janvier 2027", False),
        ("Étude terminé", True),
        ("Étape terminée", False),
        ("Écrire à mon installateur Aquatiris", False),
    ],
)
def test_the_rules_catch_what_they_say(text, bad):
    assert bool(violations(text)) is bad


def test_client_templates_write_no_forbidden_word():
    problems = []
    for path in client_templates():
        source = path.read_text(encoding="utf-8")
        for pattern, advice in violations(template_literal_text(source)):
            problems.append(f"{path.relative_to(PACKAGE)}: /{pattern}/ -> {advice}")
        if re.search(r"""\|\s*date:\s*["']DATE_FORMAT["']""", source):
            problems.append(f"{path.relative_to(PACKAGE)}: dates go through |portal_date (writes « 1er »)")
    assert not problems, "\n".join(problems)


def test_french_catalogue_says_client_facing_msgids_in_plain_french(french):
    problems = []
    for msgid, where in sorted(client_msgids().items()):
        for msgstr in french.get(msgid, []):
            for pattern, advice in violations(msgstr):
                problems.append(f"{where}: {msgid!r} -> {msgstr!r}: /{pattern}/ -> {advice}")
    assert not problems, "\n".join(problems)


def test_file_sizes_are_ko_and_mo_and_the_first_of_the_month_is_1er():
    import datetime

    with translation.override("fr"):
        html = Template(
            "{% load portal_text %}{{ size|filesizeformat }} {{ big|filesizeformat }} {{ first|portal_date }} "
            "{{ other|portal_date }}"
        ).render(
            Context(
                {
                    "size": 2048,
                    "big": 3 * 1024 * 1024,
                    "first": datetime.date(2027, 1, 1),
                    "other": datetime.date(2019, 5, 14),
                }
            )
        )
    html = html.replace("\xa0", " ")
    assert "2,0 Ko" in html and "3,0 Mo" in html and "Kio" not in html
    assert "1er janvier 2027" in html and "14 mai 2019" in html


@pytest.mark.parametrize(
    "label, expected",
    [
        ("Filtre planté de roseaux 5 EH", "Filtre planté de roseaux pour 5 personnes (5 EH)"),
        ("Jardin d'assainissement 10EH", "Jardin d'assainissement pour 10 personnes (10 EH)"),
        ("Filtre compact", "Filtre compact"),
    ],
)
def test_capacity_is_written_for_people(label, expected):
    html = Template("{% load portal_text %}{{ label|capacity }}").render(Context({"label": label}))
    assert html.replace("&#x27;", "'") == expected
