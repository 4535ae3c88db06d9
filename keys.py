"""Normalised keys used to match people and organisations on both databases.

SQLite's ``lower()`` and ``LIKE`` know only ASCII, so matching never relies on
them: every searchable value is stored a second time as a key (casefolded,
ё→е, spaces collapsed) and queries compare keys with plain ``=`` and prefix
ranges, which both databases serve from ordinary b-tree indexes.
"""
import re

_SPACES = re.compile(r'\s+')
_CONTROL = re.compile(r'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')  # spreadsheets drop them; so do keys
_NON_DIGITS = re.compile(r'\D+')
_NON_ALNUM = re.compile(r'[^0-9A-Za-zА-Яа-яЁё]+')


def name_key(value):
    """'  Ёлкина  Анна ' → 'елкина анна'."""
    if not value:
        return ''
    return _SPACES.sub(' ', _CONTROL.sub('', value)).strip().casefold().replace('ё', 'е')


def digits_key(value):
    """'112-233-445 95' → '11223344595'."""
    if not value:
        return ''
    return _NON_DIGITS.sub('', str(value))


def document_key(series, number):
    """Series and number with separators removed, upper-cased, Ё→Е: 'II-ФВ 123456' → 'IIФВ123456'."""
    joined = f'{series or ""}{number or ""}'
    return _NON_ALNUM.sub('', joined).upper().replace('Ё', 'Е')


def prefix_upper_bound(prefix):
    """The smallest string greater than every string starting with ``prefix``.

    ``key >= prefix AND key < prefix_upper_bound(prefix)`` is a prefix search
    that an ordinary index answers on SQLite and PostgreSQL alike.
    """
    return prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else None
