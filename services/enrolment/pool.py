"""«Список выпускников и выбывших»: departures (выбытие, выпуск) from any organisation of the
region, newest first.  Counting looks a few pages ahead instead of counting everything, so a
page costs the same however broad the filter."""
import datetime

from peewee import SQL

from compiled import compiled
from keys import name_key, prefix_upper_bound
from models import Association, Membership, Organisation, Person, Region
from services.enrolment.filters import DEPARTURE_KINDS

POOL_LOOKAHEAD = 2  # pages of the pool counted past the current one


def _pool_terms(f, region_id):
    """The pool's filters as values and shape of its compiled queries, and the departure kinds.

    Every filter reads a column of the membership row (the child carries the surname key and
    gender), so the partial index ``membership_pool`` answers the page and its count alone.
    Organisations are given as a list of ids, read first: against a subquery the planner joins
    and sorts every departure of the year instead of walking the index newest first.
    """
    terms = {}
    places = {k: v for k, v in (('kind', f.org_kind), ('municipality', f.municipality),
                                ('authority', f.authority)) if v}
    if f.organisation:
        terms['organisation'] = f.organisation
    elif places or [row[0] for row in _regions()] != [region_id]:  # else: every organisation
        terms['organisations'] = [row[0] for row in _region_places(
            region_id, *places.values(), used=tuple(places))] or [0]
    if f.association:
        terms['association'] = f.association
    if f.year:
        terms['year'], terms['year_end'] = datetime.date(f.year, 1, 1), datetime.date(f.year + 1, 1, 1)
    if f.reason:
        terms['reason'] = f.reason
    if f.letter:
        terms['letter'] = name_key(f.letter)
        terms['letter_end'] = prefix_upper_bound(terms['letter'])
    if f.gender:
        terms['gender'] = f.gender
    return terms, (f.category,) if f.category else tuple(DEPARTURE_KINDS)


def pool_departures(f, region_id):
    """Ids of departures (выбытие, выпуск) from organisations of the region, newest first: a
    function of how many to read."""
    terms, kinds = _pool_terms(f, region_id)
    return lambda limit: [row[0] for row in _pool_ids(*terms.values(), limit, kinds=kinds,
                                                       used=tuple(terms) + ('limit',))]


def pool_people(f, region_id, person_ids):
    """Which of these people the pool lists under ``f``: their departures are looked up by child."""
    terms, kinds = _pool_terms(f, region_id)
    return {row[0] for row in _pool_people(*terms.values(), sorted(person_ids), kinds=kinds,
                                           used=tuple(terms) + ('people',))}


@compiled
def _regions():  # a database usually holds one region: then its organisations are all there are
    return Region.select(Region.id).limit(2).tuples()


@compiled
def _region_places(region_id, *values, used):
    """Ids of the region's organisations of a kind, район and УО (those in ``used``)."""
    places = Organisation.select(Organisation.id).where(Organisation.region == region_id)
    for name, value in zip(used, values):
        places = places.where(getattr(Organisation, name) == value)
    return places.tuples()


@compiled
def _pool_ids(*values, kinds, used):
    terms = dict(zip(used, values))
    return (_departures(Membership.id, terms, kinds)
            .order_by(Membership.ended_on.desc(), Membership.id.desc())
            .limit(terms['limit']).tuples())


@compiled
def _pool_people(*values, kinds, used):
    terms = dict(zip(used, values))
    return (_departures(Membership.person, terms, kinds)
            .where(Membership.person.in_(terms['people'])).distinct().tuples())


def _departures(column, terms, kinds):
    # Kinds inlined as literals: SQLite uses a partial index only for the identical term.
    departed = Membership.select(column).where(
        Membership.end_kind.in_([SQL(f"'{kind}'") for kind in kinds]))
    if 'organisation' in terms:
        departed = departed.where(Membership.organisation == terms['organisation'])
    if 'organisations' in terms:
        departed = departed.where(Membership.organisation.in_(terms['organisations']))
    if 'association' in terms:
        departed = departed.where(Membership.association == terms['association'])
    if 'year' in terms:
        departed = departed.where(Membership.ended_on >= terms['year'],
                                  Membership.ended_on < terms['year_end'])
    if 'reason' in terms:
        departed = departed.where(Membership.end_reason == terms['reason'])
    if 'letter' in terms:
        departed = departed.where(Membership.surname_key >= terms['letter'],
                                  Membership.surname_key < terms['letter_end'])
    if 'gender' in terms:
        departed = departed.where(Membership.gender == terms['gender'])
    return departed


def pool_rows(ids):
    """The departures of one page (by id) with their child, organisation and объединение, in order."""
    found = {m.id: m for m in _departures_by_id(ids)} if ids else {}
    return [found[i] for i in ids if i in found]


@compiled
def _departures_by_id(ids):
    shown = (Membership.id, Membership.person, Membership.organisation, Membership.association,
             Membership.ended_on, Membership.end_kind, Membership.end_reason,
             Membership.destination, Person.id, Person.surname, Person.name, Person.patronymic,
             Person.birth_date, Organisation.id, Organisation.short_name, Association.id,
             Association.name)
    return (Membership.select(*shown)
            .join_from(Membership, Person)
            .join_from(Membership, Organisation)
            .join_from(Membership, Association)
            .where(Membership.id.in_(ids)))

