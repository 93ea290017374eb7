"""docs/extending.md lists every seam the code has: each Wagtail hook the
package asks (hooks.get_hooks) or registers (hooks.register), each
`*_template_name` attribute of the space pages and each signal the package
defines. A hook added to the code without its row, or a row naming a hook
the code no longer uses, fails here."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "aquatiris_portal"
DOC = ROOT / "docs" / "extending.md"


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _string_constants():
    """Module-level NAME = "text" of the whole package (hook names are kept
    in constants such as LANDING_URL_HOOK)."""
    found = {}
    for _path, tree in _modules():
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                found.setdefault(node.targets[0].id, set()).add(node.value.value)
    return found


def _hook_calls(method):
    """Hook names given as the first argument of hooks.<method>(...)."""
    constants = _string_constants()
    names = set()
    for path, tree in _modules():
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == method
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "hooks"
                and node.args
            ):
                continue
            argument = node.args[0]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                names.add(argument.value)
            elif isinstance(argument, ast.Name) and len(constants.get(argument.id, ())) == 1:
                names |= constants[argument.id]
            elif isinstance(argument, ast.Attribute) and len(constants.get(argument.attr, ())) == 1:
                names |= constants[argument.attr]
            else:
                raise AssertionError(f"{path}:{node.lineno}: a hook name this test cannot read")
    return names


def _table(heading):
    """First cells (in backticks) of the table under `## heading`."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([^`]+)` \|", section, re.M))


def test_every_hook_the_package_asks_is_documented_and_nothing_else():
    asked = _hook_calls("get_hooks")
    assert asked, "the test finds no hooks.get_hooks() call: it reads the code wrongly"
    assert _table("Hooks the portal asks") == asked


def test_every_hook_the_package_registers_is_documented_and_nothing_else():
    registered = _hook_calls("register")
    assert "register_admin_viewset" in registered, "the test reads the code wrongly"
    assert _table("Wagtail hooks the package registers") == registered


def test_every_template_attribute_of_the_space_pages_is_documented():
    text = DOC.read_text(encoding="utf-8")
    attributes = set()
    for path in (PACKAGE / "pages").glob("*.py"):
        attributes |= set(re.findall(r"^    (\w+_template_name) = ", path.read_text(encoding="utf-8"), re.M))
    assert attributes
    assert sorted(name for name in attributes if f"`{name}`" not in text) == []


def test_every_signal_the_package_defines_is_documented():
    text = DOC.read_text(encoding="utf-8")
    signals = set()
    for path, tree in _modules():
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and getattr(node.value.func, "id", getattr(node.value.func, "attr", "")) == "Signal"
            ):
                signals |= {f"{module}.{target.id}" for target in node.targets}
    assert signals
    assert sorted(name for name in signals if f"`{name}`" not in text) == []
