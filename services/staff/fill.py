"""How complete staff cards and portfolios are: the fields the region requires, filled ÷ required.

One rule for every screen and for monitoring.  Each check is written once, as a SQL condition
over an employment (:func:`_conditions`); :func:`fill_of` reads those conditions per card (a fixed
number of queries per 1,000 cards) and :func:`organisation_figures` sums the very same conditions
per organisation in the database (one aggregated query per 20,000 organisations, the related rows
pre-aggregated per employment), so the staff pages and monitoring cannot count differently.  The figure and its level are services.fill's,
shared with the organisation card.
"""
import contextlib
from collections import namedtuple
from dataclasses import dataclass

from peewee import JOIN, Case, PostgresqlDatabase, fn

import clock
from models import Employment, EmploymentEducation, Organisation, Person, PortfolioItem, Region, User, db
from services.fill import Fill, measure as _measure
from services.staff import settings
from services.staff.settings import CARD_FIELDS, PORTFOLIO_FIELDS

# Курсы, повышение квалификации, профессиональная переподготовка: each is ДПО with hours and a document.
COURSE_KINDS = (PortfolioItem.COURSE, PortfolioItem.QUALIFICATION, PortfolioItem.RETRAINING)
ATTESTATION = PortfolioItem.ATTESTATION
COURSE_YEARS, ATTESTATION_YEARS = 3, 5
CHUNK = 1000
# Organisations per aggregated query: each query hashes the checks' tables once, so few and large
# (below SQLite's 32,766 variables).
ORGANISATION_CHUNK = 20_000
CHECKS = tuple(CARD_FIELDS) + tuple(PORTFOLIO_FIELDS)


@dataclass
class StaffFill:
    card: Fill
    portfolio: Fill


# One organisation's current staff: card and portfolio fills over all its cards, the ЕСИА link
# (linked ÷ staff) and the number of current cards.
OrganisationStaff = namedtuple('OrganisationStaff', 'card portfolio esia staff')


def today(zone=None):
    """The day fill is reckoned on (courses of the last 3 years…), in the region's zone."""
    return clock.today(zone)


def years_before(day, years):
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _text(column):
    """Filled text: not null and not only spaces."""
    return column.is_null(False) & (fn.TRIM(column) != '')


def _exists(query):
    return fn.EXISTS(query)


def _item_has_gaps():
    """A portfolio item lacks something (the SQL form of :func:`item_gaps`; a test keeps them equal)."""
    return (PortfolioItem.issued_on.is_null() | ~_text(PortfolioItem.issuer)
            | (PortfolioItem.kind.in_(COURSE_KINDS)
               & (PortfolioItem.hours.is_null() | (PortfolioItem.hours == 0)
                  | ~_text(PortfolioItem.document_number))))


def _education_complete():
    """An education row with level, institution, year and speciality."""
    return (_text(EmploymentEducation.level) & _text(EmploymentEducation.institution)
            & EmploymentEducation.graduation_year.is_null(False) & (EmploymentEducation.graduation_year != 0)
            & _text(EmploymentEducation.speciality))


def _item_checks(day):
    """check code → the condition under which one portfolio item meets it."""
    courses_since, attestation_since = years_before(day, COURSE_YEARS), years_before(day, ATTESTATION_YEARS)
    return {'recent_course': PortfolioItem.kind.in_(COURSE_KINDS) & (PortfolioItem.issued_on >= courses_since),
            'attestation': (PortfolioItem.kind == ATTESTATION) & (PortfolioItem.issued_on >= attestation_since)}


def _own_conditions():
    """code → the condition over the employment's and its person's own columns."""
    category = Employment.qualification_category
    return {
        'patronymic': (Person.patronymic.is_null(False) & (Person.patronymic != '')) | (Person.no_patronymic == True),
        'snils': Person.snils.is_null(False) & (Person.snils != ''),
        'position': _text(Employment.position),
        'started_on': Employment.started_on.is_null(False),
        'qualification': (category == Employment.NO_CATEGORY) | (
            _text(category) & Employment.qualification_assigned_on.is_null(False)
            & _text(Employment.qualification_order)),
        'experience': Employment.experience_years.is_null(False),
        'pedagogical_experience': Employment.pedagogical_experience_years.is_null(False),
        'work_phone': _text(Employment.work_phone),
        'work_email': _text(Employment.work_email),
    }


def _conditions(day):
    """code → the condition under which an employment (joined with its person) has that field:
    its own columns, and for its education, account and portfolio items an EXISTS of their rows."""
    def items(*where):
        return PortfolioItem.select(PortfolioItem.id).where(PortfolioItem.employment == Employment.id, *where)
    item_checks = _item_checks(day)
    return {
        **_own_conditions(),
        'education': _exists(EmploymentEducation.select(EmploymentEducation.id).where(
            EmploymentEducation.employment == Employment.id, _education_complete())),
        'esia': _exists(User.select(User.id).where(User.person == Employment.person, User.esia_oid.is_null(False))),
        'recent_course': _exists(items(item_checks['recent_course'])),
        'attestation': _exists(items(item_checks['attestation'])),
        'complete_items': _exists(items()) & ~_exists(items(_item_has_gaps())),
    }


def _flag(condition):
    return Case(None, [(condition, 1)], 0)


def _summed_per_organisation(day, organisations):
    """A query of (organisation, current cards, the sum of each check in CHECKS order) over the
    organisations (a list or a query of ids).  The same conditions as :func:`_conditions`, but the
    education, account and portfolio rows are aggregated per employment once (GROUP BY) and joined,
    instead of an EXISTS per card and check: at 200,000 cards that is the difference of seconds."""
    jobs = Employment.select(Employment.id).where(Employment.organisation.in_(organisations),
                                                  Employment.dismissed_on.is_null())
    people = Employment.select(Employment.person).where(Employment.organisation.in_(organisations),
                                                        Employment.dismissed_on.is_null())
    item_checks = _item_checks(day)
    items = (PortfolioItem.select(PortfolioItem.employment.alias('employment_id'),
                                  fn.MAX(_flag(item_checks['recent_course'])).alias('recent_course'),
                                  fn.MAX(_flag(item_checks['attestation'])).alias('attestation'),
                                  fn.MAX(_flag(_item_has_gaps())).alias('gaps'))
             .where(PortfolioItem.employment.in_(jobs)).group_by(PortfolioItem.employment).alias('items'))
    educated = (EmploymentEducation.select(EmploymentEducation.employment.alias('employment_id'))
                .where(EmploymentEducation.employment.in_(jobs), _education_complete())
                .group_by(EmploymentEducation.employment).alias('educated'))
    linked = (User.select(User.person.alias('person_id'))
              .where(User.person.in_(people), User.esia_oid.is_null(False))
              .group_by(User.person).alias('linked'))
    conditions = {**_own_conditions(),
                  'education': educated.c.employment_id.is_null(False),
                  'esia': linked.c.person_id.is_null(False),
                  'recent_course': items.c.recent_course == 1,
                  'attestation': items.c.attestation == 1,
                  'complete_items': items.c.employment_id.is_null(False) & (items.c.gaps == 0)}
    return (Employment.select(Employment.organisation, fn.COUNT(Employment.id),
                              *[fn.SUM(_flag(conditions[code])) for code in CHECKS])
            .join(Person, on=(Employment.person == Person.id))
            .join_from(Employment, items, JOIN.LEFT_OUTER, on=(items.c.employment_id == Employment.id))
            .join_from(Employment, educated, JOIN.LEFT_OUTER, on=(educated.c.employment_id == Employment.id))
            .join_from(Employment, linked, JOIN.LEFT_OUTER, on=(linked.c.person_id == Employment.person))
            .where(Employment.organisation.in_(organisations), Employment.dismissed_on.is_null())
            .group_by(Employment.organisation))


def _flags(day):
    """Each check as a 0/1 column, in CHECKS order."""
    conditions = _conditions(day)
    return [Case(None, [(conditions[code], 1)], 0) for code in CHECKS]


def item_gaps(item):
    """What one portfolio item lacks for «сведения о документах»: its date and issuer, and for a
    course also its hours and document number (labels, in the order of the form)."""
    gaps = [] if item.issued_on else ['дата документа']
    if not (item.issuer or '').strip():
        gaps.append('кем выдан')
    if item.kind in COURSE_KINDS:
        if not item.hours:
            gaps.append('часы')
        if not (item.document_number or '').strip():
            gaps.append('номер документа')
    return gaps


@contextlib.contextmanager
def _planned_quickly():
    """PostgreSQL prices the checks' subplans high enough to JIT-compile them, which costs ~1.8 s
    for a query that runs in ~0.2 s: JIT (and parallel workers) are turned off for this transaction only."""
    with db.atomic():
        if isinstance(db.obj, PostgresqlDatabase):
            db.execute_sql('SET LOCAL jit = off')
            # A parallel worker would build its own copy of each per-employment aggregate: twice the work.
            db.execute_sql('SET LOCAL max_parallel_workers_per_gather = 0')
        yield


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _required_by_organisation(organisation_ids, among=None):
    """{organisation id: (card codes, portfolio codes)} from each organisation's region."""
    ids = list(organisation_ids)
    region_of = {}
    for part in ([among] if among is not None else _chunks(ids, ORGANISATION_CHUNK)):
        region_of.update(Organisation.select(Organisation.id, Organisation.region)
                         .where(Organisation.id.in_(part)).tuples())
    regions = {region.id: settings.required_fields(region)
               for region in Region.select().where(Region.id.in_(list(set(region_of.values()) or [0])))}
    return {oid: regions[region_id] for oid, region_id in region_of.items()}


def fill_of(employments, day=None):
    """{employment id: StaffFill} for employments (any query or list of them)."""
    day = day or today()
    pairs = [(e.id, e.organisation_id) for e in employments]
    required = _required_by_organisation({oid for _, oid in pairs})
    result = {}
    for part in _chunks(pairs):
        query = (Employment.select(Employment.id, Employment.organisation, *_flags(day))
                 .join(Person, on=(Employment.person == Person.id))
                 .where(Employment.id.in_([eid for eid, _ in part])))
        with _planned_quickly():
            rows = list(query.tuples())
        for employment_id, organisation_id, *flags in rows:
            checks = dict(zip(CHECKS, map(bool, flags)))
            card_codes, portfolio_codes = required[organisation_id]
            card = _measure(checks, card_codes, lambda code: CARD_FIELDS[code])
            portfolio = _measure(checks, portfolio_codes, lambda code: (PORTFOLIO_FIELDS[code], 'portfolio'))
            result[employment_id] = StaffFill(card, portfolio)
    return result


def fill_percentage(employment, day=None):
    """The fill of one employee's card and portfolio (a StaffFill)."""
    return fill_of([employment], day)[employment.id]


def organisation_figures(organisation_ids, day=None, among=None):
    """{organisation id: OrganisationStaff} over the current staff of each organisation, summed
    in the database: fields filled on all its cards ÷ fields required on all of them (no staff:
    nothing required), and how many of them sign in through ЕСИА.  ``among``: the same
    organisations as a query of their ids, which the database reads instead of a long list."""
    day = day or today()
    ids = list(organisation_ids)
    required = _required_by_organisation(ids, among)
    sums = {}
    for part in ([among] if among is not None else _chunks(ids, ORGANISATION_CHUNK)):
        query = _summed_per_organisation(day, part)
        with _planned_quickly():
            rows = list(query.tuples())
        for organisation_id, count, *filled in rows:
            sums[organisation_id] = (count, dict(zip(CHECKS, (int(n or 0) for n in filled))))
    result = {}
    for oid in ids:
        count, filled = sums.get(oid, (0, dict.fromkeys(CHECKS, 0)))
        card_codes, portfolio_codes = required.get(oid, ((), ()))
        result[oid] = OrganisationStaff(
            Fill(sum(filled[code] for code in card_codes), count * len(card_codes)),
            Fill(sum(filled[code] for code in portfolio_codes), count * len(portfolio_codes)),
            Fill(filled['esia'], count), count)
    return result


def organisation_fill(organisation_ids, day=None):
    """{organisation id: (card Fill, portfolio Fill)} over the current staff of each organisation."""
    return {oid: (figures.card, figures.portfolio)
            for oid, figures in organisation_figures(organisation_ids, day).items()}
