"""The printed order reads as the document an office files: the organisation, «ПРИКАЗ № … от …»,
the title and the operative point of its kind, the list with the columns that kind needs, the
basis and the head's signature line, on an A4 portrait sheet."""
import re
from html import unescape

import pytest

from models import Employment, Order
from services import movement
from tests import builders
from tests.builders import association, child, committed, day, draft, future_year, program

FULL_NAME = ('Муниципальное автономное учреждение дополнительного образования '
             '«Центр детского творчества»')


@pytest.fixture
def beads(region):
    beads = program(region.odo, 'Бисероплетение', duration=3)
    region.odo.full_name = FULL_NAME
    region.odo.save()
    builders.director(region.odo, 'Петрова', 'Мария', 'Ивановна')
    return type('Beads', (), {
        'first': association(region.odo, '1а Бисер', beads),
        'first_b': association(region.odo, '1б Бисер', beads),
        'second': association(region.odo, '2а Бисер', beads, study_year=2),
        'next_second': association(region.odo, '2а Бисер', beads, study_year=2,
                                   year=future_year(region.odo)),
        'next_first_b': association(region.odo, '1б Бисер', beads, year=future_year(region.odo)),
    })


def printed(client, order):
    """The print view's text as a reader sees it: tags dropped, spaces collapsed."""
    response = client.get(f'/movement/orders/{order.id}/print')
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    body = html[html.index('<body'):]
    return html, ' '.join(unescape(re.sub(r'<[^>]+>', ' ', body)).split())


def headers(html):
    return [' '.join(unescape(re.sub(r'<[^>]+>', '', cell)).split())
            for cell in re.findall(r'<th[^>]*>(.*?)</th>', html, re.S)]


def test_an_enrolment_order_is_the_document_an_office_files(admin_client, region, beads):
    anna, petr = child(), child('Петров', 'Пётр', 'Ильич', gender='M')
    order = committed(region.odo, Order.ENROLMENT, 12, [petr, anna], to=beads.first)
    html, text = printed(admin_client, order)
    assert text.index(FULL_NAME) < text.index('(МАУДО Центр детского творчества)') \
        < text.index('ПРИКАЗ № 12 от 01.09.2026 г.') < text.index('г. Южно-Сахалинск') \
        < text.index('О зачислении обучающихся') < text.index('ПРИКАЗЫВАЮ:')
    assert ('ПРИКАЗЫВАЮ: Зачислить в объединение «1а Бисер» по программе «Бисероплетение» с '
            '01.09.2026 г. следующих обучающихся:') in text
    assert headers(html) == ['№ п/п', 'Фамилия, имя, отчество обучающегося', 'Дата рождения']
    assert 'Из объединения' not in text and 'Причина' not in text
    assert text.index('1 Иванова Анна Сергеевна 01.03.2015') < text.index('2 Петров Пётр Ильич 01.03.2015')
    assert 'Контроль за исполнением настоящего приказа оставляю за собой.' in text
    assert text.endswith('Основание: ______________________________________________ '
                         'Директор ______________ М. И. Петрова')
    assert 'Проект' not in text and 'Сформировано' not in text


def test_a_withdrawal_names_the_reason_and_where_to(admin_client, region, beads):
    anna = child()
    committed(region.odo, Order.ENROLMENT, 1, [anna], to=beads.first)
    order = committed(region.odo, Order.WITHDRAWAL, 2, [anna], on=day(10, 1), source=beads.first,
                      reason='moved', destination='г. Корсаков')
    html, text = printed(admin_client, order)
    assert 'Об отчислении обучающихся' in text
    assert 'Отчислить из объединения «1а Бисер» с 01.10.2026 г. следующих обучающихся:' in text
    assert headers(html) == ['№ п/п', 'Фамилия, имя, отчество обучающегося', 'Дата рождения',
                             'Причина выбытия', 'Куда выбыл']
    assert '1 Иванова Анна Сергеевна 01.03.2015 Смена места жительства г. Корсаков' in text
    assert 'Из объединения' not in text and 'В объединение' not in text


@pytest.mark.parametrize('kind, target, title, point', [
    (Order.TRANSFER, 'first_b', 'О переводе обучающихся из одного объединения в другое',
     'Перевести из объединения «1а Бисер» в объединение «1б Бисер» с 01.10.2026 г. '
     'следующих обучающихся:'),
    (Order.NEXT_YEAR, 'next_second', 'О переводе обучающихся на следующий год обучения',
     'Перевести на 2-й год обучения из объединения «1а Бисер» в объединение «2а Бисер» по '
     'программе «Бисероплетение» с 01.10.2026 г. следующих обучающихся:'),
    (Order.REPEAT, 'next_first_b', 'Об оставлении обучающихся на повторное обучение',
     'Оставить на повторное обучение (1-й год обучения) в объединении «1б Бисер» по программе '
     '«Бисероплетение» с 01.10.2026 г. следующих обучающихся:'),
    (Order.GRADUATION, None, 'О выпуске обучающихся',
     'Отчислить из объединения «1а Бисер» в связи с завершением обучения по программе '
     '«Бисероплетение» с 01.10.2026 г. следующих обучающихся:'),
])
def test_each_kind_has_its_title_and_operative_point(admin_client, region, beads, kind, target,
                                                      title, point):
    anna = child()
    committed(region.odo, Order.ENROLMENT, 1, [anna], to=beads.first)
    order = committed(region.odo, kind, 2, [anna], on=day(10, 1), source=beads.first,
                      to=getattr(beads, target) if target else None)
    html, text = printed(admin_client, order)
    assert title in text and point in text
    assert headers(html) == ['№ п/п', 'Фамилия, имя, отчество обучающегося', 'Дата рождения']
    assert '1 Иванова Анна Сергеевна 01.03.2015' in text


def test_lines_into_several_associations_make_a_point_each(admin_client, region, beads):
    order = draft(region.odo, Order.ENROLMENT, 3)
    movement.add_children_to_draft(order, [child('Яковлева', 'Яна').id], beads.first_b)
    movement.add_children_to_draft(order, [child('Абрамова', 'Ася').id, child().id], beads.first)
    html, text = printed(admin_client, order)
    first = text.index('Зачислить в объединение «1а Бисер»')
    second = text.index('Зачислить в объединение «1б Бисер»')
    assert first < text.index('1 Абрамова Ася') < text.index('2 Иванова Анна') < second \
        < text.index('1 Яковлева Яна')
    assert html.count('<table class="children">') == 2
    assert 'Проект: приказ ещё не проведён.' in text


def test_the_basis_typed_in_the_header_form_is_printed(admin_client, region, beads):
    response = admin_client.post_form('/movement/orders/new', {
        'kind': Order.ENROLMENT, 'number': '5', 'document_date': '2026-09-01',
        'act_date': '2026-09-01', 'basis': '  заявления родителей\r\n(законных представителей)  '})
    assert response.status_code == 303
    order = Order.get(Order.number == '5')
    assert order.basis == 'заявления родителей (законных представителей)'
    page = admin_client.get(response.headers['Location']).get_data(as_text=True)
    assert 'заявления родителей (законных представителей)' in page
    _, text = printed(admin_client, order)
    assert 'Основание: заявления родителей (законных представителей) Директор' in text

    response = admin_client.post_form(f'/movement/orders/{order.id}/header', {
        'version': order.version, 'number': '5', 'document_date': '2026-09-01',
        'act_date': '2026-09-01', 'basis': 'решение педагогического совета'})
    assert response.status_code == 303
    assert Order.get_by_id(order.id).basis == 'решение педагогического совета'
    response = admin_client.post_form(f'/movement/orders/{order.id}/header', {
        'version': order.version + 1, 'number': '5', 'document_date': '2026-09-01',
        'act_date': '2026-09-01', 'basis': 'я' * 1001})
    assert response.status_code == 422 and 'Основание — не длиннее 1000 знаков.' in \
        response.get_data(as_text=True)


def test_the_head_signs_with_the_position_the_staff_records_give(admin_client, region, beads):
    Employment.create(person=child('Сомова', 'Лидия', 'Петровна', birth_date=day(1, 5, 1970)),
                      organisation=region.odo, position='Заведующий')
    Employment.update(dismissed_on=day(10, 1)).where(Employment.position == 'Директор').execute()
    _, text = printed(admin_client, draft(region.odo, Order.ENROLMENT, 4))
    assert text.endswith('Заведующий ______________ ____________________')


def test_the_print_view_is_an_a4_portrait_sheet_without_navigation(admin_client, app, region, beads):
    html, text = printed(admin_client, draft(region.odo, Order.ENROLMENT, 4))
    assert 'css/print.css' in html and '<body class="print order-document">' in html
    assert 'class="menu"' not in html and 'Главное меню' not in html
    assert re.search(r'<nav class="screen-only">.*?</nav>', html, re.S)
    with open(app.static_folder + '/css/print.css', encoding='utf-8') as stylesheet:
        rules = ' '.join(stylesheet.read().split())
    assert '@page order { size: A4 portrait;' in rules
    assert 'body.order-document { page: order;' in rules
    assert '@media print { .screen-only { display: none; }' in rules
