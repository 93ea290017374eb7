"""The requests export reads value rows, not model instances, one query a
chunk; ``RowSpreadsheetWriter`` writes exactly the cells of the generic
writer, formula guard included, for any value people may have typed."""

import datetime
import io
import itertools

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ERROR_CODES

from aquatiris_portal.enquiries import exports
from aquatiris_portal.enquiries.models import PortalRequest, RequestExport, RequestMessage
from aquatiris_portal.spreadsheets import FORMULA_STARTS, RowSpreadsheetWriter, SpreadsheetWriter
from tests import factories
from tests.unit.backoffice.test_backoffice import make_request

FIELDS = ["name", "note", "count", "when", "day"]
PREPROCESS = {"when": {"xlsx": exports.local_naive, "csv": exports.local_text}}

texts = st.one_of(
    st.text(max_size=40),
    st.builds(lambda start, rest: start + rest, st.sampled_from(FORMULA_STARTS), st.text(max_size=20)),
    st.sampled_from(ERROR_CODES),
    st.sampled_from(["", "=", 'Bonjour;=HYPERLINK("x")', "a\x01b", '"=1+2"']),
)
moments = st.datetimes(
    min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2100, 1, 1), timezones=st.just(datetime.UTC)
)
rows = st.lists(
    st.tuples(
        st.one_of(st.none(), texts),
        texts,
        st.one_of(st.none(), st.integers(-(10**6), 10**6)),
        st.one_of(st.none(), moments),
        st.one_of(st.none(), st.dates()),
    ),
    max_size=6,
)


def _writers():
    kwargs = {"custom_field_preprocess": PREPROCESS, "day_format": "DD/MM/YYYY", "sheet_title": "Demandes"}
    return SpreadsheetWriter(PortalRequest, FIELDS, **kwargs), RowSpreadsheetWriter(PortalRequest, FIELDS, **kwargs)


def _cells(body):
    sheet = load_workbook(io.BytesIO(body)).active
    return [[(cell.value, cell.data_type, cell.number_format) for cell in row] for row in sheet.iter_rows()]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_the_row_writer_writes_the_cells_of_the_generic_writer(values):
    generic, fast = _writers()
    for export_format in ("xlsx", "csv"):
        expected, written = io.BytesIO(), io.BytesIO()
        # The generic writer reads each field off the item (a dict here); the fast one takes the values.
        assert generic.write(export_format, [dict(zip(FIELDS, row, strict=True)) for row in values], expected) == len(
            values
        )
        assert fast.write(export_format, [list(row) for row in values], written) == len(values)
        if export_format == "csv":
            assert written.getvalue() == expected.getvalue()
        else:
            assert _cells(written.getvalue()) == _cells(expected.getvalue())


@settings(max_examples=100, deadline=None)
@given(st.builds(lambda start, rest: start + rest, st.sampled_from(FORMULA_STARTS + ("#",)), st.text(max_size=30)))
def test_typed_text_stays_text_in_the_row_writer(text):
    _generic, fast = _writers()
    body = io.BytesIO()
    fast.write("xlsx", [[text, text, None, None, None]], body)
    (value, data_type, _format), _note = _cells(body.getvalue())[1][:2]
    kept = "".join(ch for ch in text if ch >= " " or ch in "\t\n\r")
    assert data_type == "s" and value == (kept or None)


@pytest.mark.django_db
def test_an_export_builds_no_model_instance_and_reads_one_query_a_chunk(monkeypatch, django_assert_num_queries):
    installation = factories.installation()
    requests = [make_request(installation, "after_sales", message=f"Message {n}") for n in range(7)]
    for n, request in enumerate(requests):
        for _ in range(n % 3):
            RequestMessage.objects.create(request=request, body="Réponse", author_role="staff", channel="admin")
    user = factories.user()
    ids = [request.pk for request in reversed(requests)]
    export = RequestExport.objects.create(requested_by=user, format="csv", language="fr", request_ids=ids + [10**9])
    monkeypatch.setattr(exports, "EXPORT_CHUNK", 3)

    def no_instances(*args, **kwargs):
        raise AssertionError("a PortalRequest instance was built for an export row")

    monkeypatch.setattr(PortalRequest, "from_db", classmethod(no_instances))
    with django_assert_num_queries(3):  # 8 ids, 3 a chunk: nothing per row
        rows = list(exports.export_rows(export))
    assert len(rows) == 7  # the deleted request (10**9) is left out, the listing's order kept
    column = {field: index for index, field in enumerate(exports.EXPORT_FIELDS)}
    assert [row[column["reference"]] for row in rows] == [request.reference for request in reversed(requests)]
    assert [row[column["message_count"]] for row in rows] == [n % 3 for n in reversed(range(7))]
    first = rows[-1]
    assert first[column["franchisee"]] == str(installation.franchisee)
    assert first[column["get_kind_display"]] == str(PortalRequest.Kind.AFTER_SALES.label)
    assert first[column["get_status_display"]] == str(PortalRequest.Status.NEW.label)
    assert timezone.is_aware(first[column["created_at"]])


def test_the_fast_writer_counts_rows_from_a_generator():
    _generic, fast = _writers()
    body = io.BytesIO()
    generated = ([f"n{n}", "x", n, None, None] for n in itertools.count())
    assert fast.write("csv", itertools.islice(generated, 2500), body) == 2500
