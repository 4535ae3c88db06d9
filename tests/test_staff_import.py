"""«Импорт сотрудников»: the template, the validation report per row and column, the search of the
region's registry (a known person is reused, one already working here is not touched), the
one-transaction commit, hostile files, the background job, and who may do any of it."""
import datetime
import json
import io
import re

import pytest
from openpyxl import load_workbook

from models import (AuditEvent, Employment, EmploymentEducation, ImportJob, ImportRow, Person)
from services import imports
from services.imports import staff_jobs
from services.registry.documents import EXAMPLE_SNILS
from tests import builders

ROUTE_ID = re.compile(r'<int:job_id>')
TEACHER = 'Педагог дополнительного образования'


def srow(surname='Петрова', name='Ольга', patronymic='Ивановна', birth='14.05.1984', gender='Ж',
         snils='', position=TEACHER, started='01.09.2015', level='Высшее — бакалавриат',
         institution='СахГУ', year='2006', speciality='Педагогика', category='Первая',
         assigned='25.12.2022', order='1234-р', total='18', pedagogical='15',
         phone='+7 (4242) 12-34-56', email='petrova@example.ru'):
    return [surname, name, patronymic, birth, gender, snils, position, started, level, institution,
            year, speciality, category, assigned, order, total, pedagogical, phone, email]


def staff_file(rows):
    """The real template with ``rows`` typed from row 3."""
    book = load_workbook(io.BytesIO(imports.build_staff_template([TEACHER, 'Методист'])))
    for r, values in enumerate(rows, start=3):
        for c, value in enumerate(values, start=1):
            book['Сотрудники'].cell(row=r, column=c, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data, name='сотрудники.xlsx'):
    return client.post_form('/staff/import/', {'file': (io.BytesIO(data), name)}, page='/staff/import/',
                            content_type='multipart/form-data')


def job():
    return ImportJob.select().order_by(ImportJob.id.desc()).first()


def rows_of(job):
    return {r.row_number: r for r in ImportRow.select().where(ImportRow.job == job)}


def through_report(client, rows, mode='rows'):
    """Upload ``rows``, choose the skip mode; the job waits for the decisions."""
    assert upload(client, staff_file(rows)).status_code == 303
    current = job()
    response = client.post_form(f'/staff/import/{current.id}/skip', {'mode': mode},
                                page=f'/staff/import/{current.id}')
    assert response.status_code == 303
    return ImportJob.get_by_id(current.id)


def commit(client, current, choices=None):
    form = {'action': 'commit', **(choices or {})}
    return client.post_form(f'/staff/import/{current.id}/decisions', form, page=f'/staff/import/{current.id}')


def employees(org):
    return {e.person.full_name: e for e in Employment.select().where(Employment.organisation == org)}


@pytest.fixture
def people(app, region):
    with app.app_context():
        kid = builders.child('Орлова', 'Вера', birth_date=datetime.date(2015, 4, 1))
        builders.user('child-13', region.odo, 'student', kid)
        elsewhere = builders.person('Кузнецова', 'Мария', 'Ивановна', datetime.date(1980, 3, 3),
                                    snils=builders.valid_snils('234234234'))
        Employment.create(person=elsewhere, organisation=region.other_odo, position='Методист')
        return dict(elsewhere=elsewhere)


# --- The template ----------------------------------------------------------------------------

def test_the_template_has_the_card_s_columns_the_region_s_positions_and_an_example(admin_client, region):
    response = admin_client.get('/staff/import/template.xlsx')
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers['Content-Disposition']
    book = load_workbook(io.BytesIO(response.data))
    sheet = book['Сотрудники']
    assert [sheet.cell(row=1, column=c).value for c in range(1, 9)] == [
        'Фамилия', 'Имя', 'Отчество', 'Дата рождения', 'Пол', 'СНИЛС', 'Должность', 'Дата приёма']
    assert sheet['I1'].value == 'Образование' and sheet['I2'].value == 'Уровень'
    assert sheet['M1'].value == 'Квалификационная категория' and sheet['O2'].value == '№ приказа'
    assert sheet['P1'].value == 'Стаж, лет' and sheet['Q2'].value == 'Педагогический'
    assert 'I1:L1' in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet['F3'].number_format == '@'  # СНИЛС keeps its leading zeros
    lists = [c.value for c in book['Списки']['A'] if c.value]
    assert TEACHER in lists and 'Методист' in lists and 'Педагог-организатор' in lists
    example = {row[0].value: row[1].value for row in book['Инструкция'].iter_rows(min_row=2) if row[1].value}
    assert example['СНИЛС'] == EXAMPLE_SNILS and example['Должность'] == TEACHER
    assert ImportJob.select().count() == 0


def test_the_staff_register_links_to_the_import(admin_client):
    page = admin_client.get('/staff/').get_data(as_text=True)
    assert 'href="/staff/import/"' in page and 'Импорт сотрудников' in page


# --- A clean file ---------------------------------------------------------------------------

def test_a_clean_file_hires_every_row_with_its_card_and_education(admin_client, region):
    before = Person.select().count()
    current = through_report(admin_client, [
        srow(),
        srow('Соколов', 'Андрей', 'Павлович', '02.02.1990', 'М', builders.valid_snils('345345345'),
             'Методист', category='Нет', assigned='', order=''),
        srow('Белова', 'Ирина', '', '03.03.1995', 'Ж', level='', institution='', year='', speciality='',
             category='', assigned='', order='', total='', pedagogical='', phone='', email=''),
    ])
    assert current.status == ImportJob.RESOLVING
    assert {r.decision for r in rows_of(current).values()} == {ImportRow.NEW}
    response = commit(admin_client, current)
    assert response.status_code == 303
    page = admin_client.get(response.headers['Location']).get_data(as_text=True)
    assert 'В список сотрудников добавлено: 3 сотрудника.' in page
    assert ImportJob.get_by_id(current.id).status == ImportJob.COMMITTED
    assert Person.select().count() == before + 3
    hired = employees(region.odo)
    petrova = hired['Петрова Ольга Ивановна']
    assert (petrova.position, petrova.started_on, petrova.qualification_category,
            petrova.qualification_assigned_on, petrova.qualification_order, petrova.experience_years,
            petrova.pedagogical_experience_years, petrova.work_phone, petrova.work_email) == (
        TEACHER, datetime.date(2015, 9, 1), 'first', datetime.date(2022, 12, 25), '1234-р', 18, 15,
        '+7 (4242) 12-34-56', 'petrova@example.ru')
    education = EmploymentEducation.get(EmploymentEducation.employment == petrova)
    assert (education.level, education.institution, education.graduation_year, education.speciality) == (
        'higher_bachelor', 'СахГУ', 2006, 'Педагогика')
    sokolov = hired['Соколов Андрей Павлович']
    assert sokolov.person.snils == builders.valid_snils('345345345') and sokolov.person.gender == 'M'
    assert sokolov.qualification_category == Employment.NO_CATEGORY
    assert not EmploymentEducation.select().where(EmploymentEducation.employment == hired['Белова Ирина']).exists()
    assert all(e.person.is_staff for e in hired.values())
    assert AuditEvent.select().where(AuditEvent.event == 'staff_import_commit').count() == 1
    assert imports.active_staff_import(region.odo) is None


# --- Noisy data -----------------------------------------------------------------------------

def test_noisy_cells_are_normalised_or_reported_by_row_and_column_with_the_allowed_values(
        admin_client, region):
    assert upload(admin_client, staff_file([
        srow('  ИВАНОВА  ', 'МАРИЯ ', 'петровна', datetime.datetime(1986, 7, 1), 'ж ',
             builders.valid_snils('321321321'), ' Методист '),
        srow('Сидоров', 'Олег', 'Ильич', '1.9.85', 'М', '112-233-445 96', category='высшая'),
        srow('Громов', 'Пётр', '', '05.05.1979', 'М', position='Дворник'),
        srow('Лаптева', 'Анна', '', '06.06.1991', 'Ж', builders.valid_snils('456456456')[:3] + '-'
             + builders.valid_snils('456456456')[3:6] + '-' + builders.valid_snils('456456456')[6:9] + ' '
             + builders.valid_snils('456456456')[9:], started='завтра', year='1800', total='5',
             pedagogical='9', category='Вторая'),
    ])).status_code == 303
    current = job()
    values = {n: imports.values_of(r) for n, r in rows_of(current).items()}
    assert (values[3]['surname'], values[3]['name'], values[3]['patronymic'], values[3]['birth_date'],
            values[3]['gender'], values[3]['position']) == (
        'Иванова', 'Мария', 'Петровна', '1986-07-01', 'F', 'Методист')
    assert values[3]['snils'] == builders.valid_snils('321321321')
    assert values[4]['birth_date'] == '1985-09-01' and values[4]['qualification_category'] == 'highest'
    assert values[6]['snils'] == builders.valid_snils('456456456')
    page = admin_client.get(f'/staff/import/{current.id}').get_data(as_text=True)
    reported = [[re.sub(r'<[^>]+>', '', cell).strip() for cell in re.findall(r'<td[^>]*>(.*?)</td>', tr, re.S)]
                for tr in re.findall(r'<tr>(.*?)</tr>', page.split('<tbody>', 1)[1], re.S)]
    by_place = {(r[0], r[2]): r for r in reported}
    assert by_place[('4', 'СНИЛС')][4] == ('Ячейка будет пропущена. СНИЛС неверен: нужно 11 цифр '
                                           'с верным контрольным числом.')
    assert EXAMPLE_SNILS in by_place[('4', 'СНИЛС')][5]
    position = by_place[('5', 'Должность')]
    assert position[3] == 'Дворник' and position[4].startswith('Строка не будет загружена.')
    assert 'Такой должности нет в списке региона.' in position[4] and 'Методист' in position[5]
    assert {place for place in by_place if place[0] == '6'} == {
        ('6', 'Дата приёма'), ('6', 'Образование: год окончания'), ('6', 'Стаж, лет: педагогический'),
        ('6', 'Квалификационная категория: категория'), ('6', 'Квалификационная категория: дата присвоения')}
    assert '3' not in {place[0] for place in by_place}
    # «Пропустить ячейки»: the bad cells are left empty, the row with an unknown position stays out.
    admin_client.post_form(f'/staff/import/{current.id}/skip', {'mode': 'cells'}, page=f'/staff/import/{current.id}')
    assert commit(admin_client, ImportJob.get_by_id(current.id)).status_code == 303
    hired = employees(region.odo)
    assert hired['Сидоров Олег Ильич'].person.snils is None
    assert hired['Сидоров Олег Ильич'].qualification_category == 'highest'
    assert hired['Лаптева Анна'].started_on is None and hired['Лаптева Анна'].pedagogical_experience_years is None
    assert 'Громов Пётр' not in hired and not Person.select().where(Person.surname == 'Громов').exists()


def test_a_file_repeating_a_person_or_missing_a_column_is_told_so(admin_client, region):
    assert upload(admin_client, staff_file([srow(), srow(patronymic='ИВАНОВНА')])).status_code == 303
    page = admin_client.get(f'/staff/import/{job().id}').get_data(as_text=True)
    assert 'Повторяет строку 3: тот же сотрудник указан в файле дважды.' in page
    admin_client.post_form(f'/staff/import/{job().id}/cancel', {}, page=f'/staff/import/{job().id}')
    book = load_workbook(io.BytesIO(staff_file([srow()])))
    book['Сотрудники'].delete_cols(7)
    out = io.BytesIO()
    book.save(out)
    response = upload(admin_client, out.getvalue())
    page = admin_client.get(response.headers['Location']).get_data(as_text=True)
    assert 'В файле не найдены обязательные столбцы: «Должность».' in page


# --- The registry ---------------------------------------------------------------------------

def test_a_person_already_in_the_registry_becomes_the_same_person(admin_client, region, people):
    known = people['elsewhere']
    former_pupil = builders.person('Орехова', 'Дарья', 'Сергеевна', datetime.date(1999, 9, 9))
    before = Person.select().count()
    current = through_report(admin_client, [
        srow('Кузнецова', 'Мария', 'Ивановна', '03.03.1980', 'Ж', known.snils),
        srow('Орехова', 'Дарья', 'Сергеевна', '09.09.1999', 'Ж'),
    ])
    decided = {r.row_number: (r.decision, r.chosen_person_id) for r in rows_of(current).values()}
    assert decided == {3: (ImportRow.USE, known.id), 4: (ImportRow.USE, former_pupil.id)}
    page = admin_client.get(f'/staff/import/{current.id}').get_data(as_text=True)
    assert 'Работает в других организациях' in page and 'МБУДО Дом детского творчества' in page
    # A new record for a СНИЛС the registry has is refused: it is the same person.
    choice = {f'row-{rows_of(current)[3].id}': 'new'}
    response = commit(admin_client, current, choice)
    assert 'в регистре уже есть Кузнецова Мария Ивановна с этим СНИЛС' in \
        admin_client.get(response.headers['Location']).get_data(as_text=True)
    commit(admin_client, current)
    assert Person.select().count() == before
    hired = employees(region.odo)
    assert hired['Кузнецова Мария Ивановна'].person_id == known.id
    assert hired['Орехова Дарья Сергеевна'].person_id == former_pupil.id
    assert Employment.select().where(Employment.person == known.id).count() == 2  # one person, two cards
    assert Person.get_by_id(former_pupil.id).is_staff
    assert ImportJob.get_by_id(current.id).used_count == 2


def test_a_snils_of_someone_else_is_a_conflict_never_that_person(admin_client, region):
    """The administrator's СНИЛС typed for a stranger: not offered, not preselected, and a new
    person made from the row never takes the number."""
    admin = Person.get(Person.surname == 'Смирнова', Person.name == 'Ольга')
    current = through_report(admin_client, [srow('Зайцева', 'Нина', 'Павловна', '02.02.1990', 'Ж', admin.snils)])
    row = rows_of(current)[3]
    assert row.decision == ImportRow.UNDECIDED and row.chosen_person_id is None
    assert admin.id not in {c['person_id'] for c in json.loads(row.candidates)}
    page = admin_client.get(f'/staff/import/{current.id}').get_data(as_text=True)
    assert 'СНИЛС совпадает с другим человеком — проверьте номер.' in page
    commit(admin_client, current, {f'row-{row.id}': 'new'})
    hired = employees(region.odo)
    assert hired['Зайцева Нина Павловна'].person.snils is None
    assert Person.get_by_id(admin.id).snils == admin.snils


def test_someone_already_working_here_is_ignored_and_their_card_is_not_touched(admin_client, region):
    teacher = Employment.get(Employment.person == region.teacher.person_id)
    person = teacher.person
    current = through_report(admin_client, [
        srow(person.surname, person.name, person.patronymic, person.birth_date.strftime('%d.%m.%Y'),
             'М' if person.gender == 'M' else 'Ж', position='Методист', phone='+7 999'),
        srow('Новенькая', 'Алла', '', '01.01.2000', 'Ж'),
    ])
    rows = rows_of(current)
    assert rows[3].decision == ImportRow.IGNORE
    page = admin_client.get(f'/staff/import/{current.id}').get_data(as_text=True)
    assert 'Уже работает в вашей организации' in page
    response = commit(admin_client, current, {f'row-{rows[3].id}': f'use:{person.id}'})
    assert 'уже работает в вашей организации. Импорт не меняет карточки сотрудников' in \
        admin_client.get(response.headers['Location']).get_data(as_text=True)
    commit(admin_client, current)
    assert Employment.select().where(Employment.person == person.id).count() == 1
    assert Employment.get_by_id(teacher.id).work_phone == teacher.work_phone
    assert Employment.get_by_id(teacher.id).position == teacher.position
    assert ImportJob.get_by_id(current.id).ignored_count == 1 and 'Новенькая Алла' in employees(region.odo)


# --- All or nothing -------------------------------------------------------------------------

def test_a_failure_during_the_commit_leaves_nothing(admin_client, region, monkeypatch):
    people_before, jobs_before = Person.select().count(), Employment.select().count()
    current = through_report(admin_client, [srow(), srow('Соколова', 'Анна', '', '02.02.1990', 'Ж')])
    calls = []
    original = EmploymentEducation.create

    def breaks_on_the_second(**fields):
        calls.append(fields)
        if len(calls) == 2:
            raise RuntimeError('the disk is full')
        return original(**fields)

    monkeypatch.setattr(EmploymentEducation, 'create', breaks_on_the_second)
    response = commit(admin_client, current)
    page = admin_client.get(response.headers['Location']).get_data(as_text=True)
    assert 'Сбой при обработке импорта.' in page
    assert len(calls) == 2
    assert ImportJob.get_by_id(current.id).status == ImportJob.RESOLVING
    assert (Person.select().count(), Employment.select().count()) == (people_before, jobs_before)
    assert not ImportRow.select().where(ImportRow.job == current, ImportRow.result_person.is_null(False)).exists()
    monkeypatch.undo()
    commit(admin_client, current)
    assert Employment.select().count() == jobs_before + 2


def test_a_large_file_runs_in_the_background_with_its_progress(admin_client, region, monkeypatch):
    monkeypatch.setattr(staff_jobs, 'BACKGROUND_FROM', 1)
    current = through_report(admin_client, [srow(), srow('Соколова', 'Анна', '', '02.02.1990', 'Ж')])
    assert current.status == ImportJob.QUEUED
    page = admin_client.get(f'/staff/import/{current.id}/progress',
                            headers={'HX-Request': 'true', 'HX-Request-Type': 'partial'}).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in page and '0 из 2 строк' in page
    assert imports.run_pending() == 1
    assert ImportJob.get_by_id(current.id).status == ImportJob.RESOLVING
    commit(admin_client, current)
    assert ImportJob.get_by_id(current.id).status == ImportJob.COMMIT_QUEUED
    imports.run_pending()
    assert ImportJob.get_by_id(current.id).status == ImportJob.COMMITTED
    assert {'Петрова Ольга Ивановна', 'Соколова Анна'} <= set(employees(region.odo))


def test_a_staff_import_and_a_children_s_import_do_not_block_each_other(admin_client, region):
    from tests.test_import_flow import filled_template, row
    builders.import_setup(region.odo)
    assert upload(admin_client, staff_file([srow()])).status_code == 303
    response = admin_client.post_form('/imports/', {'file': (io.BytesIO(filled_template([row()])), 'дети.xlsx')},
                                      page='/imports/', content_type='multipart/form-data')
    assert re.fullmatch(r'/imports/\d+', response.headers['Location'])
    kinds = {j.kind for j in ImportJob.select().where(ImportJob.active_organisation == region.odo.id)}
    assert kinds == {ImportJob.STAFF, ImportJob.CHILDREN}
    children_job = ImportJob.get(ImportJob.kind == ImportJob.CHILDREN)
    staff_job = ImportJob.get(ImportJob.kind == ImportJob.STAFF)
    assert admin_client.get(f'/staff/import/{children_job.id}').status_code == 404
    assert admin_client.get(f'/imports/{staff_job.id}').status_code == 404
    assert staff_job.file_name not in admin_client.get('/imports/').get_data(as_text=True)


# --- Hostile files --------------------------------------------------------------------------

@pytest.mark.parametrize('name, data, message', [
    ('сотрудники.xlsx', b'<!DOCTYPE html><html><body><table><tr><td>x</td></tr></table></body></html>',
     'Файл назван как таблица Excel, но внутри веб-страница (HTML) или XML.'),
    ('сотрудники.csv', b'surname;name\n', 'Загрузите файл Excel (.xlsx или .xls) или OpenDocument (.ods).'),
    ('сотрудники.xlsx', b'PK\x03\x04' + b'\x00' * 200, 'Файл повреждён или загружен не полностью.'),
])
def test_a_hostile_file_is_refused_in_russian_and_leaves_nothing(admin_client, region, name, data, message):
    response = upload(admin_client, data, name)
    assert response.status_code == 303
    assert message in admin_client.get(response.headers['Location']).get_data(as_text=True)
    assert ImportJob.select().count() == 0


def test_a_zip_bomb_and_an_oversized_file_are_refused(admin_client, region, app):
    import zipfile
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, 'w', zipfile.ZIP_DEFLATED) as archive:
        archive.writestr('[Content_Types].xml', '<Types/>')
        archive.writestr('xl/workbook.xml', '<workbook/>')
        archive.writestr('xl/worksheets/sheet1.xml', b'0' * (80 * 1024 * 1024))
    response = upload(admin_client, bomb.getvalue())
    assert 'похоже на «zip-бомбу»' in admin_client.get(response.headers['Location']).get_data(as_text=True)
    app.config['IMPORT_MAX_BYTES'] = 1000
    assert upload(admin_client, staff_file([srow()])).status_code == 413
    assert ImportJob.select().count() == 0


# --- Who may -------------------------------------------------------------------------------

def import_routes(app):
    return [(rule, method) for rule in app.url_map.iter_rules() if rule.endpoint.startswith('staff_import.')
            for method in sorted(rule.methods & {'GET', 'POST'})]


def visit(client, rule, method, job_id):
    path = ROUTE_ID.sub(str(job_id), rule.rule)
    return client.get(path) if method == 'GET' else client.post_form(path, {})


@pytest.fixture
def waiting_job(app, region, admin_client):
    assert upload(admin_client, staff_file([srow()])).status_code == 303
    return job()


def test_the_rights_matrix_walks_every_route(app, waiting_job):
    assert {(rule.endpoint, method) for rule, method in import_routes(app)} == {
        ('staff_import.start', 'GET'), ('staff_import.template', 'GET'), ('staff_import.upload', 'POST'),
        ('staff_import.show', 'GET'), ('staff_import.progress', 'GET'), ('staff_import.skip', 'POST'),
        ('staff_import.decisions', 'POST'), ('staff_import.cancel', 'POST'),
        ('staff_import.rejected', 'GET')}


def test_an_administrator_opens_every_page(app, admin_client, waiting_job):
    for rule, method in import_routes(app):
        if method == 'GET':
            response = visit(admin_client, rule, method, waiting_job.id)
            # The progress of a job that is not running sends the browser to the job's page.
            expected = 303 if rule.endpoint == 'staff_import.progress' else 200
            assert response.status_code == expected, (rule.rule, response.status_code)
    # A post without its fields is told what is missing and changes nothing.
    assert visit(admin_client, *[(r, m) for r, m in import_routes(app) if r.endpoint == 'staff_import.skip'][0],
                 waiting_job.id).status_code == 303
    assert ImportJob.get_by_id(waiting_job.id).status == ImportJob.VALIDATED


@pytest.mark.parametrize('login, organisation', [
    ('odo-teacher', 'odo'), ('child-13', 'odo'), ('uo-specialist', 'body')])
def test_without_the_staff_right_every_route_is_403(app, client, region, people, waiting_job, login,
                                                     organisation):
    client.post_form('/logout', {})
    assert client.sign_in(login, organisation=getattr(region, organisation)).status_code == 303
    for rule, method in import_routes(app):
        response = visit(client, rule, method, waiting_job.id)
        assert response.status_code == 403, (login, method, rule.rule, response.status_code)
    assert ImportJob.get_by_id(waiting_job.id).status == ImportJob.VALIDATED


def test_another_organisation_s_administrator_finds_no_import_of_ours(app, client, region, waiting_job):
    client.post_form('/logout', {})
    assert client.sign_in('far-admin', organisation=region.far_odo).status_code == 303
    for rule, method in import_routes(app):
        if 'job_id' in rule.arguments:
            response = visit(client, rule, method, waiting_job.id)
            assert response.status_code == 404, (method, rule.rule, response.status_code)
    assert waiting_job.file_name not in client.get('/staff/import/').get_data(as_text=True)
    assert ImportJob.get_by_id(waiting_job.id).status == ImportJob.VALIDATED
