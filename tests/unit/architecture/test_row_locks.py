"""Row locks that PostgreSQL accepts.

``select_for_update()`` joined to a nullable relation by ``select_related``
is refused by PostgreSQL ("FOR UPDATE cannot be applied to the nullable side
of an outer join"), and SQLite, which the unit tests run on, ignores FOR
UPDATE: every visit reminder failed in production that way while the unit
suite was green. So any queryset chain of the package that both locks and
joins must say which rows it locks (``of=("self",)``)."""

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parents[3] / "aquatiris_portal"


def _chain_methods(node):
    """The method names called along one chained expression, outermost first."""
    names = []
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        names.append((node.func.attr, node))
        node = node.func.value
    return names


def unsafe_locks(source, filename="<source>"):
    """Lines where a chain calls select_for_update without ``of`` and select_related."""
    found = []
    seen = set()
    for node in ast.walk(ast.parse(source, filename)):
        chain = _chain_methods(node)
        if not chain or id(node) in seen:
            continue
        seen.update(id(call) for _name, call in chain)
        locks = [call for name, call in chain if name == "select_for_update"]
        joins = any(name == "select_related" for name, _call in chain)
        for call in locks:
            if joins and not any(keyword.arg == "of" for keyword in call.keywords):
                found.append(f"{filename}:{call.lineno}")
    return found


def test_every_lock_with_a_join_names_the_rows_it_locks():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts:
            found += unsafe_locks(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE)))
    assert found == [], found


def test_the_check_sees_the_bug_it_is_for():
    assert unsafe_locks("Visit.objects.select_for_update().select_related('franchisee').get(pk=1)")
    assert unsafe_locks("Visit.objects.select_related('franchisee').select_for_update().get(pk=1)")
    assert not unsafe_locks("Visit.objects.select_for_update(of=('self',)).select_related('franchisee').get(pk=1)")
    assert not unsafe_locks("Visit.objects.select_for_update().get(pk=1)")
