"""CHANGELOG.md keeps the Keep a Changelog format the release steps of
CONTRIBUTING.md rely on: an `## [Unreleased]` section first, then released
versions `## [X.Y.Z] - YYYY-MM-DD`, newest first, the one of setup.cfg
among them or about to be; change types only from the format's six; and a
compatibility row for the unreleased version and for each release."""

import configparser
import datetime
import re
from pathlib import Path

from packaging.version import Version

ROOT = Path(__file__).resolve().parents[3]
TYPES = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def text():
    return (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_unreleased_comes_first_then_dated_versions_newest_first():
    headings = re.findall(r"^## \[([^\]]+)\](.*)$", text(), re.M)
    assert headings[0] == ("Unreleased", "")
    versions = []
    for name, rest in headings[1:]:
        date = re.fullmatch(r" - (\d{4}-\d{2}-\d{2})", rest)
        assert date, f"{name}: a released version has ' - YYYY-MM-DD'"
        datetime.date.fromisoformat(date.group(1))
        versions.append(Version(name))
    assert versions == sorted(versions, reverse=True)
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    assert Version(parser["metadata"]["version"]) >= versions[0]


def test_change_types_are_the_formats_own():
    for section in re.split(r"^## ", text(), flags=re.M)[1:]:
        if section.startswith("["):
            assert set(re.findall(r"^### (.+)$", section, re.M)) <= TYPES, section.splitlines()[0]


def test_the_compatibility_matrix_has_the_unreleased_version_and_each_release():
    rows = re.findall(r"^\| ([\d.]+)( \(unreleased\))? \|", text(), re.M)
    released = {name for name, _rest in re.findall(r"^## \[(\d[^\]]*)\](.*)$", text(), re.M)}
    assert any(unreleased for _version, unreleased in rows)
    assert {".".join(name.split(".")[:2]) for name in released} <= {version for version, _u in rows}
