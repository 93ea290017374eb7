"""A file-less document of a first import is built by ``Applier.prepare``
before its batch's look-ups, its references set afterwards
(``mapping.document_references``): the values are those the importer
built after the look-ups, for any document line the checks accept."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from aquatiris_portal.sync.files import NO_FILE, file_values
from aquatiris_portal.sync.mapping import document, document_references
from aquatiris_portal.sync.validation import Rejected, check_line

TEXT = st.text(max_size=30)
ACCEPTED = []
DOCUMENTS = st.fixed_dictionaries(
    {
        "type": st.just("document"),
        "id": st.text(min_size=1, max_size=10),
        "installation": st.just("I-1"),
        "title": st.text(min_size=1, max_size=30),
    },
    optional={
        "theme": st.none() | TEXT,
        "file": st.none() | st.just(""),
        "issued_on": st.none() | st.just("") | st.dates().map(str) | TEXT,
        "visible_to": st.lists(st.sampled_from(["client", "spanc", "other"]), max_size=3),
        "extra": TEXT,
    },
)


@settings(max_examples=300, deadline=None)
@given(DOCUMENTS, st.integers(1, 10**9), st.none() | st.integers(1, 10**6))
def test_built_before_the_look_ups_as_after(drawn, installation, theme):
    try:
        record = check_line(json.dumps(drawn).encode())
    except Rejected:
        return
    ACCEPTED.append(1)
    refs = {"installation": installation, "theme": theme}
    after = document(record, refs, None)
    files, copied = file_values(None, record, None)
    after.update(files)

    before = document(record, {"installation": None}, None)
    before.update(NO_FILE)
    document_references(before, refs)
    assert before == after and list(before) == list(after) and not copied


def test_the_checks_accepted_many_drawn_documents():
    """Above, most drawn lines passed the checks (else the equality would prove little)."""
    assert len(ACCEPTED) > 100
