"""The three downloadable import templates (.xlsx), written with openpyxl.

Each has the seed's three-row merged header (group → subgroup → field), a data sheet first,
an instructions sheet, drop-down lists for Пол and Объединение, and text-formatted columns
for СНИЛС and document series/numbers so that Excel keeps leading zeros.
"""
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from services.registry import documents
from services.spreadsheets import as_text, text_cell

DOCS = 'Документы, уд. личность'
PASSPORT = 'Паспорт'
BIRTH = 'Свидетельство о рождении'
FOREIGN = 'Документ иностранного гражданина'
PARENT = 'Родитель (законный представитель)'
CONTACTS = 'Контакты'

# (field, group, subgroup, label, width, text-formatted)
_HEAD = [
    ('association', '', '', 'Объединение', 22, False),
    ('surname', '', '', 'Фамилия', 16, False),
    ('name', '', '', 'Имя', 14, False),
    ('patronymic', '', '', 'Отчество', 16, False),
    ('birth_date', '', '', 'Дата рождения', 13, False),
    ('gender', '', '', 'Пол', 6, False),
    ('snils', '', '', 'СНИЛС', 16, True),
]
_RUSSIAN_DOCUMENTS = [
    ('passport_series', DOCS, PASSPORT, 'Серия', 8, True),
    ('passport_number', DOCS, PASSPORT, 'Номер', 10, True),
    ('passport_issued_on', DOCS, PASSPORT, 'Дата выдачи', 12, False),
    ('passport_issued_by', DOCS, PASSPORT, 'Кем выдан', 24, False),
    ('certificate_series', DOCS, BIRTH, 'Серия', 9, True),
    ('certificate_number', DOCS, BIRTH, '№ Св-ва', 10, True),
    ('certificate_issued_on', DOCS, BIRTH, 'Когда выдано', 12, False),
    ('certificate_issued_by', DOCS, BIRTH, 'Кем выдано', 30, False),
    ('civil_record_number', '', '', 'Номер актовой записи', 16, True),
]
_CATEGORY = [('category', '', '', 'Категория не зачисленных', 24, False)]

LAYOUTS = {
    'short': {
        'title': 'Краткий вариант',
        'file_name': 'Импорт учеников — краткий.xlsx',
        'columns': _HEAD + _RUSSIAN_DOCUMENTS + _CATEGORY,
    },
    'extended': {
        'title': 'Расширенный вариант',
        'file_name': 'Импорт учеников — расширенный.xlsx',
        'columns': _HEAD + _RUSSIAN_DOCUMENTS[:4] + [
            ('passport_division_code', DOCS, PASSPORT, 'Код подразделения', 12, True),
        ] + _RUSSIAN_DOCUMENTS[4:] + [
            ('citizenship', '', '', 'Гражданство', 18, False),
            ('address', CONTACTS, '', 'Адрес проживания', 34, False),
            ('phone', CONTACTS, '', 'Телефон', 16, True),
            ('email', CONTACTS, '', 'Электронная почта', 22, False),
            ('parent_name', PARENT, '', 'ФИО', 28, False),
            ('parent_kind', PARENT, '', 'Степень родства', 14, False),
            ('parent_phone', PARENT, '', 'Телефон', 16, True),
        ] + _CATEGORY,
    },
    'foreign': {
        'title': 'Краткий вариант для иностранных граждан',
        'file_name': 'Импорт учеников — иностранные граждане.xlsx',
        'columns': _HEAD + [
            ('citizenship', '', '', 'Гражданство', 18, False),
            ('foreign_kind', DOCS, FOREIGN, 'Вид документа', 20, False),
            ('foreign_series', DOCS, FOREIGN, 'Серия', 9, True),
            ('foreign_number', DOCS, FOREIGN, 'Номер', 12, True),
            ('foreign_issued_on', DOCS, FOREIGN, 'Дата выдачи', 12, False),
            ('foreign_issued_by', DOCS, FOREIGN, 'Кем выдан', 28, False),
        ] + _CATEGORY,
    },
}
CATEGORIES = ['Дошколята организованные', 'Дошколята неорганизованные', 'Школьники',
              'Студенты', 'Иное']
HEADER_ROWS = 3
PREPARED_ROWS = 500  # rows that get the drop-downs and text format

INSTRUCTIONS = [
    'Как заполнить файл импорта учеников',
    '',
    '1. Заполняйте лист «Ученики» с 4-й строки: одна строка — один ребёнок. Заголовок не меняйте.',
    '2. Обязательные поля: Объединение, Фамилия, Имя, Дата рождения, Пол. Отчество — если есть.',
    '3. Объединение выбирайте из списка: только объединения вашей организации текущего года.',
    '4. Дата: 01.09.2015, 1.9.15 или 2015-09-01; можно дату Excel.',
    '5. Пол: М или Ж.',
    f'6. СНИЛС: 11 цифр, можно с дефисами и пробелом — {documents.EXAMPLE_SNILS}. Контрольное число проверяется.',
    '7. Паспорт РФ: серия — 4 цифры (можно «64 08»), номер — 6 цифр; выдаётся с 14 лет.',
    '8. Свидетельство о рождении: серия — римские цифры, дефис и две русские буквы (II-ФВ), '
    'номер — 6 цифр; дата выдачи не раньше даты рождения.',
    '9. Имена пишутся русскими буквами; латинские буквы, похожие на русские (o, c, a, e, p, x), '
    'считаются ошибкой.',
    '10. Ребёнка, который уже есть в системе (в школе, детском саду или другом ОДО), система найдёт '
    'сама и предложит использовать существующую запись — дубликат не создаётся.',
    '',
    'Пример строки:',
]
EXAMPLE = {
    'association': '1а Бисер', 'surname': 'Иванова', 'name': 'Мария', 'patronymic': 'Петровна',
    'birth_date': '12.03.2016', 'gender': 'Ж', 'snils': documents.EXAMPLE_SNILS,
    'certificate_series': 'II-ФВ', 'certificate_number': '123456',
    'certificate_issued_on': '20.03.2016',
    'certificate_issued_by': 'Отдел ЗАГС города Южно-Сахалинска',
    'civil_record_number': '170169650001234', 'category': 'Школьники',
    'citizenship': 'Российская Федерация',
}

_THIN = Side(style='thin', color='808080')
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill('solid', fgColor='DCE6F1')


def build_template(variant, association_names):
    """The template ``variant`` ('short', 'extended', 'foreign') as .xlsx bytes."""
    layout = LAYOUTS[variant]
    columns = layout['columns']
    book = Workbook()
    sheet = book.active
    sheet.title = 'Ученики'
    _write_header(sheet, columns)
    lists = book.create_sheet('Списки')
    _write_lists(sheet, lists, columns, association_names)
    instructions = book.create_sheet('Инструкция')
    _write_instructions(instructions, columns, layout['title'])
    sheet.freeze_panes = sheet.cell(row=HEADER_ROWS + 1, column=3)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write_header(sheet, columns):
    bold = Font(bold=True)
    centre = Alignment(horizontal='center', vertical='center', wrap_text=True)
    for index, (field, group, subgroup, label, width, text) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width
        if text:
            sheet.column_dimensions[letter].number_format = '@'
            for row in range(HEADER_ROWS + 1, HEADER_ROWS + 1 + PREPARED_ROWS):
                sheet.cell(row=row, column=index).number_format = '@'
        if not group:
            sheet.cell(row=1, column=index, value=label)
            sheet.merge_cells(start_row=1, end_row=HEADER_ROWS, start_column=index, end_column=index)
        elif not subgroup:
            sheet.cell(row=2, column=index, value=label)
            sheet.merge_cells(start_row=2, end_row=HEADER_ROWS, start_column=index, end_column=index)
        else:
            sheet.cell(row=3, column=index, value=label)
        for row in range(1, HEADER_ROWS + 1):
            cell = sheet.cell(row=row, column=index)
            cell.font, cell.alignment, cell.border, cell.fill = bold, centre, _BORDER, _HEADER_FILL
    _merge_runs(sheet, columns, 1, lambda c: c[1])
    _merge_runs(sheet, columns, 2, lambda c: c[2])


def _merge_runs(sheet, columns, row, key):
    """Merge consecutive columns that share a group (row 1) or subgroup (row 2) label."""
    start = 0
    while start < len(columns):
        value = key(columns[start])
        end = start
        while end + 1 < len(columns) and value and key(columns[end + 1]) == value \
                and columns[end + 1][1] == columns[start][1]:
            end += 1
        if value:
            sheet.cell(row=row, column=start + 1, value=value)
            if end > start:
                sheet.merge_cells(start_row=row, end_row=row, start_column=start + 1,
                                  end_column=end + 1)
        start = end + 1


def _write_lists(sheet, lists, columns, association_names):
    lists.sheet_state = 'hidden'
    names = list(association_names) or ['— нет объединений —']
    for row, name in enumerate(names, start=1):
        as_text(lists.cell(row=row, column=1), name)
    for row, category in enumerate(CATEGORIES, start=1):
        lists.cell(row=row, column=2, value=category)
    first, last = HEADER_ROWS + 1, HEADER_ROWS + PREPARED_ROWS
    fields = [c[0] for c in columns]
    rules = [
        ('association', f'=Списки!$A$1:$A${len(names)}', 'Выберите объединение из списка.'),
        ('gender', '"М,Ж"', 'Пол: М или Ж.'),
        ('category', f'=Списки!$B$1:$B${len(CATEGORIES)}', 'Выберите категорию из списка.'),
    ]
    for field, formula, message in rules:
        if field not in fields:
            continue
        letter = get_column_letter(fields.index(field) + 1)
        rule = DataValidation(type='list', formula1=formula, allow_blank=True,
                              showErrorMessage=True, errorTitle='Недопустимое значение',
                              error=message)
        rule.add(f'{letter}{first}:{letter}{last}')
        sheet.add_data_validation(rule)


def _write_instructions(sheet, columns, title):
    sheet.column_dimensions['A'].width = 110
    sheet.cell(row=1, column=1, value=f'{INSTRUCTIONS[0]} ({title.lower()})').font = Font(bold=True, size=13)
    for row, line in enumerate(INSTRUCTIONS[1:], start=2):
        sheet.cell(row=row, column=1, value=line)
    row = len(INSTRUCTIONS) + 1
    for field, group, subgroup, label, width, text in columns:
        path = ' / '.join(p for p in (group, subgroup, label) if p)
        sheet.cell(row=row, column=1, value=f'{path}: {EXAMPLE.get(field, "")}')
        row += 1


# --- Rejected rows, downloaded with their reasons ----------------------------------------

def rejected_workbook(rows):
    """``rows``: [(row number, {column: value found}, [reasons])] → .xlsx bytes."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet('Отклонённые строки')
    columns = []
    for _, found, _ in rows:
        columns.extend(c for c in found if c not in columns)
    header = ['Строка файла', 'Причины'] + columns
    sheet.freeze_panes = 'A2'  # before the first row: a write-only sheet writes its view first
    sheet.append([text_cell(sheet, h) for h in header])
    for number, found, reasons in rows:
        sheet.append([number, text_cell(sheet, '; '.join(reasons))]
                     + [text_cell(sheet, found.get(c, '')) for c in columns])
    sheet.auto_filter.ref = f'A1:{get_column_letter(len(header))}{len(rows) + 1}'
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
