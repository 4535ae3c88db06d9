"""Minimal disclosure on the registry's screens: СНИЛС and document numbers shown masked, the
last characters left to tell people apart (SECURITY.md item 30)."""
from keys import digits_key

HIDDEN = '*'
KEPT = 2  # last digits of a number left visible


def mask_snils(value):
    """'11223344595' → '***-***-445 95'; nothing → ''."""
    digits = digits_key(value)
    if not digits:
        return ''
    if len(digits) != 11:
        return HIDDEN * 4
    return f'***-***-{digits[6:9]} {digits[9:]}'


def mask_number(number):
    """'123421' → '****21': only the last two characters stay."""
    number = (number or '').strip()
    if not number:
        return ''
    return HIDDEN * max(len(number) - KEPT, 2) + number[-KEPT:] if len(number) > KEPT else HIDDEN * 4


def mask_document(series, number):
    """A document's series and number as a registry screen shows them: 'II-ФВ ****21'."""
    return ' '.join(part for part in ((series or '').strip(), mask_number(number)) if part)
