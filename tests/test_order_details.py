"""Small things around orders: a refused commit lands on the order's own address, a capacity
warning is said once, the next number is offered, the import report names its children, and
the exports keep their header row in view with a filter on it."""
import io
import re
from html import unescape

import openpyxl
import pytest

from models import ImportJob, Membership, Order, OrderLine
from services import movement
from tests import builders
from tests.builders import association, child, committed, day, draft, program
from tests.test_import_flow import filled_template, row, upload


@pytest.fixture
def beads(region):
    beads = program(region.odo, 'Бисероплетение')
    return type('Beads', (), {'program': beads, 'small': association(region.odo, '1а Бисер', beads, capacity=1),
                              'roomy': association(region.odo, '1б Бисер', beads, capacity=30)})


def text(response):
    return unescape(response.get_data(as_text=True))


CAPACITY = 'В объединении «1а Бисер»'  # how the capacity warning begins


# --- A refused commit ---------------------------------------------------------------

def test_a_refused_commit_sends_back_to_the_order_so_a_reload_resends_nothing(admin_client, region,
                                                                               beads):
    anna, petr = child(), child('Петров', 'Пётр', gender='M')
    committed(region.odo, Order.ENROLMENT, 1, [anna], to=beads.roomy)
    order = draft(region.odo, Order.ENROLMENT, 2, on=day(10, 1))
    movement.add_children_to_draft(order, [petr.id], beads.roomy)
    # A line the draft took before order 1 enrolled Anna.
    OrderLine.create(order=order, person=anna, association_to=beads.roomy, moved_on=day(10, 1))
    response = admin_client.post_form(f'/movement/orders/{order.id}/commit', {'version': order.version})
    assert response.status_code == 303
    assert response.headers['Location'] == f'/movement/orders/{order.id}'
    page = text(admin_client.get(response.headers['Location']))  # what a reload would fetch again
    assert 'Приказ №2 от 01.10.2026 не проведён: ни один учащийся не записан.' in page
    assert ('Иванова Анна Сергеевна: ребёнок уже занимается в «1б Бисер»: зачислен приказом №1 от '
            '01.09.2026.') in page
    assert Order.get_by_id(order.id).status == Order.DRAFT
    assert Membership.select().where(Membership.person == petr).count() == 0
    assert 'не проведён' not in text(admin_client.get(f'/movement/orders/{order.id}'))  # said once


def test_a_commit_of_an_order_committed_meanwhile_says_so(admin_client, region, beads):
    order = committed(region.odo, Order.ENROLMENT, 1, [child()], to=beads.roomy)
    response = admin_client.post_form(f'/movement/orders/{order.id}/commit', {'version': order.version})
    assert response.status_code == 303 and response.headers['Location'] == f'/movement/orders/{order.id}'
    page = text(admin_client.get(response.headers['Location']))
    assert 'Приказ №1 от 01.09.2026 уже проведён.' in page and 'не проведён' not in page


# --- The capacity warning is said once ------------------------------------------------

def capacity_warnings(page):
    return len(re.findall(re.escape(CAPACITY), page))


def test_the_capacity_warning_appears_once_after_adding(admin_client, region, beads):
    order = draft(region.odo, Order.ENROLMENT, 1)
    for surname, name, gender in (('Иванова', 'Анна', 'F'), ('Петров', 'Пётр', 'M')):
        response = admin_client.post_form(f'/movement/orders/{order.id}/children', {
            'surname': surname, 'name': name, 'no_patronymic': '1', 'birth_date': '01.03.2015',
            'gender': gender, 'association_to': beads.small.id})
        assert response.status_code == 303
    assert OrderLine.select().where(OrderLine.order == order).count() == 2
    assert capacity_warnings(text(admin_client.get(response.headers['Location']))) == 1


def test_the_capacity_warning_appears_once_after_a_refused_commit(admin_client, region, beads):
    order = draft(region.odo, Order.ENROLMENT, 1)
    movement.add_children_to_draft(order, [child().id, child('Петров', 'Пётр', gender='M').id],
                                   beads.small)
    response = admin_client.post_form(f'/movement/orders/{order.id}/commit', {'version': order.version})
    page = text(admin_client.get(response.headers['Location']))
    assert 'не проведён: ни один учащийся не записан.' in page
    assert capacity_warnings(page) == 1


def test_the_capacity_warning_appears_once_after_adding_from_the_registry(admin_client, registry):
    from tests.test_enrolment_registry import tick
    order, bead = registry['order'], registry['bead']
    bead.capacity = 1
    bead.save()
    kids = [child('Кузнецова', name, 'Петровна') for name in ('Анна', 'Вера')]
    tick(admin_client, order, 'search', kids, kids, back='applied=1&surname=кузнецова')
    response = admin_client.post_form(f'/enrolment/orders/{order.id}/selected/add', {'to': bead.id},
                                      page=f'/enrolment/orders/{order.id}/selected')
    assert response.headers['Location'] == f'/movement/orders/{order.id}'
    assert OrderLine.select().where(OrderLine.order == order).count() == 2
    assert capacity_warnings(text(admin_client.get(response.headers['Location']))) == 1


# --- The next number ------------------------------------------------------------------

def suggested(client):
    page = client.get('/movement/orders/new').get_data(as_text=True)
    return re.search(r'<input id="number" name="number" value="([^"]*)"', page).group(1)


def test_the_new_order_form_suggests_the_next_number(admin_client, region):
    assert suggested(admin_client) == '1'
    draft(region.odo, Order.ENROLMENT, 7)
    draft(region.odo, Order.WITHDRAWAL, 12, on=day(10, 1))
    draft(region.odo, Order.ENROLMENT, 9, on=day(10, 2))
    assert suggested(admin_client) == '13'
    assert 'Следующий номер в этом учебном году — 13.' in admin_client.get('/movement/orders/new') \
        .get_data(as_text=True)
    draft(region.other_odo, Order.ENROLMENT, 40)  # another organisation's numbers do not count
    assert suggested(admin_client) == '13'


@pytest.mark.parametrize('numbers, expected', [
    (['12-к', '3'], '13-к'),            # the suffix an office adds is kept
    (['к-5', '4'], 'к-6'),
    (['007'], '008'),                    # and the leading zeros
    (['б/н', 'без номера'], '1'),        # numbers without digits are passed over
    (['12-к', '13-к'], '14-к'),
    (['5', '6-к'], '7-к'),               # the highest number decides the pattern
    (['12', '12-к'], '13-к'),            # of two equal ones, the later
    (['2026/15', '2026/9'], '2026/16'),  # the school year is not the number
    (['2026'], '2027'),                  # unless it is the only one
])
def test_the_suggestion_follows_the_organisations_numbers(region, numbers, expected):
    for index, number in enumerate(numbers):
        draft(region.odo, Order.ENROLMENT, number, on=day(9, index + 1))
    year = Order.get(Order.organisation == region.odo).school_year
    assert movement.suggested_number(region.odo, year) == expected


def test_a_taken_number_is_refused_and_the_free_one_offered(admin_client, region):
    draft(region.odo, Order.ENROLMENT, 3)
    response = admin_client.post_form('/movement/orders/new', {
        'kind': Order.ENROLMENT, 'number': '3', 'document_date': '2026-09-02', 'act_date': '2026-09-02'})
    assert response.status_code == 422
    page = text(response)
    assert 'Приказ №3 уже есть' in page and 'Следующий номер в этом учебном году — 4.' in page


# --- The import report names each row's child -----------------------------------------

def test_the_import_report_names_each_rows_child(admin_client, region, app):
    with app.app_context():
        setup = builders.import_setup(region.odo)
    data = filled_template([
        row(),
        row(surname='Сидоров', name='Олег', patronymic='', gender='М', birth='05.06.2014',
            snils='112-233-445 96'),
        row(association='Шахматы', surname='Кузнецова', name='Ольга', birth='31.02.2015'),
    ])
    response = upload(admin_client, data, order=setup.order)
    page = admin_client.get(response.headers['Location']).get_data(as_text=True)
    rows = [' '.join(unescape(re.sub(r'<[^>]+>', ' ', tr)).split())
            for tr in re.findall(r'<tr>(.*?)</tr>', page.split('<tbody>')[1], re.S)]
    assert any(r.startswith('5 Сидоров Олег, 05.06.2014 СНИЛС') for r in rows), rows
    # a date the check refused is shown as the file has it
    assert any(r.startswith('6 Кузнецова Ольга Ивановна, 31.02.2015 Объединение') for r in rows), rows
    job = ImportJob.get()
    assert job.status == ImportJob.VALIDATED
    rejected = openpyxl.load_workbook(io.BytesIO(admin_client.get(f'/imports/{job.id}/rejected.xlsx').data)).active
    assert rejected.freeze_panes == 'A2' and rejected.auto_filter.ref.startswith('A1:')
    assert rejected.auto_filter.ref.endswith('3')  # the header and the two rows with errors


# --- Exports keep the header in view, with a filter -----------------------------------

def test_exports_freeze_the_header_row_and_filter_it(admin_client, region, beads):
    order = committed(region.odo, Order.ENROLMENT, 9, [child(), child('Петров', 'Пётр', gender='M')],
                      to=beads.roomy)
    for url in ('/movement/export.xlsx', f'/movement/orders/{order.id}/export.xlsx'):
        sheet = openpyxl.load_workbook(io.BytesIO(admin_client.get(url).data)).active
        assert sheet['A2'].value == 'Дата движения'  # the header row, under the heading line
        assert sheet.freeze_panes == 'A3', url
        assert sheet.auto_filter.ref == 'A2:K4', url


def test_a_sheet_without_a_heading_freezes_under_its_first_row():
    from services.spreadsheets import workbook_bytes
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes('Лист', ['ФИО', 'Дата'], [['А', 'Б']]))).active
    assert sheet.freeze_panes == 'A2' and sheet.auto_filter.ref == 'A1:B2'
