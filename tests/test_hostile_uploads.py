"""Hostile spreadsheets (issue 10, items 1, 2 and 9): caps applied while reading, worker memory
bounded, no upload can abort a worker; templates never carry user text as formulas.

Every hostile file is generated here.  The memory tests parse in a fresh process (as a worker
would) under a 2 GB address-space limit, so that a regression fails instead of eating the machine.
"""
import io
import json
import os
import random
import string
import subprocess
import sys
import zipfile
from xml.sax.saxutils import escape

import pytest
from openpyxl.utils import get_column_letter
from openpyxl import load_workbook

from models import ImportJob
from services import imports
from services.imports import ImportRefused, parse_file
from tests import builders
from tests.test_import_flow import upload

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
XLS_SAMPLE = os.path.join(ROOT, 'tests', 'data', 'import', 'sample.xls')
ASSOCIATIONS = {'1а бисер': (1, '1а Бисер')}
HEADER = ['Объединение', 'Фамилия', 'Имя', 'Дата рождения', 'Пол']
CHILD = ['1а Бисер', 'Ким', 'Алина', '01.01.2015', 'Ж']
LIMIT_MB = 300


# --- Generators ---------------------------------------------------------------------------

def _inline(ref, value):
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'


def _rows(rows, first=1):
    return ''.join(f'<row r="{r}">' + ''.join(_inline(f'{get_column_letter(c)}{r}', v) for c, v in enumerate(row, 1))
                   + '</row>' for r, row in enumerate(rows, first))


def xlsx(sheet_data, dimension='', shared=None):
    """A minimal .xlsx: one sheet «Ученики» with ``sheet_data`` inside <sheetData>."""
    sst = ('' if shared is None else '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
           'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
    files = {
        '[Content_Types].xml': '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' + sst + '</Types>',
        '_rels/.rels': '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        'xl/workbook.xml': '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Ученики" sheetId="1" r:id="rId1"/></sheets></workbook>',
        'xl/_rels/workbook.xml.rels': '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        'xl/worksheets/sheet1.xml': '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                    + (f'<dimension ref="{dimension}"/>' if dimension else '')
                                    + f'<sheetData>{sheet_data}</sheetData></worksheet>',
    }
    if shared is not None:
        files['xl/sharedStrings.xml'] = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
                                         'openxmlformats.org/spreadsheetml/2006/main">'
                                         + ''.join(f'<si><t>{escape(s)}</t></si>' for s in shared) + '</sst>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return out.getvalue()


MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
            'opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
            'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')


def ods(table):
    """A minimal .ods whose only table «Ученики» holds the rows XML ``table``."""
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               '<office:body><office:spreadsheet><table:table table:name="Ученики">' + table
               + '</table:table></office:spreadsheet></office:body></office:document-content>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as archive:
        archive.writestr(zipfile.ZipInfo('mimetype'), 'application/vnd.oasis.opendocument.spreadsheet')
        archive.writestr('META-INF/manifest.xml', MANIFEST, zipfile.ZIP_DEFLATED)
        archive.writestr('content.xml', content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def ods_row(cells, repeated=1):
    attribute = f' table:number-rows-repeated="{repeated}"' if repeated > 1 else ''
    return f'<table:table-row{attribute}>' + ''.join(cells) + '</table:table-row>'


def ods_cell(value=None, repeated=1, style=False):
    attributes = (f' table:number-columns-repeated="{repeated}"' if repeated > 1 else '') \
        + (' table:style-name="ce1"' if style else '')
    if value is None:
        return f'<table:table-cell{attributes}/>'
    return (f'<table:table-cell office:value-type="string"{attributes}>'
            f'<text:p>{escape(value)}</text:p></table:table-cell>')


def ods_list(rows):
    return ''.join(ods_row([ods_cell(v) for v in row]) for row in rows)


def xls(patch=None):
    """The committed sample.xls, one BIFF record rewritten in place by ``patch(bytearray)``."""
    with open(XLS_SAMPLE, 'rb') as fh:
        data = bytearray(fh.read())
    if patch:
        patch(data)
    return bytes(data)


def _xls_move_cell(data, row, column):
    at = data.index(bytes.fromhex('7e020a0003000e00'))  # the RK record of cell O4 (Номер актовой записи)
    data[at + 4:at + 8] = row.to_bytes(2, 'little') + column.to_bytes(2, 'little')


def _xls_dimensions(data, last_row, last_column):
    at = data.index(bytes.fromhex('00020e00'))  # the DIMENSIONS record
    data[at + 4:at + 18] = (0).to_bytes(4, 'little') + last_row.to_bytes(4, 'little') \
        + (0).to_bytes(2, 'little') + last_column.to_bytes(2, 'little') + b'\0\0'


def normal_rows(count):
    rows = [HEADER + ['СНИЛС', 'Свидетельство о рождении', '']]
    rows.append([''] * 6 + ['Серия', '№ Св-ва'])
    for n in range(count):
        rows.append(['1а Бисер', 'Иванова', 'Мария', f'{1 + n % 28:02d}.03.2016', 'Ж', '', 'II-ФВ',
                     f'{n:06d}'])
    return rows


def _random_text(size, seed=1):
    generator = random.Random(seed)
    return ''.join(generator.choice(string.ascii_letters) for _ in range(size))


HOSTILE = {
    # name: (file name, a maker of the bytes, a piece of the refusal or the number of rows read)
    'xlsx, one cell at XFD1048576': ('дети.xlsx', lambda: xlsx(_rows([HEADER, CHILD]) + '<row r="1048576">'
                                                           + _inline('XFD1048576', 'x') + '</row>'), 'XFD1048576'),
    'xlsx, one cell at F1048576': ('дети.xlsx', lambda: xlsx(_rows([HEADER, CHILD]) + '<row r="1048576">'
                                                         + _inline('F1048576', 'x') + '</row>'), 'F1048576'),
    'xlsx, dimension A1:XFD1048576 and formatted empty cells to the end': (
        'дети.xlsx', lambda: xlsx(_rows([HEADER, CHILD]) + '<row r="1048576"><c r="XFD1048576" s="1"/></row>',
                                 dimension='A1:XFD1048576'), 1),
    'xlsx, 10 100 rows': ('дети.xlsx', lambda: xlsx(_rows([HEADER] + [CHILD] * 10100)), 'больше 10000 строк'),
    'xlsx, 900 KB shared string in 1000 cells': (
        'дети.xlsx', lambda: xlsx(_rows([HEADER, CHILD]) + ''.join(
            f'<row r="{r}"><c r="F{r}" t="s"><v>0</v></c></row>' for r in range(3, 1003)),
            shared=[_random_text(900 * 1024)]), 'слишком много памяти'),
    'ods, 1048575 rows × 50 columns of data': (
        'дети.ods', lambda: ods(ods_list([HEADER]) + ods_row([ods_cell('x', 50)], 1048575)), 'больше 10000 строк'),
    'ods, LibreOffice trailing emptiness (repeated rows × columns)': (
        'дети.ods', lambda: ods(''.join(ods_row([ods_cell(v) for v in row] + [ods_cell(None, 16379, style=True)])
                                        for row in (HEADER, CHILD))
                                + ods_row([ods_cell(None, 16384, style=True)], 1048574)), 1),
    'ods, one cell after a million empty rows': (
        'дети.ods', lambda: ods(ods_list([HEADER, CHILD]) + ods_row([ods_cell()], 1048000)
                                + ods_row([ods_cell('x')])), 'A1048003'),
    'ods, a row of 16384 repeated cells': (
        'дети.ods', lambda: ods(ods_list([HEADER, CHILD]) + ods_row([ods_cell('x', 16384)])), 'больше 60 столбцов'),
    'ods, text:s asking for 2 000 000 000 spaces': (
        'дети.ods', lambda: ods(ods_list([HEADER]) + ods_row(
            [ods_cell(v) for v in CHILD] + ['<table:table-cell office:value-type="string"><text:p>'
                                            '<text:s text:c="2000000000"/></text:p></table:table-cell>'])),
        'слишком много памяти'),
    'xls, one cell at IV65536': ('дети.xls', lambda: xls(lambda d: _xls_move_cell(d, 65535, 255)), 'IV65536'),
    'xls, one cell in column 65536': ('дети.xls', lambda: xls(lambda d: _xls_move_cell(d, 3, 65535)), 'CRXP4'),
    'xls, DIMENSIONS of 65536 × 256 around two rows': (
        'дети.xls', lambda: xls(lambda d: _xls_dimensions(d, 65536, 256)), 2),
    'xls, DIMENSIONS beyond what BIFF holds': (
        'дети.xls', lambda: xls(lambda d: _xls_dimensions(d, 0xFFFFFFFF, 0xFFFF)), 'повреждён'),
    'normal file, 10 000 rows': ('дети.xlsx', lambda: xlsx(_rows(normal_rows(10000))), 10000),
}

_PARSE = '''
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from services.imports import ImportRefused, parse_file
data = sys.stdin.buffer.read()
started = time.perf_counter()
try:
    result = {'rows': len(parse_file(sys.argv[1], data, {'1а бисер': (1, '1а Бисер')}).rows)}
except ImportRefused as refusal:
    result = {'refused': str(refusal)}
result['seconds'] = time.perf_counter() - started
status = open('/proc/self/status').read()  # VmHWM: this process's own peak, unlike ru_maxrss after exec
result['worker_mb'] = int(status.split('VmHWM:')[1].split()[0]) / 1024
result['reader_mb'] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # at most
print(json.dumps(result, ensure_ascii=False))
'''


def parse_in_fresh_process(file_name, data):
    """The parse as a worker runs it, in a new process: its answer, time and peak memory."""
    done = subprocess.run([sys.executable, '-c', _PARSE, file_name], input=data, capture_output=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, f'the worker died ({done.returncode}): {done.stderr.decode()[-500:]}'
    return json.loads(done.stdout)


# --- Items 1 and 2: refused or read, never a dense grid -------------------------------------

@pytest.mark.parametrize('case', list(HOSTILE))
def test_hostile_upload_is_answered_in_russian_with_bounded_memory(case):
    file_name, make, expected = HOSTILE[case]
    data = make()
    assert len(data) <= imports.MAX_BYTES
    result = parse_in_fresh_process(file_name, data)
    if isinstance(expected, int):
        assert result.get('rows') == expected, result
    else:
        assert expected in result.get('refused', ''), result
    assert result['worker_mb'] < LIMIT_MB and result['reader_mb'] < LIMIT_MB, result


def test_refusals_say_what_to_do():
    file_name, make, _ = HOSTILE['xlsx, one cell at XFD1048576']
    with pytest.raises(ImportRefused) as far:
        parse_file(file_name, make(), ASSOCIATIONS)
    assert str(far.value) == ('На листе «Ученики» заполнена ячейка XFD1048576 — далеко за пределами списка '
                              'учеников. Удалите её содержимое (или все строки и столбцы после списка), '
                              'сохраните файл и загрузите снова.')


def test_a_formatted_empty_tail_and_a_lying_dimension_cost_nothing():
    extents = imports.measure_sheets(
        HOSTILE['ods, LibreOffice trailing emptiness (repeated rows × columns)'][1](), 10013, 60, 255)[0]
    assert [(e.rows, e.columns, e.outside) for e in extents] == [(2, 5, '')]
    extents = imports.measure_sheets(
        HOSTILE['xlsx, dimension A1:XFD1048576 and formatted empty cells to the end'][1](), 10013, 60, 255)[0]
    assert [(e.rows, e.columns, e.outside) for e in extents] == [(2, 5, '')]


def test_rows_between_the_caps_and_the_real_data_count_with_their_repeats():
    data = ods(ods_list([HEADER, CHILD]) + ods_row([ods_cell()], 9990) + ods_row([ods_cell('x')]))
    assert [r.number for r in parse_file('дети.ods', data, ASSOCIATIONS).rows] == [2, 9993]
    data = ods(ods_list([HEADER, CHILD]) + ods_row([ods_cell()], 10011) + ods_row([ods_cell('x')]))
    with pytest.raises(ImportRefused, match='ячейка A10014'):
        parse_file('дети.ods', data, ASSOCIATIONS)


def test_a_hostile_upload_over_http_is_refused_and_leaves_nothing(admin_client, region):
    builders.import_setup(region.odo)
    response = upload(admin_client, HOSTILE['xlsx, one cell at XFD1048576'][1]())
    assert response.status_code == 303
    page = admin_client.get(response.headers['Location']).get_data(as_text=True)
    assert 'заполнена ячейка XFD1048576' in page
    assert ImportJob.select().count() == 0


# --- Item 9: the template carries объединение names as text ---------------------------------

HOSTILE_NAMES = ("=cmd|'/c calc'!A1", '=HYPERLINK("http://evil.example/","Открыть")', '+1+1', '@SUM(1)',
                 '-2+3', 'Бисер\x01\x08')


def test_template_writes_association_names_as_text(admin_client, region):
    builders.import_setup(region.odo, names=HOSTILE_NAMES)
    for variant in ('short', 'extended', 'foreign'):
        response = admin_client.get(f'/imports/templates/{variant}.xlsx')
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(response.data))
        cells = [c for c in book['Списки']['A'] if c.value]
        assert {c.value for c in cells} == {n.replace('\x01', '').replace('\x08', '') for n in HOSTILE_NAMES}
        for cell in cells:
            assert cell.data_type == 's', (cell.coordinate, cell.value)
            assert cell.quotePrefix == cell.value.startswith(('=', '+', '-', '@'))
        for sheet in book.worksheets:
            assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == 'f']
        rules = {dv.formula1 for dv in book['Ученики'].data_validations.dataValidation}
        assert f'=Списки!$A$1:$A${len(HOSTILE_NAMES)}' in rules


def test_a_name_with_control_characters_matches_its_template_spelling():
    """The template drops characters a spreadsheet cannot hold; the matching key drops them too,
    so the объединение picked from the template's list is found on upload."""
    from keys import name_key
    assert name_key('1а\x01 Бисер\x7f') == name_key('1а Бисер')
