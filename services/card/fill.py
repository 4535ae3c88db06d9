"""How complete organisation cards are: the region's required fields filled ÷ required.

Each field's rule is written once, as a SQL condition over an organisation (:func:`conditions`):
text that is not only spaces, any other value not null, the director and deputies among current
staff, a region parameter with a value.  :func:`fill_of` reads those conditions per card, with
what is missing (per 1,000 organisations one query for the fields and one for the region's
parameter values; once per call the regions' required lists and their required parameters);
:func:`filled_of` sums the same conditions per organisation in the database, one query per region
however many organisations, for monitoring's tables.  The figure and its level are services.fill's
(shared with the staff cards and monitoring).
"""
from peewee import SQL, CharField, TextField, fn

from models import CardParameter, CardParameterValue, Employment, Organisation, OrganisationManager, Region, db
from services.card import fields
from services.card.settings import required_of
from services.fill import Fill, filled_count, flag, measure, text_filled

CHUNK = 1000
LONG_CHUNK = 20_000  # ids per summed query: below SQLite's 32,766 variables
COLUMNS = [code for code in fields.FIELDS if code not in fields.STAFF and code not in fields.FILES]
CODES = list(fields.FIELDS)


def _filled(column):
    """A field holds a value: text that is not only spaces; a date, a number or a choice not null."""
    return text_filled(column) if isinstance(column, (CharField, TextField)) else column.is_null(False)


def _managed(director):
    """The organisation has a director (or deputies) among its current staff."""
    kind = (OrganisationManager.kind == 'director') if director else (OrganisationManager.kind != 'director')
    return fn.EXISTS(OrganisationManager.select(SQL('1')).join(Employment)
                     .where(OrganisationManager.organisation == Organisation.id, kind,
                            Employment.dismissed_on.is_null()))


def conditions():
    """code → the condition over Organisation under which that standard field is filled."""
    found = {code: _filled(getattr(Organisation, code)) for code in COLUMNS}
    found.update(director=_managed(True), deputies=_managed(False),
                 licence_scan=_filled(Organisation.licence_scan_name))
    for code, other in fields.EITHER.items():
        found[code] = found[code] | found[other]
    return found


def _parameter_filled(parameter_id):
    return fn.EXISTS(CardParameterValue.select(SQL('1')).where(
        CardParameterValue.organisation == Organisation.id, CardParameterValue.parameter == parameter_id,
        fn.TRIM(CardParameterValue.value) != ''))


def _regions(region_ids):
    """{region id: (standard codes required, [(code, name, parameter id) of required parameters])}."""
    regions = {rid: (required_of(setting), [])
               for rid, setting in Region.select(Region.id, Region.card_fill_fields)
               .where(Region.id.in_(list(region_ids))).tuples()}
    for pid, rid, name in (CardParameter.select(CardParameter.id, CardParameter.region, CardParameter.name)
                           .where(CardParameter.region.in_(list(region_ids)), CardParameter.required)
                           .order_by(CardParameter.id).tuples()):
        regions[rid][1].append((fields.parameter_code(pid), name, pid))
    return regions


def fill_of(organisation_ids):
    """{organisation id: Fill} of the card of each organisation, with what is missing."""
    ids = list(organisation_ids)
    checks_of = conditions()
    rows, valued = [], set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        rows += list(Organisation.select(Organisation.id, Organisation.region,
                                         *[flag(checks_of[code]) for code in CODES])
                     .where(Organisation.id.in_(chunk)).tuples())
        valued.update(CardParameterValue.select(CardParameterValue.organisation, CardParameterValue.parameter)
                      .where(CardParameterValue.organisation.in_(chunk),
                             fn.TRIM(CardParameterValue.value) != '').tuples())
    regions = _regions({row[1] for row in rows})
    result = {}
    for organisation_id, region_id, *flags in rows:
        required, parameters = regions[region_id]
        checks = dict(zip(CODES, map(bool, flags)))
        names = {code: name for code, name, _ in parameters}
        checks.update({code: (organisation_id, pid) in valued for code, _, pid in parameters})

        def labels(code, names=names):
            return (names[code], f'field-{code}') if code in names else fields.label_of(code)
        result[organisation_id] = measure(checks, list(required) + list(names), labels)
    return result


def filled_of(organisation_ids=None, among=None):
    """{organisation id: Fill} (counts only, nothing listed as missing) of each card, summed in the
    database from the same conditions as :func:`fill_of`: one query per region.  ``among``: the
    organisations as a query of their ids, which the database reads instead of a long list."""
    ids = list(organisation_ids or ())
    parts = [among] if among is not None else [ids[start:start + LONG_CHUNK] for start in range(0, len(ids), LONG_CHUNK)]
    checks_of = conditions()
    result = {}
    for part in parts:
        present = [rid for (rid,) in Organisation.select(Organisation.region).distinct()
                   .where(Organisation.id.in_(part)).tuples()]
        for region_id, (required, parameters) in _regions(present).items():
            both = [checks_of[code] for code in required] + [_parameter_filled(pid) for _, _, pid in parameters]
            total, filled = len(both), filled_count(both)
            query = Organisation.select(Organisation.id, filled).where(Organisation.id.in_(part),
                                                                       Organisation.region == region_id)
            for organisation_id, count in db.execute_sql(*query.sql()).fetchall():
                result[organisation_id] = Fill(int(count), total)
    return result


def card_fill(organisation):
    """The Fill of one organisation's card."""
    return fill_of([organisation.id])[organisation.id]
