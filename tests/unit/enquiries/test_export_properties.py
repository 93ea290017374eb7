"""Properties of the importer on generated exports (docs/exchange-format.md):
valid records of every type with realistic text (IDN emails, accents,
apostrophes, odd Unicode), and lines that break them: a field missing, of
the wrong type, too long, a NUL, an unknown reference, a bad email or date,
an unknown type, broken JSON, the same id twice, a delete before or after
the record it deletes.

- the importer never fails a run, whatever the lines;
- every record is imported (or deleted) or quarantined, a broken one with a
  reason that names what is wrong;
- the run's counts add up to the records of the export (the last line of
  each id wins) and its quarantined count to its quarantine entries;
- a second run of the same export changes nothing;
- the fixed record in a later export goes in and resolves its quarantine.

Each example runs in a savepoint rolled back at its end (pytest-django's
database is not reset between Hypothesis examples).
"""

import json
import tempfile
import uuid

import pytest
from django.db import transaction
from django.utils import translation
from hypothesis import example, given, settings
from hypothesis import strategies as st

from aquatiris_portal.records.models import Client, Franchisee, Installation, PortalDocument, Spanc
from aquatiris_portal.records.serials import canonical_serial
from aquatiris_portal.records.visits import Visit
from aquatiris_portal.sync.importer import import_source
from aquatiris_portal.sync.models import ImportRun, QuarantinedRecord
from aquatiris_portal.sync.validation import TYPES, schema
from tests.exports import make_pdf, sha256, write_export
from tests.strategies import emails, odd_text, person_names, phones, postcodes, serials, towns

pytestmark = [pytest.mark.properties, pytest.mark.django_db]

# Imports are slow (0.1 to 0.5 s each): a quarter of the profile's examples,
# at most 40 (the deep profile's run stays within a few minutes).
EXAMPLES = max(10, min(settings.default.max_examples // 4, 40))
PDF = make_pdf("Étude de sol")

FRANCHISEES, SPANCS, CLIENTS = ["F-1", "F-2"], ["S-1", "S-2"], ["C-1", "C-2", "C-3"]
INSTALLATIONS, DOCUMENTS, VISITS = ["I-1", "I-2", "I-3"], ["D-1", "D-2", "D-3"], ["V-1", "V-2"]
MODELS = {
    "franchisee": Franchisee,
    "spanc": Spanc,
    "client": Client,
    "installation": Installation,
    "document": PortalDocument,
    "visit": Visit,
}
text = odd_text.filter(lambda value: value.strip())


def address():
    return st.fixed_dictionaries(
        {"line1": text | st.none(), "line2": st.just(""), "postcode": postcodes, "city": towns}
    )


def dates():
    return st.dates().map(lambda day: day.isoformat()) | st.none()


def records_of(record_type, rid):
    """A valid record of ``record_type`` with id ``rid`` (references drawn from the pools)."""
    base = {"type": st.just(record_type), "id": st.just(rid)}
    code = rid.replace("-", "")
    fields = {
        "franchisee": {
            "company": text,
            "first_name": person_names(),
            "last_name": person_names(),
            "email": emails() | st.none(),
            "phone": phones,
        },
        "spanc": {
            "code": st.just(f"PRO-{code}"),
            "name": text,
            "email": emails(),
            "phone": phones,
            "address": address(),
        },
        "client": {
            "code": st.just(f"CLI-{code}"),
            "first_name": person_names(),
            "last_name": person_names(),
            "email": emails(),
            "phone": phones,
            "address": address(),
        },
        "installation": {
            "client": st.sampled_from(CLIENTS),
            "franchisee": st.sampled_from(FRANCHISEES) | st.none(),
            "spanc": st.sampled_from(SPANCS) | st.none(),
            "reference": st.just(f"AQ-2019-{code}"),
            "label": text,
            "address": address(),
            "installed_on": dates(),
            "serial_number": serials() | st.none(),
            "stage": st.sampled_from(["study", "quote", "installation", "commissioned", "maintenance"]),
        },
        "document": {
            "installation": st.sampled_from(INSTALLATIONS),
            "title": text,
            "theme": st.sampled_from(["etude-de-sol", "Plans d’exécution", "garanties"]) | st.none(),
            "file": st.sampled_from([f"files/{rid}.pdf", None]),
            "issued_on": dates(),
            "visible_to": st.sampled_from([["client"], ["spanc"], ["client", "spanc"], []]),
        },
        "visit": {
            "installation": st.sampled_from(INSTALLATIONS),
            "kind": st.sampled_from(["maintenance", "emptying", "repair"]),
            "planned_for": st.dates().map(lambda day: day.isoformat()),
            "done_on": dates(),
            "slot": st.sampled_from(["morning", "afternoon", None]),
            "technician": person_names(),
            "report_document": st.sampled_from(DOCUMENTS) | st.none(),
        },
    }[record_type]
    return st.fixed_dictionaries({**base, **fields}).map(_with_sha)


def _with_sha(record):
    if record.get("file"):
        record["sha256"] = sha256(PDF)
    return record


POOLS = {
    "franchisee": FRANCHISEES,
    "spanc": SPANCS,
    "client": CLIENTS,
    "installation": INSTALLATIONS,
    "document": DOCUMENTS,
    "visit": VISITS,
}
valid_records = st.sampled_from(sorted(POOLS)).flatmap(
    lambda kind: st.sampled_from(POOLS[kind]).flatmap(lambda rid: records_of(kind, rid))
)
deletes = st.sampled_from(sorted(POOLS)).flatmap(
    lambda kind: st.fixed_dictionaries(
        {"type": st.just("delete"), "of": st.just(kind), "id": st.sampled_from(POOLS[kind])}
    )
)
messages = st.builds(
    lambda n: {
        "type": "message",
        "id": f"M-{n}",
        "request": str(uuid.uuid4()),
        "author": {"role": "franchisee", "name": "Luc"},
        "body": "Bonjour",
        "sent_at": "2026-12-02T09:00:00Z",
    },
    st.integers(1, 3),
)

# --------------------------------------------------------------------------- breaking a record

REFERENCES = {
    "installation": ("client", "franchisee", "spanc"),
    "document": ("installation",),
    "visit": ("installation", "report_document"),
}
LIMITS = {
    "franchisee": {"company": 200},
    "spanc": {"name": 200, "code": 40},
    "client": {"last_name": 100},
    "installation": {"reference": 60, "serial_number": 60},
    "document": {"title": 255, "theme": 80},
    "visit": {"technician": 200},
}
DATES = {"installation": "installed_on", "document": "issued_on", "visit": "done_on"}
# (file of a document, a word of its reason): paths leading out of the export, or nowhere.
HOSTILE_FILES = [
    ("../outside.pdf", ".."),
    ("files/../../outside.pdf", ".."),
    ("/etc/passwd", "absolute"),
    ("files\\D-1.pdf", "backslash"),
    ("files/" + "a" * 300 + ".pdf", "too long"),
    ("files/absent.pdf", "missing"),
    ("files/D-1.pdf", "sha256"),
    ("files/", "regular"),
]


@st.composite
def broken(draw, record, keep_id=False):
    """(line, word): ``record`` broken one way, and a word its quarantine
    reason must contain; ``keep_id``: its id stays (a quarantine is resolved by id)."""
    record = dict(record)
    kept = {"type", "id"} if keep_id else {"type"}
    kind = record["type"]
    ways = ["missing", "wrong type", "nul", "too long"]
    if kind in REFERENCES:
        ways.append("unknown reference")
    if kind in ("client", "spanc"):
        ways.append("bad email")
    if kind in DATES:
        ways.append("bad date")
    if kind == "document":
        ways.append("bad file")
    way = draw(st.sampled_from(ways))
    if way == "bad file":
        path, word = draw(st.sampled_from(HOSTILE_FILES))
        record.update(file=path, sha256=record.get("sha256") or "0" * 64)
        if word == "sha256":
            record["sha256"] = "f" * 64
        return record, word
    if way == "missing":
        field = draw(st.sampled_from([name for name in schema()["$defs"][kind]["required"] if name not in kept]))
        del record[field]
        return record, field
    if way == "wrong type":
        field = draw(st.sampled_from(sorted(set(record) - kept)))
        record[field] = draw(
            st.sampled_from([12, 3.5, True, {"a": 1}, [1]]).filter(
                lambda value: not isinstance(record[field], type(value))
            )
        )
        return record, field
    if way == "nul":
        field = draw(
            st.sampled_from(
                sorted(name for name, value in record.items() if isinstance(value, str) and name not in ("type", "id"))
            )
        )
        record[field] = record[field][:3] + "\x00" + record[field][3:]
        return record, "NUL"
    if way == "too long":
        field, limit = draw(st.sampled_from(sorted(LIMITS[kind].items())))
        record[field] = "é" * (limit + 1)
        return record, field
    if way == "unknown reference":
        field = draw(st.sampled_from(REFERENCES[kind]))
        record[field] = f"NOPE-{draw(st.integers(1, 9))}"
        return record, record[field]
    if way == "bad email":
        record["email"] = draw(st.sampled_from(["not-an-email", "anne@", "ıris@example.org", "a b@example.org"]))
        return record, "email"
    record[DATES[kind]] = draw(st.sampled_from(["2019-13-45", "14/05/2019", "2019-5-4", "demain"]))
    return record, DATES[kind]


garbage_lines = st.sampled_from(
    [
        ('{"type": "client", "id": "C-X", ', "JSON"),
        ("[1, 2, 3]", "object"),
        ('{"type": "invoice", "id": "X-1"}', "invoice"),
        ('{"id": "C-9", "code": "CLI-9"}', "type"),
        ('"just a string"', "object"),
    ]
)


@st.composite
def exports(draw):
    """(lines, {line number: word}) of an export: valid records, deletes and
    messages in any order, then lines that are broken (some reusing an id of
    the export, so that they replace its earlier line)."""
    lines = draw(st.lists(valid_records | deletes | messages, min_size=1, max_size=14))
    expected = {}
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            line, word = draw(broken(draw(valid_records)))
        else:
            line, word = draw(garbage_lines)
        lines.append(line)
        expected[len(lines)] = word
    if draw(st.booleans()):
        lines.append({**draw(valid_records), "a_field_from_the_future": {"x": [1]}})  # ignored
    return lines, expected


# --------------------------------------------------------------------------- what the export holds


def _key(line):
    """The record a line stands for: (type, id), a delete standing for the
    record it deletes; None for a line that is not one."""
    try:
        record = json.loads(line) if isinstance(line, str) else line
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("type") not in TYPES:
        return None
    rid = record.get("id")
    if not isinstance(rid, str) or not rid:
        return None
    if record["type"] == "delete":
        return (record.get("of"), rid) if record.get("of") in MODELS else None
    return record["type"], rid


def units(lines):
    """{line number: line} of the lines the import must account for: the
    last line of each record (a later line of the same id, a delete or
    not, replaces it), and every line that is no record."""
    last = {}
    for number, line in enumerate(lines, 1):
        key = _key(line)
        last[key if key is not None else ("line", number)] = number
    return {number: lines[number - 1] for number in last.values()}


def in_portal(line):
    record = line
    if record["type"] == "delete":
        model, rid = MODELS[record["of"]], record["id"]
        rows = model.objects.filter(external_id=rid)
        return not (rows.filter(deleted_at__isnull=True) if model is PortalDocument else rows).exists()
    if record["type"] == "message":
        return False
    rows = MODELS[record["type"]].objects.filter(external_id=record["id"])
    return (rows.filter(deleted_at__isnull=True) if record["type"] == "document" else rows).exists()


def snapshot():
    return {
        name: sorted(
            map(
                repr,
                model.objects.values_list(
                    *[
                        f.attname
                        for f in model._meta.concrete_fields
                        if f.attname not in ("id", "sync_hash", "created_at")
                    ]
                ),
            )
        )
        for name, model in MODELS.items()
    }


def run_import(root, sequence, lines):
    files = {f"files/{rid}.pdf": PDF for rid in DOCUMENTS}
    write_export(root, sequence, lines, files)
    with translation.override("en"):
        [run] = import_source(root).runs
    return run


def check_run(run, lines):
    """The run succeeded, each unit of the export is in the portal or
    quarantined, and the counts add up. Returns {line number: reason}."""
    assert run.state == ImportRun.State.SUCCEEDED, run.error
    quarantined = dict(QuarantinedRecord.objects.filter(run=run).values_list("line_number", "reason"))
    assert run.quarantined_count == len(quarantined)
    expected = units(lines)
    assert sum(run.counts.values()) == len(expected), (run.counts, expected)
    for number, line in expected.items():
        assert number in quarantined or (isinstance(line, dict) and in_portal(line)), (number, line)
        if number in quarantined:
            assert quarantined[number].strip()
    return quarantined


# --------------------------------------------------------------------------- properties


# What the hunt found, replayed every run: a look-alike email Django's
# validator takes (dotless ı), a file path part longer than the file system
# allows (OSError out of the importer), a delete before its record.
_CLIENT = {"type": "client", "id": "C-1", "code": "CLI-C1", "last_name": "Durand", "email": "anne@example.org"}
_INSTALLATION = {"type": "installation", "id": "I-1", "client": "C-1", "reference": "AQ-2019-1"}
_LONG_PATH = {
    "type": "document",
    "id": "D-1",
    "installation": "I-1",
    "title": "Plan",
    "file": "files/" + "a" * 300 + ".pdf",
    "sha256": "0" * 64,
}
FOUND = [
    ([_CLIENT, {**_CLIENT, "email": "ıris@example.org"}], {2: "email"}),
    ([_CLIENT, _INSTALLATION, _LONG_PATH], {3: "too long"}),
    ([{"type": "delete", "of": "client", "id": "C-1"}, _CLIENT, _INSTALLATION], {}),
]


@settings(max_examples=EXAMPLES)
@given(exports())
@example(FOUND[0])
@example(FOUND[1])
@example(FOUND[2])
def test_every_record_is_imported_or_quarantined_with_its_reason_and_the_counts_add_up(export):
    lines, broken_words = export
    with transaction.atomic(), tempfile.TemporaryDirectory() as root:
        run = run_import(root, 1, lines)
        quarantined = check_run(run, lines)
        for number, word in broken_words.items():
            if number in units(lines):
                # A record broken twice (a reference of its own also unknown) may be refused for either.
                reason = quarantined[number]
                assert word in reason or "no such record" in reason, (lines[number - 1], reason)
        transaction.set_rollback(True)


@settings(max_examples=EXAMPLES)
@given(exports())
def test_a_second_run_of_the_same_export_changes_nothing(export):
    lines, _words = export
    with transaction.atomic(), tempfile.TemporaryDirectory() as root:
        first = run_import(root, 1, lines)
        before = snapshot()
        second = run_import(root, 2, lines)
        check_run(second, lines)
        assert (second.created_count, second.updated_count, second.deleted_count) == (0, 0, 0)
        assert second.quarantined_count == first.quarantined_count
        assert snapshot() == before
        transaction.set_rollback(True)


@settings(max_examples=EXAMPLES)
@given(st.lists(valid_records, min_size=1, max_size=10, unique_by=lambda r: (r["type"], r["id"])), st.data())
def test_a_record_fixed_in_a_later_export_goes_in_and_resolves_its_quarantine(records, data):
    # Complete the references, so that the fixed record has what it needs.
    needed = [records_of(kind, rid) for kind, pool in POOLS.items() for rid in pool if kind != "visit"]
    everything = [data.draw(strategy) for strategy in needed] + records
    target = data.draw(st.sampled_from(records))
    line, _word = data.draw(broken(target, keep_id=True))
    with transaction.atomic(), tempfile.TemporaryDirectory() as root:
        first = run_import(root, 1, [*everything, line])
        entry = QuarantinedRecord.objects.get(run=first, line_number=len(everything) + 1)
        second = run_import(root, 2, everything)
        check_run(second, everything)
        model = MODELS[target["type"]]
        assert model.objects.filter(external_id=target["id"]).exists()
        entry.refresh_from_db()
        assert entry.resolved_at is not None and entry.resolved_by_id == second.pk
        transaction.set_rollback(True)


@settings(max_examples=EXAMPLES)
@given(valid_records, st.integers(0, 3), st.data())
def test_a_delete_before_the_record_in_the_same_export_is_followed_by_the_record(record, position, data):
    # The later line wins, whether it is the record or its delete (exchange-format.md).
    needed = [data.draw(records_of(kind, rid)) for kind, pool in POOLS.items() for rid in pool if kind != "visit"]
    delete = {"type": "delete", "of": record["type"], "id": record["id"]}
    lines = [*needed[:position], delete, *needed[position:], record]
    with transaction.atomic(), tempfile.TemporaryDirectory() as root:
        run = run_import(root, 1, lines)
        check_run(run, lines)
        assert in_portal(record)
        transaction.set_rollback(True)


@settings(max_examples=EXAMPLES)
@given(serials(), st.data())
def test_an_installation_s_serial_is_stored_in_its_canonical_form(serial, data):
    from tests.strategies import serial_spellings

    spelling = data.draw(serial_spellings(serial))
    lines = [
        data.draw(records_of("client", "C-1")),
        {
            **data.draw(records_of("installation", "I-1")),
            "client": "C-1",
            "franchisee": None,
            "spanc": None,
            "serial_number": spelling,
        },
    ]
    with transaction.atomic(), tempfile.TemporaryDirectory() as root:
        run_import(root, 1, lines)
        assert Installation.objects.get(external_id="I-1").serial_number == canonical_serial(serial) == serial
        transaction.set_rollback(True)


@settings(max_examples=min(EXAMPLES, 10))
@given(serials(), st.data())
def test_a_serial_the_export_carried_is_the_one_the_client_types_not_a_conflict(serial, data):
    from wagtail.models import Site

    from aquatiris_portal.enquiries.services import register_serial_number
    from aquatiris_portal.snippets.site_settings import PortalSettings
    from tests import factories
    from tests.strategies import serial_spellings

    lines = [
        data.draw(records_of("client", "C-1")),
        {
            **data.draw(records_of("installation", "I-1")),
            "client": "C-1",
            "franchisee": None,
            "spanc": None,
            "stage": "commissioned",
            "serial_number": data.draw(serial_spellings(serial)),
        },
    ]
    typed = canonical_serial(data.draw(serial_spellings(serial)))  # what the warranty form gives
    with transaction.atomic(), tempfile.TemporaryDirectory() as root:
        run_import(root, 1, lines)
        installation = Installation.objects.get(external_id="I-1")
        result = register_serial_number(
            user=factories.user(),
            client=installation.client,
            installation_pk=installation.pk,
            serial_number=typed,
            portal_settings=PortalSettings.for_site(Site.objects.get(is_default_site=True)),
        )
        assert result.status == "registered"
        transaction.set_rollback(True)
