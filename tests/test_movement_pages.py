"""The movement book and orders through HTTP: forms, fragments, rights, print and export."""
import datetime
import io
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest

from models import AuditEvent, Membership, Order, OrderLine, Person, Role, UserRole
from services import movement
from tests.builders import QueryCounter, association, child, committed, day, draft, program

HTMX = {'HX-Request': 'true', 'HX-Request-Type': 'partial'}


@pytest.fixture
def beads(region):
    beads = program(region.odo, 'Бисероплетение', duration=3)
    return type('Beads', (), {
        'program': beads,
        'first': association(region.odo, '1а Бисер', beads),
        'first_b': association(region.odo, '1б Бисер', beads),
    })


def text(response):
    return response.get_data(as_text=True)


def events(name):
    return AuditEvent.select().where(AuditEvent.event == name).count()


def sign_in_as(client, login, region):
    assert client.sign_in(login, organisation=region.odo).status_code == 303
    return client


# --- The administrator's path ---------------------------------------------------

def test_enrolment_order_from_draft_to_the_book(admin_client, region, beads):
    response = admin_client.post_form('/movement/orders/new', {
        'kind': 'enrolment', 'number': '12', 'document_date': '2026-09-01', 'act_date': '2026-09-01'})
    assert response.status_code == 303
    order_url = response.headers['Location']
    order = Order.get(Order.number == '12')
    assert order_url == f'/movement/orders/{order.id}' and order.status == 'draft'

    add_page = text(admin_client.get(order_url + '/add'))
    for way in ('Импорт учеников', 'Поиск учащихся для зачисления', 'Список выпускников и выбывших',
                'Список обучающихся в других ОО'):
        assert way in add_page
    response = admin_client.post_form(order_url + '/children', {
        'surname': ' Иванова ', 'name': 'Анна', 'patronymic': 'Сергеевна', 'birth_date': '01.03.2015',
        'gender': 'F', 'association_to': beads.first.id})
    assert response.status_code == 303
    page = text(admin_client.get(order_url))
    assert 'Ученики в приказе (1)' in page and 'Иванова Анна Сергеевна' in page

    response = admin_client.post_form(order_url + '/commit', {'version': order.version})
    assert response.status_code == 303
    page = text(admin_client.get(order_url))
    assert 'Приказ №12 от 01.09.2026 проведён.' in page and 'Проведён' in page
    assert Membership.select().where(Membership.association == beads.first).count() == 1
    book = text(admin_client.get('/movement/'))
    assert 'Иванова Анна Сергеевна' in book and '№12' in book and 'Зачисление' in book
    assert events('order_created') == events('order_lines_added') == events('order_committed') == 1


def test_known_children_are_found_and_added(admin_client, region, beads):
    anna, petr = child(), child('Петров', 'Пётр', gender='M')
    committed(region.odo, 'enrolment', 1, [anna, petr], to=beads.first)
    order = draft(region.odo, 'enrolment', 2, on=day(10, 1))
    fragment = admin_client.get(f'/movement/orders/{order.id}/add?q=пЕтр', headers=HTMX)
    assert text(fragment).lstrip().startswith('<fieldset id="known-children"')
    assert 'Петров Пётр' in text(fragment) and 'Иванова' not in text(fragment)
    response = admin_client.post_form(f'/movement/orders/{order.id}/lines', {
        'person': [anna.id, petr.id], 'association_to': beads.first.id})
    page = text(admin_client.get(response.headers['Location']))
    assert ('Иванова Анна Сергеевна: ребёнок уже занимается в «1а Бисер»: зачислен приказом №1 от '
            '01.09.2026.') in page


def test_new_child_form_reports_each_field(admin_client, region, beads):
    order = draft(region.odo, 'enrolment', 1)
    response = admin_client.post_form(f'/movement/orders/{order.id}/children', {
        'surname': 'Иванoва', 'name': '', 'birth_date': 'вчера', 'association_to': beads.first.id})
    page = text(response)
    assert response.status_code == 422
    assert 'латинские буквы (o)' in page and 'Заполните поле «Имя».' in page
    assert 'Укажите дату рождения в виде ДД.ММ.ГГГГ.' in page and 'Выберите пол.' in page
    assert Person.select().where(Person.surname == 'Иванoва').count() == 0


def test_transfer_and_withdrawal_through_the_forms(admin_client, region, beads):
    anna = child()
    committed(region.odo, 'enrolment', 1, [anna], to=beads.first)
    transfer = draft(region.odo, 'transfer', 2, on=day(10, 1))
    page = text(admin_client.get(f'/movement/orders/{transfer.id}/add?from={beads.first.id}'))
    assert 'Иванова Анна Сергеевна' in page and '1б Бисер' in page
    admin_client.post_form(f'/movement/orders/{transfer.id}/lines', {
        'person': anna.id, 'association_from': beads.first.id, 'association_to': beads.first_b.id})
    admin_client.post_form(f'/movement/orders/{transfer.id}/commit', {'version': transfer.version})
    withdrawal = draft(region.odo, 'withdrawal', 3, on=day(11, 1))
    admin_client.post_form(f'/movement/orders/{withdrawal.id}/lines', {
        'person': anna.id, 'association_from': beads.first_b.id, 'reason': 'moved',
        'destination': 'г. Корсаков'})
    admin_client.post_form(f'/movement/orders/{withdrawal.id}/commit', {'version': withdrawal.version})
    assert Membership.select().where(Membership.person == anna, Membership.ended_on.is_null()).count() == 0
    card = text(admin_client.get(f'/movement/children/{anna.id}'))
    assert card.index('Зачисление') < card.index('Перевод между объединениями') < card.index('Выбытие')
    assert 'Смена места жительства; г. Корсаков' in card
    assert events('child_card_viewed') == 1


def test_a_committed_order_takes_no_children_by_any_form(admin_client, region, beads):
    order = committed(region.odo, 'enrolment', 1, [child()], to=beads.first)
    petr = child('Петров', 'Пётр', gender='M')
    people = Person.select().count()
    for send in (
            lambda: admin_client.get(f'/movement/orders/{order.id}/add'),
            lambda: admin_client.post_form(f'/movement/orders/{order.id}/lines', {
                'person': petr.id, 'association_to': beads.first.id}),
            lambda: admin_client.post_form(f'/movement/orders/{order.id}/children', {
                'surname': 'Орлова', 'name': 'Ольга', 'no_patronymic': '1', 'birth_date': '01.01.2015',
                'gender': 'F', 'association_to': beads.first.id})):
        response = send()
        assert (response.status_code, response.headers['Location']) == (303, f'/movement/orders/{order.id}')
        assert 'Приказ №1 от 01.09.2026 уже проведён: добавить в него учеников нельзя.' in \
            text(admin_client.get(response.headers['Location']))
    assert OrderLine.select().where(OrderLine.order == order).count() == 1
    assert Person.select().count() == people


def test_refusals_name_the_blocking_order(admin_client, region, beads):
    anna = child()
    enrolment = committed(region.odo, 'enrolment', 1, [anna], to=beads.first)
    committed(region.odo, 'transfer', 14, [anna], on=day(10, 1), source=beads.first, to=beads.first_b)
    back_dated = draft(region.odo, 'enrolment', 15, on=day(9, 20))
    response = admin_client.post_form(f'/movement/orders/{back_dated.id}/lines', {
        'person': anna.id, 'association_to': beads.first.id}, follow_redirects=True)
    assert 'ребёнок уже переведён приказом №14 от 01.10.2026' in text(response)

    confirm = text(admin_client.get(f'/movement/orders/{enrolment.id}/delete'))
    assert 'Удалить нельзя.' in confirm and 'сначала удалите приказ №14' in confirm
    assert 'Удалить приказ</button>' not in confirm
    response = admin_client.post_form(f'/movement/orders/{enrolment.id}/delete', follow_redirects=True)
    assert 'он уже переведён приказом №14 от 01.10.2026' in text(response)
    assert Order.get_or_none(Order.id == enrolment.id) is not None
    assert events('order_delete_refused') == 1


def test_deleting_the_last_order(admin_client, region, beads):
    anna = child()
    order = committed(region.odo, 'enrolment', 1, [anna], to=beads.first)
    confirm = text(admin_client.get(f'/movement/orders/{order.id}/delete'))
    assert 'не будет зачислен в «1а Бисер»' in confirm
    response = admin_client.post_form(f'/movement/orders/{order.id}/delete')
    assert response.status_code == 303 and Order.select().count() == 0 and Membership.select().count() == 0
    assert events('order_deleted') == 1


def test_a_stale_header_form_says_the_order_changed(admin_client, region):
    order = draft(region.odo, 'enrolment', 1)
    stale = order.version
    movement.update_draft(order, order.version, '2', day(9, 1), day(9, 1))
    response = admin_client.post_form(f'/movement/orders/{order.id}/header', {
        'version': stale, 'number': '3', 'document_date': '2026-09-01', 'act_date': '2026-09-01'})
    assert response.status_code == 409 and 'изменил другой пользователь' in text(response)
    assert Order.get_by_id(order.id).number == '2'


def test_fields_the_form_does_not_offer_cannot_be_posted(admin_client, region, beads):
    order = draft(region.odo, 'enrolment', 1)
    admin_client.post_form(f'/movement/orders/{order.id}/header', {
        'version': order.version, 'number': '5', 'document_date': '2026-09-02', 'act_date': '2026-09-02',
        'status': 'committed', 'organisation': region.other_odo.id, 'kind': 'withdrawal'})
    saved = Order.get_by_id(order.id)
    assert (saved.number, saved.status, saved.organisation_id, saved.kind) == \
        ('5', 'draft', region.odo.id, 'enrolment')


# --- The book: filters, fragments, print, export ---------------------------------------

def test_book_filters_answer_a_fragment_to_htmx(admin_client, region, beads):
    anna, petr = child(), child('Петров', 'Пётр', gender='M')
    committed(region.odo, 'enrolment', 1, [anna, petr], to=beads.first)
    committed(region.odo, 'transfer', 2, [anna], on=day(10, 1), source=beads.first, to=beads.first_b)
    response = admin_client.get('/movement/?kind=transfer', headers=HTMX)
    fragment = text(response)
    assert fragment.lstrip().startswith('<div id="book-results"') and '<html' not in fragment
    assert 'HX-Request' in response.headers['Vary']
    assert 'Иванова Анна' in fragment and 'Петров' not in fragment
    assert 'Движений: <strong>1</strong>' in fragment
    assert '/movement/export.xlsx?kind=transfer' in fragment  # export follows the filters
    page = text(admin_client.get('/movement/?child=петров&date_to=2026-09-30'))
    assert '<html' in page and 'Петров Пётр' in page and 'Иванова' not in page.split('id="book-results"')[1]


def book_pager(page):
    """The book's pager as (label, url) pairs; url is None for the current page and for gaps."""
    nav = page.split('aria-label="Страницы книги"')[1].split('</nav>')[0]
    shown = []
    link = r'<a href="([^"]*)" hx-get="([^"]*)" hx-target="([^"]*)"[^>]*>([^<]*)</a>'
    for href, hx_get, target, label, plain in re.findall(link + r'|<span[^>]*>([^<]*)</span>', nav):
        if href:
            assert hx_get == href and target == '#book-results'  # the same link works without JS
        shown.append((label or plain, unescape(href) or None))
    return shown


def birth_dates(page):
    return re.findall(r'</a> <span class="muted">(\d\d\.\d\d\.\d{4})</span>', page)


def test_the_book_pager_shows_page_numbers_and_page_two_lists_the_next_lines(
        admin_client, region, beads, monkeypatch):
    big = association(region.odo, '1в Бисер', beads.program, capacity=200)
    born = [datetime.date(2014, 1, 1) + datetime.timedelta(days=n) for n in range(60)]
    committed(region.odo, 'enrolment', 1, [child('Ученик', 'Анна', birth_date=b) for b in born], to=big)
    newest_first = [f'{b:%d.%m.%Y}' for b in reversed(born)]  # one day, one order: the later line first

    first = text(admin_client.get('/movement/?kind=enrolment'))
    assert 'Движений: <strong>60</strong>' in first and birth_dates(first) == newest_first[:50]
    pager = book_pager(first)
    assert [label for label, _ in pager] == ['1', '2'] and pager[0][1] is None
    assert urlsplit(pager[1][1]).path == '/movement/'
    assert parse_qs(urlsplit(pager[1][1]).query) == {'kind': ['enrolment'], 'page': ['2']}
    second = text(admin_client.get(pager[1][1], headers=HTMX))
    assert second.lstrip().startswith('<div id="book-results"')
    assert birth_dates(second) == newest_first[50:]
    assert [label for label, _ in book_pager(second)] == ['1', '2']

    monkeypatch.setattr(movement, 'BOOK_PAGE_SIZE', 10)
    numbers = [label for label, _ in book_pager(text(admin_client.get('/movement/')))]
    assert numbers == ['1', '2', '3', '…', '6']


def test_print_views_of_the_book_and_of_an_order(admin_client, region, beads):
    order = committed(region.odo, 'enrolment', 7, [child()], to=beads.first)
    book = text(admin_client.get('/movement/print?kind=enrolment'))
    assert 'css/print.css' in book and 'data-print' in book and 'Иванова Анна Сергеевна' in book
    assert 'Вид движения: Зачисление.' in book
    one = text(admin_client.get(f'/movement/orders/{order.id}/print'))
    assert '№ 7 от 01.09.2026 г.' in one and 'О зачислении обучающихся' in one


def test_export_writes_user_text_as_text(admin_client, region, beads):
    anna = child()
    committed(region.odo, 'enrolment', '=1+1', [anna], to=beads.first)
    hostile = ['=cmd|\' /c calc\'!A1', '+1+1', '-2+3', '@SUM(1)']
    for index, destination in enumerate(hostile):
        person = child('Выбывшая', 'Анна', birth_date=day(3, index + 1, 2015))
        committed(region.odo, 'enrolment', f'e{index}', [person], to=beads.first)
        committed(region.odo, 'withdrawal', f'w{index}', [person], on=day(10, 1), source=beads.first,
                  reason='other', destination=destination)
    response = admin_client.get('/movement/export.xlsx')
    assert response.headers['Content-Type'] == \
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
    disposition = response.headers['Content-Disposition']
    assert disposition.startswith('attachment; filename="movement-book-')
    assert "filename*=UTF-8''%D0%9A%D0%BD%D0%B8%D0%B3%D0%B0" in disposition  # «Книга…»
    assert response.headers['Cache-Control'] == 'no-store'
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [cell.coordinate for cell in cells if cell.data_type == 'f']
    written = {cell.value: cell for cell in cells if isinstance(cell.value, str)}
    for value in hostile + ['=1+1']:
        assert written[value].data_type == 's' and written[value].quotePrefix, value
    assert sheet['A3'].is_date and sheet['A3'].number_format == 'DD.MM.YYYY'
    assert events('movement_book_exported') == 1


@pytest.mark.parametrize('value', ['=cmd|\' /c calc\'!A1', '+1+1', '-2+3', '@SUM(1)', '\tTAB', '\rCR=1',
                                   'plain', '2026-09-01', '0012'])
def test_every_string_is_written_as_text(value):
    from services.spreadsheets import workbook_bytes
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes('Лист', ['Значение'], [[value]]))).active
    cell = sheet['A2']
    assert (cell.value, cell.data_type) == (value.replace('\r', '\n'), 's')  # XML reads CR as LF
    assert cell.quotePrefix == value.startswith(('=', '+', '-', '@', '\t', '\r'))


def test_export_of_one_order(admin_client, region, beads):
    order = committed(region.odo, 'enrolment', 9, [child(), child('Петров', 'Пётр')], to=beads.first)
    response = admin_client.get(f'/movement/orders/{order.id}/export.xlsx')
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet.max_row == 4  # heading, header, two children
    assert "filename*=UTF-8''" in response.headers['Content-Disposition']
    assert events('order_exported') == 1


def test_user_text_is_escaped_in_pages(admin_client, region, beads):
    hostile = '<script>alert(1)</script>" onmouseover="x" hx-get="/x'
    anna = child()
    committed(region.odo, 'enrolment', '1', [anna], to=beads.first)
    committed(region.odo, 'withdrawal', '2', [anna], on=day(10, 1), source=beads.first, reason='other',
              destination=hostile)
    for url in ('/movement/', f'/movement/children/{anna.id}', '/movement/print'):
        for response in (admin_client.get(url), admin_client.get(url, headers=HTMX)):
            html = text(response)
            assert '<script>alert' not in html and '" onmouseover="x"' not in html
            assert '&lt;script&gt;alert(1)&lt;/script&gt;' in html


# --- Rights ---------------------------------------------------------------------

def test_the_home_page_links_the_book_for_those_who_may_see_it(admin_client, client, region):
    home = text(admin_client.get('/'))
    for link in ('href="/movement/"', 'href="/movement/orders"', 'href="/programs/"', 'href="/associations/"'):
        assert link in home
    admin_client.post_form('/logout')
    assert client.sign_in('uo-specialist', organisation=region.body).status_code == 303
    assert 'href="/movement/"' not in text(client.get('/')).split('<main')[1]


def test_the_standard_teacher_s_role_does_not_open_the_book(client, region, beads):
    order = committed(region.odo, 'enrolment', 1, [child()], to=beads.first)
    sign_in_as(client, 'odo-teacher', region)
    for url in ('/movement/', '/movement/export.xlsx', '/movement/print', f'/movement/orders/{order.id}',
                '/movement/orders', f'/movement/orders/{order.id}/export.xlsx', '/programs/',
                '/associations/', f'/movement/children/{order.lines.first().person_id}'):
        assert client.get(url).status_code == 403, url


def test_a_role_that_views_the_book_opens_it_read_only(client, region, beads):
    order = committed(region.odo, 'enrolment', 1, [child()], to=beads.first)
    waiting = draft(region.odo, 'enrolment', 2, on=day(9, 2))
    reader = Role.create(code='reader', name='Педагог с книгой движения', region=region.region,
                         movement_book='view')
    UserRole.update(role=reader).where(UserRole.user == region.teacher).execute()
    sign_in_as(client, 'odo-teacher', region)
    book = text(client.get('/movement/'))
    assert 'Книга движения учащихся' in book and 'Иванова Анна' in book
    assert 'Новый приказ' not in book and 'изменить период' not in book
    page = text(client.get(f'/movement/orders/{waiting.id}'))
    assert 'Провести приказ' not in page and 'Добавить учеников' not in page and 'Удалить' not in page
    for url in ('/movement/orders/new', f'/movement/orders/{waiting.id}/add',
                f'/movement/orders/{order.id}/delete', '/movement/period'):
        assert client.get(url).status_code == 403, url
    for url, data in ((f'/movement/orders/{waiting.id}/commit', {'version': 1}),
                      (f'/movement/orders/{order.id}/delete', {}),
                      ('/movement/orders/new', {'kind': 'enrolment', 'number': '3',
                                                'document_date': '2026-09-03', 'act_date': '2026-09-03'})):
        assert client.post_form(url, data).status_code == 403, url
    assert Order.get_by_id(waiting.id).status == 'draft' and Order.select().count() == 2
    assert AuditEvent.select().where(AuditEvent.event == 'access_denied').count() == 7


def test_without_the_right_the_book_is_closed(client, region):
    assert client.sign_in('uo-specialist', organisation=region.body).status_code == 303
    for url in ('/movement/', '/movement/orders', '/movement/export.xlsx', '/programs/', '/associations/'):
        assert client.get(url).status_code == 403, url


def test_another_organisations_ids_give_404(client, region, beads):
    anna = child()
    order = committed(region.odo, 'enrolment', 1, [anna], to=beads.first)
    line = OrderLine.get(OrderLine.order == order)
    stranger = child('Орлова', 'Ольга')
    assert client.sign_in('far-admin', organisation=region.far_odo).status_code == 303
    own = draft(region.far_odo, 'enrolment', 1)
    people = Person.select().count()
    for url in (f'/movement/orders/{order.id}', f'/movement/orders/{order.id}/print',
                f'/movement/orders/{order.id}/export.xlsx', f'/movement/orders/{order.id}/delete',
                f'/movement/orders/{order.id}/add', f'/movement/orders/{order.id}/lines/{line.id}/delete',
                f'/movement/children/{anna.id}', f'/movement/children/{stranger.id}',
                f'/programs/{beads.program.id}', f'/associations/{beads.first.id}',
                f'/movement/orders/{own.id}/add?from={beads.first.id}'):
        assert client.get(url).status_code == 404, url
    for url, data in ((f'/movement/orders/{order.id}/commit', {}),
                      (f'/movement/orders/{order.id}/delete', {}),
                      (f'/movement/orders/{order.id}/lines/{line.id}/delete', {}),
                      (f'/movement/orders/{own.id}/lines', {'person': anna.id, 'association_to': beads.first.id}),
                      (f'/movement/orders/{own.id}/children', {
                          'surname': 'Орлова', 'name': 'Ольга', 'no_patronymic': '1',
                          'birth_date': '2015-01-01', 'gender': 'F', 'association_to': beads.first.id}),
                      (f'/programs/{beads.program.id}', {}),
                      (f'/associations/{beads.first.id}', {})):
        assert client.post_form(url, data).status_code == 404, url
    assert Order.get_by_id(order.id).status == 'committed' and OrderLine.select().count() == 1
    assert Person.select().count() == people  # no child was created on the way to a 404
    assert 'Иванова' not in text(client.get('/movement/'))


def test_every_movement_route_checks_the_right(app, client, region):
    """Walk the url map: without the movement-book right every route answers 403."""
    assert client.sign_in('uo-specialist', organisation=region.body).status_code == 303
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(('movement.', 'programs.')):
            continue
        url = rule.build({name: 1 for name in rule.arguments})[1]
        for method in sorted(rule.methods - {'HEAD', 'OPTIONS'}):
            response = client.get(url) if method == 'GET' else client.post_form(url, {})
            assert response.status_code == 403, (method, url, response.status_code)
            checked += 1
    assert checked >= 30


# --- Bounded work ------------------------------------------------------------------

def test_queries_per_page_do_not_grow_with_the_rows(admin_client, region, beads):
    anna = child()
    enrolment = committed(region.odo, 'enrolment', 1, [anna], to=beads.first)
    withdrawal = committed(region.odo, 'withdrawal', 2, [anna], on=day(10, 1), source=beads.first,
                           reason='moved', destination='г. Оха')
    pages = ['/movement/', '/movement/orders', f'/movement/orders/{enrolment.id}',
             f'/movement/orders/{withdrawal.id}/delete', f'/movement/children/{anna.id}',
             '/associations/', f'/associations/{beads.first.id}', '/programs/', '/movement/print']

    def counts():
        result = {}
        for page in pages:
            with QueryCounter() as counter:
                assert admin_client.get(page).status_code == 200, page
            result[page] = counter.count
        return result

    counts()  # the first requests also write the session
    few = counts()
    more = [child('Ученик', name, birth_date=day(4, n + 1, 2014))
            for n, name in enumerate(['Анна', 'Вера'] * 6)]
    extra = committed(region.odo, 'enrolment', 3, more, to=beads.first_b, on=day(9, 2))
    committed(region.odo, 'withdrawal', 4, more, on=day(10, 1), source=beads.first_b, reason='moved',
              destination='г. Оха')
    pages[2], pages[3] = f'/movement/orders/{extra.id}', f'/movement/orders/{extra.id + 1}/delete'
    assert counts() == dict(zip(pages, few.values()))
