"""Linking a person's ЕСИА account to their Кружок account.

The first ЕСИА sign-in finds the account by СНИЛС (exactly one match, never a guess);
from then on the account is found by the ЕСИА oid alone.
"""
from dataclasses import dataclass, field

from peewee import IntegrityError

from models import Employment, Organisation, Person, User, UserRole, db


@dataclass
class Match:
    kind: str  # linked, one, none, several, other_oid
    user: User | None = None
    organisations: list = field(default_factory=list)


def organisations_of(user):
    return list(Organisation.select().join(UserRole)
                .where(UserRole.user == user).distinct().order_by(Organisation.short_name))


def find_account(oid, snils):
    """Who is this ЕСИА person in Кружок? Linked accounts first, then a unique СНИЛС match."""
    linked = User.get_or_none(User.esia_oid == oid)
    if linked is not None:
        return Match('linked', linked, organisations_of(linked))
    if not snils:
        return Match('none')
    accounts = list(User.select(User).join(Person)
                    .where(Person.snils == snils, User.is_blocked == False)  # noqa: E712
                    .where(User.id.in_(UserRole.select(UserRole.user)))
                    .distinct())
    if not accounts:
        return Match('none')
    if len(accounts) > 1 or len({a.person_id for a in accounts}) > 1:
        return Match('several')
    account = accounts[0]
    if account.esia_oid:  # already linked to another ЕСИА account: never re-link silently
        return Match('other_oid', account)
    return Match('one', account, organisations_of(account))


def link(user_id, oid):
    """Attach the oid to the account; False if either side is already linked elsewhere."""
    try:
        with db.atomic():
            updated = (User.update(esia_oid=oid, version=User.version + 1)
                       .where(User.id == user_id, User.esia_oid.is_null()).execute())
    except IntegrityError:
        return False
    return bool(updated)


def unlink(user_id):
    with db.atomic():
        return bool(User.update(esia_oid=None, version=User.version + 1)
                    .where(User.id == user_id, User.esia_oid.is_null(False)).execute())


@dataclass
class StaffLink:
    full_name: str
    position: str
    login: str
    linked: bool


def staff_links(organisation):
    """The organisation's current staff and whether each has linked ЕСИА (no СНИЛС shown)."""
    staff = list(Employment.select(Employment, Person).join(Person)
                 .where(Employment.organisation == organisation, Employment.dismissed_on.is_null())
                 .order_by(Person.surname_key, Person.name_key))
    accounts = {}
    for account in User.select().where(User.person.in_([e.person_id for e in staff])):
        accounts.setdefault(account.person_id, []).append(account)
    return [StaffLink(e.person.full_name, e.position,
                      ', '.join(a.login for a in accounts.get(e.person_id, [])),
                      any(a.esia_oid for a in accounts.get(e.person_id, [])))
            for e in staff]
