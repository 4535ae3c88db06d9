"""Password sign-in with a lockout held in the database, password resets, session revocation."""
import datetime
import hashlib
import secrets
from dataclasses import dataclass

from peewee import Case, fn

import clock
from models import Organisation, PasswordReset, User, UserRole, WebSession, db, utcnow
from services.esia import policy as sign_in_policy
from services.auth.passwords import hash_password, verify_password

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = datetime.timedelta(minutes=15)
RESET_LIFETIME = datetime.timedelta(hours=1)

BAD_CREDENTIALS = ('Неверный логин или пароль, или учётная запись не относится к выбранной '
                   'организации. Проверьте организацию, раскладку клавиатуры и Caps Lock; после '
                   'пяти неудачных попыток вход блокируется на 15 минут.')


@dataclass
class SignInResult:
    user: User | None
    event: str  # sign_in, sign_in_failed, locked_out, sign_in_wrong_organisation, sign_in_refused_policy
    organisation: Organisation | None = None
    details: str = ''  # the policy's reason: child, break_glass, staff…
    message: str = ''  # the refusal shown to the user


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def refusal(region, today, staff_password_allowed):
    """The one answer to every refused password sign-in, built from the chosen organisation's
    region alone, so that it tells nothing about the account or the password."""
    if region is None:
        return BAD_CREDENTIALS
    # A personless account is what the policy says to staff.
    day = today or clock.today(region.zone)
    if sign_in_policy.password_sign_in(User(), region, day, staff_password_allowed).allowed:
        return BAD_CREDENTIALS
    since = region.esia_only_since.strftime('%d.%m.%Y')
    return (f'{BAD_CREDENTIALS} С {since} по логину и паролю входят только дети младше 14 лет, '
            f'а сотрудники входят только через Госуслуги: нажмите {sign_in_policy.ESIA_LINK_LABEL} ниже.')


def authenticate(login, password, organisation_id, staff_password_allowed=False, today=None, now=None):
    """Check the login, the password, the organisation and the regional policy (on ``today``,
    by default the day it is in the chosen organisation's region: the age of 14 is on that day).

    The attempt is counted before the password is checked, so parallel guesses cannot pass
    the lockout; an unknown login, a wrong password, a locked account, a foreign organisation
    and the policy all answer the same message, whether the password was right or not.
    """
    now = now or utcnow()
    chosen = Organisation.get_or_none(Organisation.id == organisation_id) if organisation_id else None
    message = refusal(chosen.region if chosen else None, today, staff_password_allowed)
    user = User.get_or_none(fn.LOWER(User.login) == (login or '').strip().lower())
    attempt = _claim_attempt(user, now) if user else None
    if attempt is None:
        verify_password(None, password)
        return SignInResult(user, 'locked_out' if user else 'sign_in_failed', chosen, message=message)
    if user.is_blocked or not verify_password(user.password_hash, password):
        return SignInResult(user, _failed(attempt), chosen, message=message)
    org_ids = {role.organisation_id for role in UserRole.select(UserRole.organisation)
               .where(UserRole.user == user)}
    if organisation_id is None and len(org_ids) == 1:
        chosen = Organisation.get_by_id(next(iter(org_ids)))
    if chosen is None or chosen.id not in org_ids:
        return SignInResult(user, _failed(attempt, 'sign_in_wrong_organisation'), chosen, message=message)
    day = today or clock.today(chosen.region.zone)
    decision = sign_in_policy.password_sign_in(user, chosen.region, day, staff_password_allowed)
    if not decision.allowed:
        return SignInResult(user, _failed(attempt, 'sign_in_refused_policy'), chosen,
                            decision.reason, message)
    User.update(failed_attempts=0, locked_until=None).where(User.id == user.id).execute()
    return SignInResult(user, 'sign_in', chosen, decision.reason)


def _claim_attempt(user, now):
    """Count this attempt before its password is checked, in one UPDATE … RETURNING. The
    attempt that uses the last one locks the account at once, so that a request that dies
    while checking cannot leave it locked for ever. None: the account is locked."""
    # Past an expired lock the count starts afresh.
    count = Case(None, [(User.locked_until.is_null(False), 0)], User.failed_attempts) + 1
    claimed = (User.update(failed_attempts=count,
                           locked_until=Case(None, [(count >= MAX_FAILED_ATTEMPTS, now + LOCKOUT)]))
               .where(User.id == user.id, User.locked_until.is_null() | (User.locked_until <= now))
               .returning(User.failed_attempts).tuples().execute())
    return next(iter(claimed), (None,))[0]


def _failed(attempt, event='sign_in_failed'):
    """The attempt is already counted: the one that used the last of them locked the account."""
    return 'locked_out' if attempt >= MAX_FAILED_ATTEMPTS else event


def end_all_sessions(user):
    return WebSession.delete().where(WebSession.user == user).execute()


def start_password_reset(login_or_email, now=None):
    """Create a one-time reset token; returns (user, token) or (None, None) when nobody matches."""
    now = now or utcnow()
    value = (login_or_email or '').strip().lower()
    if not value:
        return None, None
    user = User.get_or_none((fn.LOWER(User.login) == value) | (fn.LOWER(User.email) == value))
    if user is None or not user.email or user.is_blocked:
        return None, None
    token = secrets.token_urlsafe(32)
    PasswordReset.create(user=user, token_hash=token_hash(token), created_at=now,
                         expires_at=now + RESET_LIFETIME)
    return user, token


def find_password_reset(hashed, now=None):
    """The unused, unexpired reset whose token has this hash (``token_hash``)."""
    now = now or utcnow()
    return (PasswordReset.select()
            .where(PasswordReset.token_hash == (hashed or ''),
                   PasswordReset.used_at.is_null(),
                   PasswordReset.expires_at > now)
            .first())


def finish_password_reset(reset, new_password, now=None):
    now = now or utcnow()
    with db.atomic():
        used = (PasswordReset.update(used_at=now)
                .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_null())
                .execute())
        if not used:
            return False
        User.update(password_hash=hash_password(new_password), password_changed_at=now,
                    failed_attempts=0, locked_until=None).where(User.id == reset.user_id).execute()
        end_all_sessions(reset.user_id)
    return True
