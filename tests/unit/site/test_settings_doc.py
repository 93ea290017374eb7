"""docs/settings.md documents every setting of aquatiris_portal/conf.py, with
conf.py's default and type, and its table of renamed settings is
conf.RENAMED_SETTINGS: a setting added to conf.py without its row, a row
left behind, or a default changed in one place only fails here."""

import ast
import re
from pathlib import Path

from aquatiris_portal import conf

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "settings.md"
ROW = re.compile(r"^\| `AQUATIRIS_PORTAL_(\w+)` \| `(.*?)` \| ([^|]+) \|", re.M)
RENAMED_ROW = re.compile(r"^\| `AQUATIRIS_PORTAL_(\w+)` \| `AQUATIRIS_PORTAL_(\w+)` \| ([\d.]+) \|$", re.M)
# Words the type column may use for the default's type (a tuple default is read as a list of ...).
TYPE_NAMES = {
    type(None): {"None"},
    bool: {"bool"},
    int: {"int"},
    float: {"float"},
    str: {"str"},
    dict: {"dict"},
    tuple: {"list", "tuple"},
    list: {"list"},
}


def documented():
    rows = ROW.findall(DOC.read_text(encoding="utf-8"))
    names = [name for name, _default, _type in rows]
    assert len(names) == len(set(names)), "a setting has two rows in docs/settings.md"
    return {name: (default, kind.strip()) for name, default, kind in rows}


def test_every_setting_of_conf_py_is_documented_and_nothing_else():
    names = set(documented())
    assert sorted(set(conf.DEFAULTS) - names) == [], "settings of conf.py missing from docs/settings.md"
    assert sorted(names - set(conf.DEFAULTS)) == [], "docs/settings.md documents settings conf.py does not have"


def test_each_documented_default_and_type_is_conf_py_s():
    for name, (default, kind) in documented().items():
        assert ast.literal_eval(default) == conf.DEFAULTS[name], f"{name}: the doc says {default}"
        expected = TYPE_NAMES[type(conf.DEFAULTS[name])]
        assert expected & set(kind.split()), f"{name}: the type column says {kind!r}, the default is a {expected}"


def test_the_renamed_settings_table_is_conf_s():
    text = DOC.read_text(encoding="utf-8")
    table = {old: (new, version) for old, new, version in RENAMED_ROW.findall(text)}
    assert table == {old: (new, warning.removed_in) for old, (new, warning) in conf.RENAMED_SETTINGS.items()}


def test_the_package_reads_no_setting_of_its_own_that_conf_py_lacks():
    """A module reading AQUATIRIS_PORTAL_<NAME> straight from settings would
    escape the table above (and the renaming path)."""
    named = set()
    for path in (ROOT / "aquatiris_portal").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        named |= set(re.findall(r"AQUATIRIS_PORTAL_([A-Z][A-Z0-9_]*[A-Z0-9])\b", path.read_text(encoding="utf-8")))
    assert sorted(named - set(conf.DEFAULTS) - set(conf.RENAMED_SETTINGS)) == []
