"""The wiring is one table: record handlers come through a Wagtail hook
registered in wagtail_hooks.py, and the record types of the exchange
format are written once (sync/record_types.py)."""

import ast
import uuid
from pathlib import Path

import pytest
from wagtail import hooks

import aquatiris_portal
from aquatiris_portal.enquiries.imports import apply_messages
from aquatiris_portal.sync import mapping, staging, validation
from aquatiris_portal.sync.importer import import_source
from aquatiris_portal.sync.record_types import APPLIED_ELSEWHERE, RECORD_TYPES
from tests.exports import write_export

PACKAGE = Path(aquatiris_portal.__file__).parent
MESSAGE = {
    "type": "message",
    "id": "M-1",
    "request": str(uuid.UUID(int=7)),
    "author": {"role": "franchisee", "name": "Luc Martin"},
    "body": "Je passe jeudi.",
    "sent_at": "2026-12-02T09:00:00Z",
}


def test_the_message_handler_is_registered_through_the_hook():
    assert mapping.handler_for("message") is apply_messages
    assert mapping.handler_for("no-such-type") is None


@pytest.mark.django_db
def test_a_record_handler_registered_through_the_hook_is_used_by_the_importer(tmp_path):
    seen = []

    def handler(items, batch):
        seen.extend(item.rid for item in items)
        for item in items:
            batch.applied("message", item.rid)

    write_export(tmp_path, 1, [MESSAGE])
    with hooks.register_temporarily(mapping.HANDLER_HOOK, lambda: {"message": handler}):
        run = import_source(tmp_path).runs[0]
    assert run.state == run.State.SUCCEEDED, run.error
    assert seen == ["M-1"]  # the hook's handler, not the one wagtail_hooks.py registers


def test_apps_ready_registers_no_record_handler():
    source = (PACKAGE / "apps.py").read_text()
    assert "register_handler" not in source and "apply_messages" not in source


def test_the_record_types_are_written_once():
    assert staging.PHASES is RECORD_TYPES
    assert validation.TYPES is RECORD_TYPES
    assert set(mapping.TYPES) | set(APPLIED_ELSEWHERE) | {"delete"} == set(RECORD_TYPES)
    schema = validation.schema()
    assert set(schema["properties"]["type"]["enum"]) == set(RECORD_TYPES)
    # What a ``delete`` may name: the types the sync stores as rows.
    assert set(schema["$defs"]["delete"]["properties"]["of"]["enum"]) == set(mapping.MODELS)


def _string_tuples(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            strings = {
                element.value
                for element in node.elts
                if isinstance(element, ast.Constant) and isinstance(element.value, str)
            }
            yield node.lineno, strings


def test_no_other_module_lists_the_record_types():
    """A tuple, list or set naming the record types anywhere but record_types.py
    is a second list that would drift."""
    core = {"franchisee", "spanc", "client", "installation", "document"}
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "record_types.py" or "migrations" in path.parts:
            continue
        for lineno, strings in _string_tuples(ast.parse(path.read_text(), str(path))):
            if core <= strings:
                found.append(f"{path.relative_to(PACKAGE)}:{lineno}")
    assert found == []
