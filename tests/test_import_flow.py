"""«Импорт учеников» over HTTP: template, upload, report, skip modes, resolution, commit, inbox."""
import datetime
import io
import json
import re

import pytest
from openpyxl import load_workbook

from models import (AuditEvent, IdentityDocument, ImportJob, ImportRow, Membership, Message,
                    OrderLine, Person)
from services.imports import build_template
from tests import builders
from tests.test_import_commit import values as row_values

HTMX = {'HX-Request': 'true', 'HX-Request-Type': 'partial'}
TODAY = datetime.date.today()


def filled_template(rows, variant='short', names=('1а Бисер', '2б Робототехника')):
    """The real template with ``rows`` (lists in template column order) typed from row 4."""
    book = load_workbook(io.BytesIO(build_template(variant, list(names))))
    sheet = book['Ученики']
    for r, values in enumerate(rows, start=4):
        for c, value in enumerate(values, start=1):
            sheet.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row(association='1а Бисер', surname='Петрова', name='Анна', patronymic='Ивановна',
        birth='12.03.2016', gender='Ж', snils='', p_series='', p_number='', p_on='', p_by='',
        c_series='II-ФВ', c_number='654321', c_on='', c_by='ЗАГС г. Южно-Сахалинска',
        record='170169650001234', category='Школьники'):
    return [association, surname, name, patronymic, birth, gender, snils, p_series, p_number,
            p_on, p_by, c_series, c_number, c_on, c_by, record, category]


def upload(client, data, name='дети.xlsx', order=None):
    form = {'file': (io.BytesIO(data), name)}
    if order:
        form['order'] = str(order.id)
    return client.post_form('/imports/', form, page='/imports/', content_type='multipart/form-data')


@pytest.fixture
def setup(region, app):
    with app.app_context():
        return builders.import_setup(region.odo)


def current_job():
    return ImportJob.select().order_by(ImportJob.id.desc()).first()


def test_templates_download_with_merged_header_and_lists(admin_client, setup):
    response = admin_client.get('/imports/templates/short.xlsx')
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers['Content-Disposition']
    book = load_workbook(io.BytesIO(response.data))
    sheet = book['Ученики']
    assert sheet['A1'].value == 'Объединение' and sheet['H1'].value == 'Документы, уд. личность'
    assert sheet['H2'].value == 'Паспорт' and sheet['L2'].value == 'Свидетельство о рождении'
    assert sheet['M3'].value == '№ Св-ва'
    assert 'H1:O1' in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet['G4'].number_format == '@'  # СНИЛС keeps leading zeros
    formulas = {dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert '"М,Ж"' in formulas
    assert [c.value for c in book['Списки']['A']][:2] == ['1а Бисер', '2б Робототехника']
    assert 'Инструкция' in book.sheetnames
    for variant in ('extended', 'foreign'):
        assert admin_client.get(f'/imports/templates/{variant}.xlsx').status_code == 200
    assert admin_client.get('/imports/templates/other.xlsx').status_code == 404


def test_teacher_without_the_right_cannot_import(client, region, setup):
    client.sign_in('odo-teacher', organisation=region.odo)
    assert client.get('/imports/').status_code == 403


def test_report_lists_every_problem_and_rows_skip_mode_drops_bad_rows(admin_client, setup):
    data = filled_template([
        row(),
        row(surname='Сидоров', name='Олег', gender='М', snils='112-233-445 96', c_number='123'),
        row(association='Шахматы', surname='Кузнецова', name='Ольга'),
    ])
    response = upload(admin_client, data, order=setup.order)
    assert response.status_code == 303
    page = admin_client.get(response.headers['Location']).get_data(as_text=True)
    assert 'Объединение не найдено в вашей организации' in page
    assert '1а Бисер, 2б Робототехника' in page  # the allowed values
    assert 'Шахматы' in page and '112-233-445 96' in page and 'контрольным числом' in page
    job = current_job()
    admin_client.post_form(f'/imports/{job.id}/skip', {'mode': 'rows'}, page=f'/imports/{job.id}')
    decisions = {r.row_number: r.decision for r in ImportRow.select()}
    assert decisions == {4: 'new', 5: 'skip', 6: 'skip'}
    rejected = load_workbook(io.BytesIO(admin_client.get(f'/imports/{job.id}/rejected.xlsx').data)).active
    texts = [[c.value for c in r] for r in rejected.iter_rows()]
    assert texts[1][0] == 5 and 'СНИЛС' in texts[1][1] and 'Шахматы' in texts[2]


def test_cells_skip_mode_keeps_the_row_without_the_bad_cells(admin_client, setup):
    data = filled_template([row(surname='Сидоров', name='Олег', gender='М', snils='112-233-445 96')])
    upload(admin_client, data)
    job = current_job()
    admin_client.post_form(f'/imports/{job.id}/skip', {'mode': 'cells'}, page=f'/imports/{job.id}')
    the_row = ImportRow.get()
    assert the_row.decision == 'new'
    assert json.loads(the_row.values)['snils'] is None


def test_whole_flow_use_new_ignore_no_school_request_and_commit(admin_client, region, setup):
    here_child = builders.child('Ёлкина', 'Мария', 'Петровна', datetime.date(2016, 5, 4),
                                document=('birth_certificate_rf', 'II-ФВ', '111111'))
    elsewhere = builders.person('Смирнов', 'Павел', 'Олегович', birth_date=datetime.date(2015, 2, 3),
                                gender='M')
    school_class = builders.import_setup(region.school, names=('3а',), order_number='7').associations[0]
    Membership.create(person=elsewhere, association=school_class, organisation=region.school,
                      started_on=datetime.date(2025, 9, 1))
    data = filled_template([
        row(surname='Елкина', name='Мария', patronymic='Петровна', birth='04.05.2016', c_number='111111'),
        row(surname='Смирнов', name='Павел', patronymic='Олегович', birth='03.02.2015', gender='М',
            c_number='222222'),
        row(surname='Новикова', name='Вера', patronymic='', birth='2017-01-09', c_number='333333'),
        row(surname='Смирнов', name='Павел', patronymic='', birth='02.03.2015', gender='М',
            c_number='444444', association='2б Робототехника'),
    ])
    upload(admin_client, data, order=setup.order)
    job = current_job()
    admin_client.post_form(f'/imports/{job.id}/skip', {'mode': 'rows'}, page=f'/imports/{job.id}')
    rows = {r.row_number: r for r in ImportRow.select()}
    assert rows[4].decision == 'use' and rows[4].chosen_person_id == here_child.id  # exact: same document and date
    assert rows[5].decision == '' and rows[6].decision == 'new'
    page = admin_client.get(f'/imports/{job.id}').get_data(as_text=True)
    assert 'В списке выпускников и выбывших (свободные)' in page and 'точное совпадение' in page
    assert 'В других организациях' in page and 'МАОУ СОШ № 1' in page
    assert 'disabled' in page.split('value="commit"')[1][:40]  # «ОК» waits for every row
    # a school is never asked to record a withdrawal: not offered, and a hand-made request is refused
    assert 'Запросить' not in page
    response = admin_client.post_form(f'/imports/{job.id}/rows/{rows[5].id}/departure',
                                      {'target': f'{elsewhere.id}:{school_class.id}'},
                                      page=f'/imports/{job.id}')
    assert response.status_code == 303 and Message.select().count() == 0
    assert 'школам и детским садам его не отправляют' in admin_client.get(
        response.headers['Location']).get_data(as_text=True)
    # decisions: use the found child for row 5, ignore row 7 (swapped day/month, same child)
    admin_client.post_form(f'/imports/{job.id}/rows/{rows[5].id}', {f'row-{rows[5].id}': f'use:{elsewhere.id}'},
                           page=f'/imports/{job.id}')
    fragment = admin_client.post_form(f'/imports/{job.id}/rows/{rows[7].id}', {f'row-{rows[7].id}': 'ignore'},
                                      page=f'/imports/{job.id}', headers=HTMX).get_data(as_text=True)
    assert 'id="commit-bar"' in fragment and 'disabled' not in fragment
    response = admin_client.post_form(f'/imports/{job.id}/decisions',
                                      {'action': 'commit', 'order': str(setup.order.id)},
                                      page=f'/imports/{job.id}')
    assert response.status_code == 303
    job = ImportJob.get_by_id(job.id)
    assert job.status == 'committed', job.error
    assert (job.used_count, job.created_count, job.ignored_count) == (2, 1, 1)
    assert job.active_organisation is None
    lines = {line.person_id for line in OrderLine.select().where(OrderLine.order == setup.order)}
    assert lines == {here_child.id, elsewhere.id, Person.get(Person.surname == 'Новикова').id}
    assert Person.select().where(Person.surname_key == 'смирнов').count() == 1  # no duplicate
    assert IdentityDocument.get(IdentityDocument.number == '333333').kind == 'birth_certificate_rf'
    assert AuditEvent.select().where(AuditEvent.event == 'import_commit').count() == 1
    assert 'Записан в приказ' in admin_client.get(f'/imports/{job.id}').get_data(as_text=True)


def resolving_job(setup, count):
    """An import waiting for decisions on ``count`` rows (file rows 4, 5, …), none decided."""
    association = setup.associations[0]
    job = ImportJob.create(organisation=setup.order.organisation_id, file_name='дети.xlsx',
                           active_organisation=setup.order.organisation_id, status='resolving',
                           row_count=count, progress_total=count)
    ImportRow.insert_many([(job.id, 4 + n, json.dumps(row_values(n, association), ensure_ascii=False))
                           for n in range(count)],
                          fields=[ImportRow.job, ImportRow.row_number, ImportRow.values]).execute()
    return job, [r.id for r in ImportRow.select(ImportRow.id).order_by(ImportRow.row_number)]


def shown_rows(page):
    return [int(n) for n in re.findall(r'<tr id="row-(\d+)"', page)]


def test_page_two_of_a_resolution_shows_the_next_rows(admin_client, setup):
    job, ids = resolving_job(setup, 150)
    first = admin_client.get(f'/imports/{job.id}').get_data(as_text=True)
    assert shown_rows(first) == ids[:100]
    assert f'<a href="/imports/{job.id}?page=2" hx-get="/imports/{job.id}?page=2" hx-target="#import-rows"' in first
    second = admin_client.get(f'/imports/{job.id}?page=2').get_data(as_text=True)
    assert shown_rows(second) == ids[100:]
    assert '<span aria-current="page">2</span>' in second and f'href="/imports/{job.id}?page=1"' in second
    assert '<input type="hidden" name="page" value="2">' in second  # «Сохранить решения» comes back here
    fragment = admin_client.get(f'/imports/{job.id}?page=2', headers=HTMX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="import-rows">') and '<form' not in fragment
    assert shown_rows(fragment) == ids[100:]


def test_every_row_of_a_long_resolution_can_be_reached(admin_client, setup):
    job, ids = resolving_job(setup, 1150)  # more than the registry screens ever count
    page = admin_client.get(f'/imports/{job.id}?page=12').get_data(as_text=True)
    assert shown_rows(page) == ids[1100:] and '<span aria-current="page">12</span>' in page
    assert 'Показаны первые' not in page


def test_inbox_shows_unread_count_in_the_menu(client, region, setup):
    Message.create(sender_organisation=region.odo, recipient_organisation=region.far_odo,
                   subject='Запрос на выбытие: Смирнов Павел', body='Просим оформить выбытие.')
    client.sign_in('far-admin', organisation=region.far_odo)
    unread = ('<a href="/inbox/" aria-label="Входящие, непрочитанных: 1">Входящие '
              '<span class="count">1</span></a>')
    assert unread in client.get('/').get_data(as_text=True)
    page = client.get('/inbox/').get_data(as_text=True)
    assert 'Запрос на выбытие: Смирнов Павел' in page
    message = Message.get()
    response = client.post_form(f'/inbox/{message.id}/read', page='/inbox/')
    assert response.status_code == 303 and response.headers['Location'] == '/inbox/'
    assert Message.get_by_id(message.id).read_at is not None
    assert '<a href="/inbox/">Входящие</a>' in client.get('/').get_data(as_text=True)


def test_another_organisation_gets_404_for_an_import_and_a_message(client, admin_client, region, setup):
    upload(admin_client, filled_template([row()]))
    job = current_job()
    message = Message.create(sender_organisation=region.far_odo, recipient_organisation=region.odo,
                             subject='x', body='y')
    other = builders.user('other-admin', region.far_odo, 'odo_admin')
    second = type(admin_client)(admin_client.application.test_client())
    second.sign_in('other-admin', organisation=region.far_odo)
    for url in (f'/imports/{job.id}', f'/imports/{job.id}/rejected.xlsx', f'/imports/{job.id}/print',
                f'/imports/{job.id}/progress'):
        assert second.get(url).status_code == 404, url
    assert second.post_form(f'/imports/{job.id}/cancel', page='/imports/').status_code == 404
    assert second.post_form(f'/inbox/{message.id}/read', page='/inbox/').status_code == 404
    assert Message.get_by_id(message.id).read_at is None
    assert other


def test_one_active_import_per_organisation(admin_client, setup):
    upload(admin_client, filled_template([row()]))
    response = upload(admin_client, filled_template([row(surname='Другая')]))
    assert response.status_code == 303
    assert 'уже идёт импорт' in admin_client.get('/imports/').get_data(as_text=True)
    assert ImportJob.select().count() == 1


def test_hostile_upload_is_refused_with_a_clear_message_and_leaves_nothing(admin_client, setup):
    response = upload(admin_client, b'<html><body><table><tr><td>1</td></tr></table></body></html>',
                      name='дети.xls')
    assert response.status_code == 303
    page = admin_client.get('/imports/').get_data(as_text=True)
    assert 'внутри веб-страница (HTML)' in page
    assert ImportJob.select().count() == 0 and ImportRow.select().count() == 0


def test_upload_over_the_size_cap_is_413(admin_client, setup, app):
    app.config['IMPORT_MAX_BYTES'] = 1000
    response = upload(admin_client, b'PK\x03\x04' + b'0' * 2000)
    assert response.status_code == 413
    assert ImportJob.select().count() == 0
