"""Reading untrusted spreadsheets: what each sheet holds, before a reader builds a grid.

:func:`measure_sheets` measures every sheet of an .xlsx, .xls or .ods by streaming through its
XML or BIFF records, so that a reader which builds a dense grid (calamine) is only given files
whose grid is known to be small.
"""
import io
import re
import struct
import zipfile
from dataclasses import dataclass
from xml.parsers import expat

OLE_MAGIC = b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1'
_ODS_VALUES = ('office:value', 'office:string-value', 'office:date-value', 'office:time-value',
               'office:boolean-value', 'table:formula')
_BIFF_CELLS = {0x0006, 0x00D6, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E}  # formula, text, number, bool
_BIFF_MULRK, _BIFF_DIMENSIONS, _BIFF_MERGED, _BIFF_BOF, _BIFF_EOF, _BIFF_SHEET = (
    0x00BD, 0x0200, 0x00E5, 0x0809, 0x000A, 0x0085)
_ENDOFCHAIN = 0xFFFFFFFE


class Unreadable(Exception):
    """The file's structure is broken where a reader would trust it."""


@dataclass
class Extent:
    """The filled part of one sheet, counted from its XML or BIFF records, as a reader would
    lay it out (rows and columns from the top-left corner, repeats expanded)."""
    sheet: str
    max_rows: int
    max_columns: int
    rows: int = 0             # the last filled row, 1-based; 0 when the sheet is empty
    columns: int = 0
    filled_rows: int = 0
    widest: int = 0           # the most filled cells in one row
    merged: int = 0
    outside: str = ''         # the first filled cell beyond the limits, as Excel names it
    _row: int = -1
    _in_row: int = 0

    def add(self, row, column, width=1, height=1):
        """``width`` × ``height`` filled cells from (row, column), both 0-based."""
        if width < 1 or height < 1:
            return
        if row != self._row:
            self._row, self._in_row = row, 0
            self.filled_rows += height
        self._in_row += width
        self.widest = max(self.widest, self._in_row)
        last_row, last_column = row + height, column + width
        self.rows, self.columns = max(self.rows, last_row), max(self.columns, last_column)
        if not self.outside and (last_row > self.max_rows or last_column > self.max_columns):
            self.outside = f'{_column_letters(last_column)}{last_row}'


def _column_letters(column):
    # Not openpyxl's get_column_letter: a hostile ODS can reach columns past its 18,278 limit.
    letters = ''
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def measure_sheets(data, max_rows, max_columns, max_sheets):
    """(an :class:`Extent` per sheet, at most ``max_sheets`` + 1 of them; the bytes to give a reader)
    of an .xlsx, .xls or .ods, streaming through the sheet XML or BIFF records: nothing of the size
    of a grid is built.  The bytes are ``data`` itself, except that an .xls sheet's declared
    DIMENSIONS are shrunk to the cells really there, since a reader reserves room for them."""
    if data.startswith(OLE_MAGIC):
        return _xls_extents(data, max_rows, max_columns, max_sheets)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        extents = []
        if '_rels/.rels' in names:
            extents += _xlsx_extents(archive, names, max_rows, max_columns, max_sheets)
        if 'content.xml' in names:
            extents += _ods_extents(archive, max_rows, max_columns, max_sheets)
        return extents, data
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, expat.ExpatError):
        raise Unreadable() from None


def _parse(archive, member, start, end=None):
    """Stream one zip member through expat (no namespaces: readers match names as written)."""
    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    if end:
        parser.EndElementHandler = end
    with archive.open(member) as stream:
        while chunk := stream.read(64 * 1024):
            parser.Parse(chunk, False)
    parser.Parse(b'', True)


def _local(name):
    return name.rpartition(':')[2]


def _attribute(attrs, local):
    return next((v for k, v in attrs.items() if _local(k) == local), None)


def _xlsx_extents(archive, names, max_rows, max_columns, max_sheets):
    office, sheets, targets = [], [], {}

    def relationship(found):
        def start(name, attrs):
            if _local(name) == 'Relationship':
                found(attrs.get('Id'), attrs.get('Type') or '', attrs.get('Target') or '')
        return start

    _parse(archive, '_rels/.rels', relationship(
        lambda _, kind, target: office.append(target) if kind.endswith('/officeDocument') else None))
    if not office:
        raise Unreadable()
    base = office[-1].rpartition('/')[0].lstrip('/')
    base = base + '/' if base else ''

    def sheet(name, attrs):
        if _local(name) == 'sheet' and len(sheets) <= max_sheets:
            sheets.append((attrs.get('name', ''), _attribute(attrs, 'id')))

    _parse(archive, base + 'workbook.xml', sheet)
    wanted = {rid for _, rid in sheets}
    _parse(archive, base + '_rels/workbook.xml.rels', relationship(
        lambda rid, _, target: targets.__setitem__(rid, target) if rid in wanted else None))
    extents, seen = [], set()
    for title, rid in sheets:
        target = targets.get(rid, '')
        path = target[1:] if target.startswith('/') else base + target
        if path in names and path not in seen:
            seen.add(path)
            extents.append(_xlsx_sheet(archive, path, Extent(title, max_rows, max_columns)))
    return extents


def _xlsx_sheet(archive, path, extent):
    at = {'row': 0, 'column': 0, 'cell': None}

    def start(name, attrs):
        local = _local(name)
        if local == 'c':
            ref = attrs.get('r')
            at['cell'] = _cell_position(ref) if ref else (at['row'], at['column'])
            at['column'] = at['cell'][1]
        elif local in ('v', 'is') and at['cell']:
            extent.add(*at['cell'])
            at['cell'] = None
        elif local == 'row':
            if attrs.get('r'):
                at['row'] = _number(attrs['r']) - 1
        elif local == 'mergeCell':
            extent.merged += 1

    def end(name):
        local = _local(name)
        if local == 'c':
            at['cell'], at['column'] = None, at['column'] + 1
        elif local == 'row':
            at['row'], at['column'] = at['row'] + 1, 0

    _parse(archive, path, start, end)
    return extent


_REF = re.compile(r'([A-Z]{1,7})([0-9]{1,10})')


def _cell_position(ref):
    match = _REF.fullmatch(ref)
    if not match:
        raise Unreadable()
    column = 0
    for letter in match.group(1):
        column = column * 26 + ord(letter) - 64
    return int(match.group(2)) - 1, column - 1


def _number(text):
    if not text.isdigit():
        raise Unreadable()
    return int(text)


def _ods_extents(archive, max_rows, max_columns, max_sheets):
    extents = []
    at = {'row': 0, 'height': 1, 'column': 0, 'depth': 0}

    def start(name, attrs):
        if at['depth']:  # inside a cell: its paragraphs, not the table's structure
            at['depth'] += 1
        elif name == 'table:table' and len(extents) <= max_sheets:
            extents.append(Extent(attrs.get('table:name', ''), max_rows, max_columns))
            at['row'] = 0
        elif name == 'table:table-row' and extents:
            at['height'], at['column'] = _repeats(attrs.get('table:number-rows-repeated')), 0
        elif name in ('table:table-cell', 'table:covered-table-cell') and extents:
            width = _repeats(attrs.get('table:number-columns-repeated'))
            if attrs.get('office:value-type') == 'string' or any(k in attrs for k in _ODS_VALUES):
                extents[-1].add(at['row'], at['column'], width, at['height'])
            at['column'] += width
            at['depth'] = 1

    def end(name):
        if at['depth']:
            at['depth'] -= 1
        elif name == 'table:table-row':
            at['row'] += at['height']

    _parse(archive, 'content.xml', start, end)
    return extents


def _repeats(text):
    return _number(text) if text else 1


def _xls_extents(data, max_rows, max_columns, max_sheets):
    stream, places = _cfb_stream(data, ('Workbook', 'Book', 'WORKBOOK', 'BOOK'))
    sheets = []
    for _, kind, body in _biff_records(stream, 0):
        if kind == _BIFF_SHEET and len(body) >= 8 and len(sheets) <= max_sheets:
            count = body[6]
            name = (body[8:8 + 2 * count].decode('utf-16-le', 'replace') if body[7] & 1
                    else body[8:8 + count].decode('cp1251', 'replace'))
            sheets.append((struct.unpack_from('<I', body)[0], name))
        elif kind == _BIFF_EOF:
            break
    extents, readable = [], bytearray(data)
    for position, name in sheets:
        extent, depth, started, dimensions = Extent(name, max_rows, max_columns), 0, False, []
        for at, kind, body in _biff_records(stream, position):
            if kind == _BIFF_BOF:
                depth, started = depth + started, True
            elif kind == _BIFF_EOF:
                if not depth:
                    break
                depth -= 1
            elif depth:
                continue
            elif kind in _BIFF_CELLS and len(body) >= 4:
                extent.add(*struct.unpack_from('<HH', body))
            elif kind == _BIFF_MULRK and len(body) >= 6:
                row, first = struct.unpack_from('<HH', body)
                extent.add(row, first, struct.unpack_from('<H', body, len(body) - 2)[0] - first + 1)
            elif kind == _BIFF_MERGED and len(body) >= 2:
                extent.merged += struct.unpack_from('<H', body)[0]
            elif kind == _BIFF_DIMENSIONS:
                _check_dimensions(body)
                dimensions.append((at + 4, len(body)))
        for at, size in dimensions:
            _shrink_dimensions(readable, places, at, size, extent)
        extents.append(extent)
    return extents, bytes(readable)


def _check_dimensions(body):
    """A reader reserves room for the declared range: it must be one that BIFF can hold."""
    if len(body) == 14:
        first_row, last_row, first_column, last_column = struct.unpack_from('<IIHH', body)
    elif len(body) == 10:
        first_row, last_row, first_column, last_column = struct.unpack_from('<HHHH', body)
    else:
        raise Unreadable()
    if first_column > 0xFF or last_column < first_column:
        first_column = 0
    if last_row and last_column and not (0 <= last_row - first_row <= 65536
                                         and last_column - first_column <= 256):
        raise Unreadable()


def _shrink_dimensions(readable, places, at, size, extent):
    """Declare the cells really there (first row and column 0), where the stream can be patched;
    a sheet beyond the limits is refused anyway."""
    if places is None or extent.outside:
        return
    body = struct.pack('<IIHHH' if size == 14 else '<HHHHH', 0, extent.rows, 0, extent.columns, 0)
    for offset, byte in enumerate(body):
        readable[places(at + offset)] = byte


def _biff_records(stream, position):
    if position > len(stream):
        raise Unreadable()
    while position + 4 <= len(stream):
        kind, size = struct.unpack_from('<HH', stream, position)
        if position + 4 + size > len(stream):
            raise Unreadable()
        yield position, kind, stream[position + 4:position + 4 + size]
        position += 4 + size


def _cfb_stream(data, names):
    """(one stream of an OLE compound file, stream offset → file offset or None for a stream kept in
    the mini stream), every chain followed at most once per sector."""
    if len(data) < 512 or struct.unpack_from('<H', data, 32)[0] != 6:
        raise Unreadable()
    shift = struct.unpack_from('<H', data, 30)[0]
    if shift not in (9, 12):
        raise Unreadable()
    size = 1 << shift
    count = len(data) // size - 1

    def sector(index):
        if index >= count:
            raise Unreadable()
        return data[(index + 1) * size:(index + 2) * size]

    def chain(first, table, read, limit):
        return b''.join(read(index) for index in indexes(first, table, limit))

    def indexes(first, table, limit):
        found, index = [], first
        while index != _ENDOFCHAIN:
            if index >= len(table) or len(found) > limit:
                raise Unreadable()
            found.append(index)
            index = table[index]
        return found

    difat = list(struct.unpack_from('<109I', data, 76))
    index, seen = struct.unpack_from('<I', data, 68)[0], 0
    while index < 0xFFFFFFFA:
        seen += 1
        if seen > count:
            raise Unreadable()
        block = struct.unpack(f'<{size // 4}I', sector(index))
        difat.extend(block[:-1])
        index = block[-1]
    fat = []
    for index in difat:
        if index < 0xFFFFFFFA:
            fat.extend(struct.unpack(f'<{size // 4}I', sector(index)))
    directory = chain(struct.unpack_from('<I', data, 48)[0], fat, sector, count)
    entries = []
    for offset in range(0, len(directory) - 127, 128):
        length = min(struct.unpack_from('<H', directory, offset + 64)[0], 64)
        name = directory[offset:offset + length].decode('utf-16-le', 'replace').split('\0')[0]
        entries.append((name, *struct.unpack_from('<II', directory, offset + 116)))
    if not entries:
        raise Unreadable()
    found = next((e for n in names for e in entries[1:] if e[0] == n), None)
    if found is None or found[2] > len(data):
        raise Unreadable()
    _, start, length = found
    if length >= 4096:
        sectors = indexes(start, fat, count)
        stream = b''.join(sector(index) for index in sectors)[:length]
        return stream, lambda offset: (sectors[offset // size] + 1) * size + offset % size
    _, root_start, root_length = entries[0]
    mini = chain(root_start, fat, sector, count)[:root_length]
    mini_fat = chain(struct.unpack_from('<I', data, 60)[0], fat, sector, count)
    mini_table = struct.unpack(f'<{len(mini_fat) // 4}I', mini_fat)
    return chain(start, mini_table, lambda i: mini[i * 64:(i + 1) * 64], len(mini) // 64)[:length], None
