"""«Уволить»: the card becomes read-only and leaves next year's lists; the employee's roles and
sessions in the organisation end; ``is_staff`` follows (a person is staff while employed somewhere)."""
import json
from dataclasses import dataclass

from models import Employment, Person, User, UserRole, WebSession
from services.common import Refused, parse_date, save_versioned, write_transaction
from services.staff.cards import dismissed_refusal


@dataclass
class Dismissal:
    roles_ended: int
    sessions_ended: int


def parse_dismissal_date(text, employment, today):
    """The date of dismissal typed; returns (date, error)."""
    day = parse_date(text)
    if day is None:
        return None, 'Укажите дату увольнения в виде ДД.ММ.ГГГГ.'
    if day > today:
        return None, ('Дата увольнения не может быть позже сегодняшней: увольте сотрудника в '
                      'его последний рабочий день.')
    if employment.started_on and day < employment.started_on:
        return None, (f'Сотрудник принят {employment.started_on.strftime("%d.%m.%Y")}: дата '
                      'увольнения не может быть раньше.')
    return day, None


def sessions_in(user_ids, organisation_id):
    """Server-side sessions of these users signed in to this organisation."""
    found = []
    for key_hash, data in (WebSession.select(WebSession.key_hash, WebSession.data)
                           .where(WebSession.user.in_(user_ids)).tuples()):
        try:
            org_id = json.loads(data).get('org_id')
        except (ValueError, AttributeError):
            continue
        if org_id == organisation_id:
            found.append(key_hash)
    return found


def dismiss(employment, version, day, by_user=None):
    """Record the dismissal on ``day``; returns what ended with it."""
    if by_user is not None and by_user.person_id == employment.person_id:
        raise Refused('Себя уволить нельзя: попросите об этом другого администратора организации.')
    with write_transaction():
        current = Employment.get_by_id(employment.id)
        if current.dismissed_on is not None:
            raise Refused(dismissed_refusal(current))
        save_versioned(employment, version, dismissed_on=day)
        Person.mark_staff([employment.person_id])
        still_here = (Employment.select().where(
            Employment.person == employment.person_id, Employment.organisation == employment.organisation_id,
            Employment.dismissed_on.is_null()).exists())
        if still_here:  # another open card of the same person here keeps the access
            return Dismissal(0, 0)
        users = [row[0] for row in User.select(User.id).where(User.person == employment.person_id).tuples()]
        roles = (UserRole.delete().where(UserRole.user.in_(users),
                                         UserRole.organisation == employment.organisation_id).execute()
                 if users else 0)
        keys = sessions_in(users, employment.organisation_id) if users else []
        if keys:
            WebSession.delete().where(WebSession.key_hash.in_(keys)).execute()
    return Dismissal(roles, len(keys))
