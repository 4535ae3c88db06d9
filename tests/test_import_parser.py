"""Reading import files: checks before parsing, headers by meaning, every validation rule."""
import datetime
import io
import os
import zipfile
from xml.sax.saxutils import escape

import pytest
from openpyxl import Workbook

from services import imports
from services.imports import ImportRefused, parse_date, parse_file
from tests.test_import_flow import filled_template, row

TODAY = datetime.date(2026, 11, 1)
ASSOCIATIONS = {'1а бисер': (1, '1а Бисер'), '2б робототехника': (2, '2б Робототехника')}
DATA = os.path.join(os.path.dirname(__file__), 'data', 'import')


def parse(data, name='дети.xlsx'):
    return parse_file(name, data, ASSOCIATIONS, today=TODAY)


def plain_xlsx(rows):
    book = Workbook()
    for r in rows:
        book.active.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ods(rows):
    """A minimal OpenDocument spreadsheet; a cell may be (text, columns spanned) or a date."""
    cells_xml = []
    for r in rows:
        cells = []
        for cell in r:
            span = 1
            if isinstance(cell, tuple):
                cell, span = cell
            if isinstance(cell, datetime.date):
                cells.append(f'<table:table-cell office:value-type="date" office:date-value="{cell.isoformat()}">'
                             f'<text:p>{cell:%d.%m.%Y}</text:p></table:table-cell>')
            elif cell in (None, ''):
                cells.append('<table:table-cell/>')
            else:
                spanned = f' table:number-columns-spanned="{span}"' if span > 1 else ''
                cells.append(f'<table:table-cell office:value-type="string"{spanned}>'
                             f'<text:p>{escape(str(cell))}</text:p></table:table-cell>')
                cells.extend(['<table:covered-table-cell/>'] * (span - 1))
        cells_xml.append('<table:table-row>' + ''.join(cells) + '</table:table-row>')
    content = ('<?xml version="1.0" encoding="UTF-8"?>'
               '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               '<office:body><office:spreadsheet><table:table table:name="Ученики">'
               + ''.join(cells_xml) + '</table:table></office:spreadsheet></office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>'
                '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '</manifest:manifest>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as archive:
        archive.writestr(zipfile.ZipInfo('mimetype'), 'application/vnd.oasis.opendocument.spreadsheet')
        archive.writestr('META-INF/manifest.xml', manifest, zipfile.ZIP_DEFLATED)
        archive.writestr('content.xml', content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def issues(parsed_row):
    return {(i.field, i.severity) for i in parsed_row.issues}


# --- Headers ----------------------------------------------------------------------------

def test_the_templates_own_merged_header_is_recognised():
    parsed = parse(filled_template([row()]))
    assert parsed.unknown_columns == []
    assert {'passport_series', 'passport_number', 'certificate_series', 'certificate_number',
            'certificate_issued_on', 'civil_record_number', 'category'} <= set(parsed.columns)
    values = parsed.rows[0].values
    assert values['certificate']['series'] == 'II-ФВ' and values['certificate']['number'] == '654321'
    assert values['passport'] is None and parsed.rows[0].number == 4


def test_reordered_spaced_yo_and_case_headers_with_missing_optional_columns():
    data = plain_xlsx([
        ['  ДАТА   РОЖДЕНИЯ ', 'фамилия', 'Имя', 'Пол', 'ОБЪЕДИНЕНИЕ', 'Снилс', 'Любимый цвет'],
        ['01.09.2015', 'Иванов', 'Пётр', 'м', '1а бисер', '112-233-445 95', 'синий'],
    ])
    parsed = parse(data)
    assert parsed.unknown_columns == ['Любимый цвет']
    values = parsed.rows[0].values
    assert (values['surname'], values['birth_date'], values['association_id'], values['snils']) == \
        ('Иванов', '2015-09-01', 1, '11223344595')
    assert 'patronymic' not in parsed.columns


def test_a_two_row_header_without_merges_groups_document_fields():
    data = plain_xlsx([
        ['Объединение', 'Фамилия', 'Имя', 'Дата рождения', 'Пол', 'Свидетельство о рождении', None, 'Паспорт', None],
        [None, None, None, None, None, 'Серия', 'Номер', 'Серия', 'Номер'],
        ['1а Бисер', 'Ким', 'Алина', '03.02.2009', 'Ж', 'II-ФВ', '111222', '6408', '333444'],
    ])
    parsed = parse(data)
    values = parsed.rows[0].values
    assert values['certificate']['key'] == 'IIФВ111222' and values['passport']['key'] == '6408333444'


def test_missing_required_columns_refuse_the_file():
    with pytest.raises(ImportRefused, match='«Дата рождения».*«Пол»'):
        parse(plain_xlsx([['Фамилия', 'Имя', 'Объединение'], ['Ким', 'Алина', '1а Бисер']]))


def test_a_file_without_a_surname_header_is_refused():
    with pytest.raises(ImportRefused, match='«Фамилия»'):
        parse(plain_xlsx([['a', 'b'], [1, 2]]))


# --- .xls and .ods ------------------------------------------------------------------------

def test_legacy_xls_with_merged_header_numbers_and_dates():
    with open(os.path.join(DATA, 'sample.xls'), 'rb') as fh:
        parsed = parse(fh.read(), 'дети.xls')
    first, second = parsed.rows
    assert first.values['surname'] == 'Петров' and first.values['birth_date'] == '2014-04-07'
    assert first.values['certificate']['series'] == 'IV-ЖС' and first.values['certificate']['number'] == '654321'
    assert first.values['snils'] == '11223344595' and first.values['civil_record_number'] == '123'
    assert second.values['birth_date'] == '2013-02-03'
    assert second.values['passport'] == {'series': '6408', 'number': '012345', 'issued_on': None,
                                         'issued_by': '', 'division_code': '', 'key': '6408012345'}
    assert ('passport_issued_on', 'cell') in issues(second)  # issued in the future


def test_ods_with_spanned_group_header_and_a_date_cell():
    data = ods([
        ['Объединение', 'Фамилия', 'Имя', 'Дата рождения', 'Пол', ('Свидетельство о рождении', 2)],
        ['', '', '', '', '', 'Серия', '№ Св-ва'],
        ['2б Робототехника', 'Орлова', 'Ирина', datetime.date(2012, 12, 1), 'Ж', 'XIV-АИ', '000123'],
    ])
    parsed = parse(data, 'дети.ods')
    values = parsed.rows[0].values
    assert values['birth_date'] == '2012-12-01' and values['association_id'] == 2
    assert values['certificate']['series'] == 'XIV-АИ' and values['certificate']['number'] == '000123'


# --- Dates ----------------------------------------------------------------------------------

@pytest.mark.parametrize('value, expected', [
    ('01.09.2015', datetime.date(2015, 9, 1)),
    ('1.9.15', datetime.date(2015, 9, 1)),
    ('2015-09-01', datetime.date(2015, 9, 1)),
    (datetime.datetime(2015, 9, 1), datetime.date(2015, 9, 1)),
    (42248.0, datetime.date(2015, 9, 1)),  # an Excel serial number
    ('1.9.98', datetime.date(1998, 9, 1)),
    ('31.02.2015', None),
    ('сентябрь', None),
])
def test_dates_as_excel_dates_or_text(value, expected):
    assert parse_date(value, TODAY) == expected


# --- Every rule -------------------------------------------------------------------------------

@pytest.mark.parametrize('changes, field, severity, text', [
    ({'surname': ''}, 'surname', 'critical', 'Не заполнено поле «Фамилия»'),
    ({'name': 'anna'}, 'name', 'critical', 'русскими буквами'),
    ({'patronymic': 'Ivanovna'}, 'patronymic', 'cell', 'русскими буквами'),
    ({'birth': ''}, 'birth_date', 'critical', 'Не указана дата рождения'),
    ({'birth': '2030-01-01'}, 'birth_date', 'critical', 'в прошлом'),
    ({'birth': '32.01.2015'}, 'birth_date', 'critical', 'не распознана'),
    ({'birth': '01.01.2000'}, 'birth_date', 'warning', 'Ребёнку 26 лет'),
    ({'gender': 'x'}, 'gender', 'critical', 'не распознан'),
    ({'association': 'Шахматы'}, 'association', 'critical', 'не найдено'),
    ({'snils': '112-233-445 96'}, 'snils', 'cell', 'контрольным числом'),
    ({'snils': '1234'}, 'snils', 'cell', '11 цифр'),
    ({'p_series': '640', 'p_number': '123456'}, 'passport_series', 'cell', '4 цифры'),
    ({'p_series': '6408', 'p_number': '12345'}, 'passport_number', 'cell', '6 цифр'),
    ({'p_series': '6408', 'p_number': '123456', 'p_on': '01.09.2020'}, 'passport_issued_on', 'cell', 'с 14 лет'),
    ({'c_series': 'ФВ-II'}, 'certificate_series', 'cell', 'римские цифры'),
    ({'c_number': '12345'}, 'certificate_number', 'cell', '6 цифр'),
    ({'c_on': '01.01.2016'}, 'certificate_issued_on', 'cell', 'раньше даты рождения'),
    ({'record': '12-a'}, 'civil_record_number', 'cell', 'только цифры'),
])
def test_each_rule_reports_row_column_value_and_severity(changes, field, severity, text):
    parsed = parse(filled_template([row(**changes)]))
    found = [i for i in parsed.rows[0].issues if i.field == field]
    assert found, parsed.rows[0].issues
    assert found[0].severity == severity and text in found[0].message
    assert found[0].column == imports.FIELD_LABELS[field]
    value = next(iter(changes.values()))
    if value and field not in ('passport_series', 'passport_number', 'passport_issued_on'):
        assert found[0].value == value


def test_allowed_values_are_listed_for_an_unknown_association():
    issue = next(i for i in parse(filled_template([row(association='Шахматы')])).rows[0].issues
                 if i.field == 'association')
    assert issue.allowed == '1а Бисер, 2б Робототехника'


def test_typed_values_are_normalised():
    parsed = parse(filled_template([row(surname='  ИВАНОВА-ПЕТРОВА ', name='анна', snils='11223344595',
                                        p_series='64 08', p_number='123456', p_on='1.9.2030',
                                        c_series='ii фв', association=' 1А  БИСЕР ')]))
    values = parsed.rows[0].values
    assert values['surname'] == 'Иванова-Петрова' and values['name'] == 'Анна'
    assert values['passport']['series'] == '6408' and values['certificate']['series'] == 'II-ФВ'
    assert values['association_id'] == 1


def test_latin_lookalike_letters_are_detected_and_replaced():
    parsed = parse(filled_template([row(surname='Иванoва', name='Aнна')]))
    values, found = parsed.rows[0].values, parsed.rows[0].issues
    assert values['surname'] == 'Иванова' and values['name'] == 'Анна'
    assert any('Латинские буквы (o)' in i.message and i.severity == 'warning' for i in found)


def test_yo_is_kept_when_stored():
    assert parse(filled_template([row(surname='Ёлкина')])).rows[0].values['surname'] == 'Ёлкина'


def test_duplicate_rows_inside_the_file_are_flagged():
    parsed = parse(filled_template([row(), row(association='2б Робототехника'), row(surname='Другая', c_number='111111')]))
    assert parsed.rows[1].duplicate_of == 4 and parsed.rows[1].critical
    assert not parsed.rows[0].critical and not parsed.rows[2].critical


def test_empty_rows_are_skipped_and_numbers_are_the_sheet_rows():
    parsed = parse(filled_template([row(), [None] * 5, row(surname='Орлова', c_number='222222')]))
    assert [r.number for r in parsed.rows] == [4, 6]


# --- Hostile files (SECURITY.md item 13) -------------------------------------------------------

def xlsx_with(member, content, compress=zipfile.ZIP_DEFLATED):
    base = zipfile.ZipFile(io.BytesIO(filled_template([row()])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as archive:
        for item in base.infolist():
            data = content if item.filename == member else base.read(item.filename)
            archive.writestr(item.filename, data, compress)
    return out.getvalue()


def test_zip_bomb_is_refused_before_parsing():
    bomb = xlsx_with('xl/worksheets/sheet1.xml', b'<?xml version="1.0"?>' + b' ' * (8 * 1024 * 1024))
    assert len(bomb) < 100 * 1024
    with pytest.raises(ImportRefused, match='zip-бомбу'):
        parse(bomb)


def test_xml_entity_bomb_is_refused():
    lol = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
           b'<worksheet><sheetData><row><c t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>')
    with pytest.raises(ImportRefused, match='DOCTYPE'):
        parse(xlsx_with('xl/worksheets/sheet1.xml', lol))


def test_html_named_xls_is_refused():
    with pytest.raises(ImportRefused, match='веб-страница'):
        parse('\ufeff<!DOCTYPE html><html><table><tr><td>Фамилия</td></tr></table></html>'.encode(), 'дети.xls')


def test_truncated_file_is_refused():
    data = filled_template([row()])
    with pytest.raises(ImportRefused, match='повреждён или загружен не полностью'):
        parse(data[:len(data) // 2])
    with open(os.path.join(DATA, 'sample.xls'), 'rb') as fh:
        xls = fh.read()
    with pytest.raises(ImportRefused, match='повреждён'):
        parse(xls[:1500], 'дети.xls')


@pytest.mark.parametrize('name, data, text', [
    ('дети.csv', b'a;b', 'Загрузите файл Excel'),
    ('дети.xlsx', b'', 'Файл пустой'),
    ('дети.xlsx', b'just text', 'не является таблицей'),
    ('дети.xls', b'PK\x03\x04rest', 'по содержимому это .xlsx'),
])
def test_wrong_kind_of_file(name, data, text):
    with pytest.raises(ImportRefused, match=text):
        parse(data, name)


def test_too_many_rows_are_refused():
    data = plain_xlsx([['Фамилия', 'Имя', 'Дата рождения', 'Пол', 'Объединение']]
                      + [['Ким', 'Алина', '01.01.2015', 'Ж', '1а Бисер']] * (imports.MAX_ROWS + 20))
    with pytest.raises(ImportRefused, match='больше 10000 строк'):
        parse(data)


def test_too_many_members_are_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as archive:
        for n in range(imports.MAX_MEMBERS + 1):
            archive.writestr(f'x/{n}.xml', '<a/>')
    with pytest.raises(ImportRefused, match='zip-бомбу'):
        parse(out.getvalue())
