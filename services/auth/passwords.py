"""The password policy, said in sentences a user can act on."""
import os

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 8
_COMMON_FILE = os.path.join(os.path.dirname(__file__), 'common_passwords.txt')
# A hash of a random password, checked for unknown logins so they take as long as known ones.
_DUMMY_HASH = generate_password_hash('not-a-password-of-anyone')


def _load_common():
    with open(_COMMON_FILE, encoding='utf-8') as fh:
        return {line.strip().casefold() for line in fh if line.strip()}


COMMON_PASSWORDS = _load_common()


def password_problems(password, login='', names=()):
    """Every reason the password is refused, in Russian; empty when it is acceptable."""
    problems = []
    if password != password.strip():
        problems.append('Пароль не должен начинаться или заканчиваться пробелом.')
    if len(password) < MIN_LENGTH:
        problems.append(f'Пароль должен быть не короче {MIN_LENGTH} символов.')
    folded = password.casefold()
    if login and login.casefold() in folded:
        problems.append('Пароль не должен содержать логин.')
    if any(name and len(name) > 2 and name.casefold() in folded for name in names):
        problems.append('Пароль не должен содержать фамилию, имя или отчество.')
    if folded in COMMON_PASSWORDS:
        problems.append('Этот пароль слишком распространён, его легко угадать. Придумайте другой.')
    return problems


def hash_password(password):
    return generate_password_hash(password)


def verify_password(password_hash, password):
    if not password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(password_hash, password)
