"""mypy's file list (pyproject.toml, run by `make lint`) covers the services
other rooms call, and every function in those files is annotated."""

import ast
import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[3]


def _checked_files():
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["tool"]["mypy"]["files"]


def test_the_invitations_service_is_type_checked():
    """« Personnes »' rules (invite, accept, remove) are called by the owner's and the staff's screens."""
    assert "aquatiris_portal/accounts/invitations.py" in _checked_files()


def test_every_function_of_a_checked_file_is_annotated():
    untyped = []
    for name in _checked_files():
        tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            arguments += [a for a in (node.args.vararg, node.args.kwarg) if a is not None]
            missing = [a.arg for a in arguments if a.annotation is None and a.arg not in ("self", "cls")]
            if node.returns is None or missing:
                untyped.append(f"{name}:{node.lineno} {node.name} {missing}")
    assert untyped == []
