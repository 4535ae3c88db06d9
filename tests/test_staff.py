"""«Сведения о сотрудниках»: who may open what, the card's versioned edits, adding an employee
after the registry search, «Уволить» and what it ends, and the fill percentage."""
import datetime
import json
import re

import pytest

from models import (AuditEvent, Employment, EmploymentEducation, EmploymentPosition, Person,
                    PortfolioItem, Role, User, UserRole, WebSession)
from services import staff
from services.common import STALE
from services.registry.documents import EXAMPLE_SNILS
from tests import builders
from tests.builders import QueryCounter

TODAY = datetime.date(2026, 11, 20)
ID_ROUTE = re.compile(r'<int:employment_id>')


@pytest.fixture
def people(app, region):
    """The ОДО's administrator and teacher cards, a child with a password, and a teacher of
    another ОДО known to the registry by СНИЛС."""
    with app.app_context():
        kid = builders.child('Орлова', 'Вера', birth_date=datetime.date(2015, 4, 1))
        builders.user('child-13', region.odo, 'student', kid)
        elsewhere = builders.person('Кузнецова', 'Мария', 'Ивановна', datetime.date(1980, 3, 3),
                                    snils=builders.valid_snils('234234234'))
        Employment.create(person=elsewhere, organisation=region.other_odo, position='Методист')
        admin_job = Employment.get(Employment.person == region.admin.person_id)
        teacher_job = Employment.get(Employment.person == region.teacher.person_id)
        return dict(admin_job=admin_job, teacher_job=teacher_job, elsewhere=elsewhere)


def staff_routes(app):
    return [(rule, method) for rule in app.url_map.iter_rules() if rule.endpoint.startswith('staff.')
            for method in sorted(rule.methods & {'GET', 'POST'})]


def listed(client, path):
    """The surnames in the list (not in the page's header, where the user's own name is)."""
    page = client.get(path).get_data(as_text=True)
    rows = page.split('<div id="staff-list"', 1)[1]
    return set(re.findall(r'<a href="/staff/\d+">(\S+) ', rows))


def visit(client, rule, method, employment_id):
    path = ID_ROUTE.sub(str(employment_id), rule.rule)
    if method == 'GET':
        return client.get(path)
    return client.post_form(path, {})


def test_the_register_has_the_routes_the_rights_matrix_walks(app):
    assert {(rule.endpoint, method) for rule, method in staff_routes(app)} == {
        ('staff.index', 'GET'), ('staff.new', 'GET'), ('staff.create', 'POST'), ('staff.card', 'GET'),
        ('staff.update', 'POST'), ('staff.dismiss_form', 'GET'), ('staff.dismiss', 'POST')}


def test_an_administrator_opens_every_page_and_a_post_without_fields_is_told_what_is_missing(
        app, admin_client, people):
    for rule, method in staff_routes(app):
        response = visit(admin_client, rule, method, people['teacher_job'].id)
        expected = 200 if method == 'GET' else 422
        assert response.status_code == expected, (method, rule.rule, response.status_code)
    with app.app_context():
        assert Employment.get_by_id(people['teacher_job'].id).dismissed_on is None


@pytest.mark.parametrize('login, organisation', [
    ('odo-teacher', 'odo'), ('child-13', 'odo'), ('uo-specialist', 'body')])
def test_without_the_staff_right_every_route_is_403(app, client, region, people, login, organisation):
    assert client.sign_in(login, organisation=getattr(region, organisation)).status_code == 303
    for rule, method in staff_routes(app):
        response = visit(client, rule, method, people['teacher_job'].id)
        assert response.status_code == 403, (login, method, rule.rule, response.status_code)
    with app.app_context():
        assert AuditEvent.select().where(AuditEvent.event == 'access_denied',
                                         AuditEvent.object_id == 'staff').count() == len(staff_routes(app))


def test_another_organisation_s_administrator_finds_no_card_of_ours(app, client, region, people):
    assert client.sign_in('far-admin', organisation=region.far_odo).status_code == 303
    for rule, method in staff_routes(app):
        response = visit(client, rule, method, people['teacher_job'].id)
        if 'employment_id' in rule.arguments:
            assert response.status_code == 404, (method, rule.rule, response.status_code)
    assert listed(client, '/staff/?status=all') == set()


# --- The list --------------------------------------------------------------------------

def test_the_list_hides_the_dismissed_and_filters_by_position_esia_and_fill(app, admin_client, region,
                                                                              people):
    with app.app_context():
        gone = builders.person('Уволенная', 'Анна')
        Employment.create(person=gone, organisation=region.odo, position='Методист',
                          dismissed_on=datetime.date(2026, 8, 31))
        EmploymentPosition.create(employment=people['teacher_job'], position='Методист')
        User.update(esia_oid='1000').where(User.id == region.admin.id).execute()
        full = people['admin_job']
        Person.update(snils=builders.valid_snils('345345345')).where(Person.id == full.person_id).execute()
        Employment.update(started_on=datetime.date(2020, 9, 1), qualification_category='none',
                          experience_years=10, pedagogical_experience_years=8, work_phone='+7 4242 1',
                          work_email='a@b.ru').where(Employment.id == full.id).execute()
        EmploymentEducation.create(employment=full, level='higher_master', institution='СахГУ',
                                   graduation_year=2005, speciality='Педагогика')

    def names(query=''):
        return listed(admin_client, '/staff/' + query) & {'Смирнова', 'Ёлкин', 'Уволенная'}

    assert names() == {'Смирнова', 'Ёлкин'}
    assert names('?status=dismissed') == {'Уволенная'}
    assert names('?status=all') == {'Смирнова', 'Ёлкин', 'Уволенная'}
    assert names('?status=all&position=Методист') == {'Ёлкин', 'Уволенная'}
    assert names('?esia=linked') == {'Смирнова'}
    assert names('?esia=unlinked') == {'Ёлкин'}
    assert names('?low=1') == {'Ёлкин'}
    assert names('?position=Никто') == {'Смирнова', 'Ёлкин'}  # not in the list: no filter


def test_the_list_is_paged_and_answers_htmx_with_its_fragment(app, admin_client, region):
    with app.app_context():
        for n in range(23):
            Employment.create(person=builders.person('Педагогова', 'Анна' + 'я' * n),
                              organisation=region.odo, position='Педагог дополнительного образования')
    first = admin_client.get('/staff/').get_data(as_text=True)
    assert 'Найдено: 25' in first and 'href="/staff/?page=2"' in first
    fragment = admin_client.get('/staff/?page=2', headers={'HX-Request': 'true',
                                                           'HX-Request-Type': 'partial'})
    text = fragment.get_data(as_text=True)
    assert text.lstrip().startswith('<div id="staff-list"') and '<html' not in text
    assert 'показаны 21–25' in text
    assert 'HX-Request' in fragment.headers['Vary']


# --- Adding an employee -------------------------------------------------------------------

NEWCOMER = {'surname': 'Иванов', 'name': 'Пётр', 'patronymic': 'Петрович', 'birth_date': '1988-06-15',
            'gender': 'M', 'snils': '', 'position': 'Педагог дополнительного образования',
            'started_on': '2026-09-01'}


def test_a_person_unknown_to_the_registry_is_added_as_a_new_person(app, admin_client, region):
    snils = builders.valid_snils('456456456')
    response = admin_client.post_form('/staff/new', dict(NEWCOMER, snils=snils), page='/staff/new')
    assert response.status_code == 303
    with app.app_context():
        job = Employment.get(Employment.position == NEWCOMER['position'], Employment.organisation == region.odo,
                             Employment.person != region.teacher.person_id)
        assert (job.person.full_name, job.person.snils, job.person.is_staff) == ('Иванов Пётр Петрович', snils, True)
        assert job.started_on == datetime.date(2026, 9, 1)
        assert response.headers['Location'].endswith(f'/staff/{job.id}')
        assert AuditEvent.get(AuditEvent.event == 'staff_added').details == 'new person'


def test_a_teacher_of_two_organisations_stays_one_person_found_by_snils(app, admin_client, region, people):
    elsewhere = people['elsewhere']
    typed = dict(NEWCOMER, surname='Кузнецова', name='Мария', patronymic='Ивановна', gender='F',
                 birth_date='1980-03-04', snils=builders.valid_snils('234234234'))  # a slip in the day
    offered = admin_client.post_form('/staff/new', typed, page='/staff/new')
    page = offered.get_data(as_text=True)
    assert offered.status_code == 200
    assert f'value="{elsewhere.id}" checked' in page and region.other_odo.short_name in page
    refused = admin_client.post_form('/staff/new', dict(typed, decided='1', existing='0'), page='/staff/new')
    assert refused.status_code == 409 and 'с этим СНИЛС' in refused.get_data(as_text=True)
    used = admin_client.post_form('/staff/new', dict(typed, decided='1', existing=str(elsewhere.id)),
                                  page='/staff/new')
    assert used.status_code == 303
    with app.app_context():
        assert Person.select().where(Person.surname == 'Кузнецова').count() == 1
        assert {e.organisation_id for e in Employment.select().where(Employment.person == elsewhere)} == {
            region.odo.id, region.other_odo.id}
        assert AuditEvent.get(AuditEvent.event == 'staff_added').details == 'registry person'
    again = admin_client.post_form('/staff/new', dict(typed, decided='1', existing=str(elsewhere.id)),
                                   page='/staff/new')
    assert again.status_code == 409 and 'уже работает в' in again.get_data(as_text=True)


def test_the_choice_accepts_only_people_the_search_offered(app, admin_client, region, people):
    typed = dict(NEWCOMER, surname='Кузнецова', name='Мария', patronymic='Ивановна', gender='F',
                 birth_date='1980-03-03')
    stranger = region.teacher.person_id
    response = admin_client.post_form('/staff/new', dict(typed, decided='1', existing=str(stranger)),
                                      page='/staff/new')
    assert response.status_code == 409
    assert 'Выберите человека из найденных' in response.get_data(as_text=True)
    with app.app_context():
        assert not Employment.select().where(Employment.person == stranger,
                                             Employment.organisation == region.odo,
                                             Employment.position == NEWCOMER['position']).count() > 1


@pytest.mark.parametrize('field, value, message', [
    ('snils', '112-233-445 96', 'Контрольное число СНИЛС не сходится'),
    ('snils', '123', 'СНИЛС — 11 цифр'),
    ('surname', 'Иванoв', 'латинские буквы (o)'),
    ('birth_date', '2020-01-01', 'от 14 до 100 лет'),
    ('position', 'Космонавт', 'Выберите должность из списка'),
    ('started_on', '2099-01-01', 'не может быть позже сегодняшней'),
])
def test_a_wrong_field_of_the_new_employee_is_told_in_russian(app, admin_client, field, value, message):
    response = admin_client.post_form('/staff/new', dict(NEWCOMER, **{field: value}), page='/staff/new')
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


# --- The card -------------------------------------------------------------------------------

def card_form(job, **changes):
    job = Employment.get_by_id(job.id)
    person = job.person
    form = {'version': job.version, 'person_version': person.version, 'surname': person.surname,
            'name': person.name, 'patronymic': person.patronymic, 'birth_date': person.birth_date.isoformat(),
            'gender': person.gender, 'snils': person.snils or '', 'position': job.position,
            'started_on': '2019-09-02', 'qualification_category': 'first',
            'qualification_assigned_on': '2024-03-15', 'qualification_order': '№ 312-ОД',
            'experience_years': '12', 'pedagogical_experience_years': '9',
            'work_phone': '+7 (4242) 12-34-56', 'work_email': 'elkin@cdt.ru',
            'extra_position': ['Методист'],
            'education_level': ['higher_master', 'secondary_vocational', ''],
            'education_institution': ['Сахалинский государственный университет', 'Педколледж', ''],
            'education_year': ['2010', '2006', ''],
            'education_speciality': ['Педагогическое образование', 'Дошкольное образование', '']}
    form.update(changes)
    return form


def test_the_card_saves_every_field_with_several_educations_and_positions(app, admin_client, people):
    job = people['teacher_job']
    with app.app_context():
        form = card_form(job, snils=builders.valid_snils('567567567'))
    response = admin_client.post_form(f'/staff/{job.id}', form, page=f'/staff/{job.id}')
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        saved = Employment.get_by_id(job.id)
        assert (saved.version, saved.qualification_category, saved.qualification_order,
                saved.experience_years) == (2, 'first', '№ 312-ОД', 12)
        assert saved.person.snils == builders.valid_snils('567567567')
        assert [(e.level, e.graduation_year) for e in staff.educations_of(saved)] == [
            ('higher_master', 2010), ('secondary_vocational', 2006)]
        assert staff.positions_of(saved) == ['Педагог дополнительного образования', 'Методист']
        audit = AuditEvent.get(AuditEvent.event == 'staff_card_updated')
        assert 'snils' in audit.details and builders.valid_snils('567567567') not in audit.details
        assert staff.fill_percentage(saved).card.tenths == 1000
    page = admin_client.get(f'/staff/{job.id}').get_data(as_text=True)
    assert 'Карточка заполнена:</strong> <span class="fill high">100\u00a0%' in page


def test_two_people_saving_the_same_card_the_second_is_told_and_nothing_is_overwritten(
        app, admin_client, people):
    job = people['teacher_job']
    with app.app_context():
        first, second = card_form(job, work_phone='111-111'), card_form(job, work_phone='222-222')
    assert admin_client.post_form(f'/staff/{job.id}', first, page=f'/staff/{job.id}').status_code == 303
    response = admin_client.post_form(f'/staff/{job.id}', second, page=f'/staff/{job.id}')
    assert response.status_code == 409
    assert STALE in response.get_data(as_text=True).replace('&#39;', "'")
    with app.app_context():
        assert Employment.get_by_id(job.id).work_phone == '111-111'


def test_a_person_changed_in_another_organisation_meanwhile_is_not_overwritten(app, admin_client, people):
    job = people['teacher_job']
    with app.app_context():
        form = card_form(job, surname='Ёлкин-Лесной')
        person = Person.get_by_id(job.person_id)
        person.patronymic = 'Сергеевич-второй'
        person.version += 1
        person.save()
    response = admin_client.post_form(f'/staff/{job.id}', form, page=f'/staff/{job.id}')
    assert response.status_code == 409
    with app.app_context():
        assert Person.get_by_id(job.person_id).surname == 'Ёлкин'
        assert Employment.get_by_id(job.id).version == 1


def test_a_snils_of_another_registry_person_is_refused(app, admin_client, people):
    job = people['teacher_job']
    with app.app_context():
        form = card_form(job, snils=people['elsewhere'].snils)
    response = admin_client.post_form(f'/staff/{job.id}', form, page=f'/staff/{job.id}')
    assert response.status_code == 409 and 'у другого человека' in response.get_data(as_text=True)


@pytest.mark.parametrize('changes, message', [
    ({'pedagogical_experience_years': '20'}, 'не может быть больше общего'),
    ({'experience_years': '999'}, 'от 0 до 70'),
    ({'qualification_category': 'none'}, 'только для присвоенной категории'),
    ({'education_level': ['higher_master'], 'education_institution': [''], 'education_year': ['2010'],
      'education_speciality': ['']}, 'Образование 1: укажите учебное заведение'),
    ({'education_level': ['doctor']}, 'Образование 1: выберите уровень'),
    ({'work_email': 'не почта'}, 'name@example.ru'),
    ({'extra_position': ['Космонавт']}, 'другие должности из списка'),
])
def test_a_wrong_card_field_is_told_and_nothing_is_saved(app, admin_client, people, changes, message):
    job = people['teacher_job']
    with app.app_context():
        form = card_form(job, **changes)
    response = admin_client.post_form(f'/staff/{job.id}', form, page=f'/staff/{job.id}')
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert Employment.get_by_id(job.id).version == 1


def test_the_card_shows_its_fill_and_the_missing_fields_as_links_to_them(app, admin_client, people):
    page = admin_client.get(f'/staff/{people["teacher_job"].id}').get_data(as_text=True)
    assert 'Карточка заполнена:</strong> <span class="fill low">11,1\u00a0%</span>' in page  # 1 of 9
    for anchor in ('snils', 'started_on', 'education', 'qualification_category', 'experience_years',
                   'pedagogical_experience_years', 'work_phone', 'work_email'):
        assert f'<a href="#{anchor}">' in page and f'id="{anchor}"' in page
    assert '<a href="#position">' not in page
    assert 'Портфолио заполнено:</strong> <span class="fill low">0\u00a0%' in page


# --- «Уволить» --------------------------------------------------------------------------------

def session_org(client):
    return client.get('/').status_code


def test_dismissal_ends_roles_and_sessions_here_and_staff_status_when_nothing_is_left(
        app, admin_client, client, region, people):
    job = people['teacher_job']
    teacher = app.test_client()
    from tests.conftest import FormClient
    teacher = FormClient(teacher)
    assert teacher.sign_in('odo-teacher', organisation=region.odo).status_code == 303
    assert teacher.get('/').status_code == 200
    warning = admin_client.get(f'/staff/{job.id}/dismiss').get_data(as_text=True)
    assert 'станет только для чтения' in warning and 'следующего учебного года' in warning
    response = admin_client.post_form(f'/staff/{job.id}/dismiss',
                                      {'dismissed_on': TODAY.isoformat(), 'version': 1},
                                      page=f'/staff/{job.id}/dismiss')
    assert response.status_code == 303
    with app.app_context():
        saved = Employment.get_by_id(job.id)
        assert saved.dismissed_on == TODAY
        assert not Person.get_by_id(job.person_id).is_staff
        assert not UserRole.select().where(UserRole.user == region.teacher.id).exists()
        assert not WebSession.select().where(WebSession.user == region.teacher.id).exists()
        assert 'sessions ended: 1' in AuditEvent.get(AuditEvent.event == 'staff_dismissed').details
    refused = teacher.get('/')
    assert refused.status_code == 302 and '/login' in refused.headers['Location']
    card = admin_client.get(f'/staff/{job.id}').get_data(as_text=True)
    assert 'карточка только для чтения' in card and 'Сохранить карточку' not in card
    assert 'name="surname" type="text" value="Ёлкин" maxlength="100" disabled' in card
    edit = admin_client.post_form(f'/staff/{job.id}', {'surname': 'Другой'}, page=f'/staff/{job.id}')
    assert edit.status_code == 303
    with app.app_context():
        assert Person.get_by_id(job.person_id).surname == 'Ёлкин'
    assert listed(admin_client, '/staff/') == {'Смирнова'}


def test_a_dismissal_here_leaves_the_work_and_the_session_in_another_organisation(
        app, admin_client, region, people):
    job = people['teacher_job']
    with app.app_context():
        Employment.create(person=job.person_id, organisation=region.other_odo, position='Методист')
        UserRole.create(user=region.teacher, organisation=region.other_odo,
                        role=Role.get(Role.code == 'teacher'))
    from tests.conftest import FormClient
    there = FormClient(app.test_client())
    assert there.sign_in('odo-teacher', organisation=region.other_odo).status_code == 303
    response = admin_client.post_form(f'/staff/{job.id}/dismiss',
                                      {'dismissed_on': TODAY.isoformat(), 'version': 1},
                                      page=f'/staff/{job.id}/dismiss')
    assert response.status_code == 303
    assert there.get('/').status_code == 200
    with app.app_context():
        assert Person.get_by_id(job.person_id).is_staff
        assert [r.organisation_id for r in UserRole.select().where(UserRole.user == region.teacher.id)] == [
            region.other_odo.id]
        sessions = [json.loads(s.data)['org_id'] for s in WebSession.select().where(
            WebSession.user == region.teacher.id)]
        assert sessions == [region.other_odo.id]


@pytest.mark.parametrize('day, message', [
    ('2099-01-01', 'не может быть позже сегодняшней'),
    ('2010-01-01', 'не может быть раньше'),
    ('', 'Укажите дату увольнения'),
])
def test_a_wrong_dismissal_date_is_told_and_nothing_ends(app, admin_client, region, people, day, message):
    job = people['teacher_job']
    with app.app_context():
        Employment.update(started_on=datetime.date(2015, 9, 1)).where(Employment.id == job.id).execute()
    response = admin_client.post_form(f'/staff/{job.id}/dismiss', {'dismissed_on': day, 'version': 1},
                                      page=f'/staff/{job.id}/dismiss')
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with app.app_context():
        assert Employment.get_by_id(job.id).dismissed_on is None
        assert UserRole.select().where(UserRole.user == region.teacher.id).exists()


def test_an_administrator_cannot_dismiss_themselves(app, admin_client, people):
    job = people['admin_job']
    response = admin_client.post_form(f'/staff/{job.id}/dismiss',
                                      {'dismissed_on': TODAY.isoformat(), 'version': 1},
                                      page=f'/staff/{job.id}/dismiss')
    assert response.status_code == 409 and 'Себя уволить нельзя' in response.get_data(as_text=True)
    assert admin_client.get('/').status_code == 200


# --- Fill percentage -------------------------------------------------------------------------

def full_card(region, **changes):
    person = builders.person('Полная', 'Карточка', 'Ивановна', snils=builders.valid_snils('678678678'))
    values = dict(person=person, organisation=region.odo, position='Методист',
                  started_on=datetime.date(2020, 9, 1), qualification_category='highest',
                  qualification_assigned_on=datetime.date(2023, 5, 1), qualification_order='№ 5',
                  experience_years=20, pedagogical_experience_years=15, work_phone='+7 4242 1',
                  work_email='a@b.ru')
    values.update(changes)
    job = Employment.create(**values)
    EmploymentEducation.create(employment=job, level='higher_master', institution='СахГУ',
                               graduation_year=2004, speciality='Педагогика')
    return job


def test_an_empty_card_is_0_and_a_full_one_100(app, region):
    with app.app_context():
        empty = Employment.create(person=builders.person('Пустая', 'Карточка'), organisation=region.odo,
                                  position='')
        fill = staff.fill_percentage(empty, TODAY)
        assert (fill.card.tenths, fill.card.label, fill.card.filled, fill.card.required) == (0, '0\u00a0%', 0, 9)
        assert [code for code, _, _ in fill.card.missing] == list(staff.DEFAULT_CARD_FIELDS)
        full = staff.fill_percentage(full_card(region), TODAY)
        assert (full.card.tenths, full.card.label, full.card.missing, full.card.level) == (1000, '100\u00a0%', [], 'high')


@pytest.mark.parametrize('changes, tenths, label, level', [
    ({'work_email': ''}, 888, '88,8\u00a0%', 'medium'),          # 8 of 9 floors, never rounds up
    ({'work_email': '', 'work_phone': ''}, 777, '77,7\u00a0%', 'low'),
    ({'qualification_order': ''}, 888, '88,8\u00a0%', 'medium'),  # an assigned category needs its order
    ({'qualification_category': 'none', 'qualification_order': '', 'qualification_assigned_on': None},
     1000, '100\u00a0%', 'high'),                                 # «Нет» is an answer
    ({'qualification_category': '', 'qualification_order': '', 'qualification_assigned_on': None},
     888, '88,8\u00a0%', 'medium'),                               # «не указана» is not
])
def test_the_fill_is_filled_over_required_floored_to_tenths(app, region, changes, tenths, label, level):
    with app.app_context():
        fill = staff.fill_percentage(full_card(region, **changes), TODAY).card
        assert (fill.tenths, fill.label, fill.level) == (tenths, label, level)


def test_the_region_chooses_the_required_fields(app, region):
    with app.app_context():
        job = full_card(region, work_email='', work_phone='')
        region.region.staff_fill_fields = json.dumps({'card': ['work_email', 'work_phone', 'snils'],
                                                      'portfolio': []})
        region.region.save()
        fill = staff.fill_percentage(job, TODAY)
        assert (fill.card.tenths, fill.card.label) == (333, '33,3\u00a0%')
        assert fill.portfolio.required == 0 and fill.portfolio.tenths == 1000  # nothing asked, nothing missing
        region.region.staff_fill_fields = '{broken'
        region.region.save()
        assert staff.fill_percentage(job, TODAY).card.required == 9  # a broken setting: the defaults


def test_the_portfolio_counts_a_recent_course_an_attestation_and_complete_items(app, region):
    with app.app_context():
        job = full_card(region)
        assert staff.fill_percentage(job, TODAY).portfolio.tenths == 0
        old = PortfolioItem.create(employment=job, kind='course', title='Курсы', hours=72,
                                   issued_on=datetime.date(2023, 11, 19), issuer='ИРО', document_number='65-1')
        fill = staff.fill_percentage(job, TODAY).portfolio
        assert [code for code, _, _ in fill.missing] == ['recent_course', 'attestation']  # 3 years and a day
        old.issued_on = datetime.date(2023, 11, 20)
        old.save()
        PortfolioItem.create(employment=job, kind='attestation', title='Аттестация',
                             issued_on=datetime.date(2022, 1, 10), issuer='Минобр')
        assert staff.fill_percentage(job, TODAY).portfolio.tenths == 1000
        PortfolioItem.create(employment=job, kind='award', title='Грамота', issued_on=None)
        fill = staff.fill_percentage(job, TODAY).portfolio
        assert (fill.tenths, fill.missing[0][0]) == (666, 'complete_items')


def test_fill_of_many_cards_takes_the_same_queries_as_of_a_few(app, region):
    with app.app_context():
        jobs = [full_card(region, position=f'Методист {n}') for n in range(30)]

        def queries(employments):
            rows = list(Employment.select(Employment, Person).join(Person)
                        .where(Employment.id.in_([e.id for e in employments])))
            with QueryCounter() as counted:
                fills = staff.fill_of(rows, TODAY)
            assert len(fills) == len(employments)
            return counted.count
        assert queries(jobs[:3]) == queries(jobs) <= 5
        totals = staff.organisation_fill([region.odo.id, region.far_odo.id], TODAY)
        card, portfolio = totals[region.odo.id]
        assert card.required == 9 * 32 and card.filled == 9 * 30 + 1 + 2  # the builders' two cards
        assert totals[region.far_odo.id][0].required == 0


def test_the_database_refuses_an_unknown_education_level_or_category(app, region, people):
    from peewee import IntegrityError
    import models
    with app.app_context():
        with pytest.raises(IntegrityError), models.db.atomic():
            EmploymentEducation.create(employment=people['teacher_job'], level='doctor')
        with pytest.raises(IntegrityError), models.db.atomic():
            Employment.update(qualification_category='second').where(
                Employment.id == people['teacher_job'].id).execute()


def test_free_text_of_the_card_comes_back_escaped(app, admin_client, people):
    job = people['teacher_job']
    hostile = '<script>alert(1)</script>" onmouseover="x" hx-get="/x'
    with app.app_context():
        form = card_form(job, qualification_order=hostile[:100],
                         education_institution=[hostile, '', ''], education_speciality=[hostile, '', ''],
                         education_level=['higher_master', '', ''], education_year=['2010', '', ''])
    assert admin_client.post_form(f'/staff/{job.id}', form, page=f'/staff/{job.id}').status_code == 303
    page = admin_client.get(f'/staff/{job.id}').get_data(as_text=True)
    assert '<script>alert(1)' not in page and 'onmouseover="x"' not in page
    assert '&lt;script&gt;alert(1)&lt;/script&gt;&#34; onmouseover=&#34;x&#34;' in page
    assert EXAMPLE_SNILS in page  # the hint's example is nobody's СНИЛС
