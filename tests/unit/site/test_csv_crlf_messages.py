"""Messages typed in a form come with CRLF line ends (browsers send them):
in a CSV export they stay exactly as typed, while every part a spreadsheet
could read as a formula (after the start, ``,``, ``;`` or a line break,
including ``\\r\\n=cmd|...``) still gets its apostrophe. A CR followed by LF
is a line break, not a cell starting with CR; a lone CR still counts
(aquatiris_portal/spreadsheets.py, ``safe_cell``). LibreOffice Calc judges
a written file, opened the usual way and split on every separator."""

import csv
import io
import re
import shutil
import subprocess

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import Workbook

from aquatiris_portal.spreadsheets import safe_cell, xlsx_cell
from tests.unit.site.test_csv_formulas import TRICKY, exported_csv, formula_parts, needs_change, starts_a_formula

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

# Words, punctuation, digits and accents as people type them: nothing that
# starts a formula (= + - @ TAB, a lone CR).
WORD = st.text(alphabet=st.sampled_from(list("abcdeéèàçôûÉÀxyz0123456789'\"!?.:()/«» ")), min_size=1, max_size=12)
PUNCTUATION = st.sampled_from([" ", ", ", "; ", ",", ";", ". ", " ! ", '"', "'"])
LINE_BREAK = st.sampled_from(["\r\n", "\n", "\r\n\r\n", "\n\n"])
MESSAGES = st.lists(st.one_of(WORD, PUNCTUATION, LINE_BREAK), max_size=30).map("".join)

# Text where line breaks meet formula starts, quotes and separators.
CRLF_TRICKY = st.lists(
    st.sampled_from(["\r\n", "\r", "\n", "=", "+", "-", "@", "\t", '"', ",", ";", "a", "é", " "]), max_size=40
).map("".join)

MESSAGE = "Bonjour,\r\nJe vous écris au sujet de la vidange.\r\n\r\nCordialement,\r\nAnne Lefèvre"
ATTACKS = [
    "Merci\r\n=1+2",
    'Bonjour\r\n\r\n=UPPER("pwned")',
    "a\r-2+3",
    "Rappel;\r\n+33 6 00 00 00 01",
    'Merci,\r\n"=1+2"',
]


@given(MESSAGES)
@example(MESSAGE)
@example("\r\n\r\n")
@example('a,\r\n"b";\r\n')
def test_a_message_with_line_breaks_and_no_formula_start_comes_back_unchanged(text):
    assert safe_cell(text) == text


@given(CRLF_TRICKY | TRICKY)
@example("\r\n=cmd|' /C calc'!A0")
@example('a;"\r\n"=1')
@example("\r\r\n=1")
def test_no_part_starts_a_formula_and_a_second_pass_changes_nothing(text):
    once = safe_cell(text)
    assert formula_parts(once) == [] and not needs_change(once)
    assert safe_cell(once) == once


def test_the_equals_after_a_line_break_keeps_its_apostrophe():
    assert safe_cell("\r\n=cmd|' /C calc'!A0") == "\r\n'=cmd|' /C calc'!A0"
    assert safe_cell("Merci\r\n\r\n=1+2") == "Merci\r\n\r\n'=1+2"
    assert safe_cell("a\r\r=1") == "a\r'\r'=1"  # a lone CR ends a part and starts one
    assert safe_cell(MESSAGE) == MESSAGE


def _calc_cells(source, tmp_path, import_options):
    """The cells LibreOffice shows for the CSV file ``source`` opened with
    ``import_options`` (the CSV filter's tokens), formulas evaluated."""
    out = tmp_path / f"out-{len(list(tmp_path.iterdir()))}"
    subprocess.run(
        [
            SOFFICE,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
            f"--infilter=Text - txt - csv (StarCalc):{import_options}",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    (converted,) = out.iterdir()
    return list(csv.reader(io.StringIO(converted.read_text(encoding="utf-8"), newline="")))


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice missing: scripts/system-deps.sh installs it")
def test_libreoffice_shows_the_message_as_typed_and_evaluates_no_part(tmp_path):
    values = [MESSAGE, *ATTACKS]
    source = tmp_path / "demandes.csv"
    source.write_text(exported_csv(values), encoding="utf-8-sig", newline="")
    # Opened the usual way (comma, double quotes): each cell is what was
    # typed (line breaks as LF), apostrophes only before the formulas.
    rows = _calc_cells(source, tmp_path, "44,34,76,1,,0,false,false,false,false,false,-1,true")
    as_shown = [re.sub(r"\r\n?", "\n", safe_cell(value)) for value in values]  # LibreOffice keeps LF
    assert [row[0] for row in rows[1:]] == as_shown
    assert rows[1][0] == MESSAGE.replace("\r\n", "\n")
    # Split on "," and ";", quotes ignored (as a French Excel reads it): every
    # line part is a cell of its own, and none is evaluated; each shows the
    # text of a part of the file (a formula would show its result or Err:).
    raw_parts = {part.strip('"') for part in re.split(r"\r\n|[,;\r\n]", source.read_text(encoding="utf-8-sig"))}
    split = _calc_cells(source, tmp_path, "44/59,1,76,1,,0,false,false,false,false,false,-1,true")
    shown = {cell.strip('"') for row in split for cell in row}
    assert shown - {""} <= raw_parts, shown - raw_parts
    assert not [cell for cell in shown if starts_a_formula(cell)]


def test_the_xlsx_path_keeps_the_message_as_a_text_cell_untouched():
    # XLSX cells are typed text (never a formula): no apostrophe there at all.
    sheet = Workbook(write_only=True).create_sheet()
    for value in (MESSAGE, *ATTACKS):
        cell = xlsx_cell(sheet, value)
        assert (cell.value, cell.data_type) == (value, "s")
