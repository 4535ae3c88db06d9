"""Minimal disclosure on the registry's screens: СНИЛС and document numbers shown masked, the
last characters left to tell people apart, unless the user searched by that very value
(SECURITY.md item 30).  The Jinja filters ``mask_snils`` and ``mask_document`` are these."""
from keys import digits_key, document_key
from services.registry.documents import format_snils

HIDDEN = '*'
KEPT = 2  # last characters of a number left visible


def mask_snils(value, exact=''):
    """'11223344595' → '***-***-445 95'; shown whole when ``exact`` (the digits searched by) is it."""
    digits = digits_key(value)
    if not digits:
        return ''
    if len(digits) != 11:
        return HIDDEN * 4
    if exact and digits_key(exact) == digits:
        return format_snils(digits)
    return f'***-***-{digits[6:9]} {digits[9:]}'


def mask_number(number):
    """'123421' → '****21': only the last two characters stay."""
    number = (number or '').strip()
    if not number:
        return ''
    return HIDDEN * max(len(number) - KEPT, 2) + number[-KEPT:] if len(number) > KEPT else HIDDEN * 4


def mask_document(series, number, exact_series='', exact_number='', known=()):
    """'II-ФВ', '123421' → 'II-ФВ ****21'; shown whole when the user searched by this number
    exactly (and by this series, if a series was given), or gave this very document (``known``:
    keys of series+number, as a file row gives them)."""
    series, number = (series or '').strip(), (number or '').strip()
    if document_key(series, number) in known or exact_number and document_key('', number) == exact_number and (
            not exact_series or document_key(series, '') == exact_series):
        return ' '.join(part for part in (series, number) if part)
    return ' '.join(part for part in (series, mask_number(number)) if part)
