"""Programs and объединения: forms, rules, counts, versions and rights."""
import pytest

from models import Association, AuditEvent, Employment, Program, Role, UserRole
from services import programs
from tests.builders import association, child, committed, person, program

GOOD = {'focus': 'arts', 'name': 'Бисероплетение', 'duration_years': '2', 'age_from': '7',
        'age_to': '14', 'hours_per_week': '2', 'hours_per_year': '72', 'description': 'Бисер и проволока'}


def text(response):
    return response.get_data(as_text=True)


@pytest.mark.parametrize('change, field, message', [
    ({'focus': 'cooking'}, 'focus', 'Выберите направленность из списка.'),
    ({'name': ' '}, 'name', 'Укажите название программы.'),
    ({'name': 'Б' * 256}, 'name', 'Название — не длиннее 255 знаков (сейчас 256).'),
    ({'duration_years': '0'}, 'duration_years', '«Срок реализации»: целое число от 1 до 10.'),
    ({'hours_per_week': '-1'}, 'hours_per_week', '«Часов в неделю»: целое число от 0 до 168.'),
    ({'hours_per_year': 'много'}, 'hours_per_year', '«Часов в год»: целое число от 0 до 2000.'),
    ({'hours_per_week': '4', 'hours_per_year': '3'}, 'hours_per_year',
     'Часов в год не может быть меньше, чем часов в неделю.'),
    ({'age_from': '12', 'age_to': '10'}, 'age_to', 'Возраст «до» не может быть меньше возраста «от».'),
])
def test_program_form_messages(change, field, message):
    _, errors = programs.parse_program({**GOOD, **change})
    assert errors == {field: message}


def test_all_six_focuses_are_accepted():
    for focus in ('technical', 'natural_science', 'sport', 'arts', 'tourism', 'social'):
        assert programs.parse_program({**GOOD, 'focus': focus})[1] == {}


def test_administrator_creates_a_program_and_an_association(admin_client, region):
    response = admin_client.post_form('/programs/new', GOOD)
    assert response.status_code == 303
    created = Program.get(Program.name == 'Бисероплетение')
    assert created.organisation_id == region.odo.id and created.hours_per_year == 72
    page = text(admin_client.get(response.headers['Location']))
    assert 'Создать объединение' in page and 'Художественная' in page

    teacher = Employment.get(Employment.position == 'Педагог дополнительного образования')
    form = {'program': created.id, 'school_year': region.odo.school_years[0].id, 'name': '1а Бисер',
            'study_year': '1', 'capacity': '12', 'teacher': teacher.id}
    response = admin_client.post_form('/associations/new', form)
    assert response.status_code == 303
    made = Association.get(Association.name == '1а Бисер')
    assert (made.program_id, made.study_year, made.capacity, made.teacher_id) == (created.id, 1, 12, teacher.id)
    again = admin_client.post_form('/associations/new', form)
    assert again.status_code == 422
    assert 'Объединение «1а Бисер» уже есть в 2026/2027 учебном году.' in text(again)
    too_far = admin_client.post_form('/associations/new', {**form, 'name': '3а Бисер', 'study_year': '3'})
    assert 'Год обучения: от 1 до 2' in text(too_far)
    assert [e.event for e in AuditEvent.select().where(AuditEvent.event.startswith('program'))] == ['program_created']
    assert AuditEvent.select().where(AuditEvent.event == 'association_created').count() == 1


def test_the_teacher_must_work_in_this_organisation(admin_client, region):
    beads = program(region.odo)
    stranger = Employment.create(person=person('Чужой', 'Педагог'), organisation=region.far_odo,
                                 position='Педагог')
    response = admin_client.post_form('/associations/new', {
        'program': beads.id, 'school_year': region.odo.school_years[0].id, 'name': '1а',
        'study_year': '1', 'capacity': '10', 'teacher': stranger.id})
    assert 'Выберите педагога из списка сотрудников организации.' in text(response)
    assert Association.select().count() == 0


def test_associations_list_counts_children_per_year(admin_client, region):
    beads = program(region.odo)
    first = association(region.odo, '1а Бисер', beads, capacity=2)
    association(region.odo, '2а Бисер', beads, study_year=2)
    committed(region.odo, 'enrolment', 1, [child(), child('Петров', 'Пётр')], to=first)
    page = text(admin_client.get('/associations/'))
    assert 'Объединений: <strong>2</strong>, учащихся: <strong>2</strong>' in page
    assert '2 / 2 <span class="badge full">мест нет</span>' in page
    assert 'Смирнова Ольга Петровна' in page  # the teacher
    rows = list(programs.associations_of(region.odo, None))
    assert [(a.name, a.children) for a in rows] == [('1а Бисер', 2), ('2а Бисер', 0)]
    members = text(admin_client.get(f'/associations/{first.id}'))
    assert 'Учащиеся (2)' in members and 'Петров Пётр' in members


def test_a_stale_program_form_says_it_changed(admin_client, region):
    beads = program(region.odo)
    stale = beads.version
    programs.update_program(beads, beads.version, {'name': 'Бисер и стеклярус'})
    response = admin_client.post_form(f'/programs/{beads.id}', {**GOOD, 'version': stale, 'name': 'Бисер'})
    assert response.status_code == 409 and 'изменил другой пользователь' in text(response)
    assert Program.get_by_id(beads.id).name == 'Бисер и стеклярус'
    fresh = admin_client.post_form(f'/programs/{beads.id}', {**GOOD, 'version': stale + 1, 'name': 'Бисер'})
    assert fresh.status_code == 303 and Program.get_by_id(beads.id).name == 'Бисер'


def test_a_stale_association_form_says_it_changed(admin_client, region):
    first = association(region.odo, '1а Бисер', program(region.odo))
    form = {'name': '1а Бисер', 'study_year': '1', 'capacity': '20', 'version': first.version}
    assert admin_client.post_form(f'/associations/{first.id}', form).status_code == 303
    response = admin_client.post_form(f'/associations/{first.id}', {**form, 'capacity': '25'})
    assert response.status_code == 409 and 'изменил другой пользователь' in text(response)
    assert Association.get_by_id(first.id).capacity == 20


def test_capacity_cannot_drop_below_the_children_there(admin_client, region):
    first = association(region.odo, '1а Бисер', program(region.odo))
    committed(region.odo, 'enrolment', 1, [child(), child('Петров', 'Пётр')], to=first)
    response = admin_client.post_form(f'/associations/{first.id}', {
        'name': '1а Бисер', 'study_year': '1', 'capacity': '1', 'version': first.version})
    assert 'сейчас 2 учащихся: наполняемость не может быть меньше' in text(response)


def test_archived_programs_leave_the_list_and_take_no_new_associations(admin_client, region):
    beads = program(region.odo)
    admin_client.post_form(f'/programs/{beads.id}/archive', {'version': beads.version, 'archived': '1'})
    assert Program.get_by_id(beads.id).archived is True
    link = f'href="/programs/{beads.id}"'
    assert link not in text(admin_client.get('/programs/'))
    assert link in text(admin_client.get('/programs/?archived=1'))
    response = admin_client.get(f'/associations/new?program={beads.id}', follow_redirects=True)
    assert 'в архиве: новые объединения по ней не создаются' in text(response)
    assert AuditEvent.select().where(AuditEvent.event == 'program_archived').count() == 1


def test_a_role_that_views_the_book_sees_programs_read_only(client, region):
    beads = program(region.odo)
    reader = Role.create(code='reader', name='Педагог с книгой движения', region=region.region,
                         movement_book='view')
    UserRole.update(role=reader).where(UserRole.user == region.teacher).execute()
    assert client.sign_in('odo-teacher', organisation=region.odo).status_code == 303
    page = text(client.get(f'/programs/{beads.id}'))
    assert 'Бисероплетение' in page and 'Сохранить' not in page and 'Перенести в архив' not in page
    assert client.get('/programs/new').status_code == 403
    assert client.post_form(f'/programs/{beads.id}', {**GOOD, 'version': beads.version}).status_code == 403
    assert Program.get_by_id(beads.id).name == 'Бисероплетение'


def test_the_standard_teacher_role_does_not_open_programs(client, region):
    beads = program(region.odo)
    assert client.sign_in('odo-teacher', organisation=region.odo).status_code == 303
    assert client.get(f'/programs/{beads.id}').status_code == 403
    assert client.get('/programs/').status_code == 403
