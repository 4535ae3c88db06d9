"""The regional sign-in policy: after Region.esia_only_since, passwords are for children under 14
and for the break-glass regional administrator only; everyone else signs in through ЕСИА."""
from dataclasses import dataclass

from services.common import age_on

CHILD_PASSWORD_AGE = 14
ESIA_LINK_LABEL = '«Вход с учётной записью портала Госуслуг»'


@dataclass
class PasswordDecision:
    allowed: bool
    reason: str  # before_esia_date, child, break_glass, development, staff, teenager
    message: str = ''


def password_sign_in(user, region, today, staff_password_allowed=False):
    """May this user sign in with a password today, in this region?"""
    if today < region.esia_only_since:
        return PasswordDecision(True, 'before_esia_date')
    person = user.person if user.person_id else None
    if person is not None and age_on(person.birth_date, today) < CHILD_PASSWORD_AGE:
        return PasswordDecision(True, 'child')
    if user.is_break_glass:
        return PasswordDecision(True, 'break_glass')
    if staff_password_allowed:
        return PasswordDecision(True, 'development')
    since = region.esia_only_since.strftime('%d.%m.%Y')
    if person is not None and age_on(person.birth_date, today) < 18:
        return PasswordDecision(False, 'teenager', (
            f'С {since} по логину и паролю входят только дети младше 14 лет. '
            f'Войдите через Госуслуги: нажмите {ESIA_LINK_LABEL} ниже.'))
    return PasswordDecision(False, 'staff', (
        f'С {since} сотрудники входят только через Госуслуги. '
        f'Нажмите {ESIA_LINK_LABEL} ниже и войдите со своей учётной записью портала.'))
