"""How complete organisation cards are: the region's required fields filled ÷ required.

:func:`fill_of` reads any number of organisations in a fixed number of queries: per 1,000
organisations one for the columns, one for the director and deputies, one for the region's
parameter values; once per call the regions' required lists and their required parameters.
The figure and its level are services.fill's (shared with the staff cards and monitoring).
"""
from peewee import fn

from models import CardParameter, CardParameterValue, Employment, Organisation, OrganisationManager, Region
from services.card import fields
from services.card.settings import required_of
from services.fill import measure

CHUNK = 1000
COLUMNS = [code for code in fields.FIELDS if code not in fields.STAFF and code not in fields.FILES]


def _filled(value):
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    return True


def _regions(region_ids):
    """{region id: (standard codes required, [(code, name) of required parameters])}."""
    regions = {rid: (required_of(setting), [])
               for rid, setting in Region.select(Region.id, Region.card_fill_fields)
               .where(Region.id.in_(list(region_ids))).tuples()}
    for pid, rid, name in (CardParameter.select(CardParameter.id, CardParameter.region, CardParameter.name)
                           .where(CardParameter.region.in_(list(region_ids)), CardParameter.required)
                           .order_by(CardParameter.id).tuples()):
        regions[rid][1].append((fields.parameter_code(pid), name))
    return regions


def fill_of(organisation_ids):
    """{organisation id: Fill} of the card of each organisation."""
    ids = list(organisation_ids)
    rows, managed, valued = [], {}, set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        # Tuples, not model instances: at 20,000 organisations building instances is most of the time.
        rows += list(Organisation.select(Organisation.id, Organisation.region, Organisation.licence_scan_name,
                                         *[getattr(Organisation, code) for code in COLUMNS])
                     .where(Organisation.id.in_(chunk)).tuples())
        for oid, kind in (OrganisationManager.select(OrganisationManager.organisation, OrganisationManager.kind)
                          .join(Employment)
                          .where(OrganisationManager.organisation.in_(chunk), Employment.dismissed_on.is_null())
                          .group_by(OrganisationManager.organisation, OrganisationManager.kind).tuples()):
            managed.setdefault(oid, set()).add('director' if kind == 'director' else 'deputies')
        valued.update(CardParameterValue.select(CardParameterValue.organisation, CardParameterValue.parameter)
                      .where(CardParameterValue.organisation.in_(chunk),
                             fn.TRIM(CardParameterValue.value) != '').tuples())
    regions = _regions({row[1] for row in rows})
    result = {}
    for organisation_id, region_id, scan_name, *values in rows:
        required, parameters = regions[region_id]
        checks = dict(zip(COLUMNS, map(_filled, values)))
        checks.update({code: code in managed.get(organisation_id, ()) for code in fields.STAFF})
        checks['licence_scan'] = bool(scan_name)
        for code, other in fields.EITHER.items():
            checks[code] = checks[code] or checks[other]
        names = dict(parameters)
        checks.update({code: (organisation_id, int(code[len(fields.PARAMETER):])) in valued
                       for code in names})

        def labels(code, names=names):
            return (names[code], f'field-{code}') if code in names else fields.label_of(code)
        result[organisation_id] = measure(checks, list(required) + list(names), labels)
    return result


def card_fill(organisation):
    """The Fill of one organisation's card."""
    return fill_of([organisation.id])[organisation.id]
