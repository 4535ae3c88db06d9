"""Enrolment from the registry: «Поиск учащихся для зачисления», «Список выпускников и
выбывших», «Список обучающихся в других ОО» and the selection that survives paging."""
import datetime
import gzip
import re

import pytest

from models import AuditEvent, EnrolmentSelection, Order, OrderLine, Role, UserRole
from tests import builders
from tests.builders import ELKINA_SNILS, QueryCounter, valid_snils

D = datetime.date


def url(order, screen, **args):
    path = {'search': 'search', 'pool': 'pool', 'others': 'other-organisations',
            'selected': 'selected'}[screen]
    query = '&'.join(f'{k}={v}' for k, v in args.items())
    return f'/enrolment/orders/{order.id}/{path}' + (f'?{query}' if query else '')


def text(response):
    return response.get_data(as_text=True)


def result_names(response):
    """ФИО in the result table, in order."""
    body = text(response)
    table = body.split('<tbody>', 1)[1].split('</tbody>', 1)[0] if '<tbody>' in body else ''
    return re.findall(r'<td class="name">([А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+(?: [А-ЯЁ][а-яё]+)?)</td>', table)


# --- «Поиск учащихся для зачисления» ------------------------------------------------

def test_nothing_is_listed_until_apply(admin_client, registry):
    page = text(admin_client.get(url(registry['order'], 'search')))
    assert 'Чтобы найти учащихся, заполните поля и нажмите «Применить».' in page
    assert 'Ёлкина' not in page


def test_search_without_a_narrowing_filter_is_explained(admin_client, registry):
    page = text(admin_client.get(url(registry['order'], 'search', applied=1, name='Алёна')))
    assert 'Укажите фамилию, дату рождения, СНИЛС или документ' in page
    assert 'Ёлкина' not in page


@pytest.mark.parametrize('typed', ['елкина', 'ЕЛКИНА', '  ёлкина ', 'Ёлк', 'елк'])
def test_surname_matches_whatever_the_case_and_yo(admin_client, registry, typed):
    response = admin_client.get(url(registry['order'], 'search', applied=1, surname=typed))
    assert result_names(response) == ['Ёлкина Алёна Игоревна']


def test_full_name_with_double_spaces_and_birth_date(admin_client, registry):
    response = admin_client.get(url(registry['order'], 'search', applied=1, surname='ёлкина',
                                    name='алена', patronymic='игоревна  ', birth_date='03.05.2014'))
    assert result_names(response) == ['Ёлкина Алёна Игоревна']
    wrong_day = admin_client.get(url(registry['order'], 'search', applied=1, surname='елкина',
                                     birth_date='2014-05-04'))
    assert result_names(wrong_day) == []
    assert 'Никого не найдено' in text(wrong_day)


def test_no_patronymic_finds_only_children_without_one(admin_client, registry):
    response = admin_client.get(url(registry['order'], 'search', applied=1, surname='п',
                                    no_patronymic=1))
    assert result_names(response) == ['Петров Пётр']
    with_patronymic = admin_client.get(url(registry['order'], 'search', applied=1, surname='сидо',
                                           no_patronymic=1))
    assert result_names(with_patronymic) == []


@pytest.mark.parametrize('typed', [ELKINA_SNILS, '123-123-123 ' + ELKINA_SNILS[-2:], '123-123'])
def test_snils_with_or_without_separators(admin_client, registry, typed):
    response = admin_client.get(url(registry['order'], 'search', applied=1, snils=typed))
    assert result_names(response) == ['Ёлкина Алёна Игоревна']


def test_bad_snils_and_date_are_explained(admin_client, registry):
    page = text(admin_client.get(url(registry['order'], 'search', applied=1, snils='12a',
                                     birth_date='31.02.2014')))
    assert 'СНИЛС — 11 цифр' in page
    assert 'Укажите дату рождения в виде ДД.ММ.ГГГГ.' in page


@pytest.mark.parametrize('series, number', [
    ('II-ФВ', '123456'), ('ii фв', '123 456'), ('ІІФВ', ''), ('', '123456'), ('2фв', ''),
])
def test_birth_certificate_series_and_number_as_people_type_them(admin_client, registry, series,
                                                                  number):
    response = admin_client.get(url(registry['order'], 'search', applied=1, doc_series=series,
                                    doc_number=number))
    if series == '2фв':
        assert result_names(response) == []
    else:
        assert result_names(response) == ['Ёлкина Алёна Игоревна']


def test_passport_series_with_a_space(admin_client, registry):
    response = admin_client.get(url(registry['order'], 'search', applied=1, doc_series='64 08',
                                    doc_number='654-321'))
    assert result_names(response) == ['Петров Пётр']


def test_results_show_status_organisation_snils_and_document(admin_client, registry):
    page = text(admin_client.get(url(registry['order'], 'search', applied=1, surname='ёлкина')))
    assert 'Зачислен в основную организацию' in page
    assert 'МАОУ СОШ № 1' in page
    # Minimal disclosure: numbers masked unless searched by exactly (issue 18).
    assert '***-***-123 ' + ELKINA_SNILS[-2:] in page and '123-123-123' not in page
    assert 'Свидетельство о рождении РФ II-ФВ ****56, 23.05.2014' in page and '123456' not in page
    by_snils = text(admin_client.get(url(registry['order'], 'search', applied=1, snils=ELKINA_SNILS)))
    assert '123-123-123 ' + ELKINA_SNILS[-2:] in by_snils and 'II-ФВ ****56' in by_snils
    by_prefix = text(admin_client.get(url(registry['order'], 'search', applied=1, snils='123123')))
    assert '123-123-123' not in by_prefix and '***-***-123' in by_prefix
    by_document = text(admin_client.get(url(registry['order'], 'search', applied=1, doc_series='ii фв',
                                            doc_number='123456')))
    assert 'II-ФВ 123456' in by_document and '***-***-123 ' + ELKINA_SNILS[-2:] in by_document


def test_statuses_of_departed_graduated_and_other_odo_children(admin_client, registry):
    page = text(admin_client.get(url(registry['order'], 'search', applied=1, surname='с')))
    assert 'Выбыл' in page and 'МБУДО Дом детского творчества' in page
    page = text(admin_client.get(url(registry['order'], 'search', applied=1, surname='иванов')))
    assert 'Выпускник' in page and 'МБУДО ЦДТ г. Корсакова' in page


def test_staff_are_not_listed_as_children(admin_client, registry):
    response = admin_client.get(url(registry['order'], 'search', applied=1, surname='смирнова'))
    assert result_names(response) == []


def test_every_search_is_audited_without_personal_numbers(admin_client, registry):
    admin_client.get(url(registry['order'], 'search', applied=1, snils=ELKINA_SNILS,
                         doc_series='II-ФВ', doc_number='123456'))
    event = AuditEvent.get(AuditEvent.event == 'registry_search')
    assert event.login == 'odo-admin'
    assert 'filters=snils,doc_series,doc_number' in event.details
    assert f'shown={registry["elkina"].id}' in event.details
    assert ELKINA_SNILS not in event.details and '123456' not in event.details


# --- The selection ---------------------------------------------------------------------

@pytest.fixture
def many_kuznetsovy(app, registry):
    with app.app_context():
        names = ['Анна', 'Вера', 'Галина', 'Дарья', 'Елена', 'Жанна', 'Зоя', 'Инна', 'Кира',
                 'Лидия', 'Мария', 'Нина']
        return [builders.child('Кузнецова', n, 'Петровна', D(2015, 1, i + 1))
                for i, n in enumerate(names)]


KUZNETSOVY = 'applied=1&surname=кузнецова'


def tick(client, order, source, shown, ticked, back=KUZNETSOVY):
    """Ticks saved from a page; ``back`` is its query string (the search listing them)."""
    return client.post_form(f'/enrolment/orders/{order.id}/selection',
                            {'source': source, 'shown': [p.id for p in shown],
                             'person': [p.id for p in ticked], 'back': back},
                            page=url(order, 'search'))


def test_ticks_survive_pages_and_filter_changes(admin_client, registry, many_kuznetsovy):
    order, kids = registry['order'], many_kuznetsovy
    first = admin_client.get(url(order, 'search', applied=1, surname='кузнецова', size=10))
    assert len(result_names(first)) == 10
    assert '<a href="/enrolment/orders/%d/search?' % order.id in text(first)
    response = tick(admin_client, order, 'search', kids[:10], [kids[0]],
                    back='applied=1&surname=кузнецова&size=10')
    assert response.status_code == 303
    assert response.headers['Location'].startswith(f'/enrolment/orders/{order.id}/search?')
    second = admin_client.get(url(order, 'search', applied=1, surname='кузнецова', size=10, page=2))
    assert result_names(second) == ['Кузнецова Мария Петровна', 'Кузнецова Нина Петровна']
    tick(admin_client, order, 'search', kids[10:], [kids[11]])
    # Another filter: the ticks of the first search are still there.
    other = text(admin_client.get(url(order, 'search', applied=1, surname='ёлкина')))
    assert 'Отмечено для добавления (2)' in other
    selected = text(admin_client.get(url(order, 'selected')))
    assert 'Кузнецова Анна Петровна' in selected and 'Кузнецова Нина Петровна' in selected
    # Unticking on page 1 drops only that child.
    tick(admin_client, order, 'search', kids[:10], [])
    assert [s.person_id for s in EnrolmentSelection.select()] == [kids[11].id]


def test_ticked_children_come_back_checked(admin_client, registry, many_kuznetsovy):
    order, kids = registry['order'], many_kuznetsovy
    tick(admin_client, order, 'search', kids[:1], kids[:1])
    page = text(admin_client.get(url(order, 'search', applied=1, surname='кузнецова', size=10)))
    assert re.search(rf'value="{kids[0].id}" aria-label="Выбрать: Кузнецова Анна Петровна" checked', page)
    assert not re.search(rf'value="{kids[1].id}" aria-label="[^"]+" checked', page)


def test_htmx_tick_answers_with_the_counter(admin_client, registry, many_kuznetsovy):
    order, kids = registry['order'], many_kuznetsovy
    token = admin_client.csrf_token(url(order, 'search'))
    response = admin_client.post(f'/enrolment/orders/{order.id}/selection',
                                 data={'source': 'search', 'shown': [kids[0].id, kids[1].id],
                                       'person': [kids[1].id], 'back': KUZNETSOVY},
                                 headers={'HX-Request': 'true', 'HX-Request-Type': 'partial',
                                          'X-CSRFToken': token})
    assert response.status_code == 200
    assert text(response).strip().startswith('<a id="selected-count"')
    assert 'Отмечено для добавления (1)' in text(response)


def test_htmx_tick_keeps_the_chosen_association_in_the_counter_link(admin_client, registry,
                                                                    many_kuznetsovy):
    order, kids, bead = registry['order'], many_kuznetsovy, registry['bead']
    token = admin_client.csrf_token(url(order, 'search'))
    response = admin_client.post(f'/enrolment/orders/{order.id}/selection',
                                 data={'source': 'search', 'shown': [kids[0].id],
                                       'person': [kids[0].id],
                                       'back': f'applied=1&surname=кузнецова&to={bead.id}'},
                                 headers={'HX-Request': 'true', 'HX-Request-Type': 'partial',
                                          'X-CSRFToken': token})
    assert f'/enrolment/orders/{order.id}/selected?to={bead.id}"' in text(response)


def test_only_children_shown_on_the_page_can_be_ticked(admin_client, registry, many_kuznetsovy):
    order, kids = registry['order'], many_kuznetsovy
    tick(admin_client, order, 'search', kids[:1], kids[:3])
    assert {s.person_id for s in EnrolmentSelection.select()} == {kids[0].id}


def test_selection_belongs_to_the_user_and_the_order(admin_client, client, app, registry,
                                                     many_kuznetsovy):
    order, kids = registry['order'], many_kuznetsovy
    tick(admin_client, order, 'search', kids[:2], kids[:2])
    with app.app_context():
        another = builders.draft(order.organisation, 'enrolment', 2, on=builders.day(10, 1))
    page = text(admin_client.get(url(another, 'search')))
    assert 'Отмечено для добавления (0)' in page


def test_selected_children_are_added_to_the_draft_order(admin_client, registry, many_kuznetsovy):
    order, kids, bead = registry['order'], many_kuznetsovy, registry['bead']
    tick(admin_client, order, 'search', kids[:2], kids[:2])
    response = admin_client.post_form(f'/enrolment/orders/{order.id}/selected/add',
                                      {'to': bead.id}, page=url(order, 'selected'))
    assert response.status_code == 303
    assert response.headers['Location'] == f'/movement/orders/{order.id}'
    lines = OrderLine.select().where(OrderLine.order == order)
    assert {(l.person_id, l.association_to_id) for l in lines} == {(kids[0].id, bead.id),
                                                                   (kids[1].id, bead.id)}
    assert EnrolmentSelection.select().count() == 0
    assert AuditEvent.select().where(AuditEvent.event == 'order_lines_added').count() == 1


def test_adding_needs_an_association(admin_client, registry, many_kuznetsovy):
    order, kids = registry['order'], many_kuznetsovy
    tick(admin_client, order, 'search', kids[:1], kids[:1])
    response = admin_client.post_form(f'/enrolment/orders/{order.id}/selected/add', {},
                                      page=url(order, 'selected'), follow_redirects=True)
    assert 'Выберите объединение, в которое зачислить отмеченных учеников.' in text(response)
    assert OrderLine.select().count() == 0


def test_selected_children_can_be_removed_and_cleared(admin_client, registry, many_kuznetsovy):
    order, kids = registry['order'], many_kuznetsovy
    tick(admin_client, order, 'search', kids[:3], kids[:3])
    admin_client.post_form(f'/enrolment/orders/{order.id}/selected/remove',
                           {'person': kids[0].id}, page=url(order, 'selected'))
    assert EnrolmentSelection.select().count() == 2
    page = text(admin_client.get(url(order, 'selected')))
    assert 'Отмечено для добавления (2)' in page and 'Кузнецова Анна' not in page
    admin_client.post_form(f'/enrolment/orders/{order.id}/selected/remove', {'all': '1'},
                           page=url(order, 'selected'))
    assert EnrolmentSelection.select().count() == 0


def test_children_who_cannot_be_added_show_the_reason_instead_of_a_tick(app, admin_client,
                                                                       registry):
    order, bead = registry['order'], registry['bead']
    with app.app_context():
        builders.place(registry['elkina'], bead)
        committed = Order.create(organisation=order.organisation, school_year=order.school_year,
                                 kind='enrolment', number='7', document_date=D(2026, 10, 15),
                                 act_date=D(2026, 10, 15), status='committed')
        OrderLine.create(order=committed, person=registry['petrov'], association_to=bead,
                         moved_on=D(2026, 10, 15))
        OrderLine.create(order=order, person=registry['departed'], association_to=bead,
                         moved_on=order.act_date)
    page = text(admin_client.get(url(order, 'search', applied=1, surname='', birth_date='',
                                     snils='', doc_series='', doc_number='') + f'&to={bead.id}'))
    assert 'Укажите фамилию' in page  # nothing searched yet: just proves `to` is harmless
    page = text(admin_client.get(url(order, 'search', applied=1, surname='е', to=bead.id)))
    assert 'Ребёнок уже занимается в «1а Бисер» с 01.09.2026.' in page
    assert f'name="person" value="{registry["elkina"].id}"' not in page
    page = text(admin_client.get(url(order, 'search', applied=1, surname='петров', to=bead.id)))
    assert ('Ребёнок уже зачислен приказом №7 от 15.10.2026 (дата движения 15.10.2026); '
            'движение нельзя датировать раньше 15.10.2026.') in page
    page = text(admin_client.get(url(order, 'search', applied=1, surname='сидорова', to=bead.id)))
    assert 'Ребёнок уже есть в этом приказе.' in page


# --- «Список выпускников и выбывших» ----------------------------------------------------

def test_pool_lists_departures_with_their_details(admin_client, registry):
    page = text(admin_client.get(url(registry['order'], 'pool')))
    assert result_names(admin_client.get(url(registry['order'], 'pool'))) == [
        'Сидорова Мария Олеговна', 'Иванов Семён Ильич']
    assert 'Смена места жительства' in page and 'Переезд: Хабаровск' in page
    assert '20.05.2025' in page and '2б Робототехника' in page
    assert 'Выпуск' in page and '1в Хор' in page
    assert 'Ёлкина' not in page and 'Петров Пётр' not in page


@pytest.mark.parametrize('filters, expected', [
    ({'category': 'withdrawal'}, ['Сидорова Мария Олеговна']),
    ({'category': 'graduation'}, ['Иванов Семён Ильич']),
    ({'org_kind': 'odo'}, ['Сидорова Мария Олеговна', 'Иванов Семён Ильич']),
    ({'org_kind': 'school'}, []),
    ({'year': 2024}, ['Иванов Семён Ильич']),
    ({'reason': 'moved'}, ['Сидорова Мария Олеговна']),
    ({'reason': 'health'}, []),
    ({'letter': 'И'}, ['Иванов Семён Ильич']),
    ({'gender': 'F'}, ['Сидорова Мария Олеговна']),
])
def test_pool_filters(admin_client, registry, filters, expected):
    response = admin_client.get(url(registry['order'], 'pool', **filters))
    assert result_names(response) == expected


def test_pool_filters_by_place_organisation_and_association(admin_client, region, registry):
    order = registry['order']
    assert result_names(admin_client.get(url(order, 'pool', municipality=region.other.id))) == [
        'Иванов Семён Ильич']
    assert result_names(admin_client.get(url(order, 'pool', authority=region.body.id))) == [
        'Сидорова Мария Олеговна']
    assert result_names(admin_client.get(url(order, 'pool', organisation=region.far_odo.id))) == [
        'Иванов Семён Ильич']
    response = admin_client.get(url(order, 'pool', organisation=region.other_odo.id,
                                    association=registry['robots'].id))
    assert result_names(response) == ['Сидорова Мария Олеговна']
    # An объединение of another organisation than the chosen one is dropped, not trusted.
    response = admin_client.get(url(order, 'pool', organisation=region.far_odo.id,
                                    association=registry['robots'].id))
    assert result_names(response) == ['Иванов Семён Ильич']


def test_pool_page_size_and_pages(app, admin_client, registry):
    with app.app_context():
        for i in range(12):
            kid = builders.child('Орлова', 'Ольга', 'Ивановна', D(2012, 1, i + 1))
            builders.place(kid, registry['robots'], started=D(2024, 9, 1),
                           ended=D(2025, 6, i + 1), end_kind='withdrawal', end_reason='other')
    first = admin_client.get(url(registry['order'], 'pool', size=10))
    assert len(result_names(first)) == 10
    second = text(admin_client.get(url(registry['order'], 'pool', size=10, page=2)))
    assert 'Найдено: 14 · показаны 11–14' in second


def test_enrolling_from_the_pool_keeps_the_history(admin_client, registry):
    order, departed = registry['order'], registry['departed']
    tick(admin_client, order, 'pool', [departed], [departed], back='')
    admin_client.post_form(f'/enrolment/orders/{order.id}/selected/add',
                           {'to': registry['bead'].id}, page=url(order, 'selected'))
    line = OrderLine.get(OrderLine.order == order)
    assert line.person_id == departed.id  # the same registry record, not a copy
    assert departed.memberships.count() == 1  # the old departure is still there


def test_pool_needs_its_right(app, client, region, registry):
    with app.app_context():
        clerk = Role.create(code='clerk', name='Делопроизводитель', movement_book='edit',
                            region=region.odo.region_id)  # a region's own role: cleaned up after the test
        account = builders.user('clerk', region.odo, 'teacher')
        UserRole.update(role=clerk).where(UserRole.user == account).execute()
    client.sign_in('clerk', organisation=region.odo)
    order = registry['order']
    assert client.get(url(order, 'pool')).status_code == 403
    page = text(client.get(url(order, 'search')))
    assert 'Список выпускников и выбывших' not in page
    assert 'Список обучающихся в других ОО' in page
    denied = AuditEvent.get(AuditEvent.event == 'access_denied')
    assert denied.object_id == 'pool'


@pytest.mark.parametrize('login, organisation', [('odo-teacher', 'odo'), ('uo-specialist', 'body')])
def test_users_who_cannot_edit_orders_cannot_reach_the_registry(client, region, registry, login,
                                                                organisation):
    client.sign_in(login, organisation=getattr(region, organisation))
    for screen in ('search', 'pool', 'others', 'selected'):
        assert client.get(url(registry['order'], screen)).status_code == 403


def test_another_organisations_order_is_not_found(app, client, region, registry):
    client.sign_in('far-admin', organisation=region.far_odo)
    for screen in ('search', 'pool', 'others', 'selected'):
        assert client.get(url(registry['order'], screen)).status_code == 404


def test_a_committed_order_sends_back_with_a_sentence(app, admin_client, registry):
    order = registry['order']
    Order.update(status='committed').where(Order.id == order.id).execute()
    response = admin_client.get(url(order, 'search'))
    assert response.status_code == 303
    assert response.headers['Location'] == f'/movement/orders/{order.id}'


# --- «Список обучающихся в других ОО» ---------------------------------------------------

def test_other_organisations_list_waits_for_an_organisation(admin_client, registry):
    page = text(admin_client.get(url(registry['order'], 'others')))
    assert 'Выберите образовательную организацию' in page
    assert '<tbody>' not in page


def test_other_organisation_children_without_their_documents(admin_client, region, registry):
    response = admin_client.get(url(registry['order'], 'others', organisation=region.school.id))
    assert result_names(response) == ['Ёлкина Алёна Игоревна', 'Петров Пётр']
    page = text(response)
    assert '5А' in page and '7Б' in page
    table = page.split('<tbody>', 1)[1]
    for secret in ('123456', ELKINA_SNILS, '123-123-123', '654321', '6408'):
        assert secret not in page
    for secret in ('II-ФВ', 'Свидетельство', 'Паспорт'):
        assert secret not in table


@pytest.mark.parametrize('filters, expected', [
    ({'grade': 5}, ['Ёлкина Алёна Игоревна']),
    ({'surname': 'ПЕТ'}, ['Петров Пётр']),
    ({'surname': 'елк'}, ['Ёлкина Алёна Игоревна']),
    ({'gender': 'M'}, ['Петров Пётр']),
])
def test_other_organisation_filters(admin_client, region, registry, filters, expected):
    response = admin_client.get(url(registry['order'], 'others', organisation=region.school.id,
                                    **filters))
    assert result_names(response) == expected


def test_other_organisations_by_document_anywhere(admin_client, registry):
    response = admin_client.get(url(registry['order'], 'others', doc_series='64 08',
                                    doc_number='654321'))
    assert result_names(response) == ['Петров Пётр', 'Петров Пётр']  # ОДО and school
    assert '654321' not in text(response).split('<tbody>', 1)[1]


def test_other_organisation_picker_narrows_by_place_kind_and_name(admin_client, region, registry):
    page = text(admin_client.get(url(registry['order'], 'others', municipality=region.city.id,
                                     settlement=region.town.id, org_kind='odo', q='дом')))
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>',
                         page.split('id="organisation"', 1)[1].split('</select>', 1)[0])
    assert [name for _, name in options] == ['МБУДО Дом детского творчества']
    # One's own organisation is never «другая ОО».
    page = text(admin_client.get(url(registry['order'], 'others', organisation=region.odo.id)))
    assert 'Выберите образовательную организацию' in page


# --- htmx, weight, queries ---------------------------------------------------------------

def test_htmx_request_gets_the_fragment_and_the_page_varies(admin_client, registry):
    headers = {'HX-Request': 'true', 'HX-Request-Type': 'partial'}
    response = admin_client.get(url(registry['order'], 'search', applied=1, surname='ёлкина'),
                                headers=headers)
    body = text(response)
    assert body.lstrip().startswith('<div id="screen">') and '<html' not in body
    assert 'HX-Request' in response.headers['Vary']
    full = text(admin_client.get(url(registry['order'], 'search', applied=1, surname='ёлкина')))
    assert '<html' in full and 'Ёлкина Алёна Игоревна' in full


def test_fifty_row_fragment_is_under_ten_kilobytes_compressed(app, admin_client, registry):
    with app.app_context():
        for i in range(60):
            kid = builders.child('Константинопольская', 'Александра', 'Владиславовна',
                                 D(2012, 1, 1) + datetime.timedelta(days=i),
                                 snils=valid_snils(f'{200000000 + i * 7919}'),
                                 document=('birth_certificate_rf', 'XIV-АИ', f'{100000 + i}'))
            builders.place(kid, registry['grade5'])
    response = admin_client.get(url(registry['order'], 'search', applied=1,
                                    surname='константинопольская', size=50, to=registry['bead'].id),
                                headers={'HX-Request': 'true', 'HX-Request-Type': 'partial'})
    assert len(result_names(response)) == 50
    assert len(gzip.compress(response.get_data())) <= 10 * 1024


def count_queries(client, path):
    client.get(path)  # the first request after sign-in also refreshes the session
    with QueryCounter() as counter:
        assert client.get(path).status_code == 200
    return counter.count


@pytest.mark.parametrize('screen, args', [
    ('search', {'applied': 1, 'surname': 'к'}),
    ('pool', {}),
    ('others', {'organisation': 'SCHOOL'}),
])
def test_queries_per_page_do_not_grow_with_the_rows(app, admin_client, region, registry, screen,
                                                    args):
    args = {k: (region.school.id if v == 'SCHOOL' else v) for k, v in args.items()}
    order, bead = registry['order'], registry['bead']

    def add_children(n, offset):
        with app.app_context():
            for i in range(n):
                kid = builders.child('Кротова', 'Ксения', 'Ивановна',
                                     D(2013, 1, 1) + datetime.timedelta(days=offset + i),
                                     document=('birth_certificate_rf', 'I-АА', f'{300000 + offset + i}'))
                builders.place(kid, registry['grade5'])
                builders.place(kid, registry['robots'], started=D(2024, 9, 1),
                               ended=D(2025, 5, 1), end_kind='withdrawal', end_reason='other')

    add_children(2, 0)
    few = count_queries(admin_client, url(order, screen, size=50, to=bead.id, **args))
    add_children(40, 100)
    many = count_queries(admin_client, url(order, screen, size=50, to=bead.id, **args))
    assert many == few, (few, many)
    assert many <= 25  # sign-in, organisation and menu included
