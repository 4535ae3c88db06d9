"""Password accounts of children: since the region's ЕСИА-only date a password is for a child
under 14 (and the region's break-glass account, which organisations do not touch)."""
from dataclasses import dataclass

from keys import name_key, prefix_upper_bound
from models import AccessChange, Membership, Person, Role, User, UserRole, utcnow
from services.auth import accounts, passwords
from services.common import Refused, age_on, write_transaction
from services.esia import policy
from services.access.people import BREAK_GLASS, account_of_person, derive_login
from services.access.rights import STUDENT

LIST_LIMIT = 50


@dataclass
class ChildRow:
    person: Person
    age: int
    user: User | None

    @property
    def may_have_password(self):
        return self.age < policy.CHILD_PASSWORD_AGE


def _enrolled(organisation):
    return (Person.select(Person).join(Membership, on=(Membership.person == Person.id))
            .where(Membership.organisation == organisation, Membership.ended_on.is_null())
            .distinct())


def enrolled_child(organisation, person_id):
    """A child who attends the organisation now, or None."""
    return _enrolled(organisation).where(Person.id == person_id).first()


def children_of(organisation, surname, today):
    """Up to LIST_LIMIT children attending now whose surname starts with ``surname``, with
    their age and account; and whether more were found."""
    query = _enrolled(organisation)
    key = name_key(surname)
    if key:
        query = query.where(Person.surname_key >= key, Person.surname_key < prefix_upper_bound(key))
    found = list(query.order_by(Person.surname_key, Person.name_key, Person.id).limit(LIST_LIMIT + 1))
    users = {}
    for user in User.select().where(User.person.in_([p.id for p in found[:LIST_LIMIT]])).order_by(User.id):
        users.setdefault(user.person_id, user)
    rows = [ChildRow(p, age_on(p.birth_date, today), users.get(p.id)) for p in found[:LIST_LIMIT]]
    return rows, len(found) > LIST_LIMIT


def password_refusal(child, today):
    """Why this child may not have a password, or None."""
    age = age_on(child.birth_date, today)
    if age >= policy.CHILD_PASSWORD_AGE:
        return (f'{child.full_name}: уже исполнилось {policy.CHILD_PASSWORD_AGE} лет, а по логину '
                'и паролю входят только дети младше 14 лет. Старшие входят через Госуслуги.')
    return None


def set_password(organisation, actor, child, password, again, today):
    """Create the child's password account, or give it a new password; (account, created)."""
    refusal = password_refusal(child, today)
    if refusal:
        raise Refused(refusal)
    user = account_of_person(child.id)
    if user is not None and user.is_break_glass:
        raise Refused(BREAK_GLASS)
    login = user.login if user else derive_login(child)
    problems = passwords.password_problems(password, login, (child.surname, child.name, child.patronymic))
    if password != again:
        problems.append('Пароли не совпадают. Введите пароль дважды одинаково.')
    if problems:
        raise Refused(*problems)
    now = utcnow()
    with write_transaction():
        created = user is None
        if created:
            user = User.create(login=login, person=child, password_hash=passwords.hash_password(password),
                               password_changed_at=now)
        else:
            (User.update(password_hash=passwords.hash_password(password), password_changed_at=now,
                         failed_attempts=0, locked_until=None, version=User.version + 1)
             .where(User.id == user.id).execute())
            accounts.end_all_sessions(user)  # the old password's sessions end with it
        student = Role.get(Role.code == STUDENT)
        if not UserRole.select().where(UserRole.user == user, UserRole.organisation == organisation,
                                       UserRole.role == student).exists():
            UserRole.create(user=user, organisation=organisation, role=student)
        AccessChange.create(at=now, organisation=organisation, actor=actor, user=user,
                            action=AccessChange.PASSWORD, role=student)
    return user, created
