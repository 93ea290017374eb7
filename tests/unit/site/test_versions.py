"""The supported versions are written once, in setup.cfg's bounds, and
everything else agrees with them: the classifiers, the compatibility matrix
of CHANGELOG.md and README.md, the oldest pair CI installs
(scripts/oldest_constraints.py), and no script pins the newest pair (CI
takes the newest release the bounds allow, a Wagtail 8.1 included)."""

import configparser
import re
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[3]


def _setup():
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    return parser


def _bounds(name):
    """(lower, upper) Versions of an install_requires line (upper None if open)."""
    for line in _setup()["options"]["install_requires"].strip().splitlines():
        requirement = Requirement(line.strip())
        if requirement.name.lower() == name:
            lower = [Version(spec.version) for spec in requirement.specifier if spec.operator == ">="]
            upper = [Version(spec.version) for spec in requirement.specifier if spec.operator == "<"]
            return lower[0], (upper[0] if upper else None)
    raise AssertionError(f"{name} is not in install_requires")


def _classifiers(prefix):
    found = []
    for line in _setup()["metadata"]["classifiers"].strip().splitlines():
        if line.strip().startswith(prefix + " :: "):
            found.append(Version(line.strip()[len(prefix) + 4 :]))
    return sorted(found)


def _matrix():
    """Django, Wagtail and Python as the classifiers say them, in the
    matrix's words: "3.11 – 3.13", "5.2 LTS, 6.0, 6.1", "7.4 LTS, 8.x"."""
    python = _classifiers("Programming Language :: Python")
    python = [version for version in python if version.release[1:]]  # not the bare "3"
    django_lower, _ = _bounds("django")
    wagtail_lower, _ = _bounds("wagtail")
    django = ", ".join(f"{v} LTS" if v == django_lower else str(v) for v in _classifiers("Framework :: Django"))
    wagtail = ", ".join(
        f"{wagtail_lower} LTS" if v.major == wagtail_lower.major else f"{v.major}.x"
        for v in _classifiers("Framework :: Wagtail")
    )
    return f"{python[0]} – {python[-1]}", django, wagtail


def test_django_classifiers_are_every_feature_release_within_the_bounds():
    lower, upper = _bounds("django")
    listed = _classifiers("Framework :: Django")
    assert listed[0] == lower, "the oldest Django classifier is the lower bound"
    assert listed[-1] < upper
    # The bound excludes the next feature release, so the last one listed is the one before it.
    assert upper.minor > 0 and listed[-1] == Version(f"{upper.major}.{upper.minor - 1}")
    for earlier, later in zip(listed, listed[1:], strict=False):
        assert (
            later.major == earlier.major
            and later.minor == earlier.minor + 1
            or (later.major == earlier.major + 1 and later.minor == 0)
        ), (earlier, later)


def test_wagtail_classifiers_are_every_major_within_the_bounds():
    lower, upper = _bounds("wagtail")
    majors = [version.major for version in _classifiers("Framework :: Wagtail")]
    assert upper is not None and upper.release[1:] in ((), (0,)), "the bound is a whole major: wagtail<9"
    assert majors == list(range(lower.major, upper.major))


def test_python_classifiers_start_at_python_requires_and_leave_no_gap():
    lower = Version(_setup()["options"]["python_requires"].strip().removeprefix(">="))
    minors = [version for version in _classifiers("Programming Language :: Python") if version.release[1:]]
    assert minors[0] == lower
    assert [version.minor for version in minors] == list(range(minors[0].minor, minors[-1].minor + 1))


def test_the_changelog_and_the_readme_show_the_matrix_of_setup_cfg():
    python, django, wagtail = _matrix()
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    [unreleased] = re.findall(r"^\| [\d.]+ \(unreleased\) \| (.*?) \| (.*?) \| (.*?) \|$", changelog, re.M)
    assert unreleased == (python, django, wagtail)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"Python {python} · Django {django} · Wagtail {wagtail}" in readme


def test_ci_installs_the_oldest_pair_and_pins_no_newest_one():
    import importlib.util

    spec = importlib.util.spec_from_file_location("oldest_constraints", ROOT / "scripts" / "oldest_constraints.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    constraints = module.constraints()
    assert f"Django=={_bounds('django')[0]}.*" in constraints
    assert f"wagtail=={_bounds('wagtail')[0]}.*" in constraints
    assert "3, 11" in (ROOT / "scripts" / "bootstrap-oldest.sh").read_text(encoding="utf-8")
    for path in ("scripts/bootstrap.sh", "Makefile", ".ci/run"):
        text = (ROOT / path).read_text(encoding="utf-8")
        assert not re.search(r"(?i)\b(django|wagtail)\s*(==|~=|<=)", text), f"{path} pins a version"
    assert "--upgrade-strategy eager" in (ROOT / "scripts" / "bootstrap.sh").read_text(encoding="utf-8")
