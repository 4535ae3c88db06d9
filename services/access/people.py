"""Who has access to an organisation, and changing it: granting and revoking roles, blocking,
ending every session. Each change is kept with who made it, for whom and why."""
import re
from dataclasses import dataclass, field

from peewee import JOIN, IntegrityError, fn

from keys import name_key
from models import AccessChange, Employment, Person, Role, User, UserRole, WebSession, utcnow
from services import staff
from services.auth import accounts
from services.common import Refused, locked, write_transaction
from services.registry import similar_people
from services.access.rights import STUDENT, grantable_roles, held_rights, rights_beyond

REASON_MAX = 500
LOGIN_MAX = 64
HISTORY_LIMIT = 50
BREAK_GLASS = ('Это аварийная учётная запись региона: её ведёт региональный оператор, '
               'в организации она не меняется.')


@dataclass
class Row:
    """A line of the list: a person employed here, or an account with a role here."""
    person: Person | None
    user: User | None
    employment: Employment | None = None
    roles: list = field(default_factory=list)

    @property
    def name(self):
        return self.person.full_name if self.person else self.user.login

    @property
    def is_child(self):
        return any(role.code == STUDENT for role in self.roles)


def clean_reason(text):
    reason = (text or '').strip()
    if not reason:
        raise Refused('Укажите причину: она сохраняется в журнале изменений доступа.')
    if len(reason) > REASON_MAX:
        raise Refused(f'Причина длиннее {REASON_MAX} символов — сократите её.')
    return reason


# --- Reading ----------------------------------------------------------------------------

def _roles_here(organisation, user_ids=None):
    """{user id: [roles here]}."""
    query = (UserRole.select(UserRole, Role).join(Role)
             .where(UserRole.organisation == organisation).order_by(Role.id))
    if user_ids is not None:
        query = query.where(UserRole.user.in_(list(user_ids)))
    found = {}
    for user_role in query:
        found.setdefault(user_role.user_id, []).append(user_role.role)
    return found


def _account_of(users):
    """The person's account: the first one made (one person, one account as a rule)."""
    return min(users, key=lambda user: user.id) if users else None


def users_of(organisation):
    """(employees, other accounts): the organisation's working staff with their account and
    roles here, then everyone else holding a role here (children with a password, accounts
    without a person)."""
    staff = list(Employment.select(Employment, Person).join(Person)
                 .where(Employment.organisation == organisation, Employment.dismissed_on.is_null())
                 .order_by(Person.surname_key, Person.name_key, Employment.id))
    roles = _roles_here(organisation)
    person_ids = {e.person_id for e in staff}
    users = list(User.select(User, Person).join(Person, JOIN.LEFT_OUTER)
                 .where(User.person.in_(list(person_ids)) | User.id.in_(list(roles))))
    by_person = {}
    for user in users:
        if user.person_id:
            by_person.setdefault(user.person_id, []).append(user)
    employees, seen = [], set()
    for employment in staff:
        if employment.person_id in seen:  # two positions here: one line
            continue
        seen.add(employment.person_id)
        account = _account_of(by_person.get(employment.person_id, []))
        employees.append(Row(employment.person, account, employment,
                             roles.get(account.id, []) if account else []))
    listed = {row.user.id for row in employees if row.user}
    others = [Row(user.person if user.person_id else None, user, None, roles[user.id])
              for user in users if user.id in roles and user.id not in listed]
    others.sort(key=lambda row: name_key(row.name))
    return employees, others


def employment_here(organisation, employment_id):
    return staff.employment_of(organisation, employment_id, working=True)


def account_of_person(person_id):
    return _account_of(list(User.select().where(User.person == person_id)))


def account_here(organisation, user_id):
    """The account, if it holds a role here or belongs to someone working here; else None."""
    user = (User.select(User, Person).join(Person, JOIN.LEFT_OUTER)
            .where(User.id == user_id).first())
    if user is None:
        return None
    holds_role = UserRole.select().where(UserRole.user == user, UserRole.organisation == organisation).exists()
    if holds_role or (user.person_id and employed_here(organisation, user.person_id)):
        return user
    return None


def employed_here(organisation, person_id):
    """The person's working employment here, or None."""
    return (Employment.select().where(Employment.organisation == organisation,
                                      Employment.person == person_id,
                                      Employment.dismissed_on.is_null()).first())


def roles_here(organisation, user):
    return _roles_here(organisation, [user.id]).get(user.id, [])


def sessions_of(user):
    return WebSession.select().where(WebSession.user == user).count()


def history(organisation, user):
    return list(AccessChange.select(AccessChange, Role).join(Role, JOIN.LEFT_OUTER)
                .where(AccessChange.organisation == organisation, AccessChange.user == user)
                .order_by(AccessChange.at.desc(), AccessChange.id.desc()).limit(HISTORY_LIMIT))


def actors_of(changes):
    ids = {c.actor_id for c in changes if c.actor_id}
    return {u.id: u for u in User.select(User, Person).join(Person, JOIN.LEFT_OUTER).where(User.id.in_(list(ids)))}


# --- Changing ------------------------------------------------------------------------------

def _record(organisation, actor, user, action, reason='', role=None):
    return AccessChange.create(at=utcnow(), organisation=organisation, actor=actor, user=user,
                               action=action, role=role, reason=reason)


def administrators_left(organisation):
    """Accounts not blocked that hold «Пользователи и роли» here."""
    return (UserRole.select(fn.COUNT(UserRole.user.distinct())).join(Role).switch(UserRole).join(User)
            .where(UserRole.organisation == organisation, Role.users == True,  # noqa: E712
                   User.is_blocked == False).scalar())  # noqa: E712


def _keep_an_administrator(organisation, sentence):
    if not administrators_left(organisation):
        raise Refused(sentence + ' В организации не останется ни одного администратора с правом '
                                 '«Пользователи и роли». Сначала выдайте это право другому сотруднику.')


def _lock_administrators(organisation):
    """Two administrators revoking each other at once: the second waits and counts again."""
    list(locked(UserRole.select(UserRole.id).join(Role)
                .where(UserRole.organisation == organisation, Role.users == True)))  # noqa: E712


def derive_login(person):
    """'Иванов Пётр Петрович' → 'ivanov.pp' (ivanov.pp2… when taken)."""
    latin = [re.sub(r'[^a-z0-9-]', '', similar_people.to_latin(name_key(part)))
             for part in (person.surname, person.name, person.patronymic)]
    base = (latin[0] or 'user')[:LOGIN_MAX - 8] + ('.' + ''.join(p[:1] for p in latin[1:]) if latin[1] else '')
    taken = {login.lower() for (login,) in User.select(User.login).where(
        fn.LOWER(User.login).startswith(base.lower())).tuples()}
    number = 1
    login = base
    while login.lower() in taken:
        number += 1
        login = f'{base}{number}'
    return login


def grant(organisation, actor, actor_roles, user, role_id, reason):
    """Give an employee of the organisation a role here."""
    reason = clean_reason(reason)
    role = next((r for r in grantable_roles(organisation) if r.id == role_id), None)
    if role is None:
        raise Refused('Выберите роль из списка.')
    if user.is_break_glass:
        raise Refused(BREAK_GLASS)
    name = user.display_name
    if not user.person_id or not employed_here(organisation, user.person_id):
        raise Refused(f'{name}: не работает в этой организации, а роли выдаются только '
                      'сотрудникам. Сначала добавьте человека в «Сведения о сотрудниках».')
    beyond = rights_beyond(role, held_rights(actor_roles))
    if beyond:
        raise Refused(f'Роль «{role.name}» даёт права, которых у вас нет: {", ".join(beyond)}. '
                      'Её может выдать администратор, у которого эти права есть.')
    try:
        with write_transaction():
            UserRole.create(user=user, organisation=organisation, role=role)
            change = _record(organisation, actor, user, AccessChange.GRANT, reason, role)
    except IntegrityError:
        raise Refused(f'{name}: роль «{role.name}» в этой организации уже выдана.')
    return change


def grant_to_employee(organisation, actor, actor_roles, employment, role_id, reason):
    """Grant a role to an employee who may have no account yet: the account is made with a
    login and no password, so that the first ЕСИА sign-in finds it by СНИЛС; (account, change,
    whether the account was made)."""
    person = employment.person
    if account_of_person(person.id) is None and not person.snils:
        raise Refused(f'{person.full_name}: не указан СНИЛС, а без него войти через Госуслуги '
                      'нельзя. Укажите СНИЛС в «Сведениях о сотрудниках» и выдайте роль снова.')
    clean_reason(reason)
    with write_transaction():
        user = account_of_person(person.id)
        created = user is None
        if created:
            user = User.create(login=derive_login(person), password_hash=None, person=person)
            user.person = person
        return user, grant(organisation, actor, actor_roles, user, role_id, reason), created


def revoke(organisation, actor, actor_roles, user, role_id, reason):
    reason = clean_reason(reason)
    role = next((r for r in roles_here(organisation, user) if r.id == role_id), None)
    if role is None:
        raise Refused('Выберите роль, которую отозвать, из ролей сотрудника в этой организации.')
    beyond = rights_beyond(role, held_rights(actor_roles))
    if beyond:
        raise Refused(f'Роль «{role.name}» даёт права, которых у вас нет: {", ".join(beyond)}. '
                      'Отозвать её может администратор, у которого эти права есть.')
    with write_transaction():
        _lock_administrators(organisation)
        (UserRole.delete().where(UserRole.user == user, UserRole.organisation == organisation,
                                 UserRole.role == role).execute())
        if role.users:
            _keep_an_administrator(organisation, f'Роль «{role.name}» не отозвана.')
        return role, _record(organisation, actor, user, AccessChange.REVOKE, reason, role)


def block(organisation, actor, actor_roles, user, reason):
    """Block the account everywhere and end its sessions at once."""
    reason = clean_reason(reason)
    if user.id == actor.id:
        raise Refused('Нельзя заблокировать собственную учётную запись.')
    if user.is_break_glass:
        raise Refused(BREAK_GLASS)
    if user.is_blocked:
        raise Refused(f'Учётная запись {user.login} уже заблокирована.')
    held = held_rights(actor_roles)
    beyond = sorted({label for role in roles_here(organisation, user) for label in rights_beyond(role, held)})
    if beyond:
        raise Refused(f'Учётная запись {user.login} даёт права, которых нет у вас: '
                      f'{", ".join(beyond)}. Заблокировать её может администратор с такими правами.')
    with write_transaction():
        _lock_administrators(organisation)
        User.update(is_blocked=True, version=User.version + 1).where(User.id == user.id).execute()
        _keep_an_administrator(organisation, f'Учётная запись {user.login} не заблокирована.')
        ended = accounts.end_all_sessions(user)
        _record(organisation, actor, user, AccessChange.BLOCK, reason)
    return ended


def unblock(organisation, actor, user, reason):
    reason = clean_reason(reason)
    if not user.is_blocked:
        raise Refused(f'Учётная запись {user.login} не заблокирована.')
    with write_transaction():
        User.update(is_blocked=False, failed_attempts=0, locked_until=None,
                    version=User.version + 1).where(User.id == user.id).execute()
        _record(organisation, actor, user, AccessChange.UNBLOCK, reason)


def end_sessions(organisation, actor, user, reason):
    """Sign the account out everywhere; how many sessions ended."""
    reason = clean_reason(reason)
    with write_transaction():
        ended = accounts.end_all_sessions(user)
        _record(organisation, actor, user, AccessChange.SESSIONS, reason)
    return ended
