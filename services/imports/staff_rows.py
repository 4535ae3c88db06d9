"""«Импорт сотрудников»: the downloadable template, its header read by meaning, and every cell of
a row checked with the rules of the employee card.

The upload passes the same gates as the children's (``parser.check_upload``: size, extension,
magic bytes, archive limits; ``parser.read_sheet``: the pre-scan of every sheet and the reading
child with its memory cap); only the columns and their rules are the staff's own.
"""
import io
import re

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

import clock
from keys import digits_key, name_key
from models import EDUCATION_LEVELS, QUALIFICATION_CATEGORIES, Employment
from services import staff
from services.common import age_on
from services.imports import parser
from services.imports.parser import CELL, CRITICAL, ImportRefused, Issue, ParsedFile, ParsedRow
from services.registry import documents
from services.spreadsheets import as_text

MAX_ROWS = 500             # an organisation's staff, committed in one transaction
HEADER_ROWS = 2
PREPARED_ROWS = 300        # rows that get the drop-downs and the text format
FILE_NAME = 'Импорт сотрудников.xlsx'
EDUCATION, CATEGORY, EXPERIENCE = 'Образование', 'Квалификационная категория', 'Стаж, лет'

# (field, group, label, width, text-formatted)
COLUMNS = [
    ('surname', '', 'Фамилия', 16, False),
    ('name', '', 'Имя', 14, False),
    ('patronymic', '', 'Отчество', 16, False),
    ('birth_date', '', 'Дата рождения', 13, False),
    ('gender', '', 'Пол', 6, False),
    ('snils', '', 'СНИЛС', 16, True),
    ('position', '', 'Должность', 30, False),
    ('started_on', '', 'Дата приёма', 13, False),
    ('education_level', EDUCATION, 'Уровень', 26, False),
    ('education_institution', EDUCATION, 'Учебное заведение', 30, False),
    ('education_year', EDUCATION, 'Год окончания', 10, False),
    ('education_speciality', EDUCATION, 'Специальность', 24, False),
    ('qualification_category', CATEGORY, 'Категория', 22, False),
    ('qualification_assigned_on', CATEGORY, 'Дата присвоения', 13, False),
    ('qualification_order', CATEGORY, '№ приказа', 14, True),
    ('experience_years', EXPERIENCE, 'Общий', 8, False),
    ('pedagogical_experience_years', EXPERIENCE, 'Педагогический', 10, False),
    ('work_phone', '', 'Рабочий телефон', 18, True),
    ('work_email', '', 'Электронная почта', 24, False),
]
FIELD_LABELS = {f: (f'{group}: {label.lower()}' if group else label) for f, group, label, _, _ in COLUMNS}
REQUIRED_FIELDS = ('surname', 'name', 'birth_date', 'gender', 'position')

# What a header cell may say, after parser.header_key (casefold, ё→е, «№» → «номер»).
_SYNONYMS = {
    'surname': ('фамилия',), 'name': ('имя',), 'patronymic': ('отчество', 'отчество при наличии'),
    'birth_date': ('дата рождения', 'д р'), 'gender': ('пол',),
    'snils': ('снилс', 'номер снилс', 'страховой номер снилс'),
    'position': ('должность', 'занимаемая должность', 'основная должность'),
    'started_on': ('дата приема', 'дата приема на работу', 'принят'),
    'education_level': ('уровень', 'уровень образования', 'образование'),
    'education_institution': ('учебное заведение', 'учреждение', 'образовательная организация',
                              'окончил'),
    'education_year': ('год окончания', 'год'),
    'education_speciality': ('специальность', 'специальность по диплому', 'направление подготовки'),
    'qualification_category': ('категория', 'квалификационная категория'),
    'qualification_assigned_on': ('дата присвоения', 'дата присвоения категории'),
    'qualification_order': ('номер приказа', 'приказ', 'номер приказа о присвоении'),
    'experience_years': ('общий', 'общий стаж', 'стаж общий'),
    'pedagogical_experience_years': ('педагогический', 'педагогический стаж', 'стаж педагогический'),
    'work_phone': ('рабочий телефон', 'телефон'),
    'work_email': ('электронная почта', 'e-mail', 'email', 'эл почта', 'рабочая электронная почта'),
}
_MEANING = {label: f for f, labels in _SYNONYMS.items() for label in labels}

LEVELS = {name_key(label): code for code, label in EDUCATION_LEVELS.items()}
LEVELS.update({'высшее': 'higher_master', 'высшее профессиональное': 'higher_master',
               'специалитет': 'higher_master', 'магистратура': 'higher_master',
               'бакалавриат': 'higher_bachelor', 'аспирантура': 'postgraduate',
               'среднее специальное': 'secondary_vocational', 'спо': 'secondary_vocational',
               'среднее': 'secondary_general'})
CATEGORIES = {name_key(label): code for code, label in QUALIFICATION_CATEGORIES.items() if code}
CATEGORIES.update({'без категории': Employment.NO_CATEGORY, 'соответствие': 'conformity',
                   'сзд': 'conformity', '1': 'first', 'первая категория': 'first',
                   'высшая категория': 'highest'})
_GENDERS = {'м': 'M', 'муж': 'M', 'мужской': 'M', 'ж': 'F', 'жен': 'F', 'женский': 'F'}
_DATE_FORMS = '01.09.2015, 1.9.15, 2015-09-01 или дата Excel'

EXAMPLE = {
    'surname': 'Петрова', 'name': 'Ольга', 'patronymic': 'Ивановна', 'birth_date': '14.05.1984',
    'gender': 'Ж', 'snils': documents.EXAMPLE_SNILS, 'position': 'Педагог дополнительного образования',
    'started_on': '01.09.2015', 'education_level': 'Высшее — бакалавриат',
    'education_institution': 'Сахалинский государственный университет', 'education_year': '2006',
    'education_speciality': 'Педагогическое образование', 'qualification_category': 'Первая',
    'qualification_assigned_on': '25.12.2022', 'qualification_order': '1234-р',
    'experience_years': '18', 'pedagogical_experience_years': '15',
    'work_phone': '+7 (4242) 12-34-56', 'work_email': 'petrova@example.ru',
}
INSTRUCTIONS = [
    'Как заполнить файл импорта сотрудников',
    '',
    '1. Заполняйте лист «Сотрудники» с 3-й строки: одна строка — один сотрудник. Заголовок не меняйте.',
    '2. Обязательные поля: Фамилия, Имя, Дата рождения, Пол, Должность. Отчество — если есть.',
    '3. Должность выбирайте из списка: это должности, принятые в регионе.',
    f'4. Даты: {_DATE_FORMS}.',
    f'5. СНИЛС: 11 цифр, можно с дефисами и пробелом — {documents.EXAMPLE_SNILS}. Контрольное число '
    'проверяется. По СНИЛС сотрудник сможет сразу входить через Госуслуги.',
    '6. Образование: уровень из списка, учебное заведение, год окончания, специальность '
    '(одно образование; остальные добавьте в карточке).',
    '7. Квалификационная категория: Нет, Соответствие занимаемой должности, Первая или Высшая; '
    'для присвоенной — дата и номер приказа.',
    '8. Стаж — целое число лет; педагогический не больше общего.',
    '9. Человека, который уже есть в регистре региона (работает в другой организации или учился у '
    'нас), система найдёт по СНИЛС или по ФИО и дате рождения и предложит его запись — дубликат '
    'не создаётся. Сотрудника, который уже работает в вашей организации, импорт не меняет: '
    'правьте его карточку.',
    '',
    'Пример строки:',
]

_THIN = Side(style='thin', color='808080')
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill('solid', fgColor='DCE6F1')


# --- The template -------------------------------------------------------------------

def build_staff_template(positions):
    """The staff template as .xlsx bytes; ``positions`` are the region's."""
    book = Workbook()
    sheet = book.active
    sheet.title = 'Сотрудники'
    _write_header(sheet)
    _write_lists(sheet, book.create_sheet('Списки'), positions)
    _write_instructions(book.create_sheet('Инструкция'))
    sheet.freeze_panes = sheet.cell(row=HEADER_ROWS + 1, column=3)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write_header(sheet):
    bold, centre = Font(bold=True), Alignment(horizontal='center', vertical='center', wrap_text=True)
    groups = {}
    for index, (field, group, label, width, text) in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width
        if text:
            for row in range(HEADER_ROWS + 1, HEADER_ROWS + 1 + PREPARED_ROWS):
                sheet.cell(row=row, column=index).number_format = '@'
        if group:
            groups.setdefault(group, []).append(index)
            sheet.cell(row=2, column=index, value=label)
        else:
            sheet.cell(row=1, column=index, value=label)
            sheet.merge_cells(start_row=1, end_row=2, start_column=index, end_column=index)
        for row in (1, 2):
            cell = sheet.cell(row=row, column=index)
            cell.font, cell.alignment, cell.border, cell.fill = bold, centre, _BORDER, _HEADER_FILL
    for group, indexes in groups.items():
        sheet.cell(row=1, column=indexes[0], value=group)
        sheet.merge_cells(start_row=1, end_row=1, start_column=indexes[0], end_column=indexes[-1])


def _write_lists(sheet, lists, positions):
    lists.sheet_state = 'hidden'
    columns = [list(positions), list(EDUCATION_LEVELS.values()),
               [label for code, label in QUALIFICATION_CATEGORIES.items() if code]]
    for column, values in enumerate(columns, start=1):
        for row, value in enumerate(values, start=1):
            as_text(lists.cell(row=row, column=column), value)
    fields = [c[0] for c in COLUMNS]
    first, last = HEADER_ROWS + 1, HEADER_ROWS + PREPARED_ROWS
    rules = [('gender', '"М,Ж"', 'Пол: М или Ж.')] + [
        (field, f'=Списки!${get_column_letter(n)}$1:${get_column_letter(n)}${len(columns[n - 1])}', message)
        for n, field, message in ((1, 'position', 'Выберите должность из списка.'),
                                  (2, 'education_level', 'Выберите уровень образования из списка.'),
                                  (3, 'qualification_category', 'Выберите категорию из списка.'))]
    for field, formula, message in rules:
        letter = get_column_letter(fields.index(field) + 1)
        rule = DataValidation(type='list', formula1=formula, allow_blank=True, showErrorMessage=True,
                              errorTitle='Недопустимое значение', error=message)
        rule.add(f'{letter}{first}:{letter}{last}')
        sheet.add_data_validation(rule)


def _write_instructions(sheet):
    sheet.column_dimensions['A'].width = 40
    sheet.column_dimensions['B'].width = 60
    sheet.cell(row=1, column=1, value=INSTRUCTIONS[0]).font = Font(bold=True, size=13)
    for row, line in enumerate(INSTRUCTIONS[1:], start=2):
        sheet.cell(row=row, column=1, value=line)
    row = len(INSTRUCTIONS) + 1
    for field, group, label, _, _ in COLUMNS:
        as_text(sheet.cell(row=row, column=1), FIELD_LABELS[field])
        as_text(sheet.cell(row=row, column=2), EXAMPLE[field])
        row += 1


# --- Reading the file -------------------------------------------------------------------

def parse_staff_file(file_name, data, positions, today=None):
    """Check, read and validate an upload of staff; ``positions`` are the region's."""
    parser.check_upload(file_name, data)
    rows, merged = parser.read_sheet(data)
    start, columns, unknown = recognise_header(rows)
    missing = [FIELD_LABELS[f] for f in REQUIRED_FIELDS if f not in columns.values()]
    if missing:
        raise ImportRefused('В файле не найдены обязательные столбцы: ' + ', '.join(
            f'«{m}»' for m in missing) + '. Скачайте образец импорта сотрудников и перенесите данные в него.')
    if len(rows) - start > MAX_ROWS:
        raise ImportRefused(f'В файле больше {MAX_ROWS} строк: столько сотрудников в одной организации '
                            'не бывает. Проверьте, тот ли это файл, или разделите его.')
    today = today or clock.today()
    offered = {name_key(p): p for p in positions}
    parsed = []
    for index in range(start, len(rows)):
        raw = {f: rows[index][c] if c < len(rows[index]) else None for c, f in columns.items()}
        if not any(parser.cell_text(v) for v in raw.values()):
            continue
        parsed.append(validate_row(index + 1, raw, offered, today))
    _flag_duplicates(parsed)
    return ParsedFile(rows=parsed, columns={f: FIELD_LABELS[f] for f in columns.values()},
                      unknown_columns=unknown)


def recognise_header(rows):
    """(index of the first data row, {column: field}, [unknown header texts]): the row with
    «Фамилия» and, when the next row holds labels under a group (Образование…), that row too."""
    top = parser._find_surname_row(rows)
    if top is None:
        raise ImportRefused('В файле не найден заголовок со столбцом «Фамилия». '
                            'Скачайте образец импорта сотрудников и перенесите данные в него.')
    keys = [parser.header_key(c) for c in rows[top]]
    surname_col = keys.index('фамилия') if 'фамилия' in keys else 0
    below = [parser.header_key(c) for c in rows[top + 1]] if top + 1 < len(rows) else []
    two_rows = bool(below) and not parser.cell_text(parser._at(rows, top + 1, surname_col)) \
        and any(k in _MEANING for k in below)
    columns, unknown, seen = {}, [], set()
    for col in range(max(len(keys), len(below))):
        lower = below[col] if two_rows and col < len(below) else ''
        label = lower or (keys[col] if col < len(keys) else '')
        if not label:
            continue
        field = _MEANING.get(label)
        if field is None or field in seen:
            unknown.append(parser.cell_text(rows[top + 1][col] if lower else rows[top][col]))
            continue
        seen.add(field)
        columns[col] = field
    return top + (2 if two_rows else 1), columns, unknown


def validate_row(number, raw, offered, today):
    values, issues = {}, []
    texts = {f: parser.cell_text(v, 11 if f == 'snils' and isinstance(v, (int, float)) else 0)
             for f, v in raw.items()}

    def text(f):
        return texts.get(f, '')

    def problem(f, message, severity, allowed=''):
        issues.append(Issue(f, FIELD_LABELS[f], text(f), message, severity, allowed))

    for f in ('surname', 'name', 'patronymic'):
        values[f] = parser._name(f, text(f), problem)
    values['no_patronymic'] = False
    birth = _date(raw, text, 'birth_date', today, problem, CRITICAL)
    if birth is None and not text('birth_date'):
        problem('birth_date', 'Не указана дата рождения.', CRITICAL, 'ДД.ММ.ГГГГ')
    elif birth is not None and not 14 <= age_on(birth, today) <= 100:
        problem('birth_date', 'Сотруднику должно быть от 14 до 100 лет: проверьте год рождения.', CRITICAL)
        birth = None
    values['birth_date'] = birth.isoformat() if birth else None
    values['gender'] = _GENDERS.get(text('gender').casefold().rstrip('.'))
    if values['gender'] is None:
        problem('gender', 'Пол не распознан.' if text('gender') else 'Не указан пол.', CRITICAL, 'М, Ж')
    values['snils'] = None
    if text('snils'):
        if len(digits_key(text('snils'))) == 11 and documents.is_valid_snils(text('snils')):
            values['snils'] = digits_key(text('snils'))
        else:
            problem('snils', 'СНИЛС неверен: нужно 11 цифр с верным контрольным числом.', CELL,
                    f'XXX-XXX-XXX YY, например {documents.EXAMPLE_SNILS}')
    values['position'] = offered.get(name_key(text('position')))
    if values['position'] is None:
        problem('position', 'Такой должности нет в списке региона.' if text('position')
                else 'Не указана должность.', CRITICAL, ', '.join(offered.values()))
    started = _date(raw, text, 'started_on', today, problem, CELL)
    if started and birth and age_on(birth, started) < 14:
        problem('started_on', 'В день приёма сотруднику было меньше 14 лет: проверьте даты.', CELL)
        started = None
    values['started_on'] = started.isoformat() if started else None
    values['education'] = _education(text, today, problem)
    _qualification(values, raw, text, today, problem)
    _experience(values, text, problem)
    values['work_phone'] = text('work_phone')
    if values['work_phone'] and (not staff.PHONE.match(values['work_phone']) or len(values['work_phone']) > 100):
        problem('work_phone', 'Телефон не распознан.', CELL, '+7 (4242) 12-34-56')
        values['work_phone'] = ''
    values['work_email'] = text('work_email')
    if values['work_email'] and (not staff.EMAIL.match(values['work_email']) or len(values['work_email']) > 200):
        problem('work_email', 'Адрес электронной почты не распознан.', CELL, 'имя@домен.ru')
        values['work_email'] = ''
    values['_raw'] = {FIELD_LABELS[f]: t for f, t in texts.items() if t}
    return ParsedRow(number=number, values=values, issues=issues)


def _date(raw, text, f, today, problem, severity):
    """A date cell (text or an Excel date), not in the future; None when empty or refused."""
    if not text(f):
        return None
    day = parser.parse_date(raw.get(f), today)
    if day is None:
        problem(f, 'Дата не распознана.', severity, _DATE_FORMS)
    elif day > today:
        problem(f, 'Дата не может быть позже сегодняшней.', severity)
    else:
        return day
    return None


def _education(text, today, problem):
    fields = ('education_level', 'education_institution', 'education_year', 'education_speciality')
    if not any(text(f) for f in fields):
        return None
    level = LEVELS.get(name_key(text('education_level')).replace(' - ', ' — '), '')
    if text('education_level') and not level:
        problem('education_level', 'Уровень образования не распознан.', CELL, ', '.join(EDUCATION_LEVELS.values()))
    year = None
    if text('education_year'):
        year = int(text('education_year')) if re.fullmatch(r'\d{4}', text('education_year')) else None
        if year is None or not 1940 <= year <= today.year:
            problem('education_year', f'Год окончания — четыре цифры, от 1940 до {today.year}.', CELL)
            year = None
    institution, speciality = text('education_institution')[:500], text('education_speciality')[:500]
    if not institution:
        problem('education_institution', 'Не указано учебное заведение: образование не будет загружено.', CELL)
        return None
    return {'level': level, 'institution': institution, 'graduation_year': year, 'speciality': speciality}


def _qualification(values, raw, text, today, problem):
    category = CATEGORIES.get(name_key(text('qualification_category')), '')
    if text('qualification_category') and not category:
        problem('qualification_category', 'Категория не распознана.', CELL,
                ', '.join(label for code, label in QUALIFICATION_CATEGORIES.items() if code))
    values['qualification_category'] = category
    assigned = _date(raw, text, 'qualification_assigned_on', today, problem, CELL)
    order = text('qualification_order')[:100]
    if category not in staff.ASSIGNED and (assigned or order):
        field = 'qualification_assigned_on' if assigned else 'qualification_order'
        problem(field, 'Дата и номер приказа указываются только для присвоенной категории.', CELL,
                'Соответствие занимаемой должности, Первая, Высшая')
        assigned, order = None, ''
    values['qualification_assigned_on'] = assigned.isoformat() if assigned else None
    values['qualification_order'] = order


def _experience(values, text, problem):
    for f in ('experience_years', 'pedagogical_experience_years'):
        values[f] = None
        if text(f):
            if re.fullmatch(r'\d{1,2}', text(f)) and int(text(f)) <= staff.MAX_EXPERIENCE:
                values[f] = int(text(f))
            else:
                problem(f, f'Стаж — целое число лет от 0 до {staff.MAX_EXPERIENCE}.', CELL)
    total, pedagogical = values['experience_years'], values['pedagogical_experience_years']
    if total is not None and pedagogical is not None and pedagogical > total:
        problem('pedagogical_experience_years', 'Педагогический стаж не может быть больше общего.', CELL)
        values['pedagogical_experience_years'] = None


def _flag_duplicates(rows):
    """A row that repeats an earlier one (the same СНИЛС, or ФИО and birth date) is critical."""
    seen = {}
    for row in rows:
        v = row.values
        keys = [('snils', v['snils'])] if v['snils'] else []
        if v['surname'] and v['name'] and v['birth_date']:
            keys.append(('fio', name_key(v['surname']), name_key(v['name']), name_key(v['patronymic']),
                         v['birth_date']))
        earlier = next((seen[k] for k in keys if k in seen), None)
        if earlier is not None:
            row.duplicate_of = earlier
            row.issues.append(Issue('surname', 'Строка', '', f'Повторяет строку {earlier}: '
                                    'тот же сотрудник указан в файле дважды.', CRITICAL))
            continue
        for k in keys:
            seen[k] = row.number
