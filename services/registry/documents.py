"""Validation of СНИЛС, identity documents and names, exactly as the region defines them."""
import re

from keys import digits_key

_BIRTH_SERIES = re.compile(r'^[IVXLCDM]{1,6}-[А-ЯЁ]{2}$')
_SIX_DIGITS = re.compile(r'^\d{6}$')
_FOUR_DIGITS = re.compile(r'^\d{4}$')
_DIVISION_CODE = re.compile(r'^\d{3}-\d{3}$')
# Cyrillic letters people type in the Roman part of a birth-certificate series.
_ROMAN_LOOKALIKES = str.maketrans({'І': 'I', 'Х': 'X', 'С': 'C', 'М': 'M', 'Л': 'L',
                                   'і': 'I', 'х': 'X', 'с': 'C', 'м': 'M', 'л': 'L'})
_LATIN_LOOKALIKES = set('AaBCcEeHKMOoPpTXxy')
_NAME = re.compile(r"^[А-ЯЁ][а-яёА-ЯЁ'’ -]*$")


# Shown in templates and messages: below 001-001-998 no number carries a check digit, so this one
# can never be a real person's (an example copied into a file must not match anybody).
EXAMPLE_SNILS = '000-000-600 00'


def snils_check_number(first_nine):
    """The two check digits of a СНИЛС from its first nine digits."""
    total = sum(int(d) * weight for d, weight in zip(first_nine, range(9, 0, -1)))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    rest = total % 101
    return 0 if rest == 100 else rest


def is_valid_snils(value):
    digits = digits_key(value)
    if len(digits) != 11:
        return False
    if int(digits[:9]) <= 1001998:
        return True  # the checksum applies only above 001-001-998
    return snils_check_number(digits[:9]) == int(digits[9:])


def format_snils(value):
    """'11223344595' → '112-233-445 95'."""
    d = digits_key(value)
    if len(d) != 11:
        return value or ''
    return f'{d[0:3]}-{d[3:6]}-{d[6:9]} {d[9:11]}'


def normalise_birth_certificate_series(value):
    """What people type ('ii фв', 'IIФВ', 'ІІ-ФВ') → 'II-ФВ' (not validated)."""
    text = re.sub(r'\s+', ' ', (value or '').strip()).upper()
    match = re.match(r'^([IVXLCDMІХСМЛ]+)[\s-]*([А-ЯЁ]{2})$', text)
    if not match:
        return text
    return f'{match.group(1).translate(_ROMAN_LOOKALIKES)}-{match.group(2)}'


def is_valid_birth_certificate_series(value):
    return bool(_BIRTH_SERIES.match(normalise_birth_certificate_series(value)))


def is_valid_six_digit_number(value):
    return bool(_SIX_DIGITS.match(digits_key(value) if value else ''))


def normalise_passport_series(value):
    """'64 08' → '6408'."""
    return digits_key(value)


def is_valid_passport_series(value):
    return bool(_FOUR_DIGITS.match(normalise_passport_series(value)))


def is_valid_division_code(value):
    return bool(_DIVISION_CODE.match((value or '').strip()))


def latin_lookalikes(name):
    """Latin letters hiding inside a Cyrillic name ('Иванoв' → ['o'])."""
    if not re.search('[А-Яа-яЁё]', name or ''):
        return []
    return [ch for ch in name if ch in _LATIN_LOOKALIKES]


def normalise_name(value):
    return re.sub(r'\s+', ' ', (value or '').strip())


def is_valid_name(value):
    """First letter a Cyrillic capital; letters, hyphen, apostrophe and spaces after it."""
    return bool(_NAME.match(normalise_name(value)))
