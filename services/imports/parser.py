"""Reading an uploaded spreadsheet of children: checks before parsing, header recognition by
meaning, and validation of every cell with the region's exact rules.

No Flask here: the blueprint, the background job, the tests and the benchmarks call
:func:`check_upload` and :func:`parse_file` directly.

A hostile spreadsheet is bounded twice (SECURITY.md items 13 and 25): every sheet is measured
from its XML or BIFF records before calamine, which builds a dense grid, is asked for anything,
and calamine itself runs in a child process with an address-space limit and a timeout, so that
whatever a file makes it allocate (a shared string copied into every cell, say) can only end
that child, never the worker.
"""
import datetime
import io
import os
import pickle
import re
import resource
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field

import clock
from services.common import age_on
from services.imports import sheets
from services.registry import documents
from keys import digits_key, document_key, name_key

MAX_BYTES = 5 * 1024 * 1024
MAX_MEMBERS = 300
MAX_UNPACKED = 60 * 1024 * 1024
MAX_RATIO = 200          # for members above RATIO_FROM bytes unpacked
RATIO_FROM = 1024 * 1024
MAX_ROWS = 10000
MAX_COLUMNS = 60
HEADER_SCAN_ROWS = 12
MAX_SHEET_ROWS = MAX_ROWS + HEADER_SCAN_ROWS + 1
MAX_SHEETS = 255
MAX_CELLS = 2 * MAX_SHEET_ROWS * MAX_COLUMNS   # of all sheets together: readers load every sheet
MAX_MERGED = 20000
READER_MEMORY = 280 * 1024 * 1024              # the reading child's address space
READER_SECONDS = 60
READER_FOLDER = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # where `services` imports from

ZIP_MAGIC = b'PK\x03\x04'
OLE_MAGIC = b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1'
ODS_MIMETYPE = b'application/vnd.oasis.opendocument.spreadsheet'

CRITICAL, CELL, WARNING = 'critical', 'cell', 'warning'


class ImportRefused(Exception):
    """The file cannot be read at all; the message tells the user what to do."""


@dataclass
class Issue:
    field: str
    column: str
    value: str
    message: str
    severity: str
    allowed: str = ''


@dataclass
class ParsedRow:
    number: int                      # the row number the user sees in Excel
    values: dict
    issues: list = field(default_factory=list)
    duplicate_of: int = None

    @property
    def critical(self):
        return any(i.severity == CRITICAL for i in self.issues)

    @property
    def has_errors(self):
        return any(i.severity in (CRITICAL, CELL) for i in self.issues)


@dataclass
class ParsedFile:
    rows: list
    columns: dict                    # field → the header text found
    unknown_columns: list


# --- Checks before parsing (SECURITY.md item 13) --------------------------------

def check_upload(file_name, data, max_bytes=MAX_BYTES):
    """Refuse what must not reach the parser; returns the format ('xlsx', 'xls', 'ods')."""
    extension = file_name.rsplit('.', 1)[-1].lower() if '.' in file_name else ''
    if extension not in ('xlsx', 'xls', 'ods'):
        raise ImportRefused('Загрузите файл Excel (.xlsx или .xls) или OpenDocument (.ods). '
                            'Скачайте образец на этой странице и заполните его.')
    if len(data) > max_bytes:
        raise ImportRefused(f'Файл больше {max_bytes // (1024 * 1024)} МБ. '
                            'Разделите список на несколько файлов.')
    if not data:
        raise ImportRefused('Файл пустой. Выберите заполненный файл.')
    head = data[:512].lstrip(b'\xef\xbb\xbf \t\r\n').lower()
    if head.startswith((b'<!doctype html', b'<html', b'<table', b'<?xml', b'<meta')):
        raise ImportRefused('Файл назван как таблица Excel, но внутри веб-страница (HTML) или XML. '
                            'Откройте его в Excel и сохраните как «Книга Excel (.xlsx)».')
    if data.startswith(OLE_MAGIC):
        if extension != 'xls':
            raise ImportRefused(f'Файл в формате .xls, а назван .{extension}. '
                                'Переименуйте его в .xls или сохраните как .xlsx.')
        return 'xls'
    if data.startswith(ZIP_MAGIC):
        if extension == 'xls':
            raise ImportRefused('Файл назван .xls, но по содержимому это .xlsx или .ods. '
                                'Переименуйте его или сохраните заново как .xlsx.')
        _check_archive(data, extension)
        return extension
    raise ImportRefused('Файл не является таблицей Excel или OpenDocument. '
                        'Сохраните его в Excel как «Книга Excel (.xlsx)» и загрузите снова.')


def _check_archive(data, extension):
    damaged = _damaged()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise damaged from None
    if len(members) > MAX_MEMBERS:
        raise _bomb()
    if sum(m.file_size for m in members) > MAX_UNPACKED:
        raise _bomb()
    names = {m.filename for m in members}
    if extension == 'xlsx' and not {'[Content_Types].xml', 'xl/workbook.xml'} <= names:
        raise ImportRefused('Файл .xlsx не похож на книгу Excel. Сохраните его в Excel заново.')
    if extension == 'ods' and ('mimetype' not in names
                               or archive.read('mimetype').strip() != ODS_MIMETYPE):
        raise ImportRefused('Файл .ods не похож на таблицу OpenDocument. Сохраните его заново.')
    unpacked = 0
    for member in members:
        if member.file_size > RATIO_FROM and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise _bomb()
        try:
            unpacked += _scan_member(archive, member, MAX_UNPACKED - unpacked)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError):
            raise damaged from None


def _scan_member(archive, member, budget):
    """Decompress one member in chunks (never whole), refusing DTDs and what outgrows the budget."""
    size, tail = 0, b''
    with archive.open(member) as stream:
        while True:
            chunk = stream.read(64 * 1024)
            if not chunk:
                return size
            size += len(chunk)
            if size > budget:
                raise _bomb()
            window = (tail + chunk).upper()
            if b'<!DOCTYPE' in window or b'<!ENTITY' in window:
                raise ImportRefused('В файле есть объявления XML-сущностей (DOCTYPE/ENTITY), '
                                    'которых в таблицах Excel не бывает. Такой файл не принимается: '
                                    'сохраните данные в новую книгу Excel.')
            tail = chunk[-16:]


def _bomb():
    return ImportRefused('Файл после распаковки слишком велик (похоже на «zip-бомбу»). '
                         'Загрузите обычную книгу Excel не больше 10 000 строк.')


# --- Reading cells ----------------------------------------------------------------

def read_sheet(data):
    """(rows as lists of cell values, merged ranges or None) of the sheet holding the children."""
    data = check_extents(data)
    try:
        child = subprocess.run([sys.executable, '-c', 'from services.imports import parser; parser.reading_child()'],
                               input=data, capture_output=True, timeout=READER_SECONDS, cwd=READER_FOLDER)
    except subprocess.TimeoutExpired:
        raise _too_complex() from None
    if child.returncode != 0:
        raise _too_complex()
    result = _CellValues(io.BytesIO(child.stdout)).load()
    if isinstance(result, str):
        raise ImportRefused(result)
    return result


def check_extents(data):
    """Refuse a file whose sheets reach beyond the caps, counted before any grid is built; returns
    the bytes that the reader may be given."""
    try:
        extents, readable = sheets.measure_sheets(data, MAX_SHEET_ROWS, MAX_COLUMNS, MAX_SHEETS)
    except sheets.Unreadable:
        raise _damaged() from None
    if len(extents) > MAX_SHEETS:
        raise ImportRefused(f'В книге больше {MAX_SHEETS} листов. '
                            'Оставьте в файле только лист с учениками и загрузите его снова.')
    for extent in extents:
        if extent.outside and extent.filled_rows > MAX_ROWS:
            raise ImportRefused(f'В файле больше {MAX_ROWS} строк. Разделите список на несколько файлов.')
        if extent.outside and extent.widest > MAX_COLUMNS:
            raise ImportRefused(f'В файле больше {MAX_COLUMNS} столбцов. '
                                'Используйте образец: лишние столбцы удалите.')
        if extent.outside:
            raise ImportRefused(f'На листе «{extent.sheet}» заполнена ячейка {extent.outside} — далеко за '
                                'пределами списка учеников. Удалите её содержимое (или все строки и '
                                'столбцы после списка), сохраните файл и загрузите снова.')
        if extent.merged > MAX_MERGED:
            raise ImportRefused(f'На листе «{extent.sheet}» больше {MAX_MERGED} объединённых ячеек. '
                                'Отмените объединение ячеек в строках с учениками и загрузите файл снова.')
    if sum(e.rows * e.columns for e in extents) > MAX_CELLS:
        raise ImportRefused('Кроме списка учеников, в книге много данных на других листах. '
                            'Оставьте в файле только лист с учениками и загрузите его снова.')
    return readable


def _read_in_this_process(data):
    import python_calamine
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise ImportRefused('Файл защищён паролем. Снимите пароль в Excel и загрузите снова.') from None
    except Exception:
        raise _damaged() from None
    with book:
        for index in range(len(book.sheet_names)):
            try:
                sheet = book.get_sheet_by_index(index)
            except Exception:
                continue
            rows = sheet.to_python(skip_empty_area=False)
            if _find_surname_row(rows) is not None:
                return rows, sheet.merged_cell_ranges
    raise ImportRefused('В файле не найден заголовок со столбцом «Фамилия». '
                        'Скачайте образец и перенесите данные в него.')


def reading_child():
    """The child of :func:`read_sheet`: the file on stdin, (rows, merged) or a refusal pickled to stdout."""
    resource.setrlimit(resource.RLIMIT_AS, (READER_MEMORY, READER_MEMORY))
    try:
        result = _read_in_this_process(sys.stdin.buffer.read())
    except ImportRefused as refusal:
        result = str(refusal)
    pickle.dump(result, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)


class _CellValues(pickle.Unpickler):
    """Only what cells hold may come back from the child that read a hostile file."""
    ALLOWED = {('datetime', n) for n in ('date', 'datetime', 'time', 'timedelta')}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f'{module}.{name}')
        return super().find_class(module, name)


def _damaged():
    return ImportRefused('Файл повреждён или загружен не полностью. '
                         'Откройте его в Excel, сохраните заново и загрузите ещё раз.')


def _too_complex():
    return ImportRefused('Файл не удалось прочитать: на это нужно слишком много памяти или времени. '
                         'Скопируйте список учеников на новый лист новой книги Excel, сохраните её '
                         'и загрузите снова.')


def cell_text(value, pad=0):
    """A cell as text: numbers without '.0', dates as ДД.ММ.ГГГГ, spaces collapsed."""
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'да' if value else 'нет'
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        return text.zfill(pad) if pad else text
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.strftime('%d.%m.%Y')
    return ' '.join(str(value).split())


_DMY = re.compile(r'^(\d{1,2})[./\-\s](\d{1,2})[./\-\s](\d{2}|\d{4})(?:\s*г\.?)?(?:\s+0?0:00(?::00)?)?$')
_YMD = re.compile(r'^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]0?0:00(?::00)?)?$')
EXCEL_EPOCH = datetime.date(1899, 12, 30)


def parse_date(value, today=None):
    """An Excel date, an Excel serial number, or text (01.09.2015, 1.9.15, 2015-09-01) → date."""
    today = today or clock.today()
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        return None
    text = cell_text(value)
    match = _DMY.match(text)
    if match:
        day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
        year = int(year) if len(year) == 4 else _century(int(year), today)
    else:
        match = _YMD.match(text)
        if not match:
            return None
        year, month, day = (int(g) for g in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _century(two_digits, today):
    return 2000 + two_digits if two_digits <= today.year % 100 else 1900 + two_digits


# --- Header recognition by meaning --------------------------------------------------

def header_key(text):
    text = cell_text(text).replace('№', ' номер ').casefold().replace('ё', 'е')
    return re.sub(r'[\s.:,;()*]+', ' ', text).strip()


# What a field label means; the group above it (паспорт, свидетельство…) decides documents.
_LABELS = {
    'association': ('объединение', 'объединение группа', 'группа', 'кружок', 'название объединения'),
    'surname': ('фамилия', 'фамилия ребенка', 'фамилия обучающегося'),
    'name': ('имя', 'имя ребенка'),
    'patronymic': ('отчество', 'отчество при наличии'),
    'birth_date': ('дата рождения', 'д р', 'дата рожд'),
    'gender': ('пол',),
    'snils': ('снилс', 'номер снилс', 'страховой номер снилс'),
    'series': ('серия', 'серия документа'),
    'number': ('номер', 'номер св-ва', 'номер свидетельства', 'номер документа', 'номер паспорта'),
    'issued_on': ('дата выдачи', 'когда выдано', 'когда выдан', 'дата выдачи документа'),
    'issued_by': ('кем выдан', 'кем выдано', 'кем выдан документ'),
    'division_code': ('код подразделения',),
    'civil_record_number': ('номер актовой записи', 'актовая запись', 'номер актовой записи о рождении'),
    'category': ('категория не зачисленных', 'категория'),
    'citizenship': ('гражданство',),
    'foreign_kind': ('вид документа', 'тип документа'),
    'address': ('адрес', 'адрес проживания', 'адрес регистрации', 'адрес места жительства'),
    'phone': ('телефон', 'контактный телефон', 'мобильный телефон'),
    'email': ('электронная почта', 'e-mail', 'email', 'эл почта'),
    'fio': ('фио', 'ф и о'),
    'parent_kind': ('степень родства', 'кем приходится'),
}
_LABEL_TO_MEANING = {label: meaning for meaning, labels in _LABELS.items() for label in labels}
_GROUPS = (('паспорт', 'passport'), ('свидетельств', 'certificate'), ('иностран', 'foreign'),
           ('родител', 'parent'), ('представител', 'parent'))
_DOCUMENT_PARTS = ('series', 'number', 'issued_on', 'issued_by', 'division_code')
REQUIRED_FIELDS = ('surname', 'name', 'birth_date', 'gender', 'association')
FIELD_LABELS = {
    'association': 'Объединение', 'surname': 'Фамилия', 'name': 'Имя', 'patronymic': 'Отчество',
    'birth_date': 'Дата рождения', 'gender': 'Пол', 'snils': 'СНИЛС',
    'passport_series': 'Паспорт: Серия', 'passport_number': 'Паспорт: Номер',
    'passport_issued_on': 'Паспорт: Дата выдачи', 'passport_issued_by': 'Паспорт: Кем выдан',
    'passport_division_code': 'Паспорт: Код подразделения',
    'certificate_series': 'Свидетельство о рождении: Серия',
    'certificate_number': 'Свидетельство о рождении: № Св-ва',
    'certificate_issued_on': 'Свидетельство о рождении: Когда выдано',
    'certificate_issued_by': 'Свидетельство о рождении: Кем выдано',
    'civil_record_number': 'Номер актовой записи', 'category': 'Категория не зачисленных',
    'citizenship': 'Гражданство', 'foreign_kind': 'Документ: Вид документа',
    'foreign_series': 'Документ: Серия', 'foreign_number': 'Документ: Номер',
    'foreign_issued_on': 'Документ: Дата выдачи', 'foreign_issued_by': 'Документ: Кем выдан',
    'address': 'Адрес проживания', 'phone': 'Телефон', 'email': 'Электронная почта',
    'parent_name': 'Родитель: ФИО', 'parent_kind': 'Родитель: Степень родства',
    'parent_phone': 'Родитель: Телефон',
}


def _find_surname_row(rows):
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if any(header_key(cell) in _LABELS['surname'] for cell in row):
            return index
    return None


def recognise_header(rows, merged=None):
    """(index of the first data row, {column index: field}, [unknown header texts]).

    Multi-row headers are read top-down per column: a merged or blank group cell inherits the
    text of the cell to its left, so «Серия» under «Паспорт» and under «Свидетельство о
    рождении» mean different fields.
    """
    top = _find_surname_row(rows)
    if top is None:
        raise ImportRefused('В файле не найден заголовок со столбцом «Фамилия». '
                            'Скачайте образец и перенесите данные в него.')
    surname_col = next(c for c, cell in enumerate(rows[top]) if header_key(cell) in _LABELS['surname'])
    bottom = top
    while (bottom + 1 < len(rows) and bottom - top < 3 and not cell_text(_at(rows, bottom + 1, surname_col))
           and any(header_key(c) in _LABEL_TO_MEANING or _group_of(header_key(c))
                   for c in rows[bottom + 1])):
        bottom += 1
    first = max(0, top - 2)
    grid = [[header_key(c) for c in row] for row in rows[first:bottom + 1]]
    width = max((len(r) for r in grid), default=0)
    for row in grid:
        row.extend([''] * (width - len(row)))
    _fill_merged(grid, merged, first)
    columns, unknown, seen = {}, [], set()
    for col in range(width):
        path = [grid[r][col] for r in range(len(grid))]
        texts = [t for t in path if t]
        if not texts:
            continue
        label = texts[-1]
        meaning = _LABEL_TO_MEANING.get(label)
        group = next((g for g in (_group_of(t) for t in reversed(texts[:-1])) if g), None) \
            or _group_of(label)
        fieldname = _field_for(meaning, group, label)
        original = ' / '.join(cell_text(rows[first + r][col]) if col < len(rows[first + r]) else ''
                              for r in range(len(grid)) if grid[r][col]) or label
        if fieldname is None or fieldname in seen:
            unknown.append(original)
            continue
        seen.add(fieldname)
        columns[col] = fieldname
    return bottom + 1, columns, unknown


def _at(rows, r, c):
    return rows[r][c] if c < len(rows[r]) else None


def _group_of(text):
    return next((group for word, group in _GROUPS if word in text), None) if text else None


def _field_for(meaning, group, label):
    if meaning is None:
        if group == 'passport' and 'номер' in label:
            return 'passport_number'
        return None
    if meaning in _DOCUMENT_PARTS:
        if group in ('passport', 'certificate', 'foreign'):
            if group != 'passport' and meaning == 'division_code':
                return None
            return f'{group}_{meaning}'
        if meaning == 'issued_on' and 'выдано' in label or meaning == 'number' and 'св-ва' in label:
            return f'certificate_{meaning}'
        return None
    if group == 'parent':
        return {'fio': 'parent_name', 'phone': 'parent_phone', 'parent_kind': 'parent_kind'}.get(meaning)
    if meaning in ('fio', 'parent_kind'):
        return None
    if meaning == 'foreign_kind':
        return 'foreign_kind'
    return meaning


def _fill_merged(grid, merged, first):
    """Give every cell of a merged range the text of its top-left cell; without merge data,
    blank group cells inherit from the left (what a merge across a group looks like)."""
    if merged:
        for (r1, c1), (r2, c2) in merged:
            if r1 - first >= len(grid) or r2 < first:
                continue
            value = grid[r1 - first][c1] if 0 <= r1 - first < len(grid) and c1 < len(grid[0]) else ''
            for r in range(max(r1, first), min(r2, first + len(grid) - 1) + 1):
                for c in range(c1, min(c2, len(grid[0]) - 1) + 1):
                    grid[r - first][c] = value
        return
    for col in range(1, len(grid[0]) if grid else 0):
        own_top = next((r for r in range(len(grid)) if grid[r][col]), len(grid))
        for r in range(own_top):
            if _group_of(grid[r][col - 1]) or (r < len(grid) - 1 and grid[r][col - 1]
                                                 and any(grid[x][col] for x in range(r + 1, len(grid)))):
                grid[r][col] = grid[r][col - 1]


# --- Validation of a row --------------------------------------------------------------

_GENDERS = {'м': 'M', 'муж': 'M', 'мужской': 'M', 'm': 'M', 'ж': 'F', 'жен': 'F', 'женский': 'F',
            'f': 'F'}
_LATIN_TO_CYRILLIC = str.maketrans('AaBCcEeHKMOoPpTXxy', 'АаВСсЕеНКМОоРрТХху')
_CIVIL_RECORD = re.compile(r'^\d{1,25}$')
_EMAIL = re.compile(r'^[^@\s]+@[^@\s]+\.[^@\s]+$')
PAD = {'snils': 11, 'passport_series': 4, 'passport_number': 6, 'certificate_number': 6,
       'passport_division_code': 6}


def parse_file(file_name, data, associations, today=None):
    """Check, read and validate an upload. ``associations`` maps name_key → (id, name)."""
    check_upload(file_name, data)
    rows, merged = read_sheet(data)
    start, columns, unknown = recognise_header(rows, merged)
    missing = [FIELD_LABELS[f] for f in REQUIRED_FIELDS if f not in columns.values()]
    if missing:
        raise ImportRefused('В файле не найдены обязательные столбцы: ' + ', '.join(
            f'«{m}»' for m in missing) + '. Скачайте образец и перенесите данные в него.')
    if len(rows) - start > MAX_ROWS:
        raise ImportRefused(f'В файле больше {MAX_ROWS} строк. Разделите список на несколько файлов.')
    today = today or clock.today()
    parsed = []
    for index in range(start, len(rows)):
        raw = {f: rows[index][c] if c < len(rows[index]) else None for c, f in columns.items()}
        if all(v is None or v == '' for v in raw.values()) or not any(cell_text(v) for v in raw.values()):
            continue
        parsed.append(validate_row(index + 1, raw, associations, today))
    flag_duplicates(parsed)
    return ParsedFile(rows=parsed, columns={f: FIELD_LABELS[f] for f in columns.values()},
                      unknown_columns=unknown)


def validate_row(number, raw, associations, today):
    values, issues = {}, []
    texts = {f: cell_text(v, PAD.get(f, 0) if isinstance(v, (int, float)) else 0) for f, v in raw.items()}

    def text(f):
        return texts.get(f, '')

    def problem(f, message, severity, allowed=''):
        issues.append(Issue(f, FIELD_LABELS[f], text(f), message, severity, allowed))

    for f in ('surname', 'name', 'patronymic'):
        values[f] = _name(f, text(f), problem)
    values['no_patronymic'] = False
    birth = None
    if not text('birth_date'):
        problem('birth_date', 'Не указана дата рождения.', CRITICAL, 'ДД.ММ.ГГГГ')
    else:
        birth = parse_date(raw.get('birth_date'), today)
        if birth is None:
            problem('birth_date', 'Дата не распознана.', CRITICAL, '01.09.2015, 1.9.15 или 2015-09-01')
        elif birth >= today:
            problem('birth_date', 'Дата рождения должна быть в прошлом.', CRITICAL)
            birth = None
        else:
            age = age_on(birth, today)
            if not 3 <= age <= 18:
                problem('birth_date', f'Ребёнку {age} лет — проверьте дату рождения.', WARNING)
    values['birth_date'] = birth.isoformat() if birth else None
    gender = _GENDERS.get(text('gender').casefold().rstrip('.'))
    if gender is None:
        problem('gender', 'Пол не указан или не распознан.' if text('gender') else 'Не указан пол.',
                CRITICAL, 'М, Ж')
    values['gender'] = gender
    found = associations.get(name_key(text('association')))
    if found is None:
        allowed = ', '.join(sorted(name for _, name in associations.values())) or 'в организации нет объединений текущего года'
        problem('association', 'Объединение не найдено в вашей организации.' if text('association')
                else 'Не указано объединение.', CRITICAL, allowed)
    values['association_id'], values['association_name'] = found if found else (None, text('association'))
    values['snils'] = None
    if text('snils'):
        if documents.is_valid_snils(text('snils')):
            values['snils'] = digits_key(text('snils'))
        else:
            problem('snils', 'СНИЛС неверен: нужно 11 цифр с верным контрольным числом.', CELL,
                    f'XXX-XXX-XXX YY, например {documents.EXAMPLE_SNILS}')
    values['passport'] = _passport(text, raw, birth, today, problem)
    values['certificate'] = _certificate(text, raw, birth, today, problem)
    values['foreign'] = _foreign(text, raw, birth, today, problem)
    values['civil_record_number'] = ''
    if text('civil_record_number'):
        digits = re.sub(r'[\s-]', '', text('civil_record_number'))
        if _CIVIL_RECORD.match(digits):
            values['civil_record_number'] = digits
        else:
            problem('civil_record_number', 'Номер актовой записи — только цифры.', CELL)
    values['email'] = ''
    if text('email'):
        if _EMAIL.match(text('email')):
            values['email'] = text('email')[:200]
        else:
            problem('email', 'Адрес электронной почты не распознан.', CELL, 'имя@домен.ru')
    for f, limit in (('address', 500), ('phone', 100), ('citizenship', 100), ('category', 100),
                     ('parent_name', 300), ('parent_kind', 100), ('parent_phone', 100)):
        values[f] = text(f)[:limit]
    if not any(values[k] for k in ('passport', 'certificate', 'foreign')) and not values['snils']:
        issues.append(Issue('certificate_number', 'Документ', '', 'Нет ни документа, ни СНИЛС: '
                            'ребёнка будет труднее найти в регистре.', WARNING))
    values['_raw'] = {FIELD_LABELS[f]: t for f, t in texts.items() if t}
    return ParsedRow(number=number, values=values, issues=issues)


def _name(f, value, problem):
    required = f != 'patronymic'
    if not value:
        if required:
            problem(f, f'Не заполнено поле «{FIELD_LABELS[f]}».', CRITICAL)
        return ''
    if len(value) > 100:
        problem(f, 'Слишком длинное значение (больше 100 знаков).', CRITICAL if required else CELL)
        return ''
    latin = documents.latin_lookalikes(value)
    if latin and documents.is_valid_name(value.translate(_LATIN_TO_CYRILLIC)):
        problem(f, f'Латинские буквы ({", ".join(sorted(set(latin)))}) среди русских заменены '
                'на русские.', WARNING)
        value = value.translate(_LATIN_TO_CYRILLIC)
    value = _capitalised(value)
    if not documents.is_valid_name(value):
        problem(f, f'«{FIELD_LABELS[f]}» пишется русскими буквами; допустимы дефис, апостроф и пробел.',
                CRITICAL if required else CELL, 'русские буквы, дефис, апостроф, пробел')
        return ''
    return value


def _capitalised(value):
    """'ИВАНОВА-петрова' → 'Иванова-Петрова'; names typed properly stay as they are."""
    value = documents.normalise_name(value)
    if value.isupper() or value.islower():
        return re.sub(r"[^\s\-'’]+", lambda m: m.group(0)[0].upper() + m.group(0)[1:].lower(), value)
    return value


def _issued(text, raw, f, birth, today, problem, min_age=0, what='Документ'):
    if not text(f):
        return None
    day = parse_date(raw.get(f), today)
    if day is None:
        problem(f, 'Дата не распознана.', CELL, '01.09.2015, 1.9.15 или 2015-09-01')
    elif day > today:
        problem(f, 'Дата выдачи в будущем.', CELL)
    elif birth and day < birth:
        problem(f, f'{what} выдан(о) раньше даты рождения.', CELL)
    elif birth and min_age and age_on(birth, day) < min_age:
        problem(f, f'{what} выдаётся с {min_age} лет, а ребёнку на дату выдачи {age_on(birth, day)}.', CELL)
    else:
        return day.isoformat()
    return None


def _passport(text, raw, birth, today, problem):
    fields = ('passport_series', 'passport_number', 'passport_issued_on', 'passport_issued_by',
              'passport_division_code')
    if not any(text(f) for f in fields):
        return None
    series, number = documents.normalise_passport_series(text('passport_series')), digits_key(text('passport_number'))
    ok = True
    if not documents.is_valid_passport_series(text('passport_series')):
        problem('passport_series', 'Серия паспорта — 4 цифры.', CELL, '64 08 или 6408')
        ok = False
    if not (text('passport_number') and re.fullmatch(r'\d{6}', text('passport_number').replace(' ', ''))):
        problem('passport_number', 'Номер паспорта — 6 цифр.', CELL, '123456')
        ok = False
    issued = _issued(text, raw, 'passport_issued_on', birth, today, problem, 14, 'Паспорт')
    code = ''
    if text('passport_division_code'):
        candidate = text('passport_division_code')
        candidate = f'{candidate[:3]}-{candidate[3:]}' if re.fullmatch(r'\d{6}', candidate) else candidate
        if documents.is_valid_division_code(candidate):
            code = candidate
        else:
            problem('passport_division_code', 'Код подразделения — NNN-NNN.', CELL, '650-001')
    if not ok:
        return None
    return {'series': series, 'number': number, 'issued_on': issued,
            'issued_by': text('passport_issued_by')[:500], 'division_code': code,
            'key': document_key(series, number)}


def _certificate(text, raw, birth, today, problem):
    fields = ('certificate_series', 'certificate_number', 'certificate_issued_on', 'certificate_issued_by')
    if not any(text(f) for f in fields):
        return None
    ok = True
    series = documents.normalise_birth_certificate_series(text('certificate_series'))
    if not documents.is_valid_birth_certificate_series(text('certificate_series')):
        problem('certificate_series', 'Серия свидетельства — римские цифры, дефис и две русские буквы.',
                CELL, 'II-ФВ, XIV-АИ')
        ok = False
    number = text('certificate_number').replace(' ', '')
    if not re.fullmatch(r'\d{6}', number):
        problem('certificate_number', 'Номер свидетельства — 6 цифр.', CELL, '123456')
        ok = False
    issued = _issued(text, raw, 'certificate_issued_on', birth, today, problem, 0, 'Свидетельство')
    if not ok:
        return None
    return {'series': series, 'number': number, 'issued_on': issued,
            'issued_by': text('certificate_issued_by')[:500], 'key': document_key(series, number)}


def _foreign(text, raw, birth, today, problem):
    fields = ('foreign_kind', 'foreign_series', 'foreign_number', 'foreign_issued_on', 'foreign_issued_by')
    if not any(text(f) for f in fields):
        return None
    if not text('foreign_number'):
        problem('foreign_number', 'Не указан номер документа.', CELL)
        return None
    issued = _issued(text, raw, 'foreign_issued_on', birth, today, problem)
    return {'kind': text('foreign_kind')[:200] or 'Иностранный документ',
            'series': text('foreign_series')[:32], 'number': text('foreign_number')[:64],
            'issued_on': issued, 'issued_by': text('foreign_issued_by')[:500],
            'key': document_key(text('foreign_series'), text('foreign_number'))}


def flag_duplicates(rows):
    """Mark a row that repeats an earlier row of the same file (same child) as critical."""
    seen = {}
    for row in rows:
        v = row.values
        keys = []
        if v['surname'] and v['name'] and v['birth_date']:
            keys.append(('fio', name_key(v['surname']), name_key(v['name']),
                         name_key(v['patronymic']), v['birth_date']))
        if v['snils']:
            keys.append(('snils', v['snils']))
        for kind in ('passport', 'certificate', 'foreign'):
            if v[kind]:
                keys.append((kind, v[kind]['key']))
        earlier = next((seen[k] for k in keys if k in seen), None)
        if earlier is not None:
            row.duplicate_of = earlier
            row.issues.append(Issue('surname', 'Строка', '', f'Повторяет строку {earlier}: '
                                    'тот же ребёнок указан в файле дважды.', CRITICAL))
            continue
        for k in keys:
            seen[k] = row.number
