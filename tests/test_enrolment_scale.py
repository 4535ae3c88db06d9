"""Lists of the registry at scale: memberships carry the child's surname key and gender (set as
a membership starts, kept current when the child's card changes), so the pool and other
organisations' lists filter and count on the membership row alone."""
import datetime

from models import Membership, Person
from services import movement
from tests.builders import association, child, committed, day, draft, organisation, place, program
from tests.test_enrolment_registry import result_names, url


def copies():
    return {m.person_id: (m.surname_key, m.gender) for m in Membership.select()}


def test_memberships_carry_surname_and_gender_from_enrolment_to_departure(admin_client, region):
    beads = association(region.odo, '1а Бисер', program(region.odo))
    alyona = child('Ёлкина', 'Алёна')
    pyotr = child('Петров', 'Пётр', 'Ильич', gender='M')
    committed(region.odo, 'enrolment', 1, [alyona, pyotr], to=beads)
    assert copies() == {alyona.id: ('елкина', 'F'), pyotr.id: ('петров', 'M')}

    withdrawal = committed(region.odo, 'withdrawal', 2, [alyona, pyotr], on=day(10, 1),
                           source=beads, reason='moved', destination='г. Корсаков')
    assert copies() == {alyona.id: ('елкина', 'F'), pyotr.id: ('петров', 'M')}
    order = draft(region.odo, 'enrolment', 3, on=day(10, 5))
    assert result_names(admin_client.get(url(order, 'pool', letter='Е', gender='F'))) == [
        'Ёлкина Алёна Сергеевна']
    assert result_names(admin_client.get(url(order, 'pool', letter='П'))) == ['Петров Пётр Ильич']
    assert result_names(admin_client.get(url(order, 'pool', letter='Е', gender='M'))) == []

    movement.delete_order(withdrawal)
    assert copies() == {alyona.id: ('елкина', 'F'), pyotr.id: ('петров', 'M')}
    assert Membership.select().where(Membership.ended_on.is_null()).count() == 2
    assert result_names(admin_client.get(url(order, 'pool'))) == []


def test_a_changed_surname_reaches_the_memberships(admin_client, region):
    robots = association(region.other_odo, '2б Робототехника')
    olga = child('Орлова', 'Ольга', 'Ивановна', datetime.date(2012, 1, 1))
    place(olga, robots)
    order = draft(region.odo, 'enrolment', 1, on=day(10, 1))
    listed = dict(organisation=region.other_odo.id)
    assert result_names(admin_client.get(url(order, 'others', surname='ор', **listed))) == [
        'Орлова Ольга Ивановна']

    olga = Person.get_by_id(olga.id)
    olga.surname = 'Ёжикова'
    olga.save()
    assert copies() == {olga.id: ('ежикова', 'F')}
    assert result_names(admin_client.get(url(order, 'others', surname='ор', **listed))) == []
    assert result_names(admin_client.get(url(order, 'others', surname='ЕЖ', **listed))) == [
        'Ёжикова Ольга Ивановна']


def test_graduation_copies_them_too(admin_client, region):
    beads = association(region.odo, '1а Бисер', program(region.odo))
    semyon = child('Иванов', 'Семён', 'Ильич', gender='M')
    committed(region.odo, 'enrolment', 1, [semyon], to=beads)
    committed(region.odo, 'graduation', 2, [semyon], on=day(5, 25), source=beads)
    assert copies() == {semyon.id: ('иванов', 'M')}
    order = draft(region.odo, 'enrolment', 3, on=day(5, 26))
    assert result_names(admin_client.get(url(order, 'pool', category='graduation', letter='И',
                                             gender='M'))) == ['Иванов Семён Ильич']


def test_the_pool_lists_departures_of_this_region_only(admin_client, region):
    from models import Municipality, Region, Settlement
    beads = association(region.school, '1а')
    place(child('Иванова', 'Ольга'), beads, ended=day(5, 20), end_kind='withdrawal',
          end_reason='moved', destination='г. Корсаков')
    order = draft(region.odo, 'enrolment', 3, on=day(5, 26))
    assert result_names(admin_client.get(url(order, 'pool'))) == ['Иванова Ольга Сергеевна']

    elsewhere = Region.create(name='Камчатский край', code='41')
    city = Municipality.create(region=elsewhere, name='Петропавловск-Камчатский городской округ')
    town = Settlement.create(municipality=city, name='Петропавловск-Камчатский, г.')
    school = organisation(elsewhere, city, town, 'school', 'МАОУ СОШ № 2')
    far_class = association(school, '2б')
    place(child('Иванова', 'Анна'), far_class, ended=day(5, 21), end_kind='withdrawal',
          end_reason='moved', destination='г. Елизово')
    for filters in ({}, {'letter': 'И'}, {'org_kind': 'school'}, {'category': 'withdrawal'}):
        assert result_names(admin_client.get(url(order, 'pool', **filters))) == [
            'Иванова Ольга Сергеевна'], filters


def test_other_organisation_pages_are_counted_and_paged(app, admin_client, region):
    robots = association(region.other_odo, '2б Робототехника')
    for i in range(25):
        place(child('Орлова', 'Ольга', 'Ивановна', datetime.date(2012, 1, i + 1)), robots)
    order = draft(region.odo, 'enrolment', 1, on=day(10, 1))
    listed = dict(organisation=region.other_odo.id, size=10)
    assert len(result_names(admin_client.get(url(order, 'others', **listed)))) == 10
    third = admin_client.get(url(order, 'others', page=3, **listed))
    assert 'Найдено: 25 · показаны 21–25' in third.get_data(as_text=True)
    assert len(result_names(third)) == 5
    beyond = admin_client.get(url(order, 'others', page=9, **listed)).get_data(as_text=True)
    assert 'Найдено: 25 · показаны 21–25' in beyond  # past the end: the last page
    nobody = admin_client.get(url(order, 'others', surname='Я', **listed)).get_data(as_text=True)
    assert 'Обучающихся с такими условиями нет' in nobody
