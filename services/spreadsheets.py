"""Spreadsheets written safely (the movement book's exports, the import templates).

Every user string goes into the sheet as a string (data type 's'), never a formula; a string
that a spreadsheet would read as a formula when retyped (= + - @ tab CR) also carries the
quote-prefix style, and characters that XML cannot hold are dropped.  Dates stay real dates.
File names are chosen by the server.  Reading untrusted files is ``services.imports.sheets``.
"""
import datetime
import io
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ('=', '+', '-', '@', '\t', '\r')
DATE_FORMAT = 'DD.MM.YYYY'


def as_text(cell, value):
    """Put ``value`` into a cell (of any kind of sheet) as a string, never a formula."""
    text = ILLEGAL_CHARACTERS_RE.sub('', str(value))
    cell.value = text
    cell.data_type = 's'  # set after the value: openpyxl guesses 'f' for '=…'
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def text_cell(sheet, value):
    return as_text(WriteOnlyCell(sheet, value=None), value)


def _cell(sheet, value):
    if value is None or value == '':
        return None
    if isinstance(value, (datetime.date, datetime.datetime)):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, int) and not isinstance(value, bool):
        return value  # counts computed by the server
    return text_cell(sheet, value)


def workbook_bytes(title, header, rows, widths=None, heading=None):
    """An .xlsx with one sheet: optional heading line, a bold header row, then ``rows``.

    The header row stays in view (frozen panes) and carries an autofilter over the rows.  In a
    write-only sheet the panes go into the sheet view written before the first row, so they are
    set first; the filter is written after the rows, so its range is set once they are counted.
    """
    book = Workbook(write_only=True)
    sheet = book.create_sheet(ILLEGAL_CHARACTERS_RE.sub('', title)[:31] or 'Лист1')
    for index, width in enumerate(widths or (), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header_row = 2 if heading else 1
    sheet.freeze_panes = f'A{header_row + 1}'
    if heading:
        cell = text_cell(sheet, heading)
        cell.font = Font(bold=True, size=12)
        sheet.append([cell])
    bold = []
    for name in header:
        cell = text_cell(sheet, name)
        cell.font = Font(bold=True)
        bold.append(cell)
    sheet.append(bold)
    last_row = header_row
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
        last_row += 1
    if header:
        sheet.auto_filter.ref = f'A{header_row}:{get_column_letter(len(header))}{last_row}'
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def attachment_disposition(file_name, ascii_fallback):
    """RFC 6266 / 5987: a plain ASCII name for old clients and the real one in UTF-8."""
    return f'attachment; filename="{ascii_fallback}"; filename*=UTF-8\'\'{quote(file_name, safe="")}'
