"""The glossary of docs/architecture.md names code that exists: every
dotted name (`records.models.Client`, `PortalRequest.Kind.AFTER_SALES`,
`Client.code_key`) in its "in the code" column resolves in the package, so
a rename that forgets the glossary fails here."""

import importlib
import re
from pathlib import Path

import aquatiris_portal.models

ROOT = Path(__file__).resolve().parents[3]
DOTTED = re.compile(r"^[A-Za-z_]\w*(\.\w+)+$")


def glossary_names():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("\n## Glossary\n", 1)[1].split("\n## ", 1)[0]
    names = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and not set(cells[2]) <= {"-"}:
            names += [name for name in re.findall(r"`([^`]+)`", cells[2]) if DOTTED.match(name)]
    return names


def resolve(name, namespace):
    """A module path of the package followed by attributes, or a class of
    the package's models (or of a module named elsewhere in the glossary)
    followed by attributes."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target = importlib.import_module("aquatiris_portal." + ".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        rest = parts[cut:]
        break
    else:
        target, rest = namespace[parts[0]], parts[1:]
    for attribute in rest:
        target = getattr(target, attribute)
    return target


def test_every_code_name_of_the_glossary_exists():
    names = glossary_names()
    assert len(names) > 30, "the test reads the glossary wrongly"
    namespace = dict(vars(aquatiris_portal.models))
    for name in names:  # modules first: their classes join the namespace
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                module = importlib.import_module("aquatiris_portal." + ".".join(parts[:cut]))
            except ModuleNotFoundError:
                continue
            namespace.update({key: value for key, value in vars(module).items() if key[:1].isupper()})
            break
    missing = []
    for name in names:
        try:
            resolve(name, namespace)
        except (KeyError, AttributeError):
            missing.append(name)
    assert missing == []
