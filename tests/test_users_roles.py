"""«Пользователи и роли» (issue 14, item 2): who may open which page, granting and revoking
roles with a reason, blocking and ending sessions, the guards, the regional roles, children's
password accounts, and a new employee's first ЕСИА sign-in after a role is granted."""
import datetime
import re

import pytest

from models import AccessChange, AuditEvent, Employment, Role, User, UserRole, WebSession
from services import access
from services.common import Refused
from tests import builders
from tests.conftest import FormClient
from tests.esia_support import esia_sign_in

REASON = 'Приказ о приёме № 15-к от 01.09.2026'
STRANGER_SNILS = '78912345644'  # the development provider's «Человек, неизвестный региону»


def role(code):
    return Role.get(Role.code == code)


def codes_of(user, organisation):
    return {ur.role.code for ur in UserRole.select().where(UserRole.user == user,
                                                           UserRole.organisation == organisation)}


def flashes(client, page='/users/'):
    return client.get(page).get_data(as_text=True)


def events(name):
    return list(AuditEvent.select().where(AuditEvent.event == name).order_by(AuditEvent.id))


def years_ago(years, days=30):
    today = datetime.date.today()
    return datetime.date(today.year - years, today.month, min(today.day, 28)) - datetime.timedelta(days=days)


@pytest.fixture
def staff(app, region):
    """A new teacher with a СНИЛС and no account; an enrolled child of 12 and one of 15."""
    with app.app_context():
        person = builders.person('Иванов', 'Пётр', 'Петрович', datetime.date(1979, 9, 30), 'M',
                                 snils=STRANGER_SNILS)
        newcomer = Employment.create(person=person, organisation=region.odo,
                                     position='Педагог дополнительного образования')
        bead = builders.association(region.odo, '1а Бисер')
        young = builders.child('Орлова', 'Вера', 'Игоревна', years_ago(12))
        teen = builders.child('Орлов', 'Илья', 'Игоревич', years_ago(15), gender='M')
        builders.committed(region.odo, 'enrolment', 1, [young, teen], to=bead)
        return {'newcomer': newcomer, 'young': young, 'teen': teen}


def grant(client, user_id, role_code, reason=REASON, **extra):
    return client.post_form(f'/users/{user_id}/roles',
                            {'role': role(role_code).id, 'reason': reason, **extra})


# --- Who may open what ----------------------------------------------------------------

def sign_in_as(client, region, who):
    account = {'administrator': ('odo-admin', region.odo), 'teacher': ('odo-teacher', region.odo),
               'management body': ('uo-specialist', region.body),
               'other administrator': ('far-admin', region.far_odo)}
    if who == 'child':
        kid = builders.child('Соколов', 'Артём', birth_date=years_ago(13), gender='M')
        builders.user('child-13', region.odo, 'student', kid)
        account['child'] = ('child-13', region.odo)
    login, organisation = account[who]
    assert client.sign_in(login, organisation=organisation).status_code == 303


def pages(region, staff):
    teacher = region.teacher.id
    return [('GET', '/users/'), ('GET', f'/users/{teacher}'), ('GET', '/users/roles'),
            ('GET', f'/users/roles/{role("teacher").id}'), ('GET', '/users/children'),
            ('GET', f'/users/employees/{staff["newcomer"].id}'),
            ('GET', f'/users/children/{staff["young"].id}/password'),
            ('POST', f'/users/{teacher}/roles'), ('POST', f'/users/{teacher}/roles/revoke'),
            ('POST', f'/users/{teacher}/block'), ('POST', f'/users/{teacher}/unblock'),
            ('POST', f'/users/{teacher}/sessions/end'),
            ('POST', f'/users/employees/{staff["newcomer"].id}/roles'),
            ('POST', f'/users/children/{staff["young"].id}/password')]


@pytest.mark.parametrize('who, expected', [('administrator', {200, 303, 422}), ('teacher', {403}),
                                           ('child', {403}), ('management body', {403})])
def test_rights_matrix(app, client, region, staff, who, expected):
    with app.app_context():
        sign_in_as(client, region, who)
    token = client.csrf_token('/')
    for method, path in pages(region, staff):
        response = (client.get(path) if method == 'GET'
                    else client.post(path, data={'csrf_token': token}))
        assert response.status_code in expected, (who, method, path, response.status_code)
    assert not AccessChange.select().exists()  # the administrator's empty forms changed nothing


def test_another_organisation_s_administrator_finds_none_of_these_ids(app, client, region, staff):
    with app.app_context():
        sign_in_as(client, region, 'other administrator')
    token = client.csrf_token('/')
    shared = {'/users/', '/users/roles', '/users/children', f'/users/roles/{role("teacher").id}'}
    for method, path in pages(region, staff):
        if path in shared:  # their own lists, and a standard role every organisation sees
            continue
        response = (client.get(path) if method == 'GET'
                    else client.post(path, data={'csrf_token': token, 'role': role('teacher').id,
                                                 'reason': REASON}))
        assert response.status_code == 404, (method, path, response.status_code)
    assert codes_of(region.teacher, region.odo) == {'teacher'}
    assert not User.get_by_id(region.teacher.id).is_blocked


def test_the_list_shows_the_staff_their_accounts_and_roles(admin_client, region, staff):
    page = admin_client.get('/users/').get_data(as_text=True)
    assert 'Смирнова Ольга Петровна' in page and 'Ёлкин Иван Сергеевич' in page
    newcomer = next(row for row in re.findall(r'<tr>.*?</tr>', page, re.S) if 'Иванов Пётр' in row)
    assert f'href="/users/employees/{staff["newcomer"].id}"' in newcomer
    assert 'data-label="Учётная запись"><span class="muted">нет</span>' in newcomer
    assert 'Педагог дополнительного образования' in page and 'Администратор ОО' in page
    assert 'far-admin' not in page and STRANGER_SNILS not in page


# --- Granting and revoking ---------------------------------------------------------------

def test_granting_a_role_needs_a_reason_and_is_kept_with_who_whom_and_why(admin_client, region):
    refused = grant(admin_client, region.teacher.id, 'deputy', reason='  ')
    assert refused.status_code == 303
    assert 'Укажите причину' in flashes(admin_client)
    assert codes_of(region.teacher, region.odo) == {'teacher'}
    done = grant(admin_client, region.teacher.id, 'deputy')
    assert done.status_code == 303 and done.headers['Location'] == f'/users/{region.teacher.id}'
    assert codes_of(region.teacher, region.odo) == {'teacher', 'deputy'}
    change = AccessChange.get()
    assert (change.actor_id, change.user_id, change.action, change.role.code, change.reason,
            change.organisation_id) == (region.admin.id, region.teacher.id, 'grant', 'deputy',
                                        REASON, region.odo.id)
    audit = events('role_granted')[0]
    assert (audit.user_id, audit.object_type, audit.object_id, audit.organisation_id) == (
        region.admin.id, 'user', str(region.teacher.id), region.odo.id)
    assert audit.details == f'role=deputy change={change.id}' and REASON not in audit.details
    page = admin_client.get(f'/users/{region.teacher.id}').get_data(as_text=True)
    assert 'Выдана роль «Заместитель директора»' in page and REASON in page
    assert 'Смирнова Ольга Петровна' in page  # who made the change


def test_a_role_with_more_rights_than_one_holds_cannot_be_granted(app, client, region):
    with app.app_context():
        deputy_person = builders.person('Ким', 'Анна', 'Сергеевна')
        Employment.create(person=deputy_person, organisation=region.odo, position='Заместитель директора')
        deputy = builders.user('deputy', region.odo, 'deputy', deputy_person)
        # A deputy who may also manage users, but holds neither the year transition nor monitoring.
        UserRole.create(user=deputy, organisation=region.odo, role=role('authority_admin'))
    client.sign_in('deputy', organisation=region.odo)
    page = client.get(f'/users/{region.teacher.id}').get_data(as_text=True)
    option = re.search(r'<option value="%d" disabled>([^<]*)' % role('odo_admin').id, page)
    assert option and '«Переход на новый учебный год»' in option.group(1)
    grant(client, region.teacher.id, 'odo_admin')
    assert ('Роль «Администратор ОО» даёт права, которых у вас нет: «Переход на новый учебный год»'
            in flashes(client))
    assert codes_of(region.teacher, region.odo) == {'teacher'}
    assert events('role_grant_refused')[0].result == 'denied'
    grant(client, region.teacher.id, 'deputy')
    assert codes_of(region.teacher, region.odo) == {'teacher', 'deputy'}


def test_revoking_a_role_needs_a_reason_and_takes_effect_at_once(app, admin_client, region):
    teacher = FormClient(app.test_client())
    teacher.sign_in('odo-teacher', organisation=region.odo)
    assert teacher.get('/').status_code == 200
    path = f'/users/{region.teacher.id}/roles/revoke'
    admin_client.post_form(path, {'role': role('teacher').id})
    assert codes_of(region.teacher, region.odo) == {'teacher'}
    done = admin_client.post_form(path, {'role': role('teacher').id, 'reason': 'Перевод в другую ОО'})
    assert done.status_code == 303
    assert codes_of(region.teacher, region.odo) == set()
    after = teacher.get('/')  # the next request already lacks the role: no organisation here
    assert (after.status_code, after.headers['Location']) == (302, '/organisations')
    change = AccessChange.get(AccessChange.action == 'revoke')
    assert (change.role.code, change.reason) == ('teacher', 'Перевод в другую ОО')
    assert events('role_revoked')[0].details == f'role=teacher change={change.id}'


def test_the_last_administrator_cannot_revoke_their_own_right(admin_client, region):
    path = f'/users/{region.admin.id}/roles/revoke'
    admin_client.post_form(path, {'role': role('odo_admin').id, 'reason': 'Ухожу в отпуск'})
    text = flashes(admin_client)
    assert 'не останется ни одного администратора' in text and 'Сначала выдайте это право' in text
    assert codes_of(region.admin, region.odo) == {'odo_admin'}
    assert not AccessChange.select().exists()
    grant(admin_client, region.teacher.id, 'odo_admin')
    admin_client.post_form(path, {'role': role('odo_admin').id, 'reason': 'Ухожу в отпуск'})
    assert codes_of(region.admin, region.odo) == set()
    assert admin_client.get('/users/').status_code == 403


def test_roles_are_granted_only_to_employees_and_never_the_children_s_role(app, admin_client, region, staff):
    with app.app_context():
        kid = builders.user('kid', region.odo, 'student', staff['young'])
    grant(admin_client, kid.id, 'teacher')
    assert 'не работает в этой организации' in flashes(admin_client)
    grant(admin_client, region.teacher.id, 'student')
    assert 'Выберите роль из списка' in flashes(admin_client)
    assert codes_of(kid, region.odo) == {'student'}
    assert codes_of(region.teacher, region.odo) == {'teacher'}


def test_fields_the_forms_do_not_offer_cannot_be_set(app, admin_client, region, staff):
    grant(admin_client, region.teacher.id, 'deputy', organisation=region.other_odo.id,
          user=region.admin.id, actor=region.far_admin.id, is_break_glass='1', is_blocked='1')
    assert codes_of(region.teacher, region.odo) == {'teacher', 'deputy'}
    assert codes_of(region.teacher, region.other_odo) == set()
    change = AccessChange.get()
    assert (change.organisation_id, change.actor_id, change.user_id) == (
        region.odo.id, region.admin.id, region.teacher.id)
    admin_client.post_form(f'/users/employees/{staff["newcomer"].id}/roles',
                           {'role': role('teacher').id, 'reason': REASON, 'login': 'boss',
                            'password_hash': 'x', 'is_break_glass': '1', 'esia_oid': '1000000006'})
    created = User.get(User.person == staff['newcomer'].person_id)
    assert created.login == 'ivanov.pp' and not created.is_break_glass
    assert created.password_hash is None and created.esia_oid is None


# --- Blocking and sessions ------------------------------------------------------------------

def copied_session(app, region, login='odo-teacher'):
    """A browser signed in as ``login`` and a second client with its copied cookie."""
    browser = FormClient(app.test_client())
    browser.sign_in(login, organisation=region.odo)
    cookie = browser.get_cookie('kruzhok_session').value
    thief = app.test_client()
    thief.set_cookie('kruzhok_session', cookie)
    assert thief.get('/').status_code == 200
    return browser, thief


def test_blocking_ends_every_session_at_once_and_unblocking_lets_them_in(app, admin_client, region):
    browser, thief = copied_session(app, region)
    path = f'/users/{region.teacher.id}/block'
    admin_client.post_form(path, {})
    assert not User.get_by_id(region.teacher.id).is_blocked
    admin_client.post_form(path, {'reason': 'Утерян телефон'})
    assert User.get_by_id(region.teacher.id).is_blocked
    assert thief.get('/').status_code == 302 and browser.get('/').status_code == 302
    assert not WebSession.select().where(WebSession.user == region.teacher.id).exists()
    assert browser.sign_in('odo-teacher', organisation=region.odo).status_code == 200  # refused
    assert events('user_blocked')[0].object_id == str(region.teacher.id)
    admin_client.post_form(f'/users/{region.teacher.id}/unblock', {'reason': 'Телефон найден'})
    assert not User.get_by_id(region.teacher.id).is_blocked
    assert browser.sign_in('odo-teacher', organisation=region.odo).status_code == 303
    actions = [c.action for c in AccessChange.select().order_by(AccessChange.id)]
    assert actions == ['block', 'unblock']


def test_ending_all_sessions_stops_a_copied_cookie_but_not_the_account(app, admin_client, region):
    browser, thief = copied_session(app, region)
    done = admin_client.post_form(f'/users/{region.teacher.id}/sessions/end', {'reason': 'Вход с чужого компьютера'})
    assert done.status_code == 303
    assert 'Сеансы учётной записи odo-teacher завершены: 1.' in flashes(admin_client, f'/users/{region.teacher.id}')
    assert thief.get('/').status_code == 302
    assert not User.get_by_id(region.teacher.id).is_blocked
    assert browser.sign_in('odo-teacher', organisation=region.odo).status_code == 303
    change = AccessChange.get()
    assert (change.action, change.reason) == ('sessions', 'Вход с чужого компьютера')
    assert events('sessions_ended')[0].details == 'sessions=1'


def test_block_guards(app, admin_client, region):
    admin_client.post_form(f'/users/{region.admin.id}/block', {'reason': 'Проверка'})
    assert 'Нельзя заблокировать собственную учётную запись' in flashes(admin_client)
    with app.app_context():
        glass = builders.user('region-break-glass', region.odo, 'teacher')
        User.update(is_break_glass=True).where(User.id == glass.id).execute()
    admin_client.post_form(f'/users/{glass.id}/block', {'reason': 'Проверка'})
    assert 'аварийная учётная запись региона' in flashes(admin_client)
    assert not User.select().where(User.is_blocked == True).exists()  # noqa: E712
    assert not AccessChange.select().exists()


def test_blocking_the_other_administrator_keeps_one(app, client, region):
    """Two administrators: one blocks the other; the one left cannot revoke their own right."""
    with app.app_context():
        second_person = builders.person('Белова', 'Ирина', 'Олеговна')
        Employment.create(person=second_person, organisation=region.odo, position='Директор')
        second = builders.user('second-admin', region.odo, 'odo_admin', second_person)
    client.sign_in('second-admin', organisation=region.odo)
    client.post_form(f'/users/{region.admin.id}/block', {'reason': 'Увольнение'})
    assert User.get_by_id(region.admin.id).is_blocked
    with app.app_context():
        assert access.administrators_left(region.odo) == 1
        with pytest.raises(Refused, match='не останется ни одного администратора'):
            access.revoke(region.odo, second, [role('odo_admin')], second, role('odo_admin').id, 'Проверка')
    assert codes_of(second, region.odo) == {'odo_admin'}


# --- A new employee: the account comes with the first role, and ЕСИА finds it -------------

def test_an_employee_without_a_snils_gets_no_account(app, admin_client, region):
    with app.app_context():
        nobody = Employment.create(person=builders.person('Петрова', 'Нина'), organisation=region.odo,
                                   position='Методист')
    page = admin_client.get(f'/users/employees/{nobody.id}').get_data(as_text=True)
    assert 'не указан СНИЛС' in page and 'name="role"' not in page
    admin_client.post_form(f'/users/employees/{nobody.id}/roles', {'role': role('teacher').id, 'reason': REASON})
    assert 'не указан СНИЛС' in flashes(admin_client)
    assert not User.select().where(User.person == nobody.person_id).exists()


def test_a_refused_grant_leaves_no_account_behind(admin_client, region, staff):
    admin_client.post_form(f'/users/employees/{staff["newcomer"].id}/roles', {'role': role('teacher').id})
    assert 'Укажите причину' in flashes(admin_client)
    admin_client.post_form(f'/users/employees/{staff["newcomer"].id}/roles',
                           {'role': role('student').id, 'reason': REASON})
    assert not User.select().where(User.person == staff['newcomer'].person_id).exists()


def test_a_new_employee_granted_a_role_signs_in_through_esia_at_once(app, client, idp, esia_app,
                                                                     region, staff):
    # The administrator signs in through ЕСИА as well: the provider's «director» has her СНИЛС.
    assert esia_sign_in(client, idp, 'director').headers['Location'] == '/esia/confirm'
    client.post_form('/esia/confirm', {'organisation': region.odo.id}, page='/esia/confirm')
    page = client.get(f'/users/employees/{staff["newcomer"].id}').get_data(as_text=True)
    assert 'Иванов Пётр Петрович' in page and 'учётная запись появится сама' in page
    done = client.post_form(f'/users/employees/{staff["newcomer"].id}/roles',
                            {'role': role('teacher').id, 'reason': REASON})
    account = User.get(User.person == staff['newcomer'].person_id)
    assert done.headers['Location'] == f'/users/{account.id}'
    assert (account.login, account.password_hash, account.esia_oid) == ('ivanov.pp', None, None)
    assert codes_of(account, region.odo) == {'teacher'}
    assert [e.event for e in AuditEvent.select().where(AuditEvent.object_id == str(account.id))
            .order_by(AuditEvent.id)] == ['user_created', 'role_granted']
    newcomer = FormClient(app.test_client())
    back = esia_sign_in(newcomer, idp, 'stranger')
    assert back.status_code == 303 and back.headers['Location'] == '/esia/confirm'
    landed = newcomer.post_form('/esia/confirm', {'organisation': region.odo.id}, page='/esia/confirm')
    assert landed.headers['Location'] == '/'
    home = newcomer.get('/').get_data(as_text=True)
    assert 'МАУДО Центр детского творчества' in home and 'Иванов Пётр Петрович' in home
    assert User.get_by_id(account.id).esia_oid == '1000000006'
    assert newcomer.get('/users/').status_code == 403  # a teacher, not an administrator


# --- Children's passwords ---------------------------------------------------------------------

def test_a_child_under_14_enrolled_here_gets_a_password_account(app, admin_client, region, staff):
    page = admin_client.get('/users/children?surname=орлов').get_data(as_text=True)
    assert 'Орлова Вера Игоревна' in page and 'Выдать пароль' in page
    assert 'с 14 лет — через Госуслуги' in page  # Илья, 15
    path = f'/users/children/{staff["young"].id}/password'
    short = admin_client.post_form(path, {'password': 'abc', 'password_again': 'abc'})
    assert short.status_code == 422 and 'не короче 8 символов' in short.get_data(as_text=True)
    done = admin_client.post_form(path, {'password': 'Sakhalin-Kids-77', 'password_again': 'Sakhalin-Kids-77',
                                         'is_break_glass': '1', 'organisation': region.other_odo.id})
    assert done.status_code == 303
    account = User.get(User.person == staff['young'].id)
    assert account.login == 'orlova.vi' and not account.is_break_glass
    assert codes_of(account, region.odo) == {'student'} and codes_of(account, region.other_odo) == set()
    child = FormClient(app.test_client())
    assert child.sign_in('orlova.vi', 'Sakhalin-Kids-77', region.odo).status_code == 303
    assert AccessChange.get().action == 'password' and events('child_account_created')
    again = admin_client.post_form(path, {'password': 'Sakhalin-Kids-78', 'password_again': 'Sakhalin-Kids-78'})
    assert again.status_code == 303
    assert child.get('/').status_code == 302  # the old password's session ended
    assert events('child_password_reset')


def test_no_password_for_a_child_of_14_or_for_staff(admin_client, region, staff):
    path = f'/users/children/{staff["teen"].id}/password'
    page = admin_client.get(path).get_data(as_text=True)
    assert 'уже исполнилось 14 лет' in page and 'name="password"' not in page
    refused = admin_client.post_form(path, {'password': 'Sakhalin-Kids-77', 'password_again': 'Sakhalin-Kids-77'})
    assert refused.status_code == 422 and 'Старшие входят через Госуслуги' in refused.get_data(as_text=True)
    assert not User.select().where(User.person == staff['teen'].id).exists()
    teacher_person = region.teacher.person_id
    assert admin_client.get(f'/users/children/{teacher_person}/password').status_code == 404
    assert admin_client.get(f'/users/children/{staff["young"].id + 10 ** 6}/password').status_code == 404


# --- Roles of the region --------------------------------------------------------------------

@pytest.fixture
def regional_admin(app, region):
    """An administrator of the regional management body."""
    with app.app_context():
        ministry = builders.organisation(region.region, None, None, 'regional_body',
                                         'Министерство образования Сахалинской области')
        builders.user('region-admin', ministry, 'authority_admin', builders.person('Ли', 'Юлия'))
    client = FormClient(app.test_client())
    assert client.sign_in('region-admin', organisation=ministry).status_code == 303
    return client


def test_an_organisation_s_administrator_sees_the_roles_but_defines_none(admin_client):
    page = admin_client.get('/users/roles').get_data(as_text=True)
    assert 'Педагог дополнительного образования' in page and 'стандартная' in page
    assert 'Новая роль региона' not in page
    assert admin_client.get('/users/roles/new').status_code == 403
    assert admin_client.post_form('/users/roles/new', {'name': 'Методист'}).status_code == 403
    standard = role('teacher')
    refused = admin_client.post_form(f'/users/roles/{standard.id}', {'name': 'Всё', 'users': '1',
                                                                     'version': standard.version})
    assert refused.status_code == 403 and not role('teacher').users


def test_a_regional_body_defines_a_role_every_organisation_of_the_region_may_grant(
        app, regional_admin, admin_client, region):
    form = {'name': 'Методист', 'movement_book': 'view', 'staff': '1', 'code': 'odo_admin',
            'region': region.region.id + 1, 'users': ''}
    created = regional_admin.post_form('/users/roles/new', form)
    assert created.status_code == 303
    methodist = Role.get(Role.name == 'Методист')
    assert (methodist.region_id, methodist.movement_book, methodist.staff, methodist.users) == (
        region.region.id, 'view', True, False)
    assert methodist.code.startswith('region') and events('role_created')
    again = regional_admin.post_form('/users/roles/new', {'name': 'методист'})
    assert again.status_code == 409 and 'уже есть' in again.get_data(as_text=True)
    standard = role('teacher')
    assert regional_admin.post_form(f'/users/roles/{standard.id}',
                                    {'name': 'Педагог', 'version': standard.version}).status_code == 409
    assert role('teacher').name == 'Педагог дополнительного образования'
    grant(admin_client, region.teacher.id, 'teacher')  # already held: refused
    admin_client.post_form(f'/users/{region.teacher.id}/roles', {'role': methodist.id, 'reason': REASON})
    assert codes_of(region.teacher, region.odo) == {'teacher', methodist.code}


def test_two_people_editing_one_regional_role_the_second_is_told(app, regional_admin, region):
    with app.app_context():
        methodist = Role.create(code='region_test', name='Методист', region=region.region)
    first = regional_admin.post_form(f'/users/roles/{methodist.id}', {'name': 'Методист ОДО', 'version': 1})
    assert first.status_code == 303
    second = regional_admin.post_form(f'/users/roles/{methodist.id}', {'name': 'Старший методист', 'version': 1})
    assert second.status_code == 409 and 'изменил другой пользователь' in second.get_data(as_text=True)
    assert Role.get_by_id(methodist.id).name == 'Методист ОДО'


def test_another_region_s_role_is_not_found(app, regional_admin, admin_client):
    from models import Region
    with app.app_context():
        elsewhere = Region.create(name='Камчатский край', code='41')
        foreign = Role.create(code='region_kamchatka', name='Чужая роль', region=elsewhere)
    assert regional_admin.get(f'/users/roles/{foreign.id}').status_code == 404
    assert 'Чужая роль' not in admin_client.get('/users/roles').get_data(as_text=True)


def test_the_access_change_action_is_a_database_rule(app, region):
    from peewee import IntegrityError
    import models
    change = AccessChange.create(organisation=region.odo, user=region.teacher, action='grant')
    with pytest.raises(IntegrityError), models.db.atomic():
        AccessChange.update(action='promote').where(AccessChange.id == change.id).execute()
    assert set(models.ACCESS_ACTIONS) == {'grant', 'revoke', 'block', 'unblock', 'sessions', 'password'}


def test_logins_come_from_the_name_and_never_collide(app, region):
    with app.app_context():
        ivanov = builders.person('Иванов', 'Пётр', 'Петрович', gender='M')
        assert access.derive_login(ivanov) == 'ivanov.pp'
        User.create(login='Ivanov.PP')
        assert access.derive_login(ivanov) == 'ivanov.pp2'
        assert access.derive_login(builders.person('Ёлкина', 'Юлия')) == 'elkina.i'


def test_the_children_search_answers_htmx_with_its_fragment(admin_client, staff):
    fragment = admin_client.get('/users/children?surname=орлова',
                                headers={'HX-Request': 'true', 'HX-Request-Type': 'partial'})
    text = fragment.get_data(as_text=True)
    assert '<!doctype' not in text.lower() and 'id="children"' in text
    assert 'Орлова Вера Игоревна' in text and 'Орлов Илья' not in text
    assert 'id="flashes" hx-swap-oob="true"' in text and 'HX-Request' in fragment.headers['Vary']
