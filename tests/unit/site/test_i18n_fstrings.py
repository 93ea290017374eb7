"""Every string the code translates is in the French catalogue, those
written inside an f-string too: makemessages (xgettext) does not read the
expressions of an f-string, so a ``gettext("…")`` there is dropped from
django.po at the next makemessages and the page shows it in English. The
code's calls are read with Python's own parser, which does."""

import ast
from pathlib import Path

import aquatiris_portal
from tests.unit.site.test_i18n import catalogue, parse_po  # noqa: F401  (fixture)

SINGULAR = {"_", "gettext", "gettext_lazy", "gettext_noop", "ugettext", "ugettext_lazy"}
PLURAL = {"ngettext", "ngettext_lazy"}
CONTEXT = {"pgettext", "pgettext_lazy"}
CONTEXT_PLURAL = {"npgettext", "npgettext_lazy"}


def _name(func):
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _literal(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def translated_in(tree):
    """(context, msgid, whether inside an f-string) of each translation call with literal arguments."""
    inside = {id(n) for f in ast.walk(tree) if isinstance(f, ast.JoinedStr) for n in ast.walk(f)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name, args = _name(node.func), [_literal(a) for a in node.args]
        if name in SINGULAR | PLURAL and args[0] is not None:
            yield "", args[0], id(node) in inside
        elif name in CONTEXT | CONTEXT_PLURAL and len(args) > 1 and None not in args[:2]:
            yield args[0], args[1], id(node) in inside


def translated_in_package():
    """(file, context, msgid, whether inside an f-string) of every translation call of the package's code."""
    package = Path(aquatiris_portal.__file__).parent
    for path in sorted(package.rglob("*.py")):
        if "migrations" not in path.parts:
            for context, msgid, in_fstring in translated_in(ast.parse(path.read_text(), str(path))):
                yield path.relative_to(package), context, msgid, in_fstring


def test_no_translation_call_hides_in_an_f_string():
    hidden = [f"{path}: {msgid!r}" for path, _context, msgid, in_fstring in translated_in_package() if in_fstring]
    assert not hidden, f"makemessages cannot see these (translate them before the f-string): {hidden}"


def test_every_string_the_code_translates_is_in_the_catalogue(catalogue):  # noqa: F811
    _header, entries = catalogue
    known = {(e["msgctxt"] or "", e["msgid"]) for e in entries}
    missing = [
        f"{path}: {msgid!r}" for path, context, msgid, _ in translated_in_package() if (context, msgid) not in known
    ]
    assert not missing, f"not in the French catalogue: {missing}"
