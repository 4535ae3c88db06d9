"""How complete staff cards and portfolios are: the fields the region requires, filled ÷ required.

One rule for every screen and for monitoring: :func:`fill_of` reads any number of employments
in a fixed number of queries (per 1,000 employments), :func:`fill_percentage` is the same for one.
The figure and its level are services.fill's, shared with the organisation card.
"""
from collections import defaultdict
from dataclasses import dataclass

import clock
from models import Employment, EmploymentEducation, Organisation, Person, PortfolioItem, Region, User
from services.fill import Fill, measure as _measure
from services.staff import settings
from services.staff.settings import CARD_FIELDS, PORTFOLIO_FIELDS

# Курсы, повышение квалификации, профессиональная переподготовка: each is ДПО with hours and a document.
COURSE_KINDS = (PortfolioItem.COURSE, PortfolioItem.QUALIFICATION, PortfolioItem.RETRAINING)
ATTESTATION = PortfolioItem.ATTESTATION
COURSE_YEARS, ATTESTATION_YEARS = 3, 5
CHUNK = 1000


@dataclass
class StaffFill:
    card: Fill
    portfolio: Fill


def today(zone=None):
    """The day fill is reckoned on (courses of the last 3 years…), in the region's zone."""
    return clock.today(zone)


def years_before(day, years):
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _card_checks(employment, person, educations, linked):
    category = employment.qualification_category
    return {
        'patronymic': bool(person.patronymic or person.no_patronymic),
        'snils': bool(person.snils),
        'position': bool((employment.position or '').strip()),
        'started_on': employment.started_on is not None,
        'education': any(e.level and e.institution.strip() and e.graduation_year
                         and e.speciality.strip() for e in educations),
        'qualification': bool(category) and (
            category == Employment.NO_CATEGORY
            or (employment.qualification_assigned_on is not None
                and bool(employment.qualification_order.strip()))),
        'experience': employment.experience_years is not None,
        'pedagogical_experience': employment.pedagogical_experience_years is not None,
        'work_phone': bool(employment.work_phone.strip()),
        'work_email': bool(employment.work_email.strip()),
        'esia': linked,
    }


def _portfolio_checks(items, day):
    courses_since, attestation_since = years_before(day, COURSE_YEARS), years_before(day, ATTESTATION_YEARS)
    return {
        'recent_course': any(i.kind in COURSE_KINDS and i.issued_on and i.issued_on >= courses_since
                             for i in items),
        'attestation': any(i.kind == ATTESTATION and i.issued_on and i.issued_on >= attestation_since
                           for i in items),
        'complete_items': bool(items) and not any(item_gaps(i) for i in items),
    }


def item_gaps(item):
    """What one portfolio item lacks for «сведения о документах»: its date and issuer, and for a
    course also its hours and document number (labels, in the order of the form)."""
    gaps = [] if item.issued_on else ['дата документа']
    if not item.issuer.strip():
        gaps.append('кем выдан')
    if item.kind in COURSE_KINDS:
        if not item.hours:
            gaps.append('часы')
        if not item.document_number.strip():
            gaps.append('номер документа')
    return gaps


def _chunks(items):
    items = list(items)
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def fill_of(employments, day=None):
    """{employment id: StaffFill} for employments (their ``person`` best selected with them)."""
    day = day or today()
    employments = list(employments)
    result = {}
    for part in _chunks(employments):
        ids = [e.id for e in part]
        person_ids = [e.person_id for e in part]
        people = {p.id: p for p in Person.select().where(Person.id.in_(
            [e.person_id for e in part if 'person' not in e.__rel__]))}
        educations, items = defaultdict(list), defaultdict(list)
        for entry in EmploymentEducation.select().where(EmploymentEducation.employment.in_(ids)):
            educations[entry.employment_id].append(entry)
        for item in (PortfolioItem.select(PortfolioItem.employment, PortfolioItem.kind, PortfolioItem.issued_on,
                                          PortfolioItem.issuer, PortfolioItem.hours,
                                          PortfolioItem.document_number)
                     .where(PortfolioItem.employment.in_(ids))):
            items[item.employment_id].append(item)
        linked = {row[0] for row in User.select(User.person).where(
            User.person.in_(person_ids), User.esia_oid.is_null(False)).tuples()}
        regions = {org_id: region for org_id, region in _regions_of({e.organisation_id for e in part})}
        for e in part:
            person = e.__rel__.get('person') or people[e.person_id]
            card_codes, portfolio_codes = settings.required_fields(regions[e.organisation_id])
            card = _measure(_card_checks(e, person, educations[e.id], e.person_id in linked),
                            card_codes, lambda code: CARD_FIELDS[code])
            portfolio = _measure(_portfolio_checks(items[e.id], day), portfolio_codes,
                                 lambda code: (PORTFOLIO_FIELDS[code], 'portfolio'))
            result[e.id] = StaffFill(card, portfolio)
    return result


def _regions_of(organisation_ids):
    query = (Organisation.select(Organisation.id, Region).join(Region)
             .where(Organisation.id.in_(list(organisation_ids))))
    return [(org.id, org.region) for org in query]


def fill_percentage(employment, day=None):
    """The fill of one employee's card and portfolio (a StaffFill)."""
    return fill_of([employment], day)[employment.id]


def organisation_fill(organisation_ids, day=None):
    """{organisation id: (card Fill, portfolio Fill)} over the current staff of each organisation:
    fields filled on all its cards ÷ fields required on all of them (no staff: nothing required)."""
    totals = {oid: [Fill(0, 0), Fill(0, 0)] for oid in organisation_ids}
    query = (Employment.select(Employment, Person.id, Person.snils, Person.patronymic, Person.no_patronymic)
             .join(Person).where(Employment.organisation.in_(list(organisation_ids)),
                    Employment.dismissed_on.is_null()))
    for e, fill in zip(*_with_fill(query, day)):
        card, portfolio = totals[e.organisation_id]
        card.add(fill.card)
        portfolio.add(fill.portfolio)
    return {oid: tuple(pair) for oid, pair in totals.items()}


def _with_fill(query, day):
    employments = list(query)
    fills = fill_of(employments, day)
    return employments, [fills[e.id] for e in employments]
