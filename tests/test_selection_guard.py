"""The selection keeps only children a registry screen offered under its own filters, and
staff are never children: not offered, not selected, not put into an enrolment order."""
import datetime

import pytest
from peewee import fn

from models import AuditEvent, Employment, EnrolmentSelection, Membership, OrderLine, Role, UserRole
from services import enrolment, movement
from tests import builders
from tests.builders import QueryCounter
from tests.test_enrolment_registry import result_names, text, url

D = datetime.date
HTMX = {'HX-Request': 'true', 'HX-Request-Type': 'partial'}
STAFF = 'сотрудников нельзя зачислять как учащихся'


@pytest.fixture
def people(app, region, registry):
    """Beside the registry's children: a management-body specialist, and a teacher of the ОДО
    who once left another ОДО's объединение (so the pool holds her departure)."""
    with app.app_context():
        specialist = builders.person('Зуева', 'Нина', 'Петровна', gender='F')
        Employment.create(person=specialist, organisation=region.body, position='Специалист')
        teacher = builders.child('Сидорова', 'Анна', 'Олеговна', D(1999, 3, 3))
        builders.place(teacher, registry['robots'], started=D(2012, 9, 1), ended=D(2017, 5, 31),
                       end_kind='graduation')
        Employment.create(person=teacher, organisation=region.odo, position='Педагог')
        return dict(registry, specialist=specialist, teacher=teacher)


def post_ticks(client, order, source, back, ids, shown=None, headers=None):
    """What the screen's selection form posts: the page's ids, the ticked ones and its query."""
    data = {'source': source, 'back': back, 'shown': [p if isinstance(p, int) else p.id
                                                      for p in (ids if shown is None else shown)],
            'person': [p if isinstance(p, int) else p.id for p in ids]}
    if headers:
        token = client.csrf_token(url(order, 'selected'))
        return client.post(f'/enrolment/orders/{order.id}/selection', data=data,
                           headers={**headers, 'X-CSRFToken': token})
    return client.post_form(f'/enrolment/orders/{order.id}/selection', data,
                            page=url(order, 'selected'))


def selected_ids():
    return {s.person_id for s in EnrolmentSelection.select()}


def refusals():
    return list(AuditEvent.select().where(AuditEvent.event == 'selection_refused'))


# --- What the screen did not offer ---------------------------------------------------

@pytest.mark.parametrize('source, back, who', [
    ('search', 'applied=1&surname=ёлкина', 'petrov'),       # another organisation's, not matching
    ('search', 'applied=1&surname=зуева', 'specialist'),     # staff: the search never lists them
    ('search', 'surname=ёлкина', 'elkina'),                   # «Применить» not pressed: nobody listed
    ('pool', '', 'elkina'),                                   # in the registry, not in the pool
    ('pool', 'category=withdrawal', 'graduate'),              # in the pool, not under this filter
    ('pool', '', 'teacher'),                                  # in the pool, but works in the ОДО
    ('others', 'organisation=SCHOOL', 'departed'),            # left another ОО, not at this one
    ('others', 'organisation=SCHOOL&grade=7', 'elkina'),      # at the school, not in this grade
    ('others', 'organisation=SCHOOL', 'specialist'),
])
def test_ids_the_screen_did_not_offer_are_refused_seen_nowhere_and_audited(
        admin_client, region, people, source, back, who):
    order, person = people['order'], people[who]
    back = back.replace('SCHOOL', str(region.school.id))
    response = post_ticks(admin_client, order, source, back, [person])
    assert response.status_code == 303
    assert selected_ids() == set()
    page = text(admin_client.get(response.headers['Location']))
    assert 'Этих учащихся нет на странице' in page
    selected = text(admin_client.get(url(order, 'selected')))
    assert 'Никто не отмечен' in selected and person.full_name not in selected
    [event] = refusals()
    assert (event.result, event.login, event.object_id) == ('denied', 'odo-admin', str(order.id))
    assert event.details == f'screen={source} refused={person.id}'


def test_a_registry_walk_by_ids_keeps_only_what_each_screen_lists(admin_client, people):
    from models import Person
    first = Person.select(fn.MIN(Person.id)).scalar()  # ids keep counting across tests on PostgreSQL
    order, everyone = people['order'], list(range(first, first + 100)) + [10 ** 9, 2 ** 31 - 1]
    for source in ('search', 'others'):
        post_ticks(admin_client, order, source, 'applied=1&surname=кузнецова', everyone[:100])
    post_ticks(admin_client, order, 'pool', '', everyone[:100])
    post_ticks(admin_client, order, 'pool', '', everyone[100:])
    # The pool without filters lists every departure: the departed and the graduate only.
    assert selected_ids() == {people['departed'].id, people['graduate'].id}
    assert len(refusals()) == 4
    selected = text(admin_client.get(url(order, 'selected')))
    for person in ('elkina', 'petrov', 'specialist', 'teacher'):
        assert people[person].full_name not in selected


def test_more_ids_than_a_page_holds_are_refused_whole(admin_client, people):
    order = people['order']
    response = post_ticks(admin_client, order, 'pool', '', [people['departed']],
                          shown=[people['departed'].id] + list(range(10 ** 6, 10 ** 6 + 100)))
    assert response.status_code == 303
    page = text(admin_client.get(response.headers['Location']))
    assert 'На странице списка не больше 100 учащихся' in page
    assert selected_ids() == set() and len(refusals()) == 1


def test_an_htmx_tick_shows_the_refusal_at_once(admin_client, people):
    order = people['order']
    response = post_ticks(admin_client, order, 'pool', '', [people['departed'], people['elkina']],
                          headers=HTMX)
    body = text(response)
    assert response.status_code == 200 and body.startswith('<a id="selected-count"')
    assert 'Отмечено для добавления (1)' in body
    assert '<div id="selection-messages" hx-swap-oob="true"><p class="flash error" role="alert">' \
           'Не сохранены отметки: 1. Этих учащихся нет на странице «Список выпускников и ' \
           'выбывших» с выбранными условиями — обновите страницу и отметьте учащихся заново.' in body
    assert selected_ids() == {people['departed'].id}
    again = text(post_ticks(admin_client, order, 'pool', '', [people['departed']], headers=HTMX))
    assert '<div id="selection-messages" hx-swap-oob="true"></div>' in again  # the message goes


def test_the_pool_tick_needs_the_pool_right(app, client, region, people):
    with app.app_context():
        clerk = Role.get_or_create(code='order-clerk', defaults=dict(  # roles outlive a test
            name='Делопроизводитель приказов', movement_book='edit'))[0]
        account = builders.user('clerk', region.odo, 'teacher')
        UserRole.update(role=clerk).where(UserRole.user == account).execute()
    client.sign_in('clerk', organisation=region.odo)
    response = post_ticks(client, people['order'], 'pool', '', [people['departed']])
    assert response.status_code == 403
    assert selected_ids() == set()
    assert AuditEvent.get(AuditEvent.event == 'access_denied').object_id == 'pool'


# --- What the screen offered ----------------------------------------------------------

@pytest.mark.parametrize('source, back, who', [
    ('search', 'applied=1&surname=ёлкина', 'elkina'),
    ('search', 'applied=1&doc_series=64 08&doc_number=654321', 'petrov'),
    ('pool', '', 'departed'),
    ('pool', 'category=graduation&letter=И', 'graduate'),
    ('others', 'organisation=SCHOOL&grade=5', 'elkina'),
    ('others', 'doc_series=64 08&doc_number=654321', 'petrov'),
])
def test_ids_the_screen_offered_under_its_filters_are_kept(admin_client, region, people, source,
                                                           back, who):
    order, person = people['order'], people[who]
    back = back.replace('SCHOOL', str(region.school.id))
    listed = admin_client.get(url(order, source, **dict(p.split('=') for p in back.split('&') if p)))
    assert f'name="person" value="{person.id}"' in text(listed)  # the screen offers the tick
    response = post_ticks(admin_client, order, source, back, [person])
    assert response.status_code == 303
    assert selected_ids() == {person.id} and refusals() == []
    assert person.full_name in text(admin_client.get(url(order, 'selected')))


def test_a_tick_of_a_child_who_left_the_list_meanwhile_is_refused(admin_client, region, people):
    order, elkina = people['order'], people['elkina']
    back = f'organisation={region.school.id}'
    assert f'value="{elkina.id}"' in text(admin_client.get(url(order, 'others',
                                                               organisation=region.school.id)))
    Membership.update(ended_on=D(2026, 9, 20)).where(Membership.person == elkina).execute()
    post_ticks(admin_client, order, 'others', back, [elkina])
    assert selected_ids() == set() and len(refusals()) == 1


def test_the_check_costs_the_same_for_one_id_and_a_hundred(app, region, people):
    with app.app_context():
        kids = [builders.child('Кузнецова', 'Анна', 'Петровна', D(2014, 1, 1) + datetime.timedelta(days=i))
                for i in range(100)]
    screens = [('search', {'applied': '1', 'surname': 'кузнецова'}), ('pool', {}),
               ('others', {'organisation': str(region.school.id)})]

    def queries(source, args, ids):
        filters = enrolment.screen_filters(source, args, region.odo)
        with QueryCounter() as counter:
            found = enrolment.offered(source, filters, region.odo, ids, people["order"])
        return counter.count, found

    ids = [k.id for k in kids]
    for source, args in screens:
        one, hundred = queries(source, args, ids[:1]), queries(source, args, ids)
        assert one[0] == hundred[0] <= 3, (source, one, hundred)
    assert queries('search', screens[0][1], ids)[1] == set(ids)


# --- Staff are never children ------------------------------------------------------------

def test_staff_are_not_listed_on_the_pool_and_other_organisations(admin_client, region, people):
    order, teacher = people['order'], people['teacher']
    listed = admin_client.get(url(order, 'pool', category='graduation'))
    assert result_names(listed) == ['Иванов Семён Ильич']  # her graduation is not listed
    assert f'value="{teacher.id}"' not in text(listed) and STAFF not in text(listed)
    builders.place(teacher, people['grade7'])
    others = admin_client.get(url(order, 'others', organisation=region.school.id))
    assert 'Сидорова Анна Олеговна' not in result_names(others)
    assert 'Петров Пётр' in ' '.join(result_names(others))  # the class's child is
    post_ticks(admin_client, order, 'others', f'organisation={region.school.id}', [teacher])
    assert selected_ids() == set() and len(refusals()) == 1


def test_the_enrolment_order_refuses_staff_whoever_adds_them(people):
    order, bead = people['order'], people['bead']
    result = movement.add_children_to_draft(order, [people['specialist'].id, people['elkina'].id],
                                            bead)
    assert result.added == [people['elkina'].id]
    assert result.refusals == {people['specialist'].id: (
        f'Зуева Нина Петровна: работает в организации «Департамент образования '
        f'г. Южно-Сахалинска» — {STAFF}.')}
    assert OrderLine.select().where(OrderLine.person == people['specialist']).count() == 0


def test_a_dismissed_employment_does_not_hide_the_current_one(region, people):
    Employment.create(person=people['specialist'], organisation=region.school, position='Учитель',
                      dismissed_on=D(2020, 8, 31))
    assert movement.staff_among([people['specialist'].id, people['elkina'].id]) == {
        people['specialist'].id: f'работает в организации «Департамент образования '
                                 f'г. Южно-Сахалинска» — {STAFF}.'}


def test_a_staff_member_already_in_a_selection_is_not_added(admin_client, region, people):
    order, specialist = people['order'], people['specialist']
    EnrolmentSelection.create(user=region.admin, order=order, person=specialist, source='search')
    selected = text(admin_client.get(url(order, 'selected', to=people['bead'].id)))
    assert f'Работает в организации «Департамент образования г. Южно-Сахалинска» — {STAFF}.' in selected
    response = admin_client.post_form(f'/enrolment/orders/{order.id}/selected/add',
                                      {'to': people['bead'].id}, page=url(order, 'selected'),
                                      follow_redirects=True)
    assert 'Зуева Нина Петровна: работает в организации' in text(response)
    assert OrderLine.select().count() == 0


# --- The screen's query string comes back filtered ---------------------------------------

@pytest.mark.parametrize('back', ['order_id=1', 'order_id=1&source=x&page=99999999999999999999',
                                  'applied=1&surname=кузнецова&order_id=1&endpoint=x&%00=%0d%0a',
                                  'order=1', '%%%=&&==&', 'to=%0d%0aSet-Cookie:x'])
def test_junk_in_the_screens_query_string_is_dropped_not_a_500(admin_client, people, back):
    order = people['order']
    response = post_ticks(admin_client, order, 'search', back, [people['elkina']])
    assert response.status_code == 303
    location = response.headers['Location']
    assert location.startswith(f'/enrolment/orders/{order.id}/search?')
    assert 'order' not in location.split('?', 1)[1] and 'endpoint' not in location
    assert '\n' not in location
    assert admin_client.get(location).status_code == 200


def test_the_screens_filters_and_association_survive_the_round_trip(admin_client, people):
    order, bead = people['order'], people['bead']
    response = post_ticks(admin_client, order, 'pool', f'category=graduation&letter=И&page=1&to={bead.id}&x=1',
                          [people['graduate']])
    location = response.headers['Location']
    assert location.startswith(f'/enrolment/orders/{order.id}/pool?')
    args = dict(p.split('=') for p in location.split('?', 1)[1].split('&'))
    assert args == {'category': 'graduation', 'letter': '%D0%98', 'size': '20', 'page': '1',
                    'to': str(bead.id)}
    assert selected_ids() == {people['graduate'].id}


def test_a_minus_before_a_number_in_the_screens_query_string_drops_it(region, people):
    school, bead = region.school, people['bead']

    def args(sign):
        return {'page': f'{sign}2', 'size': f'{sign}100', 'year': f'{sign}2024',
                'grade': f'{sign}7', 'organisation': f'{sign}{school.id}',
                'municipality': f'{sign}{school.municipality_id}'}

    def read(sign):
        search = enrolment.parse_search(args(sign))[0]
        pool = enrolment.parse_pool(args(sign), region.odo.region_id)
        others = enrolment.parse_others(args(sign), region.odo.region_id, region.odo.id)
        targets = enrolment.enrolment_targets(region.odo, '', f'{sign}{bead.id}')[0]
        return ((search.page, search.size),
                (pool.page, pool.size, pool.year, pool.organisation, pool.municipality),
                (others.page, others.size, others.grade, others.organisation, others.municipality),
                getattr(enrolment.enrolment_target(targets, f'{sign}{bead.id}'), 'id', None))

    city = school.municipality_id
    assert read('') == ((2, 100), (2, 100, 2024, school.id, city), (2, 100, 7, school.id, city),
                        bead.id)
    assert read('-') == ((1, 50), (1, 20, None, None, None), (1, 20, None, None, None), None)
