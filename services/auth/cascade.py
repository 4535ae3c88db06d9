"""The sign-in cascade: Регион → округ / район → населённый пункт → тип ОО → организация."""
import re
from dataclasses import dataclass, field

from models import (EDUCATIONAL_KINDS, MANAGEMENT_KINDS, ORGANISATION_KINDS, Municipality,
                    Organisation, Region, Settlement)
from keys import name_key

ORGANISATION_LIST_LIMIT = 200
_QUERY_JUNK = re.compile(r'[^0-9a-zа-я «»"\'.№-]+')


@dataclass
class Cascade:
    tab: str = 'org'
    region: Region | None = None
    municipality: Municipality | None = None
    settlement: Settlement | None = None
    kind: str = ''
    query: str = ''
    regions: list = field(default_factory=list)
    municipalities: list = field(default_factory=list)
    settlements: list = field(default_factory=list)
    kinds: list = field(default_factory=list)
    organisations: list = field(default_factory=list)
    more_organisations: bool = False


def _as_id(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def build_cascade(tab='org', region_id=None, municipality_id=None, settlement_id=None,
                  kind='', query=''):
    """Each choice narrows the next; a choice that does not belong to its parent is dropped."""
    c = Cascade(tab='body' if tab == 'body' else 'org', query=(query or '').strip()[:100])
    c.regions = list(Region.select().order_by(Region.name))
    if len(c.regions) == 1:
        c.region = c.regions[0]
    else:
        c.region = next((r for r in c.regions if r.id == _as_id(region_id)), None)
    if c.region is None:
        return c
    c.municipalities = list(Municipality.select()
                            .where(Municipality.region == c.region).order_by(Municipality.name))
    c.municipality = next((m for m in c.municipalities if m.id == _as_id(municipality_id)), None)
    if c.tab == 'body':
        c.organisations = _management_bodies(c.region, c.municipality)
        return c
    if c.municipality is None:
        return c
    c.settlements = list(Settlement.select()
                         .where(Settlement.municipality == c.municipality).order_by(Settlement.name))
    c.settlement = next((s for s in c.settlements if s.id == _as_id(settlement_id)), None)
    c.kinds = [(k, ORGANISATION_KINDS[k]) for k in EDUCATIONAL_KINDS]
    c.kind = kind if kind in EDUCATIONAL_KINDS else ''
    if c.settlement is None or not c.kind:
        return c
    found = list(_educational(c.settlement, c.kind, c.query).limit(ORGANISATION_LIST_LIMIT + 1))
    c.organisations = found[:ORGANISATION_LIST_LIMIT]
    c.more_organisations = len(found) > ORGANISATION_LIST_LIMIT
    return c


def _educational(settlement, kind, query):
    orgs = (Organisation.select(Organisation.id, Organisation.short_name)
            .where(Organisation.settlement == settlement, Organisation.kind == kind))
    words = _QUERY_JUNK.sub(' ', name_key(query)).split()
    for word in words:
        orgs = orgs.where(Organisation.name_key.contains(word))
    return orgs.order_by(Organisation.short_name)


def _management_bodies(region, municipality):
    bodies = Organisation.select(Organisation.id, Organisation.short_name).where(
        Organisation.region == region, Organisation.kind.in_(MANAGEMENT_KINDS))
    if municipality is not None:
        bodies = bodies.where((Organisation.municipality == municipality)
                              | (Organisation.kind == 'regional_body'))
    return list(bodies.order_by(Organisation.kind.desc(), Organisation.short_name))
