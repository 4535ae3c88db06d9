"""How complete organisation cards are: the region's required fields filled ÷ required.

:func:`fill_of` reads any number of organisations in one query per 1,000; the figure and its
level are services.fill's (shared with the staff cards and with monitoring).
"""
from models import Organisation
from services.card import fields
from services.fill import measure

CHUNK = 1000


def _filled(value):
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    return True


def required_of(organisation):
    """The card fields the organisation's region requires, in the card's order."""
    return fields.DEFAULT_REQUIRED


def fill_of(organisation_ids):
    """{organisation id: Fill} of the card of each organisation."""
    ids = list(organisation_ids)
    columns = [getattr(Organisation, code) for code in fields.FIELDS]
    result = {}
    for start in range(0, len(ids), CHUNK):
        query = Organisation.select(Organisation.id, *columns).where(Organisation.id.in_(ids[start:start + CHUNK]))
        for organisation in query:
            checks = {code: _filled(getattr(organisation, code)) for code in fields.FIELDS}
            result[organisation.id] = measure(checks, required_of(organisation), fields.label_of)
    return result


def card_fill(organisation):
    """The Fill of one organisation's card."""
    return fill_of([organisation.id])[organisation.id]
