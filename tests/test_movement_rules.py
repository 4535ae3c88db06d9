"""The rules of orders and the movement book, called directly (no HTTP)."""
import datetime

import pytest

from models import Membership, Order, OrderLine, Organisation, Region, SchoolYear
from services.registry import people
from services import movement
from services.movement import orders
from services.common import Refused
from tests.builders import association, child, committed, day, draft, future_year, organisation, program


@pytest.fixture
def beads(region):
    """«Бисероплетение» (3 years) with 1st- and 2nd-year объединения, and «Робототехника»."""
    beads = program(region.odo, 'Бисероплетение', duration=3)
    robots = program(region.odo, 'Робототехника', duration=2, focus='technical')
    return type('Beads', (), {
        'program': beads,
        'first': association(region.odo, '1а Бисер', beads),
        'first_b': association(region.odo, '1б Бисер', beads),
        'second': association(region.odo, '2а Бисер', beads, study_year=2),
        'robots': association(region.odo, '1а Роботы', robots),
        # The same program's объединения of the next, 2027/2028 year.
        'next_first_b': association(region.odo, '1б Бисер', beads, year=future_year(region.odo)),
        'next_second': association(region.odo, '2а Бисер', beads, study_year=2,
                                   year=future_year(region.odo)),
    })


def open_memberships(person):
    return [m.association.name for m in Membership.select().where(Membership.person == person,
                                                                    Membership.ended_on.is_null())]


def refusal(call, *args, **kwargs):
    with pytest.raises(Refused) as caught:
        call(*args, **kwargs)
    return ' '.join(caught.value.messages)


# --- Order headers ---------------------------------------------------------------

def test_act_date_may_not_be_later_than_the_document_date():
    values, errors = movement.parse_order_header(
        {'kind': 'enrolment', 'number': '1', 'document_date': '2026-09-01', 'act_date': '02.09.2026'})
    assert errors == {'act_date': 'Дата распорядительного акта (02.09.2026) не может быть позже '
                                  'даты приказа (01.09.2026).'}


@pytest.mark.parametrize('form, field, message', [
    ({'kind': 'reversal'}, 'kind', 'Выберите вид приказа из списка.'),
    ({'number': '  '}, 'number', 'Укажите номер приказа.'),
    ({'number': '1' * 33}, 'number', 'Номер приказа — не длиннее 32 знаков.'),
    ({'document_date': '31.02.2026'}, 'document_date', 'Укажите дату приказа в виде ДД.ММ.ГГГГ.'),
    ({'act_date': ''}, 'act_date', 'Укажите дату распорядительного акта в виде ДД.ММ.ГГГГ.'),
])
def test_order_header_messages(form, field, message):
    full = {'kind': 'enrolment', 'number': '1', 'document_date': '2026-09-01', 'act_date': '2026-09-01'}
    _, errors = movement.parse_order_header({**full, **form})
    assert errors[field] == message


def test_order_dates_must_fall_inside_the_open_movement_period(region):
    # Without a setting the period is the current school year (01.09.2026–31.08.2027).
    message = refusal(draft, region.odo, 'enrolment', 1, on=datetime.date(2026, 8, 31))
    assert 'Дата распорядительного акта 31.08.2026 вне открытого периода движения (с 01.09.2026 по 31.08.2027)' in message
    org = Organisation.get_by_id(region.odo.id)
    movement.set_movement_period(org, org.version, day(9, 1), day(12, 31))
    message = refusal(draft, org, 'enrolment', 1, on=day(1, 10))
    assert 'Дата приказа 10.01.2027 вне открытого периода движения (с 01.09.2026 по 31.12.2026)' in message
    assert draft(org, 'enrolment', 1, on=day(12, 31)).status == 'draft'


def test_movement_period_start_cannot_follow_its_end(region):
    org = Organisation.get_by_id(region.odo.id)
    assert 'Начало периода движения позже его конца' in refusal(
        movement.set_movement_period, org, org.version, day(12, 1), day(9, 1))


def test_order_number_is_unique_per_organisation_and_year(region):
    draft(region.odo, 'enrolment', '14')
    message = refusal(draft, region.odo, 'withdrawal', '14')
    assert message == ('Приказ №14 уже есть в 2026/2027 учебном году (зачисление, от 01.09.2026). '
                       'Укажите другой номер.')
    assert draft(region.other_odo, 'enrolment', '14').number == '14'


def test_a_stale_header_form_is_refused(region):
    order = draft(region.odo, 'enrolment', 1)
    first_reader = Order.get_by_id(order.id)
    movement.update_draft(order, order.version, '2', day(9, 2), day(9, 2))
    message = refusal(movement.update_draft, first_reader, first_reader.version, '3', day(9, 3), day(9, 3))
    assert 'изменил другой пользователь' in message
    assert Order.get_by_id(order.id).number == '2'


# --- Enrolment ---------------------------------------------------------------

def test_enrolment_puts_children_into_the_association(region, beads):
    anna, petr = child(), child('Петров', 'Пётр', gender='M')
    order = committed(region.odo, 'enrolment', 1, [anna, petr], to=beads.first)
    assert order.status == 'committed' and order.committed_at is not None
    assert open_memberships(anna) == ['1а Бисер'] == open_memberships(petr)
    membership = Membership.get(Membership.person == anna)
    assert membership.started_on == day(9, 1)
    assert membership.start_line.order_id == order.id and membership.organisation_id == region.odo.id


def test_enrolling_a_child_already_there_names_the_order(region, beads):
    anna = child()
    committed(region.odo, 'enrolment', 12, [anna], to=beads.first)
    order = draft(region.odo, 'enrolment', 13, on=day(9, 5))
    result = movement.add_children_to_draft(order, [anna.id], beads.first)
    assert result.refusals == {anna.id: 'Иванова Анна Сергеевна: ребёнок уже занимается в «1а Бисер»: '
                                        'зачислен приказом №12 от 01.09.2026.'}
    assert result.added == []


def test_a_child_is_added_to_a_draft_only_once(region, beads):
    anna = child()
    order = draft(region.odo, 'enrolment', 1)
    movement.add_children_to_draft(order, [anna.id], beads.first)
    again = movement.add_children_to_draft(order, [anna.id], beads.second)
    assert again.refusals[anna.id] == 'Иванова Анна Сергеевна: ребёнок уже есть в этом приказе.'
    assert OrderLine.select().where(OrderLine.order == order).count() == 1


def test_a_child_may_attend_several_associations(region, beads):
    anna = child()
    committed(region.odo, 'enrolment', 1, [anna], to=beads.first)
    committed(region.odo, 'enrolment', 2, [anna], to=beads.robots, on=day(9, 2))
    assert sorted(open_memberships(anna)) == ['1а Бисер', '1а Роботы']


def test_capacity_warns_when_adding_and_blocks_the_commit(region, beads):
    small = association(region.odo, '1в Бисер', beads.program, capacity=2)
    children = [child('Иванова', name) for name in ('Анна', 'Вера', 'Галина')]
    order = draft(region.odo, 'enrolment', 1)
    result = movement.add_children_to_draft(order, [c.id for c in children], small)
    assert result.added == [c.id for c in children]
    assert result.warnings == [
        'В объединении «1в Бисер» 2 места, занято 0, в приказе 3 ученика: не хватает мест для 1 ребёнка. '
        'Увеличьте наполняемость объединения или уберите лишних учащихся из приказа — '
        'иначе приказ не будет проведён.']
    assert 'не хватает мест для 1 ребёнка' in refusal(movement.commit_order, order)
    assert Membership.select().count() == 0
    small.capacity = 3
    small.save()
    assert movement.commit_order(order).status == 'committed'


def test_commit_is_all_or_nothing(region, beads):
    anna, vera = child(), child('Сидорова', 'Вера')
    committed(region.odo, 'enrolment', 1, [vera], to=beads.first)
    order = draft(region.odo, 'enrolment', 2, on=day(9, 2))
    movement.add_children_to_draft(order, [anna.id], beads.first)
    # Vera gets into the draft before her own enrolment is noticed: simulate a stale draft line.
    OrderLine.create(order=order, person=vera, association_to=beads.first, moved_on=day(9, 2))
    message = refusal(movement.commit_order, order)
    assert 'Сидорова Вера Сергеевна: ребёнок уже занимается в «1а Бисер»: зачислен приказом №1 от 01.09.2026.' in message
    assert open_memberships(anna) == [] and Order.get_by_id(order.id).status == 'draft'


def test_an_empty_order_is_not_committed(region):
    order = draft(region.odo, 'enrolment', 1)
    assert 'В приказе нет учащихся' in refusal(movement.commit_order, order)


def test_the_database_refusal_becomes_a_sentence(region, beads, monkeypatch):
    anna = child()
    order = draft(region.odo, 'enrolment', 1)
    movement.add_children_to_draft(order, [anna.id], beads.first)
    Membership.create(person=anna, association=beads.first, organisation=region.odo,
                      started_on=day(9, 1))  # written by someone else, after our checks
    monkeypatch.setattr(orders, 'child_problems', lambda *args, **kwargs: {})
    message = refusal(movement.commit_order, order)
    assert message == 'Иванова Анна Сергеевна: ребёнок уже занимается в «1а Бисер» с 01.09.2026.'
    assert Order.get_by_id(order.id).status == 'draft'


def test_archived_programs_and_closed_years_take_no_children(region, beads):
    anna = child()
    beads.program.archived = True
    beads.program.save()
    order = draft(region.odo, 'enrolment', 1)
    assert 'Программа «Бисероплетение» в архиве' in refusal(
        movement.add_children_to_draft, order, [anna.id], beads.first)
    old_year = SchoolYear.create(organisation=region.odo, start_year=2025, state='closed',
                                 starts_on=datetime.date(2025, 9, 1), ends_on=datetime.date(2026, 8, 31))
    old = association(region.odo, '1а Роботы-2025', beads.robots.program, year=old_year)
    assert 'Учебный год 2025/2026 закрыт' in refusal(movement.add_children_to_draft, order, [anna.id], old)


def test_another_organisations_association_is_refused(region, beads):
    order = draft(region.other_odo, 'enrolment', 1)
    assert refusal(movement.add_children_to_draft, order, [child().id], beads.first) == \
        'Объединение не найдено в вашей организации.'


# --- Transfers, withdrawal, graduation -------------------------------------------------

def test_transfer_within_the_program(region, beads):
    anna = child()
    committed(region.odo, 'enrolment', 1, [anna], to=beads.first)
    committed(region.odo, 'transfer', 2, [anna], on=day(10, 1), source=beads.first, to=beads.first_b)
    assert open_memberships(anna) == ['1б Бисер']
    ended = Membership.get(Membership.person == anna, Membership.association == beads.first)
    assert ended.ended_on == day(10, 1) and ended.end_kind == 'transfer'


def test_transfer_to_another_program_is_refused(region, beads):
    anna = child()
    committed(region.odo, 'enrolment', 1, [anna], to=beads.first)
    order = draft(region.odo, 'transfer', 2, on=day(10, 1))
    assert refusal(movement.add_children_to_draft, order, [anna.id], beads.robots,
                   association_from=beads.first) == (
        'Перевод возможен только внутри одной программы: «1а Бисер» — программа «Бисероплетение», '
        '«1а Роботы» — программа «Робототехника».')


def test_next_year_transfer_needs_the_next_year_and_a_higher_study_year(region, beads):
    anna = child()
    committed(region.odo, 'enrolment', 1, [anna], to=beads.first)
    order = draft(region.odo, 'next_year', 2, on=day(5, 25))
    assert refusal(movement.add_children_to_draft, order, [anna.id], beads.second,
                   association_from=beads.first) == (
        'Перевод на следующий год ведёт в объединение следующего учебного года, а «2а Бисер» '
        'относится к 2026/2027 учебному году, как и «1а Бисер». Сформируйте следующий год '
        '(Планирование → Учебный год) и выберите его объединение.')
    assert refusal(movement.add_children_to_draft, order, [anna.id], beads.next_first_b,
                   association_from=beads.first) == (
        'Перевод на следующий год требует более высокого года обучения: «1а Бисер» — 1-й год '
        'обучения, «1б Бисер» — 1-й.')
    result = movement.add_children_to_draft(order, [anna.id], beads.next_second,
                                            association_from=beads.first)
    assert result.added == [anna.id]
    movement.commit_order(order)
    assert open_memberships(anna) == ['2а Бисер']
    assert Membership.get(Membership.person == anna, Membership.ended_on.is_null()
                          ).association.school_year.title == '2027/2028'


def test_repeat_keeps_the_study_year_in_the_next_year(region, beads):
    anna = child()
    committed(region.odo, 'enrolment', 1, [anna], to=beads.first)
    order = draft(region.odo, 'repeat', 2, on=day(5, 25))
    assert 'объединение следующего учебного года' in refusal(
        movement.add_children_to_draft, order, [anna.id], beads.first_b, association_from=beads.first)
    assert 'год обучения не меняется' in refusal(
        movement.add_children_to_draft, order, [anna.id], beads.next_second, association_from=beads.first)
    assert movement.add_children_to_draft(order, [anna.id], beads.next_first_b,
                                          association_from=beads.first).added == [anna.id]


def test_withdrawal_needs_a_reason_and_where_to(region, beads):
    anna = child()
    committed(region.odo, 'enrolment', 1, [anna], to=beads.first)
    order = draft(region.odo, 'withdrawal', 2, on=day(11, 10))
    assert refusal(movement.add_children_to_draft, order, [anna.id], association_from=beads.first,
                   reason='bored', destination='x') == 'Выберите причину выбытия из списка.'
    assert 'Укажите, куда выбывает ребёнок' in refusal(
        movement.add_children_to_draft, order, [anna.id], association_from=beads.first, reason='moved')
    movement.add_children_to_draft(order, [anna.id], association_from=beads.first, reason='moved',
                                   destination='г. Корсаков')
    movement.commit_order(order)
    ended = Membership.get(Membership.person == anna)
    assert (ended.ended_on, ended.end_kind, ended.end_reason, ended.destination) == \
        (day(11, 10), 'withdrawal', 'moved', 'г. Корсаков')


def test_leaving_an_association_the_child_has_left_names_the_order(region, beads):
    anna = child()
    committed(region.odo, 'enrolment', 1, [anna], to=beads.first)
    committed(region.odo, 'graduation', 2, [anna], on=day(5, 31), source=beads.first)
    order = draft(region.odo, 'withdrawal', 3, on=day(6, 1))
    result = movement.add_children_to_draft(order, [anna.id], association_from=beads.first,
                                            reason='moved', destination='г. Оха')
    assert result.refusals[anna.id] == ('Иванова Анна Сергеевна: ребёнок уже выпущен из «1а Бисер» '
                                        'приказом №2 от 31.05.2027.')
    stranger = child('Орлова', 'Ольга')
    result = movement.add_children_to_draft(order, [stranger.id], association_from=beads.first,
                                            reason='moved', destination='г. Оха')
    assert result.refusals[stranger.id] == 'Орлова Ольга Сергеевна: ребёнок не занимается в объединении «1а Бисер».'


# --- No back-dating; only the last movement can be deleted ------------------------------

def test_a_line_cannot_be_dated_before_a_later_movement(region, beads):
    anna = child()
    committed(region.odo, 'enrolment', 1, [anna], to=beads.first)
    committed(region.odo, 'transfer', 14, [anna], on=day(10, 1), source=beads.first, to=beads.first_b)
    order = draft(region.odo, 'withdrawal', 15, on=day(9, 15))
    result = movement.add_children_to_draft(order, [anna.id], association_from=beads.first_b,
                                            reason='moved', destination='г. Оха')
    assert result.refusals[anna.id] == (
        'Иванова Анна Сергеевна: ребёнок занимается в «1б Бисер» только с 01.10.2026; '
        'дата движения не может быть раньше.')
    robots = draft(region.odo, 'enrolment', 16, on=day(9, 20))
    result = movement.add_children_to_draft(robots, [anna.id], beads.robots)
    assert result.refusals[anna.id] == (
        'Иванова Анна Сергеевна: ребёнок уже переведён приказом №14 от 01.10.2026 (дата движения '
        '01.10.2026); движение нельзя датировать раньше 01.10.2026.')


def test_moving_the_act_date_back_is_caught_at_commit(region, beads):
    anna = child()
    committed(region.odo, 'enrolment', 1, [anna], to=beads.first)
    committed(region.odo, 'transfer', 14, [anna], on=day(10, 1), source=beads.first, to=beads.first_b)
    order = draft(region.odo, 'enrolment', 15, on=day(10, 5))
    movement.add_children_to_draft(order, [anna.id], beads.robots)
    movement.update_draft(order, order.version, '15', day(9, 20), day(9, 20))
    assert 'ребёнок уже переведён приказом №14 от 01.10.2026' in refusal(movement.commit_order, order)


def test_only_the_last_movement_can_be_deleted(region, beads):
    anna = child()
    enrolment = committed(region.odo, 'enrolment', 1, [anna], to=beads.first)
    transfer = committed(region.odo, 'transfer', 14, [anna], on=day(10, 1), source=beads.first,
                         to=beads.first_b)
    message = refusal(movement.delete_order, enrolment)
    assert message == ('Иванова Анна Сергеевна: это не последнее движение ребёнка — он уже переведён '
                       'приказом №14 от 01.10.2026. Удалить можно только последнее движение: '
                       'сначала удалите приказ №14.')
    movement.delete_order(transfer)  # the wrong order is deleted, not reversed
    assert open_memberships(anna) == ['1а Бисер']
    assert Membership.select().where(Membership.person == anna).count() == 1
    movement.delete_order(enrolment)
    assert Membership.select().count() == 0 and Order.select().count() == 0


def test_deleting_one_movement_of_an_order(region, beads):
    anna, vera = child(), child('Сидорова', 'Вера')
    order = committed(region.odo, 'enrolment', 1, [anna, vera], to=beads.first)
    committed(region.odo, 'withdrawal', 2, [vera], on=day(10, 1), source=beads.first,
              reason='health', destination='не известно')
    vera_line = OrderLine.get(OrderLine.order == order, OrderLine.person == vera)
    assert 'сначала удалите приказ №2' in refusal(movement.delete_movement, order, vera_line)
    anna_line = OrderLine.get(OrderLine.order == order, OrderLine.person == anna)
    assert movement.delete_movement(order, anna_line) is False
    assert open_memberships(anna) == [] and Order.get_by_id(order.id).status == 'committed'


def test_deleting_a_withdrawal_brings_the_child_back(region, beads):
    anna = child()
    committed(region.odo, 'enrolment', 1, [anna], to=beads.first)
    withdrawal = committed(region.odo, 'withdrawal', 2, [anna], on=day(10, 1), source=beads.first,
                           reason='moved', destination='г. Оха')
    assert open_memberships(anna) == []
    movement.delete_order(withdrawal)
    back = Membership.get(Membership.person == anna)
    assert (back.ended_on, back.end_kind, back.end_reason, back.destination) == (None, '', '', '')


def test_orders_outside_the_open_period_cannot_be_deleted(region, beads):
    anna = child()
    order = committed(region.odo, 'enrolment', 1, [anna], to=beads.first)
    org = Organisation.get_by_id(region.odo.id)
    movement.set_movement_period(org, org.version, day(10, 1), day(12, 31))
    assert 'вне открытого периода движения (с 01.10.2026 по 31.12.2026); удалить его нельзя' in \
        refusal(movement.delete_order, order)


def test_movements_in_another_organisation_do_not_block(region, beads):
    anna = child()
    other = association(region.other_odo, '1а Вокал', program(region.other_odo, 'Вокал'))
    committed(region.other_odo, 'enrolment', 1, [anna], to=other, on=day(10, 1))
    order = committed(region.odo, 'enrolment', 1, [anna], to=beads.first, on=day(9, 15))
    movement.delete_order(order)


def test_a_committed_order_is_not_edited(region, beads):
    order = committed(region.odo, 'enrolment', 1, [child()], to=beads.first)
    assert 'уже проведён' in refusal(movement.update_draft, order, order.version, '2', day(9, 1), day(9, 1))
    assert 'уже проведён' in refusal(movement.add_children_to_draft, order, [child('Орлова').id], beads.first)
    assert 'уже проведён' in refusal(movement.commit_order, order)


# --- Reading ------------------------------------------------------------------

def test_the_book_filters_by_kind_dates_association_and_child(region, beads):
    anna, petr = child(), child('Пётрова', 'Ёлка')
    committed(region.odo, 'enrolment', 1, [anna, petr], to=beads.first)
    committed(region.odo, 'transfer', 2, [anna], on=day(10, 1), source=beads.first, to=beads.first_b)

    def names(**args):
        filters = movement.parse_book_filters(args, region.odo)
        return [(line.order.number, line.person.surname) for line in movement.book_lines(region.odo, filters)]

    assert names() == [('2', 'Иванова'), ('1', 'Пётрова'), ('1', 'Иванова')] or \
        names() == [('2', 'Иванова'), ('1', 'Иванова'), ('1', 'Пётрова')]
    assert names(kind='transfer') == [('2', 'Иванова')]
    assert names(date_from='2026-09-15') == [('2', 'Иванова')]
    assert len(names(date_to='01.09.2026')) == 2
    assert names(association=str(beads.first_b.id)) == [('2', 'Иванова')]
    assert names(child='петрова ёл') == [('1', 'Пётрова')]
    assert names(kind='drop table') == names()


def test_the_book_of_another_organisation_is_not_shown(region, beads):
    committed(region.odo, 'enrolment', 1, [child()], to=beads.first)
    filters = movement.parse_book_filters({'association': str(beads.first.id)}, region.other_odo)
    assert filters['association'] is None
    assert list(movement.book_lines(region.other_odo, filters)) == []


def test_a_childs_history_spans_the_region_only(region, beads):
    anna = child()
    committed(region.odo, 'enrolment', 1, [anna], to=beads.first)
    far = association(region.far_odo, '1а Туристы', program(region.far_odo, 'Туризм', focus='tourism'))
    committed(region.far_odo, 'enrolment', 7, [anna], to=far, on=day(10, 1))
    elsewhere = Region.create(name='Камчатский край', code='41')
    foreign = organisation(elsewhere, None, None, 'odo', 'ЦДТ Петропавловска')
    kamchatka = association(foreign, '1а Хор', program(foreign, 'Хор'))
    committed(foreign, 'enrolment', 3, [anna], to=kamchatka, on=day(10, 2))
    history = list(movement.child_history(anna, region.region))
    assert [(line.order.organisation.short_name, line.order.number) for line in history] == [
        ('МАУДО Центр детского творчества', '1'), ('МБУДО ЦДТ г. Корсакова', '7')]
    assert [m.association.name for m in movement.current_memberships(anna, region.region)] == \
        ['1а Бисер', '1а Туристы']


# --- A new child -------------------------------------------------------------------

@pytest.mark.parametrize('form, field, message', [
    ({'surname': ''}, 'surname', 'Заполните поле «Фамилия».'),
    ({'surname': 'Иванoва'}, 'surname', 'В поле «Фамилия» латинские буквы (o) среди русских. Наберите их в русской раскладке.'),
    ({'name': 'anna'}, 'name', '«Имя» пишется русскими буквами с заглавной, допустимы дефис, апостроф и пробел.'),
    ({'patronymic': ''}, 'patronymic', 'Заполните отчество или отметьте «Нет отчества».'),
    ({'birth_date': '2030-01-01'}, 'birth_date', 'Дата рождения должна быть в прошлом.'),
    ({'gender': 'X'}, 'gender', 'Выберите пол.'),
])
def test_new_child_messages(form, field, message):
    full = {'surname': 'Иванова', 'name': 'Анна', 'patronymic': 'Сергеевна',
            'birth_date': '2015-03-01', 'gender': 'F'}
    _, errors, _ = movement.parse_new_child({**full, **form}, today=datetime.date(2026, 11, 1))
    assert errors[field] == message


def test_an_unusual_age_is_a_warning_not_a_block():
    values, errors, warnings = movement.parse_new_child(
        {'surname': 'Иванова', 'name': 'Анна', 'no_patronymic': '1', 'birth_date': '01.03.2025',
         'gender': 'F'}, today=datetime.date(2026, 11, 1))
    assert errors == {} and warnings == ['Ребёнку 1 год — проверьте дату рождения.']


def test_a_new_child_reuses_the_registry_record(region):
    existing = child('Ёлкина', 'Анна', 'Сергеевна')
    values, _, _ = movement.parse_new_child({'surname': 'елкина', 'name': 'Анна', 'patronymic': 'Сергеевна',
                                              'birth_date': '2015-03-01', 'gender': 'F'})
    values['surname'] = 'Елкина'
    person, created = people.find_or_create_child(values)
    assert person.id == existing.id and created is False
    values['birth_date'] = datetime.date(2015, 3, 2)
    assert people.find_or_create_child(values)[1] is True


# --- What a commit re-checks (issue 10) --------------------------------------------

def test_a_draft_cannot_be_committed_while_an_import_writes_into_it(region, beads):
    from models import ImportJob
    order = draft(region.odo, 'enrolment', 41)
    movement.add_children_to_draft(order, [child().id], beads.first)
    job = ImportJob.create(organisation=region.odo, user=region.admin, order=order, file_name='дети.xlsx',
                           status='committing', active_organisation=region.odo.id)
    assert 'идёт импорт «дети.xlsx»' in refusal(movement.commit_order, order)
    ImportJob.update(status='committed', active_organisation=None).where(ImportJob.id == job.id).execute()
    assert movement.commit_order(order).status == 'committed'


def test_a_line_drafted_for_someone_who_has_since_started_work_is_refused_at_commit(region, beads):
    from models import Employment
    person = child('Орлова', 'Софья', 'Ивановна')
    order = draft(region.odo, 'enrolment', 42)
    assert movement.add_children_to_draft(order, [person.id], beads.first).added == [person.id]
    Employment.create(person=person, organisation=region.odo, position='Вожатый')
    assert 'сотрудников нельзя зачислять' in refusal(movement.commit_order, order)
