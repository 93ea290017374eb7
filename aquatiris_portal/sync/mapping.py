"""How each record type of the exchange format becomes a row of its table.

``FIELDS`` is the one list of the columns each type sets (what the importer
writes, and compares to call a row unchanged); ``TYPES`` holds one entry per
type: its model, the records it refers to, and the small function that turns
a checked record into the values of ``FIELDS`` (``build(record, refs,
current)``). Deletes have their own rules (``delete_records``).
"""

import datetime
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, partial
from operator import itemgetter

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail import hooks

from ..records.codes import KEY_MAX_LENGTH, canonical_code
from ..records.models import (
    Client,
    DocumentSource,
    Franchisee,
    Installation,
    PortalDocument,
    Spanc,
    refresh_folder_columns,
)
from ..records.names import folder_columns
from ..records.signals import email_changed
from ..records.themes import DocumentTheme, theme_for
from ..records.visits import Visit, refresh_last_maintenance
from .installation_moves import moved_installations, tell_sellers
from .retention import delete_files
from .rows import by_unique_column

logger = logging.getLogger(__name__)

_ADDRESS = ["address_line1", "address_line2", "postcode", "city"]
FILE_FIELDS = ["file", "filename", "content_type", "size", "sha256"]
FIELDS = {
    "franchisee": ["company", "first_name", "last_name", "email", "phone"],
    "spanc": ["code", "code_key", "name", "email", "phone", *_ADDRESS],
    "client": ["code", "code_key", "first_name", "last_name", "email", "phone", *_ADDRESS],
    "installation": [
        "client_id",
        "franchisee_id",
        "spanc_id",
        "reference",
        "label",
        "installed_on",
        "stage",
        "serial_number",
        *_ADDRESS,
        "client_sort_name",
        "search_words",
        "maintenance_contract_status",
        "maintenance_contract_until",
        "maintenance_contract_every_months",
    ],
    "document": [
        "installation_id",
        "theme_id",
        "title",
        "issued_on",
        "visible_to_client",
        "visible_to_spanc",
        "deleted_at",
        "source",
        *FILE_FIELDS,
    ],
    "visit": [
        "installation_id",
        "kind",
        "planned_for",
        "slot",
        "done_on",
        "technician",
        "summary",
        "report_document_id",
        "visible_to_client",
        "visible_to_spanc",
        "cancelled_at",
    ],
}
# Values of a synced row that something else than its line can change: a
# client's serial number, links set to NULL when a franchisee, a SPANC or a
# theme is deleted, a document deleted, a file purged. They go into the hash
# with the line, so a row they moved is not taken for unchanged.
GUARDS = {
    "installation": ("client_id", "franchisee_id", "spanc_id", "serial_number"),
    "document": ("installation_id", "theme_id", "file", "deleted_at"),
    "visit": ("report_document_id",),
}


def guard_values(values, guards):
    return guard_getter(guards)(values)


@cache
def guard_getter(guards):
    """``guard_values(values, guards)`` as one function of ``values`` (it runs on every record)."""
    if not guards:
        return lambda values: ()
    get = itemgetter(*guards)
    if len(guards) == 1:
        return lambda values: (get(values),) if guards[0] != "deleted_at" else (get(values) is None,)
    if "deleted_at" not in guards:
        return get
    at = guards.index("deleted_at")

    def guarded(values):
        found = get(values)
        return (*found[:at], found[at] is None, *found[at + 1 :])

    return guarded


def line_hash(raw, guarded=()):
    """``sync_hash`` of a row written from the line ``raw`` (bytes) whose
    guard columns hold ``guarded`` (see ``guard_values``)."""
    return finish_hash(line_digest(raw), guarded)


def line_digest(raw):
    """The first half of ``line_hash``: the line alone (the importer hashes it while preparing a batch)."""
    return hashlib.blake2b(raw, digest_size=16)


def finish_hash(digest, guarded):
    """``line_hash`` from ``line_digest(raw)``, which stays as it was."""
    if guarded:
        digest = digest.copy()
        digest.update(b"\0" + repr(guarded).encode())
    return digest.hexdigest()


# --------------------------------------------------------------------------- values


def text(value):
    return "" if value is None else str(value)


def _address(record):
    address = record.get("address") or {}
    return {
        "address_line1": text(address.get("line1")),
        "address_line2": text(address.get("line2")),
        "postcode": text(address.get("postcode")),
        "city": text(address.get("city")),
    }


def _date(value):
    if isinstance(value, datetime.date) or not value:  # check_line parsed it
        return value or None
    return datetime.date.fromisoformat(value)


def _email(value):
    return text(value)  # already in the records' one stored form: check_line normalised it


def franchisee(r, refs, current):
    return {
        "company": text(r["company"]),
        "first_name": text(r.get("first_name")),
        "last_name": text(r.get("last_name")),
        "email": _email(r.get("email")),
        "phone": text(r.get("phone")),
    }


def _code(r):
    """The code as the export spells it, and its canonical form (``unique_codes`` checked it)."""
    return {"code": r["code"], "code_key": canonical_code(r["code"])}


def spanc(r, refs, current):
    return {**_code(r), "name": r["name"], "email": _email(r["email"]), "phone": text(r.get("phone")), **_address(r)}


def client(r, refs, current):
    return {
        **_code(r),
        "first_name": text(r.get("first_name")),
        "last_name": r["last_name"],
        "email": _email(r["email"]),
        "phone": text(r.get("phone")),
        **_address(r),
    }


def installation(r, refs, current):
    client_pk, last_name, first_name = refs["client"]
    address = _address(r)
    return {
        "client_id": client_pk,
        "franchisee_id": refs.get("franchisee"),
        "spanc_id": refs.get("spanc"),
        "reference": r["reference"],
        "label": text(r.get("label")),
        "installed_on": _date(r.get("installed_on")),
        # Absent: keep what the portal has (the stage, or a serial number a client typed).
        "stage": r.get("stage") or (current or {}).get("stage") or "study",
        "serial_number": r.get("serial_number") or (current or {}).get("serial_number") or "",
        **address,
        **folder_columns(last_name, first_name, address["city"], address["postcode"], r["reference"]),
        **_contract(r.get("maintenance_contract")),
    }


def _contract(contract):
    """The three contract columns; absent or null: no contract."""
    contract = contract or {}
    return {
        "maintenance_contract_status": text(contract.get("status")),
        "maintenance_contract_until": _date(contract.get("until")),
        "maintenance_contract_every_months": (
            int(contract["every_months"]) if contract.get("every_months") is not None else None
        ),
    }


def visit(r, refs, current):
    visible_to = r.get("visible_to", ["client"])
    return {
        "installation_id": refs["installation"],
        "kind": r["kind"],
        "planned_for": _date(r.get("planned_for")),
        "slot": text(r.get("slot")),
        "done_on": _date(r.get("done_on")),
        "technician": text(r.get("technician")),
        "summary": text(r.get("summary")),
        "report_document_id": refs.get("report_document"),
        "visible_to_client": "client" in visible_to,
        "visible_to_spanc": "spanc" in visible_to,
        "cancelled_at": None,
    }


def document(r, refs, current):
    """The document's values but its file's (``files.file_values``)."""
    visible_to = r.get("visible_to", ["client"])
    return {
        "installation_id": refs["installation"],
        "theme_id": refs.get("theme"),
        "title": r["title"],
        "issued_on": _date(r.get("issued_on")),
        "visible_to_client": "client" in visible_to,
        "visible_to_spanc": "spanc" in visible_to,
        "deleted_at": None,
        "source": DocumentSource.SYNC.value,  # the plain text: quicker to COPY than the enum
    }


def document_references(values, refs):
    """Set in ``document(record, {"installation": None}, None)``'s values what
    ``refs`` gives: then they are ``document(record, refs, None)``'s. (The
    importer builds a file-less document of a first import before its batch's
    look-ups, while the server inserts the previous batch.)"""
    values["installation_id"] = refs["installation"]
    values["theme_id"] = refs.get("theme")


@dataclass(frozen=True)
class Reference:
    """A record field holding the ``id`` of another record."""

    field: str
    record_type: str
    required: bool = False
    columns: tuple = ()  # read with the pk: the reference resolves to (pk, *columns)


@dataclass(frozen=True)
class RecordType:
    model: type
    build: Callable
    references: tuple = ()
    unique_code: bool = False  # no two records share a ``code``
    has_file: bool = False
    fields: list = field(default_factory=list)
    # ``build`` reads the record alone (no reference, no current row): the
    # importer builds these while preparing a batch, before any look-up.
    standalone: bool = False


TYPES = {
    "franchisee": RecordType(Franchisee, franchisee, standalone=True),
    "spanc": RecordType(Spanc, spanc, unique_code=True, standalone=True),
    "client": RecordType(Client, client, unique_code=True, standalone=True),
    "installation": RecordType(
        Installation,
        installation,
        references=(
            Reference("client", "client", required=True, columns=("last_name", "first_name")),
            Reference("franchisee", "franchisee"),
            Reference("spanc", "spanc"),
        ),
    ),
    "document": RecordType(
        PortalDocument, document, has_file=True, references=(Reference("installation", "installation", required=True),)
    ),
    "visit": RecordType(
        Visit,
        visit,
        references=(
            Reference("installation", "installation", required=True),
            Reference("report_document", "document"),
        ),
    ),
}
# Record types another room applies: the sync knows the records, not the rooms
# where people act (``message`` records are written by enquiries). A room
# registers its handlers with the Wagtail hook ``register_portal_record_handler``
# (wagtail_hooks.py): each hook function returns ``{record_type: handler}``.
# ``handler(items, batch)``: ``items`` are checked records (``.record``,
# ``.rid``); ``batch`` is the importer's Applier with ``export`` (its files),
# ``quarantine(item, reason)``, ``count(name)`` (created, unchanged, files)
# and ``applied(record_type, rid)``.
HANDLER_HOOK = "register_portal_record_handler"


def handler_for(record_type):
    """The handler registered for ``record_type`` (the last hook wins: a host may replace one), or None."""
    handler = None
    for registered in hooks.get_hooks(HANDLER_HOOK):
        handler = registered().get(record_type, handler)
    return handler


for _name, _type in TYPES.items():
    _type.fields.extend(FIELDS[_name])
MODELS = {name: record_type.model for name, record_type in TYPES.items()}


def themes(records):
    """{slug: pk} of the records' themes (the slug normalised in the record);
    an unknown slug creates a theme an editor can rename and place."""
    slugs_of = {}  # a batch names a handful of themes: slugify each once
    for record in records:
        theme = record.get("theme")
        if theme and theme not in slugs_of:
            slugs_of[theme] = slugify(theme)[:80]
        record["theme"] = slugs_of[theme] if theme else None
    slugs = {record["theme"] for record in records if record["theme"]}
    found = dict(DocumentTheme.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    for slug in slugs - set(found):
        found[slug] = theme_for(slug).pk
    return found


def unique_codes(model, items):
    """(kept, [(item, reason)]): records whose code compares equal
    (``records.codes.canonical_code``: letters and digits only) to the code
    of another record, earlier in this export or already in the portal, are
    set aside, and so are codes without any letter or digit. A record may
    change its own code to another spelling of it."""
    keys, kept, refused = {}, [], []
    for item in items:
        code = item.record["code"]
        key = canonical_code(code)
        if not key or len(key) > KEY_MAX_LENGTH:
            refused.append(
                (
                    item,
                    _("The code “%(code)s” is not a code: it needs 1 to %(limit)s letters or digits.")
                    % {"code": code, "limit": KEY_MAX_LENGTH},
                )
            )
            continue
        if key in keys:
            other_id, other_code = keys[key]
            refused.append(
                (
                    item,
                    _(
                        "The code “%(code)s” of “%(id)s” is the same code as “%(other_code)s” of "
                        "“%(other)s” earlier in this export (codes compare by their letters and digits "
                        "only)."
                    )
                    % {"code": code, "id": item.rid, "other_code": other_code, "other": other_id},
                )
            )
            continue
        keys[key] = (item.rid, code)
        kept.append(item)
    taken = {
        key: (rid, code)
        for key, rid, code in by_unique_column(model, "code_key", list(keys), ["code_key", "external_id", "code"])
    }
    result = []
    for item in kept:
        other_id, other_code = taken.get(canonical_code(item.record["code"]), (None, None))
        if other_id is not None and other_id != item.rid:
            refused.append(
                (
                    item,
                    _(
                        "The code “%(code)s” of “%(id)s” is the same code as “%(other_code)s”, which "
                        "already belongs to “%(other)s” (codes compare by their letters and digits "
                        "only)."
                    )
                    % {"code": item.record["code"], "id": item.rid, "other_code": other_code, "other": other_id},
                )
            )
            continue
        result.append(item)
    return result, refused


def after_write(record_type, prepared, existing, written):
    """What written rows change elsewhere (now or once the batch is committed):
    ``prepared`` [(item, values)], ``existing`` the rows before, ``written`` the ids written."""
    if record_type in ("spanc", "client"):
        changes = [
            (current["pk"], current["email"], values["email"])
            for item, values in prepared
            if item.rid in written
            and (current := existing.get(item.rid)) is not None
            and current["email"] != values["email"]
        ]
        if changes:
            transaction.on_commit(partial(send_email_changed, MODELS[record_type], changes))
    if record_type == "client":
        renamed = [
            current["pk"]
            for item, values in prepared
            if item.rid in written
            and (current := existing.get(item.rid)) is not None
            and (current["last_name"], current["first_name"]) != (values["last_name"], values["first_name"])
        ]
        if renamed:
            refresh_folder_columns(renamed)
    if record_type == "installation":
        moves = moved_installations(prepared, existing, written)  # a house sold: tell the seller
        if moves:
            tell_sellers(moves)
    if record_type == "visit":
        # The installations' last maintenance date (folder list index), also the one a visit left.
        touched = [values["installation_id"] for item, values in prepared if item.rid in written]
        touched += [
            current["installation_id"]
            for item, _values in prepared
            if item.rid in written and (current := existing.get(item.rid))
        ]
        refresh_last_maintenance(touched)
    if record_type == "document":
        replaced = [
            current["file"]
            for item, values in prepared
            if item.rid in written
            and (current := existing.get(item.rid))
            and current["file"]
            and current["file"] != values["file"]
        ]
        if replaced:
            transaction.on_commit(partial(delete_files, replaced))


# --------------------------------------------------------------------------- deletes


@dataclass
class Deleted:
    """What a batch of deletes of one type did."""

    deleted: list = field(default_factory=list)
    absent: list = field(default_factory=list)  # nothing to delete: unchanged
    refused: dict = field(default_factory=dict)  # id -> reason (quarantined)
    files: list = field(default_factory=list)  # to remove from the storage once committed


def delete_records(kind, ids):
    """Apply deletes of records of ``kind`` (docs/exchange-format.md):

    - a document is hidden at once (``deleted_at``); its file waits for the retention job;
    - a franchisee or a SPANC goes; its installations stay, without the link;
    - a client with installations, an installation with (live) documents, and
      a record a portal request refers to are kept: refused with the reason.
    """
    outcome = Deleted()
    if kind == "document":
        live = set(
            PortalDocument.objects.filter(external_id__in=ids, deleted_at__isnull=True).values_list(
                "external_id", flat=True
            )
        )
        PortalDocument.objects.filter(external_id__in=live).update(deleted_at=timezone.now())
        outcome.deleted = [rid for rid in ids if rid in live]
        outcome.absent = [rid for rid in ids if rid not in live]
        return outcome
    if kind == "visit":
        # A visit the client was reminded of stays, cancelled, until the cancellation is mailed.
        found = dict(Visit.objects.live().filter(external_id__in=ids).values_list("external_id", "installation_id"))
        reminded = Visit.objects.filter(external_id__in=list(found), reminded_for__isnull=False, done_on__isnull=True)
        reminded.update(cancelled_at=timezone.now(), sync_hash="")  # the same line again revives it
        Visit.objects.filter(external_id__in=list(found), cancelled_at__isnull=True).delete()
        refresh_last_maintenance(found.values())
        outcome.deleted = [rid for rid in ids if rid in found]
        outcome.absent = [rid for rid in ids if rid not in found]
        return outcome
    model = MODELS[kind]
    found = {obj.external_id: obj for obj in model.objects.filter(external_id__in=ids)}
    for rid in ids:
        obj = found.get(rid)
        if obj is None:
            outcome.absent.append(rid)
            continue
        if kind == "client" and obj.installations.exists():
            outcome.refused[rid] = _("Client “%(id)s” still has installations: delete them first.") % {"id": rid}
            continue
        if kind == "installation" and obj.documents.filter(deleted_at__isnull=True).exists():
            outcome.refused[rid] = _("Installation “%(id)s” still has documents: delete them first.") % {"id": rid}
            continue
        files = list(obj.documents.exclude(file="").values_list("file", flat=True)) if kind == "installation" else []
        try:
            with transaction.atomic():
                obj.delete()
        except ProtectedError:
            outcome.refused[rid] = _("“%(id)s” is kept: requests sent from the portal refer to it.") % {"id": rid}
            continue
        outcome.deleted.append(rid)
        outcome.files.extend(files)
    return outcome


def send_email_changed(model, changes):
    """Tell the other rooms (``records.signals.email_changed``) that these
    records' emails changed: [(pk, old, new)]; run after the commit."""
    records = model.objects.in_bulk([pk for pk, _old, _new in changes])
    for pk, old, new in changes:
        if pk in records:
            try:
                email_changed.send(sender=model, record=records[pk], old_email=old, new_email=new)
            except Exception:
                logger.exception("A receiver of email_changed failed for %s %s", model.__name__, pk)
