"""Checks of one line of records.jsonl that need nothing but the line:
JSON, record type, the JSON Schema (``schema.json``), dates and emails.

``check_line`` returns a ``Checked`` record or raises ``Rejected`` with a
reason a person understands (English msgid, translated when stored).
"""

import datetime
import json
import re
from functools import lru_cache
from importlib import resources

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

TYPES = ("franchisee", "spanc", "client", "installation", "document", "delete")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_email_validator = EmailValidator()


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


@lru_cache(maxsize=None)
def validator_for(name):
    """A validator of one ``$defs`` entry (a record type or the manifest).

    Validating against the type's definition gives the same verdict as the
    whole schema (whose ``allOf`` dispatches on ``type``) and is faster."""
    from jsonschema import Draft202012Validator

    full = schema()
    return Draft202012Validator({"$ref": f"#/$defs/{name}", "$defs": full["$defs"]})


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
            "field": field, "value": error.instance, "allowed": allowed,
        }
    if error.validator == "type":
        return _("Field “%(field)s” has the wrong type (expected %(expected)s).") % {
            "field": field, "expected": error.validator_value if isinstance(error.validator_value, str)
            else " or ".join(error.validator_value),
        }
    return _("Field “%(field)s” is invalid: %(message)s") % {"field": field, "message": error.message}


def parse_date(value, field):
    if value in (None, ""):
        return None
    try:
        if not _DATE.match(value):
            raise ValueError
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise Rejected(_("Field “%(field)s” is not a date in the form YYYY-MM-DD: “%(value)s”.")
                       % {"field": field, "value": value})


def check_email(value, required=True):
    value = (value or "").strip().lower()
    if not value and not required:
        return ""
    try:
        _email_validator(value)
    except ValidationError:
        raise Rejected(_("Field “email” is not a valid email address: “%(value)s”.") % {"value": value})
    return value


def check_line(raw):
    """Parse and check one raw line (bytes or str). Returns the record dict,
    with dates and emails normalised. Raises Rejected."""
    try:
        record = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise Rejected(_("The line is not valid JSON (%(error)s).") % {"error": error})
    if not isinstance(record, dict):
        raise Rejected(_("The line is not a JSON object."))
    record_type = record.get("type")
    record_id = record.get("id") if isinstance(record.get("id"), str) else ""
    if record_type is None:
        raise Rejected(_("Missing field “%(field)s”.") % {"field": "type"}, "", record_id)
    if record_type not in TYPES:
        raise Rejected(
            _("Unknown record type “%(type)s”. Known types: %(types)s.") % {"type": record_type, "types": ", ".join(TYPES)},
            str(record_type)[:40], record_id,
        )
    errors = sorted(validator_for(record_type).iter_errors(record), key=lambda e: (e.validator != "required", e.path))
    if errors:
        raise Rejected(_schema_reason(errors[0]), record_type, record_id)
    try:
        if record_type in ("client", "spanc"):
            record["email"] = check_email(record["email"])
        elif record_type == "franchisee":
            record["email"] = check_email(record.get("email"), required=False)
        elif record_type == "installation":
            record["installed_on"] = parse_date(record.get("installed_on"), "installed_on")
        elif record_type == "document":
            record["issued_on"] = parse_date(record.get("issued_on"), "issued_on")
            if record.get("file"):
                sha = record.get("sha256")
                if not sha:
                    raise Rejected(_("Missing field “%(field)s”.") % {"field": "sha256"})
                if not _SHA256.match(sha.lower()):
                    raise Rejected(_("Field “sha256” must be 64 hexadecimal characters, not “%(value)s”.")
                                   % {"value": sha})
                record["sha256"] = sha.lower()
    except Rejected as rejected:
        raise Rejected(rejected.reason, record_type, record_id)
    return record
