"""The card's rules for what people type: codes with their check digits, phones, e-mail, links,
dates.  Each check takes the text and returns (value to store, refusal sentence or None).

ИНН and ОГРН are python-stdnum's (``stdnum.ru``); it has no КПП, ОКПО or bank account, so those
are here.  КПП has no check digit at all: its shape is checked (4 digits of the tax office,
2 of the reason — digits or capital Latin letters — and 3 digits).
"""
import re
from urllib.parse import urlsplit

from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError
from stdnum.ru import inn as stdnum_inn, ogrn as stdnum_ogrn

PHONE_EXAMPLE = '+7 (424) 245-67-89'
EMAIL = re.compile(r'[^@\s<>"]+@[^@\s<>"]+\.[^@\s<>".]{2,}')


def _digits_only(text):
    return re.sub(r'[\s-]', '', text or '')


def check_inn(text):
    number = _digits_only(text)
    if not number.isdigit() or len(number) != 10:
        return number, 'ИНН организации — 10 цифр; проверьте, не пропущена ли цифра.'
    try:
        stdnum_inn.validate(number)
    except ValidationError:
        return number, ('ИНН не проходит проверку контрольной цифры: скорее всего, в нём опечатка. '
                        'Сверьте его со свидетельством о постановке на учёт или выпиской ЕГРЮЛ.')
    return number, None


def check_kpp(text):
    number = _digits_only(text).upper()
    if not re.fullmatch(r'\d{4}[\dA-Z]{2}\d{3}', number):
        return number, ('КПП — 9 знаков: 4 цифры кода налоговой, 2 цифры или латинские буквы причины '
                        'постановки и 3 цифры, например 650101001.')
    return number, None


def check_ogrn(text):
    number = _digits_only(text)
    if not number.isdigit() or len(number) != 13:
        return number, 'ОГРН организации — 13 цифр; проверьте, не пропущена ли цифра.'
    try:
        stdnum_ogrn.validate(number)
    except InvalidComponent:
        return number, 'ОГРН организации не может начинаться с 0: сверьте его с выпиской ЕГРЮЛ.'
    except (InvalidChecksum, InvalidFormat, InvalidLength):
        return number, ('ОГРН не проходит проверку контрольной цифры: скорее всего, в нём опечатка. '
                        'Сверьте его с выпиской ЕГРЮЛ.')
    return number, None


def okpo_check_digit(body):
    """The check digit of an ОКПО (or ОКАТО) code without it: weights 1, 2, … mod 11; a
    remainder of 10 is taken again with weights 3, 4, …; 10 again gives 0."""
    for first in (1, 3):
        remainder = sum(int(d) * ((first + n - 1) % 10 + 1) for n, d in enumerate(body)) % 11
        if remainder < 10:
            return remainder
    return 0


def check_okpo(text):
    number = _digits_only(text)
    if not number.isdigit() or len(number) not in (8, 10):
        return number, 'ОКПО — 8 цифр для организации (10 — для предпринимателя).'
    if okpo_check_digit(number[:-1]) != int(number[-1]):
        return number, ('ОКПО не проходит проверку контрольной цифры: скорее всего, в нём опечатка. '
                        'Сверьте его с уведомлением Росстата.')
    return number, None


def _code(label, lengths, example):
    allowed = ' или '.join(str(n) for n in lengths)

    def check(text):
        number = _digits_only(text)
        if not number.isdigit() or len(number) not in lengths:
            return number, f'{label} — {allowed} цифр, например {example}.'
        return number, None
    return check


check_okato = _code('ОКАТО', (11,), '64401000000')
check_oktmo = _code('ОКТМО', (8, 11), '64701000')
check_okogu = _code('ОКОГУ', (7,), '4210007')
check_okopf = _code('ОКОПФ', (5,), '75403')
check_okfs = _code('ОКФС', (2,), '14')


def check_okved(text):
    code = re.sub(r'\s', '', text or '')
    if not re.fullmatch(r'\d{2}(\.\d{1,2}){0,3}', code):
        return code, 'ОКВЭД — код вида деятельности через точки, например 85.41 или 85.41.1.'
    return code, None


def check_bik(text):
    number = _digits_only(text)
    if not re.fullmatch(r'0[14]\d{7}', number):
        return number, ('БИК банка — 9 цифр, начинается с 04 (банк) или 01 (казначейство), '
                        'например 040813608.')
    return number, None


def account_matches(bik, account, correspondent=False):
    """The bank's control key: 3 digits from the БИК before the 20-digit account, weights
    7, 1, 3 repeated, the sum ends in 0."""
    key = ('0' + bik[4:6] if correspondent else bik[-3:]) + account
    return sum(int(d) * (7, 1, 3)[n % 3] for n, d in enumerate(key)) % 10 == 0


def check_account(text, bik, correspondent=False):
    number = _digits_only(text)
    label = 'Корреспондентский счёт' if correspondent else 'Расчётный счёт'
    if not re.fullmatch(r'\d{20}', number):
        return number, f'{label} — 20 цифр.'
    if correspondent and not number.startswith('301'):
        return number, 'Корреспондентский счёт начинается с 301.'
    if not bik:
        return number, f'{label} проверяется вместе с БИК: укажите БИК банка.'
    if not account_matches(bik, number, correspondent):
        return number, (f'{label} не сходится с БИК по контрольному ключу: проверьте обе записи '
                        'по реквизитам банка.')
    return number, None


def normalise_phone(text):
    """'8 4242 456789', '+7(424)245-67-89' → '+7 (424) 245-67-89'; None when it is no
    Russian 10-digit number."""
    digits = re.sub(r'\D', '', text or '')
    if len(digits) == 11 and digits[0] in '78':
        digits = digits[1:]
    if len(digits) != 10 or re.search(r'[^\d\s()+\-.]', text):
        return None
    return f'+7 ({digits[:3]}) {digits[3:6]}-{digits[6:8]}-{digits[8:]}'


def check_phones(text):
    """Several numbers separated by commas or semicolons, each normalised."""
    numbers = [part.strip() for part in re.split(r'[,;]', text or '') if part.strip()]
    written = []
    for number in numbers:
        phone = normalise_phone(number)
        if phone is None:
            return text, (f'Телефон «{number[:30]}» не распознан: нужен номер из 10 цифр после +7, '
                          f'например {PHONE_EXAMPLE}. Несколько номеров разделяйте запятой.')
        if phone not in written:
            written.append(phone)
    return ', '.join(written), None


def check_email(text):
    address = (text or '').strip()
    if not EMAIL.fullmatch(address) or len(address) > 200:
        return address, 'Адрес электронной почты — в виде name@example.ru, без пробелов.'
    return address.lower(), None


def check_url(text, label='Адрес сайта'):
    """A link with http(s); one typed without it gets https://."""
    link = (text or '').strip()
    if link and '://' not in link:
        link = 'https://' + link
    parts = urlsplit(link) if not re.search(r'\s', link) else None
    host = parts.hostname if parts else None
    if parts is None or parts.scheme not in ('http', 'https') or not host or '.' not in host:
        return text.strip(), f'{label} — ссылка вида https://cdt.edu65.ru, без пробелов.'
    return link, None


def check_past_date(day, today, label):
    if day > today:
        return day, f'{label}: дата не может быть позже сегодняшней ({today.strftime("%d.%m.%Y")}).'
    return day, None


CODES = {'inn': check_inn, 'kpp': check_kpp, 'ogrn': check_ogrn, 'okpo': check_okpo,
         'okato': check_okato, 'oktmo': check_oktmo, 'okogu': check_okogu, 'okopf': check_okopf,
         'okfs': check_okfs, 'okved': check_okved, 'bik': check_bik, 'phone': check_phones,
         'email': check_email, 'website': check_url,
         'licence_url': lambda text: check_url(text, 'Ссылка на лицензию')}
