"""Checks of one line of records.jsonl that need nothing but the line:
JSON, record type, the JSON Schema (``schema.json``), dates and emails.

``check_line`` returns a ``Checked`` record or raises ``Rejected`` with a
reason a person understands (English msgid, translated when stored).
"""

import datetime
import json
import re
from functools import cache, lru_cache
from importlib import resources

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

from ..records.emails import MAX_LENGTH as EMAIL_MAX_LENGTH
from ..records.emails import canonical_email_or_none, normalise_email
from ..records.serials import canonical_serial
from .record_types import RECORD_TYPES

TYPES = RECORD_TYPES
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The plain ASCII addresses of most records, which ``canonical_email`` would
# give back lower-cased (a subset of what Django's validator accepts: the
# validator costs ~10 µs an address). Explicit ranges, no IGNORECASE: that
# would let the Kelvin sign or the long s match [a-z].
_PLAIN_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PLAIN_EMAIL = re.compile(rf"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@(?:{_PLAIN_LABEL}\.)+[A-Za-z]{{2,63}}")

try:  # a few times faster than the json module on the lines of a big export
    from orjson import loads as parse_json
except ImportError:  # pragma: no cover
    parse_json = json.loads


class Rejected(Exception):
    def __init__(self, reason, record_type="", record_id=""):
        super().__init__(reason)
        self.reason = reason
        self.record_type = record_type if isinstance(record_type, str) else ""
        self.record_id = record_id if isinstance(record_id, str) else ""


@lru_cache(maxsize=1)
def schema():
    """The JSON Schema of the exchange format, shipped in the package."""
    return json.loads(resources.files("aquatiris_portal.sync").joinpath("schema.json").read_text("utf-8"))


@cache
def validator_for(name):
    """A validator of one ``$defs`` entry (a record type or the manifest).

    Validating against the type's definition gives the same verdict as the
    whole schema (whose ``allOf`` dispatches on ``type``) and is faster."""
    definitions = schema()["$defs"]

    def inline(node):
        # Local "$ref"s replaced by what they point at: resolving references
        # on every record costs more than the checks themselves.
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/") and len(node) == 1:
                return inline(definitions[ref.rsplit("/", 1)[1]])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(value) for value in node]
        return node

    return Draft202012Validator(inline(definitions[name]))


# A fast verdict for the many valid records: each record type's schema
# compiled once into the source of one Python function of plain checks (no
# call per keyword: this runs on every line of an export). The schema stays
# the only rule: a record the compiled check refuses is validated by
# jsonschema for its message, and a keyword the compiler does not know makes
# it defer to jsonschema for the whole type.
_IGNORED = {"$schema", "$id", "title", "description", "format", "$comment"}
_PYTYPES = {"string": "str", "null": "NoneType", "object": "dict", "array": "list", "boolean": "bool"}


class _Unsupported(Exception):
    pass


class _Source:
    """The lines of the generated function, and fresh variable names."""

    def __init__(self):
        self.lines, self.constants, self.names = [], {}, 0

    def fresh(self):
        self.names += 1
        return f"v{self.names}"

    def constant(self, value):
        name = f"C{len(self.constants)}"
        self.constants[name] = value
        return name

    def refuse_if(self, condition, indent):
        self.lines.append(f"{'    ' * indent}if {condition}:")
        self.lines.append(f"{'    ' * (indent + 1)}return False")


def _type_condition(names, var):
    """A Python expression true when ``var`` is of one of the JSON types ``names``."""
    tests = []
    # By exact class (what a JSON parser gives; cheaper than isinstance): a
    # subclass is refused here and jsonschema decides, as for any refusal.
    for name in names:
        pytype = _PYTYPES.get(name)
        if pytype == "NoneType":
            tests.append(f"{var} is None")
        elif pytype == "bool":
            tests.append(f"{var} is True or {var} is False")
        elif pytype is not None:
            tests.append(f"{var}.__class__ is {pytype}")
    if "integer" in names:
        tests.append(
            f"((isinstance({var}, int) and not isinstance({var}, bool)) "
            f"or (isinstance({var}, float) and {var}.is_integer()))"
        )
    if "number" in names:
        tests.append(f"(isinstance({var}, (int, float)) and not isinstance({var}, bool))")
    if not set(names) <= {*_PYTYPES, "integer", "number"}:
        raise _Unsupported(f"type {names}")
    return " or ".join(tests)


def _emit(node, var, src, indent):
    """Lines that return False when ``var`` does not satisfy ``node``."""
    if not isinstance(node, dict):
        raise _Unsupported(node)
    names = node.get("type")
    names = [names] if isinstance(names, str) else names
    if names is not None:
        src.refuse_if(f"not ({_type_condition(names, var)})", indent)

    def only(json_type, pytype):
        # The keyword applies to values of one type: no test when the type
        # check above leaves no other.
        return "" if names == [json_type] else f"isinstance({var}, {pytype}) and "

    # Required keys first: below, the properties known present are read by
    # subscript, without a test of presence.
    required = node.get("required", [])
    if not isinstance(required, list):
        raise _Unsupported("required")
    missing = " or ".join(f"{key!r} not in {var}" for key in required)
    if missing:
        src.refuse_if(f"{only('object', 'dict')}({missing})", indent)
    present = set(required) if names == ["object"] else set()
    for keyword, value in node.items():
        if keyword in _IGNORED or keyword in ("type", "required"):
            continue
        if keyword == "properties":
            if names != ["object"]:
                src.lines.append(f"{'    ' * indent}if isinstance({var}, dict):")
                indent += 1
            for name, sub in value.items():
                item = src.fresh()
                if name in present:
                    src.lines.append(f"{'    ' * indent}{item} = {var}[{name!r}]")
                    _emit(sub, item, src, indent)
                    continue
                src.lines.append(f"{'    ' * indent}{item} = {var}.get({name!r}, MISSING)")
                src.lines.append(f"{'    ' * indent}if {item} is not MISSING:")
                before = len(src.lines)
                _emit(sub, item, src, indent + 1)
                if len(src.lines) == before:
                    del src.lines[-2:]
            if names != ["object"]:
                indent -= 1
                if src.lines[-1].endswith("if isinstance(" + var + ", dict):"):
                    src.lines.pop()
        elif keyword == "enum":
            strings = [item for item in value if isinstance(item, str)]
            if len(strings) + (None in value) != len(value):
                raise _Unsupported(keyword)
            allowed = f"(isinstance({var}, str) and {var} in {src.constant(frozenset(strings))})"
            if None in value:
                allowed = f"({var} is None or {allowed})"
            src.refuse_if(f"not {allowed}", indent)
        elif keyword == "const" and isinstance(value, str):
            src.refuse_if(f"not (isinstance({var}, str) and {var} == {value!r})", indent)
        elif keyword == "minLength" and isinstance(value, int):
            src.refuse_if(f"{only('string', 'str')}len({var}) < {value}", indent)
        elif keyword == "maxLength" and isinstance(value, int):
            src.refuse_if(f"{only('string', 'str')}len({var}) > {value}", indent)
        elif keyword == "maxItems" and isinstance(value, int):
            src.refuse_if(f"{only('array', 'list')}len({var}) > {value}", indent)
        elif keyword == "minimum" and isinstance(value, (int, float)) and not isinstance(value, bool):
            src.refuse_if(
                f"isinstance({var}, (int, float)) and not isinstance({var}, bool) and {var} < {value!r}", indent
            )
        elif keyword == "items":
            item = src.fresh()
            guard = only("array", "list")
            if guard:
                src.lines.append(f"{'    ' * indent}if isinstance({var}, list):")
                indent += 1
            src.lines.append(f"{'    ' * indent}for {item} in {var}:")
            before = len(src.lines)
            _emit(value, item, src, indent + 1)
            if len(src.lines) == before:
                src.lines.append(f"{'    ' * (indent + 1)}pass")
            if guard:
                indent -= 1
        elif keyword == "uniqueItems" and isinstance(value, bool):
            continue  # below, once the items are checked
        else:
            raise _Unsupported(keyword)
    if node.get("uniqueItems") is True:
        items = node.get("items", {})
        if items.get("type") == "string" or (
            "enum" in items and all(isinstance(item, str) for item in items["enum"])
        ):  # the items were checked to be strings: a set compares them
            src.refuse_if(f"{only('array', 'list')}len(set({var})) != len({var})", indent)
        else:  # any other list: jsonschema decides
            src.refuse_if(f"isinstance({var}, list)", indent)


def compile_check(node, name="check"):
    """``node`` (a JSON Schema without ``$ref``) as the Python function
    ``check(value) -> bool``: True only if jsonschema finds ``value`` valid.
    Raises _Unsupported for a keyword it does not know."""
    src = _Source()
    _emit(node, "record", src, 1)
    body = "\n".join(src.lines) or "    pass"
    code = f"def {name}(record):\n{body}\n    return True\n"
    namespace = {"MISSING": object(), "NoneType": type(None), **src.constants}
    exec(compile(code, f"<schema check {name}>", "exec"), namespace)  # noqa: S102  from our shipped schema.json only; names and texts spelled with repr
    function = namespace[name]
    function.source = code
    return function


@cache
def fast_check_for(name):
    """A compiled ``is_valid`` of one record type, or None if the schema uses
    keywords the compiler does not know (then jsonschema alone decides)."""
    validator = validator_for(name)
    try:
        return compile_check(validator.schema, f"check_{name}")
    except (_Unsupported, KeyError):
        return None


def schema_errors(record_type, record):
    fast = fast_check_for(record_type)
    if fast is not None and fast(record):
        return []
    return sorted(validator_for(record_type).iter_errors(record), key=lambda e: (e.validator != "required", e.path))


def manifest_errors(manifest):
    return [error.message for error in validator_for("manifest").iter_errors(manifest)]


def _field_path(error):
    path = ".".join(str(part) for part in error.absolute_path)
    return path


def _schema_reason(error):
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        prefix = _field_path(error)
        field = f"{prefix}.{missing}" if prefix else missing
        return _("Missing field “%(field)s”.") % {"field": field}
    field = _field_path(error) or "record"
    if error.validator == "enum":
        allowed = ", ".join(str(value) for value in error.validator_value)
        return _("Field “%(field)s” has the value “%(value)s”, which is not one of: %(allowed)s.") % {
            "field": field,
            "value": error.instance,
            "allowed": allowed,
        }
    if error.validator == "type":
        return _("Field “%(field)s” has the wrong type (expected %(expected)s).") % {
            "field": field,
            "expected": error.validator_value
            if isinstance(error.validator_value, str)
            else " or ".join(error.validator_value),
        }
    if error.validator == "maxLength":
        return _("Field “%(field)s” is longer than %(limit)s characters.") % {
            "field": field,
            "limit": error.validator_value,
        }
    return _("Field “%(field)s” is invalid: %(message)s") % {"field": field, "message": error.message}


def _has_nul(value):
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def parse_date(value, field):
    if value in (None, ""):
        return None
    try:
        if not _DATE.match(value):
            raise ValueError
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise Rejected(
            _("Field “%(field)s” is not a date in the form YYYY-MM-DD: “%(value)s”.") % {"field": field, "value": value}
        ) from None


def check_email(value, required=True):
    """The canonical address (records.emails), "" for none if not required.
    What canonical_email refuses is refused here too, even when Django's
    validator would take it: its ``IGNORECASE`` lets "ıris@example.org"
    (dotless ı) through, a look-alike no one could activate with."""
    if value.__class__ is str and len(value) <= EMAIL_MAX_LENGTH and _PLAIN_EMAIL.fullmatch(value):
        return value.lower()
    canonical = canonical_email_or_none(value)
    if canonical or (canonical == "" and not required):
        return canonical
    raise Rejected(_("Field “email” is not a valid email address: “%(value)s”.") % {"value": normalise_email(value)})


def staging_key(raw):
    """(record type, id) of one raw line, from the checks staging needs
    (JSON, known type, id, the ``of`` of a delete); the rest of the rules are
    checked by ``check_line`` when the line is applied, and not at all for a
    line the portal already holds unchanged. A line these checks refuse
    raises Rejected with the reason ``check_line`` gives."""
    try:
        record = parse_json(raw)
    except (ValueError, UnicodeDecodeError):
        record = None
    if isinstance(record, dict):
        record_type, record_id = record.get("type"), record.get("id")
        if record_type in TYPES and isinstance(record_id, str) and record_id:
            if record_type != "delete":
                return record_type, record_id
            if record.get("of") in TYPES and record["of"] != "delete":
                return record_type, f"{record['of']}:{record_id}"
    record = check_line(raw)  # raises Rejected with the reason
    if record["type"] == "delete":
        return "delete", f"{record['of']}:{record['id']}"
    return record["type"], record["id"]


def check_line(raw):
    """Parse and check one raw line (bytes or str). Returns the record dict,
    with dates and emails normalised. Raises Rejected."""
    try:
        record = parse_json(raw)
    except (ValueError, UnicodeDecodeError) as error:
        if isinstance(raw, (bytes, bytearray)):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as bad:
                raise Rejected(
                    _("The line is not valid UTF-8 text (byte %(position)s): the file must be written in UTF-8.")
                    % {"position": bad.start + 1}
                ) from bad
        raise Rejected(_("The line is not valid JSON (%(error)s).") % {"error": error}) from error
    if not isinstance(record, dict):
        raise Rejected(_("The line is not a JSON object."))
    if (b"\\u0000" if isinstance(raw, (bytes, bytearray)) else "\\u0000") in raw and _has_nul(record):
        raise Rejected(
            _("The line contains a NUL character (\\u0000), which the portal cannot store."),
            str(record.get("type", ""))[:40],
            record.get("id") if isinstance(record.get("id"), str) else "",
        )
    record_type = record.get("type")
    record_id = record.get("id") if isinstance(record.get("id"), str) else ""
    if record_type is None:
        raise Rejected(_("Missing field “%(field)s”.") % {"field": "type"}, "", record_id)
    if record_type not in TYPES:
        raise Rejected(
            _("Unknown record type “%(type)s”. Known types: %(types)s.")
            % {"type": record_type, "types": ", ".join(TYPES)},
            str(record_type)[:40],
            record_id,
        )
    errors = schema_errors(record_type, record)
    if errors:
        raise Rejected(_schema_reason(errors[0]), record_type, record_id)
    try:
        if record_type in ("client", "spanc"):
            record["email"] = check_email(record["email"])
        elif record_type == "franchisee":
            record["email"] = check_email(record.get("email"), required=False)
        elif record_type == "installation":
            record["installed_on"] = parse_date(record.get("installed_on"), "installed_on")
            if record.get("serial_number"):  # stored as the warranty form compares it
                record["serial_number"] = canonical_serial(record["serial_number"])
            contract = record.get("maintenance_contract")
            if contract:
                contract["until"] = parse_date(contract.get("until"), "maintenance_contract.until")
        elif record_type == "visit":
            for name in ("planned_for", "done_on"):
                record[name] = parse_date(record.get(name), name)
            if not record["planned_for"] and not record["done_on"]:
                raise Rejected(_("A visit needs “planned_for” or “done_on”."))
        elif record_type == "document":
            record["issued_on"] = parse_date(record.get("issued_on"), "issued_on")
            if record.get("file"):
                sha = record.get("sha256")
                if not sha:
                    raise Rejected(_("Missing field “%(field)s”.") % {"field": "sha256"})
                if not _SHA256.match(sha.lower()):
                    raise Rejected(
                        _("Field “sha256” must be 64 hexadecimal characters, not “%(value)s”.") % {"value": sha}
                    )
                record["sha256"] = sha.lower()
        elif record_type == "message":
            record["sent_at"] = parse_datetime(record["sent_at"], "sent_at")
            for attachment in record.get("attachments") or []:
                if not _SHA256.match(attachment["sha256"].lower()):
                    raise Rejected(
                        _("Field “sha256” must be 64 hexadecimal characters, not “%(value)s”.")
                        % {"value": attachment["sha256"]}
                    )
                attachment["sha256"] = attachment["sha256"].lower()
    except Rejected as rejected:
        raise Rejected(rejected.reason, record_type, record_id) from rejected
    return record


def parse_datetime(value, field):
    """An aware datetime from ISO 8601 with its offset (``Z`` or ``+01:00``)."""
    try:
        parsed = datetime.datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError
        return parsed
    except (TypeError, ValueError):
        raise Rejected(
            _("Field “%(field)s” is not a date and time with its offset (e.g. 2026-12-02T09:00:00Z): “%(value)s”.")
            % {"field": field, "value": value}
        ) from None
