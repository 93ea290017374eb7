"""The record types of the exchange format, written once.

In the order an export is applied (a record may name one of an earlier
type; deletions last): the staging phases, the validation's known types,
the importer's phases. ``schema.json`` (the format's reference for the
internal system) lists the same names: a unit test compares them.
"""

RECORD_TYPES = ("franchisee", "spanc", "client", "installation", "document", "visit", "message", "delete")
# Types whose records a room where people act applies, through the hook
# ``register_portal_record_handler`` (wagtail_hooks.py; sync/mapping.py reads it).
APPLIED_ELSEWHERE = ("message",)
