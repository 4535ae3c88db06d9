"""«Переход на новый учебный год»: every gate on both sides, each step run twice, a failure
half-way, the closed year read-only, and the management body's view."""
import datetime
import io
import re

import pytest
from openpyxl import load_workbook

import clock
import models
from models import Association, Membership, Order, OrderLine, Region, SchoolYear
from services import movement, years
from services.common import Refused
from services.staff import dismiss
from tests.builders import QueryCounter, association, child, committed, program

APR_2 = datetime.date(2027, 4, 2)
MAR_31 = datetime.date(2027, 3, 31)
AUG_24, AUG_26 = datetime.date(2027, 8, 24), datetime.date(2027, 8, 26)
SEP_6, SEP_21 = datetime.date(2027, 9, 6), datetime.date(2027, 9, 21)


def on(frozen_clock, day_):
    frozen_clock.at(clock.at(day_))
    return day_


@pytest.fixture
def school(app, region):
    """«Бисероплетение» (2 years): «1а Бисер» with three children, «2а Бисер» with two;
    «Хор» (1 year) with one child; an archived program's объединение."""
    with app.app_context():
        beads = program(region.odo, 'Бисероплетение', duration=2)
        choir = program(region.odo, 'Хор', duration=1)
        old = program(region.odo, 'Старая программа', duration=3)
        first = association(region.odo, '1а Бисер', beads)
        second = association(region.odo, '2а Бисер', beads, study_year=2)
        singers = association(region.odo, '1 Хор', choir)
        archived = association(region.odo, '1 Старая', old)
        old.archived = True
        old.save()
        kids = [child('Аксёнова', 'Ася'), child('Борисов', 'Борис', gender='M'),
                child('Васина', 'Вера'), child('Гусев', 'Глеб', gender='M'),
                child('Дёмина', 'Дина'), child('Егоров', 'Егор', gender='M')]
        committed(region.odo, Order.ENROLMENT, 1, kids[:3], to=first)
        committed(region.odo, Order.ENROLMENT, 2, kids[3:5], to=second)
        committed(region.odo, Order.ENROLMENT, 3, kids[5:], to=singers)
        return type('School', (), dict(beads=beads, choir=choir, first=first, second=second,
                                       singers=singers, archived=archived, kids=kids))


def admin_on(client, region, frozen_clock, day_):
    """The ОДО administrator signed in on ``day_`` (a jump of the clock ends an idle session)."""
    on(frozen_clock, day_)
    assert client.sign_in('odo-admin', organisation=region.odo).status_code == 303
    return client


def header(number, day_):
    return {'number': str(number), 'document_date': day_, 'act_date': day_}


def future_names(org):
    year = SchoolYear.get(SchoolYear.organisation == org, SchoolYear.state == SchoolYear.FUTURE)
    return sorted(a.name for a in Association.select().where(Association.school_year == year))


# --- Forming the next year ---------------------------------------------------------------

def test_forming_is_refused_on_31_march_with_a_sentence_and_allowed_on_2_april(region, school):
    with pytest.raises(Refused) as refused:
        years.form_next_year(region.odo, MAR_31)
    assert refused.value.messages == [
        'Формирование 2027/2028 учебного года — с 01.04.2027; сегодня 31.03.2027. Вернитесь к '
        'этому шагу в назначенный день: даты перехода задаёт регион.']
    assert not SchoolYear.select().where(SchoolYear.state == SchoolYear.FUTURE).exists()
    formed = years.form_next_year(region.odo, APR_2, [school.beads.id, school.choir.id])
    assert formed.year.title == '2027/2028' and formed.year.state == SchoolYear.FUTURE
    # 1а → 2а (the program lasts two years), 2а graduates, the choir lasts one year, the
    # archived program is not copied; a new first-year group per chosen program.
    assert future_names(region.odo) == ['1 Хор', '1а Бисер', '2а Бисер']
    copy = Association.get(Association.copied_from == school.first, Association.study_year == 2)
    assert copy.teacher_id == school.first.teacher_id and copy.capacity == school.first.capacity
    assert SchoolYear.current_of(region.odo).start_year == 2026  # the current year keeps working


def test_forming_twice_creates_no_second_year_or_copy(region, school):
    years.form_next_year(region.odo, APR_2, [school.beads.id])
    again = years.form_next_year(region.odo, APR_2, [school.beads.id])
    assert not again.created_year and again.copied == 0 and again.new_groups == 0
    assert SchoolYear.select().where(SchoolYear.organisation == region.odo).count() == 2
    assert future_names(region.odo) == ['1а Бисер', '2а Бисер']


def test_forming_that_fails_half_way_leaves_nothing(region, school, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError('the database went away')
    monkeypatch.setattr(Association, 'insert_many', broken)
    with pytest.raises(RuntimeError):
        years.form_next_year(region.odo, APR_2, [school.beads.id])
    assert not SchoolYear.select().where(SchoolYear.state == SchoolYear.FUTURE).exists()


def test_a_dismissed_teacher_is_not_copied(region, school):
    teacher = school.first.teacher
    dismiss(teacher, teacher.version, datetime.date(2027, 3, 1))
    years.form_next_year(region.odo, APR_2)
    copy = Association.get(Association.copied_from == school.first)
    assert copy.teacher_id is None
    problems = years.future_checks(region.odo, years.Years.of(region.odo))
    assert '«2а Бисер»: не назначен педагог.' in problems


# --- Bulk orders ---------------------------------------------------------------------

def transfer_all_but(region, school, exceptions, number=10, when=datetime.date(2027, 5, 20),
                     choices=None):
    groups = years.preview(region.odo, Order.NEXT_YEAR)
    choices = choices or {g.association.id: (g.target.id, [c.person.id for c in g.children
                                                           if c.ticked and c.person.id not in exceptions])
                          for g in groups}
    transfer_all_but.choices = choices
    return years.create_bulk_order(region.odo, None, Order.NEXT_YEAR, header(number, when), choices)


def test_the_transfer_preview_pairs_each_group_with_its_next_year_and_writes_nothing(region, school):
    years.form_next_year(region.odo, APR_2, [school.beads.id])
    before = Order.select().count()
    groups = years.preview(region.odo, Order.NEXT_YEAR)
    assert [(g.association.name, g.target.name, g.target.school_year.title) for g in groups] == [
        ('1а Бисер', '2а Бисер', '2027/2028')]
    assert [c.ticked for c in groups[0].children] == [True, True, True]
    assert Order.select().count() == before
    graduation = years.preview(region.odo, Order.GRADUATION)
    assert [g.association.name for g in graduation] == ['1 Хор', '2а Бисер']


def test_a_bulk_order_is_one_draft_and_sending_it_twice_adds_nothing(region, school):
    years.form_next_year(region.odo, APR_2, [school.beads.id])
    first = transfer_all_but(region, school, {school.kids[0].id})
    assert first.added == 2 and not first.reused and first.order.status == Order.DRAFT
    # The same preview sent again (a double click, a reload of the POST).
    again = transfer_all_but(region, school, set(), number=11, choices=transfer_all_but.choices)
    assert again.reused and again.order.id == first.order.id and again.added == 0
    assert OrderLine.select().where(OrderLine.order == first.order).count() == 2
    assert Order.select().where(Order.kind == Order.NEXT_YEAR).count() == 1
    committed_order = movement.commit_order(first.order)
    assert committed_order.status == Order.COMMITTED
    moved = Membership.get(Membership.person == school.kids[1], Membership.ended_on.is_null())
    assert moved.association.name == '2а Бисер' and moved.association.school_year.title == '2027/2028'


def test_a_bulk_order_that_fails_half_way_leaves_no_order(region, school, monkeypatch):
    years.form_next_year(region.odo, APR_2, [school.beads.id])

    def broken(*args, **kwargs):
        raise RuntimeError('killed')
    monkeypatch.setattr(OrderLine, 'bulk_create', broken)
    with pytest.raises(RuntimeError):
        transfer_all_but(region, school, set())
    assert not Order.select().where(Order.kind == Order.NEXT_YEAR).exists()


# --- Opening and closing -----------------------------------------------------------------

def cover_everyone(region, school):
    years.form_next_year(region.odo, APR_2, [school.beads.id, school.choir.id])
    movement.commit_order(transfer_all_but(region, school, set()).order)
    groups = years.preview(region.odo, Order.GRADUATION)
    choices = {g.association.id: (None, [c.person.id for c in g.children]) for g in groups}
    result = years.create_bulk_order(region.odo, None, Order.GRADUATION,
                                     header(20, datetime.date(2027, 5, 25)), choices)
    movement.commit_order(result.order)


def test_opening_is_refused_before_25_august_and_lists_the_uncovered_children(region, school):
    years.form_next_year(region.odo, APR_2, [school.beads.id, school.choir.id])
    movement.commit_order(transfer_all_but(region, school, {school.kids[0].id, school.kids[1].id}).order)
    assert years.opening_problems(region.odo, years.Years.of(region.odo), AUG_24)[0].startswith(
        'Открытие 2027/2028 учебного года — с 25.08.2027')
    problems = years.opening_problems(region.odo, years.Years.of(region.odo), AUG_26)
    assert problems[0].startswith('5 детей ещё не охвачены приказами в 2026/2027 учебном году')
    left = years.uncovered(region.odo, years.Years.of(region.odo))
    assert {g.association.name: [c.person.surname for c in g.children] for g in left} == {
        '1а Бисер': ['Аксёнова', 'Борисов'], '2а Бисер': ['Гусев', 'Дёмина'], '1 Хор': ['Егоров']}
    with pytest.raises(Refused):
        years.open_year(region.odo, AUG_26)
    assert SchoolYear.current_of(region.odo).start_year == 2026


def test_opening_makes_the_future_current_and_the_old_year_read_only(region, school):
    cover_everyone(region, school)
    new = years.open_year(region.odo, AUG_26)
    assert new.title == '2027/2028' and new.state == SchoolYear.CURRENT
    old = SchoolYear.get(SchoolYear.organisation == region.odo, SchoolYear.start_year == 2026)
    assert old.state == SchoolYear.CLOSED and old.closed_at is not None
    with pytest.raises(Refused) as again:
        years.open_year(region.odo, AUG_26)
    assert again.value.messages[0].startswith('2027/2028 учебный год уже открыт')
    assert SchoolYear.select().where(SchoolYear.organisation == region.odo).count() == 2
    # The closed year refuses orders, naming the year.
    with pytest.raises(Refused) as refused:
        movement.create_draft(region.odo, old, None, Order.ENROLMENT, '99', AUG_26, AUG_26)
    assert refused.value.messages == [
        'Учебный год 2026/2027 закрыт: приказы в нём больше не создаются, не изменяются и не '
        'удаляются. Работайте в текущем учебном году.']
    enrolment = Order.get(Order.number == '1', Order.school_year == old)
    assert movement.deletion_problems(enrolment)[0].startswith('Учебный год 2026/2027 закрыт')


def test_opening_that_fails_half_way_keeps_both_years(region, school, monkeypatch):
    cover_everyone(region, school)
    real_update = SchoolYear.update
    calls = []

    def failing_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError('killed between the two updates')
        return real_update(*args, **kwargs)
    monkeypatch.setattr(SchoolYear, 'update', failing_second)
    with pytest.raises(RuntimeError):
        years.open_year(region.odo, AUG_26)
    monkeypatch.undo()
    states = {y.start_year: y.state for y in SchoolYear.select().where(SchoolYear.organisation == region.odo)}
    assert states == {2026: 'current', 2027: 'future'}


def test_step_states_and_lateness(region, school):
    def states(today):
        return {s.key: s.state for s in years.steps_of(region.odo, today)}
    assert states(MAR_31) == {'staff': 'not_started', 'form': 'not_started', 'orders': 'not_started',
                              'checks': 'not_started', 'open': 'not_started'}
    years.mark_staff_checked(region.odo)
    years.mark_staff_checked(region.odo)  # twice: the same mark
    years.form_next_year(region.odo, APR_2, [school.beads.id, school.choir.id])
    transfer_all_but(region, school, set())
    assert states(APR_2) == {'staff': 'done', 'form': 'done', 'orders': 'running',
                             'checks': 'done', 'open': 'not_started'}
    assert states(datetime.date(2027, 9, 5))['orders'] == 'running'
    assert states(SEP_6)['orders'] == 'late' and states(SEP_6)['open'] == 'late'


def test_the_exactly_one_rule_of_the_region(region, school):
    years.form_next_year(region.odo, APR_2, [school.beads.id, school.choir.id])
    found = years.Years.of(region.odo)
    assert years.future_checks(region.odo, found) == []
    Region.update(associations_per_program='exactly_one').where(Region.id == region.region.id).execute()
    region.odo.region = Region.get_by_id(region.region.id)
    assert years.future_checks(region.odo, found) == [
        'Программа «Бисероплетение»: 2 объединения в 2027/2028 учебном году, а регион требует '
        'ровно одно на программу — объедините или удалите лишние.']


# --- The management body ------------------------------------------------------------------

def test_progress_of_takes_a_fixed_number_of_queries_and_says_who_is_late(region, school):
    cover_everyone(region, school)
    years.open_year(region.odo, AUG_26)
    ids = [region.odo.id, region.other_odo.id, region.far_odo.id]
    with QueryCounter() as counted:
        found = years.progress_of(ids, SEP_21)
    assert counted.count <= 4
    assert (found[region.odo.id].step, found[region.odo.id].state) == ('done', 'done')
    other = found[region.other_odo.id]
    assert other.state == 'late' and other.late and other.past_deadline
    assert not years.progress_of(ids, AUG_26)[region.other_odo.id].late
    # Each deadline on both sides: late from 6 September, past the deadline from 21 September.
    on_5, on_6 = (years.progress_of(ids, datetime.date(2027, 9, d))[region.other_odo.id] for d in (5, 6))
    assert (on_5.late, on_6.late, on_6.past_deadline) == (False, True, False)
    on_20 = years.progress_of(ids, datetime.date(2027, 9, 20))[region.other_odo.id]
    assert (on_20.late, on_20.past_deadline) == (True, False)


def test_the_management_body_sees_its_organisations_and_exports_them(client, region, school, frozen_clock):
    on(frozen_clock, SEP_6)
    assert client.sign_in('uo-specialist', organisation=region.body).status_code == 303
    page = client.get('/year/overview').get_data(as_text=True)
    assert 'МАУДО Центр детского творчества' in page and 'МБУДО Дом детского творчества' in page
    assert 'МБУДО ЦДТ г. Корсакова' not in page  # another municipality's body watches it
    assert 'после 05.09.2027' in page and 'Аксёнова' not in page
    export = client.get('/year/overview.xlsx')
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ['Муниципалитет', 'Организация', 'Текущий год']
    assert any(row[1] == 'МАУДО Центр детского творчества' and row[-1] == 'после 05.09.2027'
               for row in rows[1:])


def test_an_administrator_cannot_open_the_management_view(admin_client):
    assert admin_client.get('/year/overview').status_code == 403


# --- The pages ------------------------------------------------------------------------------

def test_the_steps_page_the_switch_and_the_red_banner(client, region, school, frozen_clock):
    admin_client = admin_on(client, region, frozen_clock, APR_2)
    page = admin_client.get('/year/').get_data(as_text=True)
    assert 'Формирование следующего, 2027/2028 учебного года' in page and 'не начат' in page
    response = admin_client.post_form('/year/form', {'first_year': str(school.beads.id)})
    assert response.status_code == 303
    page = admin_client.get('/year/').get_data(as_text=True)
    assert 'Будущий год 2027/2028' in page and 'выполнен' in page
    admin_client.post_form('/year/view', {'view': 'future', 'next': '/associations/'})
    listed = admin_client.get('/associations/').get_data(as_text=True)
    assert '2027/2028' in listed and '2а Бисер' in listed
    assert admin_client.post_form('/year/view', {'view': 'future', 'next': '//evil.example/'}
                                  ).headers['Location'] == '/'
    admin_on(client, region, frozen_clock, SEP_21)
    assert 'Крайний срок закрытия 2026/2027 учебного года — 20.09.2027 — прошёл' in admin_client.get(
        '/year/').get_data(as_text=True)


def test_the_preview_page_creates_one_draft(client, region, school, frozen_clock):
    admin_client = admin_on(client, region, frozen_clock, APR_2)
    years.form_next_year(region.odo, APR_2, [school.beads.id])
    page = admin_client.get('/year/orders?kind=next_year').get_data(as_text=True)
    assert page.count('name="child"') == 3
    data = {'kind': 'next_year', 'number': '30', 'document_date': '2027-05-20',
            'act_date': '2027-05-20', f'to_{school.first.id}': str(
                Association.get(Association.copied_from == school.first, Association.study_year == 2).id),
            'child': [f'{school.first.id}:{k.id}' for k in school.kids[:2]]}
    response = admin_client.post_form('/year/orders', data)
    assert response.status_code == 303
    order = Order.get(Order.number == '30')
    assert order.year_step == 'bulk' and OrderLine.select().where(OrderLine.order == order).count() == 2
    refused = admin_client.post_form('/year/orders', dict(data, child=[]))
    assert refused.status_code == 422
    assert 'Не отмечено ни одного ребёнка' in refused.get_data(as_text=True)


def test_the_regional_body_sees_every_odo_of_the_region_by_municipality(client, region, school, frozen_clock):
    from tests.builders import organisation, user
    ministry = organisation(region.region, None, None, 'regional_body', 'Министерство образования')
    user('minister', ministry, 'authority_specialist')
    on(frozen_clock, SEP_21)
    assert client.sign_in('minister', organisation=ministry).status_code == 303
    page = client.get('/year/overview').get_data(as_text=True)
    rows = re.findall(r'<td class="name">([^<]+)</td>\s*<td data-label="Муниципалитет">([^<]*)</td>', page)
    assert rows == [('МАУДО Центр детского творчества', 'Городской округ Южно-Сахалинск'),
                    ('МБУДО Дом детского творчества', 'Городской округ Южно-Сахалинск'),
                    ('МБУДО ЦДТ г. Корсакова', 'Корсаковский городской округ')]
    assert page.count('после крайнего срока') == 3
    assert not re.search(r'\d{3}-\d{3}-\d{3} \d{2}|II-ФВ', page)  # no СНИЛС, no documents


def test_a_closed_year_s_associations_are_read_only(region, school):
    cover_everyone(region, school)
    years.open_year(region.odo, AUG_26)
    from services import programs
    first = Association.get_by_id(school.first.id)
    with pytest.raises(Refused) as refused:
        programs.update_association(first, first.version, {'name': 'Новое', 'study_year': 1,
                                                           'capacity': 15, 'teacher': None})
    assert refused.value.messages == ['Учебный год 2026/2027 закрыт: его объединения только для просмотра.']


def test_the_switch_is_offered_only_to_those_who_work_with_the_book(client, region, school, frozen_clock):
    on(frozen_clock, APR_2)
    years.form_next_year(region.odo, APR_2)
    assert client.sign_in('odo-teacher', organisation=region.odo).status_code == 303
    assert 'year-switch' not in client.get('/').get_data(as_text=True)
    assert client.post_form('/year/view', {'view': 'future'}).status_code == 403


def test_the_home_page_shows_the_red_banner_after_the_deadline(client, region, school, frozen_clock):
    admin_client = admin_on(client, region, frozen_clock, SEP_21)
    home = admin_client.get('/').get_data(as_text=True)
    assert 'Крайний срок закрытия 2026/2027 учебного года — 20.09.2027 — прошёл' in home
    on(frozen_clock, SEP_6)  # late, but before the deadline: no banner yet
    home = client.get('/').get_data(as_text=True)
    assert 'Шаги перехода на новый учебный год' in home and 'year-banner' not in home


def test_summer_enrolments_and_withdrawals_go_into_the_future_year(region, school):
    years.form_next_year(region.odo, APR_2, [school.beads.id])
    movement.commit_order(transfer_all_but(region, school, set()).order)
    future = SchoolYear.get(SchoolYear.organisation == region.odo, SchoolYear.state == SchoolYear.FUTURE)
    june = datetime.date(2027, 6, 15)
    target = Association.get(Association.school_year == future, Association.name == '2а Бисер')
    withdrawal = movement.create_draft(region.odo, future, None, Order.WITHDRAWAL, '1', june, june)
    result = movement.add_children_to_draft(withdrawal, [school.kids[0].id], association_from=target,
                                            reason='moved', destination='г. Хабаровск')
    assert result.added == [school.kids[0].id]
    assert movement.commit_order(withdrawal).school_year_id == future.id
    newcomer = child('Жукова', 'Жанна')
    enrolment = movement.create_draft(region.odo, future, None, Order.ENROLMENT, '2', june, june)
    assert movement.add_children_to_draft(enrolment, [newcomer.id], target).added == [newcomer.id]
    movement.commit_order(enrolment)
    with pytest.raises(Refused) as refused:  # before the region lets the year be formed
        movement.create_draft(region.odo, future, None, Order.ENROLMENT, '3', MAR_31, MAR_31)
    assert 'вне открытого периода движения (с 01.04.2027 по 31.08.2028)' in refused.value.messages[0]


def test_the_staff_step_lists_each_employee_s_groups_of_next_year(region, school):
    def leads():
        return {r.employment.person.surname: r.next_year
                for r in years.staff_next_year(region.odo, years.Years.of(region.odo))}
    assert leads() == {'Ёлкин': [], 'Смирнова': ['2а Бисер']}  # what forming would copy
    years.form_next_year(region.odo, APR_2, [school.beads.id, school.choir.id])
    assert leads() == {'Ёлкин': [], 'Смирнова': ['1 Хор', '1а Бисер', '2а Бисер']}


def test_progress_of_reads_the_clock_when_no_day_is_given(region, school, frozen_clock):
    on(frozen_clock, SEP_6)
    assert years.progress_of([region.odo.id])[region.odo.id].late
    on(frozen_clock, AUG_26)
    assert not years.progress_of([region.odo.id])[region.odo.id].late


def test_the_database_holds_one_future_year_and_a_race_is_a_sentence(region, school, monkeypatch):
    from peewee import IntegrityError
    from services.years import transition
    years.form_next_year(region.odo, APR_2)
    with pytest.raises(IntegrityError), models.db.atomic():
        SchoolYear.create(organisation=region.odo, start_year=2028, state=SchoolYear.FUTURE,
                          starts_on=datetime.date(2028, 9, 1), ends_on=datetime.date(2029, 8, 31))

    def raced(*args):
        raise IntegrityError('duplicate key value violates unique constraint')
    monkeypatch.setattr(transition, '_form', raced)
    with pytest.raises(Refused) as refused:
        years.form_next_year(region.odo, APR_2)
    assert refused.value.messages[0].startswith('Следующий год только что сформировал другой пользователь')


def test_a_closed_year_s_association_page_offers_no_edit(client, region, school, frozen_clock):
    cover_everyone(region, school)
    years.open_year(region.odo, AUG_26)
    admin_client = admin_on(client, region, frozen_clock, AUG_26)
    page = admin_client.get(f'/associations/{school.first.id}').get_data(as_text=True)
    assert 'Учебный год 2026/2027 закрыт: объединение только для просмотра.' in page
    assert 'Изменить объединение' not in page
