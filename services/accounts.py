"""Password sign-in with a lockout held in the database, password resets, session revocation."""
import datetime
import hashlib
import secrets
from dataclasses import dataclass

from peewee import fn

from models import (PasswordReset, User, UserRole, WebSession, db, utcnow)
from services.passwords import hash_password, verify_password

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = datetime.timedelta(minutes=15)
RESET_LIFETIME = datetime.timedelta(hours=1)

BAD_CREDENTIALS = ('Неверный логин или пароль. Проверьте раскладку клавиатуры и Caps Lock; '
                   'после пяти неудачных попыток вход блокируется на 15 минут.')


@dataclass
class SignInResult:
    user: User | None
    event: str  # sign_in, sign_in_failed, locked_out


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(login, password, now=None):
    """Check a login and password; the failure counter and lock live in the user row.

    An unknown login, a wrong password and a locked account all answer the same, so
    nothing tells an attacker which logins exist.
    """
    now = now or utcnow()
    user = User.get_or_none(fn.LOWER(User.login) == (login or '').strip().lower())
    if user is None:
        verify_password(None, password)
        return SignInResult(None, 'sign_in_failed')
    if user.locked_until and user.locked_until > now:
        verify_password(None, password)
        return SignInResult(user, 'locked_out')
    if user.is_blocked or not verify_password(user.password_hash, password):
        return SignInResult(user, _count_failure(user, now))
    User.update(failed_attempts=0, locked_until=None).where(User.id == user.id).execute()
    return SignInResult(user, 'sign_in')


def _count_failure(user, now):
    # One UPDATE so that parallel workers cannot lose a failure between read and write.
    User.update(failed_attempts=User.failed_attempts + 1).where(User.id == user.id).execute()
    attempts = User.select(User.failed_attempts).where(User.id == user.id).scalar()
    if attempts >= MAX_FAILED_ATTEMPTS:
        User.update(failed_attempts=0, locked_until=now + LOCKOUT).where(User.id == user.id).execute()
        return 'locked_out'
    return 'sign_in_failed'


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


def find_password_reset(token, now=None):
    now = now or utcnow()
    return (PasswordReset.select()
            .where(PasswordReset.token_hash == token_hash(token or ''),
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
