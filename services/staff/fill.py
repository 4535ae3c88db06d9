"""How complete staff cards and portfolios are: the fields the region requires, filled ÷ required.

One rule for every screen and for monitoring.  Each check is written once, as a SQL condition
over an employment joined with its person and its summary (:func:`_conditions`; the summary is
what its educations, portfolio items and accounts amount to, kept by the database:
services/staff/summary.py); :func:`fill_of` reads those conditions per card (a fixed number of
queries per 1,000 cards) and :func:`organisation_figures` sums the very same conditions per
organisation in the database (one aggregated query per 20,000 organisations), so the staff pages
and monitoring cannot count differently.  The figure and its level are services.fill's, shared
with the organisation card.
"""
import contextlib
from collections import namedtuple
from dataclasses import dataclass

from peewee import JOIN, PostgresqlDatabase, fn

import clock
from models import Employment, EmploymentEducation, EmploymentSummary, Organisation, Person, PortfolioItem, Region, db
from services.fill import Fill, filled_count, flag, measure as _measure, text_filled as _text
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


def item_has_gaps():
    """A portfolio item lacks something (the SQL form of :func:`item_gaps`; a test keeps them equal)."""
    return (PortfolioItem.issued_on.is_null() | ~_text(PortfolioItem.issuer)
            | (PortfolioItem.kind.in_(COURSE_KINDS)
               & (PortfolioItem.hours.is_null() | (PortfolioItem.hours == 0)
                  | ~_text(PortfolioItem.document_number))))


def education_complete():
    """An education row with level, institution, year and speciality."""
    return (_text(EmploymentEducation.level) & _text(EmploymentEducation.institution)
            & EmploymentEducation.graduation_year.is_null(False) & (EmploymentEducation.graduation_year != 0)
            & _text(EmploymentEducation.speciality))


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
    """code → the condition under which an employment (joined with its person and its summary) has
    that field: its own columns, and for its education, account and portfolio items its summary
    (services/staff/summary.py: counts and latest dates the database keeps from those rows, built
    from :func:`education_complete` and :func:`item_has_gaps`)."""
    summary = EmploymentSummary
    return {
        **_own_conditions(),
        'education': summary.educations > 0,
        'esia': summary.esia_accounts > 0,
        'recent_course': summary.course_on >= years_before(day, COURSE_YEARS),
        'attestation': summary.attestation_on >= years_before(day, ATTESTATION_YEARS),
        'complete_items': (summary.items > 0) & (summary.item_gaps == 0),
    }


def _with_summary(query):
    """``query`` over Employment joined with its person and its summary (every check's columns)."""
    return (query.join(Person, on=(Employment.person == Person.id))
            .join_from(Employment, EmploymentSummary, JOIN.LEFT_OUTER,
                       on=(EmploymentSummary.employment == Employment.id)))


def _summed_per_organisation(day, organisations, card_codes, portfolio_codes):
    """A query of (organisation, current cards, card fields filled, portfolio fields filled, cards
    linked to ЕСИА) over the organisations (a query of ids): the very conditions each card is read
    with (:func:`_conditions`), added up over the codes required and summed per organisation."""
    conditions = _conditions(day)

    def filled(codes):
        return fn.SUM(filled_count([conditions[code] for code in codes]))
    return (_with_summary(Employment.select(Employment.organisation, fn.COUNT(Employment.id), filled(card_codes),
                                            filled(portfolio_codes), filled(['esia'])))
            .where(Employment.organisation.in_(organisations), Employment.dismissed_on.is_null())
            .group_by(Employment.organisation))


def _flags(day):
    """Each check as a 0/1 column, in CHECKS order."""
    conditions = _conditions(day)
    return [flag(conditions[code]) for code in CHECKS]


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


def _required_by_organisation(organisation_ids):
    """{organisation id: (card codes, portfolio codes)} from each organisation's region."""
    ids = list(organisation_ids)
    region_of = {}
    for part in _chunks(ids, ORGANISATION_CHUNK):
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
        query = (_with_summary(Employment.select(Employment.id, Employment.organisation, *_flags(day)))
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
    nothing required), and how many of them sign in through ЕСИА; one query per region.
    ``among``: the same organisations as a query of their ids, which the database reads instead
    of a long list."""
    day = day or today()
    ids = list(organisation_ids)
    sums, required = {}, {}
    for part in ([among] if among is not None else _chunks(ids, ORGANISATION_CHUNK)):
        present = Organisation.select(Organisation.region).distinct().where(Organisation.id.in_(part))
        for region in Region.select().where(Region.id.in_(present)):
            codes = required[region.id] = settings.required_fields(region)
            query = _summed_per_organisation(day, Organisation.select(Organisation.id).where(
                Organisation.id.in_(part), Organisation.region == region.id), *codes)
            with _planned_quickly():
                # The driver's tuples: 20,000 rows of plain integers need no converters.
                for organisation_id, count, card, portfolio, esia in db.execute_sql(*query.sql()).fetchall():
                    sums[organisation_id] = (count, int(card), int(portfolio), int(esia), region.id)
    result = {}
    for oid in ids:
        count, card, portfolio, esia, region_id = sums.get(oid, (0, 0, 0, 0, None))
        card_codes, portfolio_codes = required.get(region_id, ((), ()))
        result[oid] = OrganisationStaff(Fill(card, count * len(card_codes)),
                                        Fill(portfolio, count * len(portfolio_codes)), Fill(esia, count), count)
    return result


def organisation_fill(organisation_ids, day=None):
    """{organisation id: (card Fill, portfolio Fill)} over the current staff of each organisation."""
    return {oid: (figures.card, figures.portfolio)
            for oid, figures in organisation_figures(organisation_ids, day).items()}
