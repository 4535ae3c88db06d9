"""The one rule of which organisations a management body oversees, for every area that asks
(the card, the year transition, monitoring): a municipality's body those naming it as their
``authority``, the regional body every educational organisation of its region; anyone else none.

Each area builds its own select and adds ``condition(body)``, so the columns it reads are its own
and the rule stays here."""
from peewee import SQL

from models import EDUCATIONAL_KINDS, Organisation

# The organisations that keep school years, orders and the year transition here (the module is
# the ОДО's); the others are overseen for their card and staff only.
TRANSITION_KINDS = ('odo',)


def condition(body):
    """A WHERE condition over ``Organisation``: the organisations ``body`` oversees."""
    if body is None or not body.is_management_body:
        return SQL('1 = 0')
    if body.kind == 'regional_body':
        return in_region(body.region_id)
    return Organisation.kind.in_(EDUCATIONAL_KINDS) & (Organisation.authority == body.id)


def in_region(region_id):
    """Every educational organisation of the region (what the regional body and snapshots see)."""
    return Organisation.kind.in_(EDUCATIONAL_KINDS) & (Organisation.region == region_id)


def oversees(body, organisation_id):
    """True when ``body`` oversees organisation ``organisation_id``."""
    if organisation_id is None:
        return False
    return (Organisation.select(Organisation.id)
            .where(Organisation.id == organisation_id, condition(body)).exists())
