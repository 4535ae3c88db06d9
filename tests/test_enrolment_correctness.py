"""Enrolment you can trust: staff are never children, a number that is someone else's is a
conflict, the child's age is checked against the program on every way into an enrolment order,
and a withdrawal request goes only to another ОДО of the same направленность."""
import datetime
import html
import json
import re

import pytest

from models import EnrolmentSelection, ImportJob, ImportRow, Membership, Message, Order, OrderLine, Person
from services import imports, movement, russian
from services.common import Refused
from services.registry.similar_people import Incoming, find_similar
from tests import builders
from tests.test_enrolment_registry import text, url
from tests.test_import_flow import current_job, filled_template, row, upload
from tests.test_selection_guard import post_ticks, selected_ids

D = datetime.date
OCT_1 = builders.day(10, 1)
STAFF_SNILS = '11223344595'  # the region fixture's administrator, Смирнова Ольга Петровна
SNILS_CONFLICT = 'СНИЛС совпадает с другим человеком — проверьте номер.'
CONFIRM = 'Зачислить вне возрастного диапазона программы'


@pytest.fixture
def setup(app, region):
    with app.app_context():
        return builders.import_setup(region.odo)


def imported(client, setup, rows):
    """Upload ``rows`` into the setup's order and take every row: the resolution's job."""
    upload(client, filled_template(rows), order=setup.order)
    job = current_job()
    client.post_form(f'/imports/{job.id}/skip', {'mode': 'rows'}, page=f'/imports/{job.id}')
    return fresh(job)


def fresh(job):
    return ImportJob.get_by_id(job.id)


def page_of(client, job):
    return html.unescape(client.get(f'/imports/{job.id}').get_data(as_text=True))


def plain(page):
    """The page's text without tags, as read."""
    return re.sub(r'\s+', ' ', re.sub(r'<[^>]+>', '', page))


# --- 1. Staff are never children; someone else's number is a conflict ----------------------

def test_the_issue_story_a_girl_with_the_administrators_snils_meets_her_real_record(
        admin_client, region, setup):
    """An import row of a girl born 2013 whose СНИЛС is an adult staff member's, with a real
    100 % match in this organisation: the adult is not offered, the real match is preselected."""
    sofia = builders.child('Орлова', 'Софья', 'Ивановна', D(2013, 5, 14),
                           document=('birth_certificate_rf', 'II-ФВ', '654321'))
    builders.place(sofia, setup.associations[1])
    job = imported(admin_client, setup, [row(surname='Орлова', name='Софья', patronymic='Ивановна',
                                             birth='14.05.2013', snils='112-233-445 95')])
    the_row = ImportRow.get(ImportRow.job == job)
    candidates = json.loads(the_row.candidates)
    assert [c['person_id'] for c in candidates] == [sofia.id]
    assert candidates[0]['score'] == 100 and candidates[0]['group'] == 'here'
    assert (the_row.decision, the_row.chosen_person_id) == ('use', sofia.id)
    assert json.loads(the_row.conflicts) == [{'field': 'snils', 'message': SNILS_CONFLICT}]
    page = page_of(admin_client, job)
    rows = page.split('id="import-rows"', 1)[1]
    assert 'Смирнова' not in rows and '1985' not in rows  # the administrator is nowhere
    assert f'Конфликт: {SNILS_CONFLICT}' in plain(page) and 'точное совпадение' in rows
    assert f'value="use:{sofia.id}" checked' in page
    admin_client.post_form(f'/imports/{job.id}/decisions', {'action': 'commit', 'order': setup.order.id},
                           page=f'/imports/{job.id}')
    assert fresh(job).status == 'committed'
    assert [line.person_id for line in OrderLine.select()] == [sofia.id]


def test_a_snils_of_someone_quite_different_is_a_conflict_never_a_candidate(admin_client, setup):
    stranger = builders.child('Петров', 'Иван', 'Ильич', D(2010, 1, 20), gender='M',
                              snils=builders.ELKINA_SNILS)
    job = imported(admin_client, setup, [row(surname='Кузнецова', name='Вера', birth='09.01.2016',
                                             snils=builders.ELKINA_SNILS)])
    the_row = ImportRow.get(ImportRow.job == job)
    assert json.loads(the_row.candidates) == [] and the_row.decision == ''  # not preselected
    page = page_of(admin_client, job)
    assert f'Конфликт: {SNILS_CONFLICT}' in plain(page) and 'Петров Иван' not in page
    assert 'точное совпадение' not in page
    assert 'Создать нового — без СНИЛС из файла' in page
    assert 'disabled' in page.split('value="commit"')[1][:40]  # «Ок» waits for the decision
    with pytest.raises(imports.ImportRefused):  # the other person cannot be chosen by hand
        imports.decide(job, the_row.id, 'use', stranger.id)
    admin_client.post_form(f'/imports/{job.id}/rows/{the_row.id}', {f'row-{the_row.id}': 'new'},
                           page=f'/imports/{job.id}')
    admin_client.post_form(f'/imports/{job.id}/decisions', {'action': 'commit', 'order': setup.order.id},
                           page=f'/imports/{job.id}')
    created = Person.get(Person.surname == 'Кузнецова')
    assert created.snils is None  # the new child never takes another person's number
    assert Person.get_by_id(stranger.id).snils == builders.ELKINA_SNILS
    assert [line.person_id for line in OrderLine.select()] == [created.id]


def test_a_document_of_someone_quite_different_is_a_conflict(app, region):
    with app.app_context():
        builders.child('Петров', 'Иван', 'Ильич', D(2010, 1, 20), gender='M',
                       document=('birth_certificate_rf', 'II-ФВ', '111222'))
        found = find_similar([Incoming('Кузнецова', 'Вера', 'Олеговна', D(2016, 1, 9), 'F',
                                       documents=[('birth_certificate_rf', 'IIФВ111222')])])[0]
    assert list(found) == []
    assert [c['field'] for c in found.conflicts] == ['document']


def test_a_staff_member_is_never_a_candidate_even_by_name(app, region):
    with app.app_context():
        found = find_similar([Incoming('Смирнова', 'Ольга', 'Петровна', D(1985, 5, 17), 'F')],
                             region.odo.id)[0]
    assert list(found) == [] and found.conflicts == []


def test_the_best_scoring_exact_candidate_is_preselected(app, region):
    with app.app_context():
        typo = builders.child('Орлова', 'Софья', 'Игоревна', D(2013, 9, 30), snils=builders.ELKINA_SNILS)
        real = builders.child('Орлова', 'Софья', 'Ивановна', D(2013, 5, 14),
                              document=('birth_certificate_rf', 'II-ФВ', '654321'))
        found = find_similar([Incoming('Орлова', 'Софья', 'Ивановна', D(2013, 5, 14), 'F',
                                       snils=builders.ELKINA_SNILS,
                                       documents=[('birth_certificate_rf', 'IIФВ654321')])])[0]
    assert {c.person_id: c.score for c in found if c.exact} == {typo.id: 96, real.id: 100}
    assert imports.jobs.preselection(found) == ('use', real.id)


# --- 2. The child's age against the program -------------------------------------------------

@pytest.fixture
def ages(app, region):
    """A 7–15 program's объединение, a six-year-old, a two-year-old and a draft of 01.10.2026."""
    with app.app_context():
        program = builders.program(region.odo, age_from=7, age_to=15)
        return dict(bead=builders.association(region.odo, '1а Бисер', program),
                    six=builders.child('Малышева', 'Ксения', birth_date=D(2020, 3, 1)),
                    two=builders.child('Крохина', 'Ева', birth_date=D(2024, 1, 1)),
                    order=builders.draft(region.odo, Order.ENROLMENT, 1, on=OCT_1))


SIX = ('возраст на 01.10.2026 — 6 лет, а программа «Бисероплетение» — для детей 7–15 лет: '
       f'зачислить можно, только отметив «{CONFIRM}».')
TWO = ('возраст на 01.10.2026 — 2 года: в объединения зачисляют детей от 3 до 18 лет — '
       'проверьте дату рождения.')


def test_the_rule_speaks_of_the_order_date_and_the_program(ages):
    order, bead = ages['order'], ages['bead']
    assert movement.age_problem(order, ages['six'].birth_date, bead.program) == (SIX, True)
    assert movement.age_problem(order, ages['two'].birth_date, bead.program) == (TWO, False)
    assert movement.age_problem(order, D(1981, 4, 12))[1] is False  # an adult, whatever the program
    assert movement.age_problem(order, D(2015, 3, 1), bead.program) is None
    assert (russian.count(1, 'год') == '1 год' and russian.count(22, 'год') == '22 года'
            and russian.count(45, 'год') == '45 лет')


def test_the_selected_screen_asks_for_the_confirmation_and_adding_records_it(admin_client, region, ages):
    order, bead = ages['order'], ages['bead']
    for kid in (ages['six'], ages['two']):
        EnrolmentSelection.create(user=region.admin, order=order, person=kid, source='search')
    page = html.unescape(text(admin_client.get(url(order, 'selected', to=bead.id))))
    assert f'<span class="warning">{SIX[0].upper()}{SIX[1:]}</span>' in page
    assert f'{TWO[0].upper()}{TWO[1:]}' in page
    assert f'name="age_confirmed" value="1"> {CONFIRM} (1)' in page
    refused = admin_client.post_form(f'/enrolment/orders/{order.id}/selected/add', {'to': bead.id},
                                     page=url(order, 'selected'), follow_redirects=True)
    assert f'Малышева Ксения Сергеевна: {SIX}' in html.unescape(text(refused))
    assert OrderLine.select().count() == 0
    admin_client.post_form(f'/enrolment/orders/{order.id}/selected/add',
                           {'to': bead.id, 'age_confirmed': '1'}, page=url(order, 'selected'))
    [line] = OrderLine.select()
    assert (line.person_id, line.age_confirmed) == (ages['six'].id, True)
    assert 'Вне возрастного диапазона программы — зачисление подтверждено' in text(
        admin_client.get(f'/movement/orders/{order.id}'))
    assert {s.person_id for s in EnrolmentSelection.select()} == {ages['two'].id}  # refused, kept
    assert movement.commit_order(order).status == 'committed'


def test_the_commit_checks_the_age_again(ages):
    order, bead = ages['order'], ages['bead']
    OrderLine.create(order=order, person=ages['six'], association_to=bead, moved_on=OCT_1)
    with pytest.raises(Refused) as refused:
        movement.commit_order(order)
    assert f'Малышева Ксения Сергеевна: {SIX}' in refused.value.messages
    OrderLine.update(age_confirmed=True).execute()
    OrderLine.create(order=order, person=ages['two'], association_to=bead, moved_on=OCT_1,
                     age_confirmed=True)  # a confirmation never lets a two-year-old in
    with pytest.raises(Refused) as refused:
        movement.commit_order(order)
    assert refused.value.messages == [f'Крохина Ева Сергеевна: {TWO}']


def test_a_line_within_the_program_records_no_confirmation(ages, region):
    kid = builders.child('Орлова', 'Вера', birth_date=D(2015, 3, 1))
    added = movement.add_children_to_draft(ages['order'], [kid.id], ages['bead'], age_confirmed=True)
    assert added.added == [kid.id] and not OrderLine.get().age_confirmed


def test_the_order_page_form_for_a_new_child_asks_for_the_confirmation(admin_client, ages):
    order, bead = ages['order'], ages['bead']
    form = {'surname': 'Новикова', 'name': 'Ирина', 'no_patronymic': '1', 'birth_date': '2020-05-05',
            'gender': 'F', 'association_to': bead.id}
    response = admin_client.post_form(f'/movement/orders/{order.id}/children', form,
                                      page=f'/movement/orders/{order.id}/add')
    assert response.status_code == 422
    page = html.unescape(text(response))
    assert 'Возраст на 01.10.2026 — 6 лет, а программа «Бисероплетение»' in page and CONFIRM in page
    assert Person.select().where(Person.surname == 'Новикова').count() == 0  # nothing written yet
    too_young = admin_client.post_form(f'/movement/orders/{order.id}/children',
                                       dict(form, birth_date='2024-02-02', age_confirmed='1'),
                                       page=f'/movement/orders/{order.id}/add')
    assert too_young.status_code == 422 and 'от 3 до 18 лет' in text(too_young)
    response = admin_client.post_form(f'/movement/orders/{order.id}/children',
                                      dict(form, age_confirmed='1'), page=f'/movement/orders/{order.id}/add')
    assert response.status_code == 303
    assert OrderLine.get().age_confirmed


def test_the_known_children_form_passes_the_confirmation(admin_client, region, ages):
    order, bead, six = ages['order'], ages['bead'], ages['six']
    other = builders.association(region.odo, '1б Шахматы')
    builders.place(six, other)  # known to the organisation
    data = {'person': six.id, 'association_to': bead.id}
    admin_client.post_form(f'/movement/orders/{order.id}/lines', data, page=f'/movement/orders/{order.id}/add')
    assert OrderLine.select().count() == 0
    admin_client.post_form(f'/movement/orders/{order.id}/lines', dict(data, age_confirmed='1'),
                           page=f'/movement/orders/{order.id}/add')
    assert OrderLine.get().age_confirmed


def test_an_import_lists_the_rows_outside_the_program_and_needs_the_one_checkbox(admin_client, setup):
    setup.program.age_from, setup.program.age_to = 7, 15
    setup.program.save()
    job = imported(admin_client, setup, [
        row(surname='Новикова', name='Ирина', birth='05.05.2020', c_number='111111'),   # 6 on 01.09.2026
        row(surname='Белова', name='Ева', birth='05.05.2015', c_number='222222'),
    ])
    page = page_of(admin_client, job)
    assert 'Строка 4 (Новикова Ирина): возраст на 01.09.2026 — 6 лет' in page and 'Белова Ева)' not in page
    assert f'name="age_confirmed" value="1"> {CONFIRM} (1)' in page
    refused = admin_client.post_form(f'/imports/{job.id}/decisions', {'action': 'commit', 'order': setup.order.id},
                                     page=f'/imports/{job.id}', follow_redirects=True)
    assert 'Вне возрастного диапазона программы: строка 4 (Новикова Ирина)' in html.unescape(text(refused))
    assert fresh(job).status == 'resolving' and OrderLine.select().count() == 0
    admin_client.post_form(f'/imports/{job.id}/decisions',
                           {'action': 'commit', 'order': setup.order.id, 'age_confirmed': '1'},
                           page=f'/imports/{job.id}')
    assert fresh(job).status == 'committed'
    confirmed = {line.person.surname: line.age_confirmed for line in OrderLine.select()}
    assert confirmed == {'Новикова': True, 'Белова': False}


def test_an_import_row_outside_3_to_18_is_refused_whatever_is_ticked(admin_client, setup):
    job = imported(admin_client, setup, [row(surname='Крохина', name='Ева', birth='01.01.2025')])
    refused = admin_client.post_form(f'/imports/{job.id}/decisions',
                                     {'action': 'commit', 'order': setup.order.id, 'age_confirmed': '1'},
                                     page=f'/imports/{job.id}', follow_redirects=True)
    assert 'Нельзя зачислить по возрасту: строка 4 (Крохина Ева) — возраст на 01.09.2026 — 1 год' in \
        html.unescape(text(refused))
    assert fresh(job).status == 'resolving' and OrderLine.select().count() == 0


# --- 3. «Запросить отчисление из объединения» only towards another ОДО, same направленность ---

def test_the_request_goes_only_to_an_odo_with_an_association_of_the_same_focus(admin_client, region, setup):
    kid = builders.child('Смирнов', 'Павел', 'Олегович', D(2015, 2, 3), gender='M')
    beads = builders.association(region.other_odo, '2б Бисер')                    # художественная
    robots = builders.association(region.far_odo, '1в Роботы',
                                  builders.program(region.far_odo, 'Робототехника', focus='technical'))
    grade = builders.school_class(region.school, '3а', grade=3)
    for association in (beads, robots, grade):
        builders.place(kid, association)
    job = imported(admin_client, setup, [row(surname='Смирнов', name='Павел', patronymic='Олегович',
                                             birth='03.02.2015', gender='М')])
    page = page_of(admin_client, job)
    assert page.count('Запросить отчисление из объединения') == 1
    assert 'Запросить отчисление из объединения «2б Бисер» (МБУДО Дом детского творчества)' in page
    assert 'Запросить выбытие' not in page
    the_row = ImportRow.get(ImportRow.job == job)
    for refused in (grade, robots):  # a school, another направленность: a hand-made POST too
        response = admin_client.post_form(f'/imports/{job.id}/rows/{the_row.id}/departure',
                                          {'target': f'{kid.id}:{refused.id}'}, page=f'/imports/{job.id}')
        assert response.status_code == 303 and Message.select().count() == 0
    admin_client.post_form(f'/imports/{job.id}/rows/{the_row.id}/departure',
                           {'target': f'{kid.id}:{beads.id}'}, page=f'/imports/{job.id}')
    message = Message.get()
    assert message.recipient_organisation_id == region.other_odo.id
    assert message.subject == 'Запрос об отчислении из объединения «2б Бисер»: Смирнов Павел Олегович'
    assert ('зачисляет в объединение «1а Бисер» художественной направленности ребёнка '
            'Смирнова Павла Олеговича, 03.02.2015 г. р. В вашей организации он занимается') in message.body
    assert 'только этого объединения дополнительного образования' in message.body
    assert 'Запрос об отчислении из объединения «2б Бисер» отправлен в «МБУДО Дом детского творчества».' in \
        page_of(admin_client, job)


# --- 5. The selection guard keeps the age and staff rules ------------------------------------

def test_a_tick_of_a_child_outside_3_to_18_is_refused_by_the_guard(admin_client, region, ages):
    order = ages['order']
    response = post_ticks(admin_client, order, 'search', 'applied=1&surname=крохина', [ages['two']])
    assert response.status_code == 303 and selected_ids() == set()
    post_ticks(admin_client, order, 'search', 'applied=1&surname=малышева', [ages['six']])
    assert selected_ids() == {ages['six'].id}  # the program's range is a warning, not a block
    assert Membership.select().count() == 0
