"""Enrolment from the regional registry: the three ways of picking existing children.

* «Поиск учащихся для зачисления» — one child by ФИО, date of birth, СНИЛС or document;
* «Список выпускников и выбывших» — the pool: departures from any organisation of the region;
* «Список обучающихся в других ОО» — another organisation's current list, without documents.

Matching never relies on the database's ``lower()`` or ``LIKE`` (ASCII-only on SQLite):
it compares the stored keys (casefolded, ё→е, spaces collapsed; СНИЛС as digits; document
series+number without separators) with ``=`` and prefix ranges, which ordinary b-tree
indexes serve on SQLite and PostgreSQL alike.  Counting stops at ``COUNT_CAP`` rows so a
page costs the same however broad the filter.  Everything a page shows about its rows is
loaded in a fixed number of queries, whatever the page size.

Children ticked on these screens are kept in ``EnrollmentSelection`` per user and draft
order, so ticks survive paging, filter changes and other screens until they are added.
"""
import datetime
import re
from dataclasses import dataclass, field

from peewee import JOIN, SQL, IntegrityError, fn

from compiled import compiled
from models import (EDUCATIONAL_KINDS, MANAGEMENT_KINDS, ORGANISATION_KINDS,
                    WITHDRAWAL_REASONS, Association, EnrollmentSelection,
                    IdentityDocument, Membership, Municipality, Order, OrderLine, Organisation,
                    Person, Program, Region, SchoolYear, Settlement, db)
from services.paging import PAGE_SIZES
from services.registry.documents import format_snils, normalise_birth_certificate_series
from services.movement import staff_among
from keys import digits_key, document_key, name_key, prefix_upper_bound

POOL_LOOKAHEAD = 2  # pages of the pool counted past the current one
ORGANISATION_CHOICES_LIMIT = 50
TARGET_CHOICES_LIMIT = 30
DEPARTURE_KINDS = {'withdrawal': 'Выбытие', 'graduation': 'Выпуск'}
GENDER_CHOICES = {'M': 'Мужской', 'F': 'Женский'}
SURNAME_LETTERS = 'АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЭЮЯ'
MAIN_KINDS = ('school', 'kindergarten', 'college')  # where a child's основная организация is
SOURCES = {'search': 'Поиск в регистре', 'pool': 'Выпускники и выбывшие',
           'others': 'Другие ОО'}
SCREEN_TITLES = {'search': 'Поиск учащихся для зачисления',
                 'pool': 'Список выпускников и выбывших',
                 'others': 'Список обучающихся в других ОО'}


class SelectionRefused(Exception):
    pass


# --- Parsing filters (allow-listed; bad values are dropped or explained) ----------

def _int(value):
    value = (value or '').strip()
    return int(value) if re.fullmatch(r'\d{1,9}', value) else None


def _date(value):
    value = (value or '').strip()
    for pattern in ('%Y-%m-%d', '%d.%m.%Y'):
        try:
            return datetime.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def _text(value, limit=100):
    return re.sub(r'\s+', ' ', value or '').strip()[:limit]


def _page_size(value, default):
    size = _int(value)
    return size if size in PAGE_SIZES else default


def series_key(series):
    """What people type as a series ('ii фв', 'ІІ-ФВ', '64 08') → the stored key prefix."""
    return document_key(normalise_birth_certificate_series(series), '')


@dataclass
class SearchFilters:
    surname: str = ''
    name: str = ''
    patronymic: str = ''
    no_patronymic: bool = False
    birth_date: datetime.date | None = None
    snils: str = ''
    doc_series: str = ''
    doc_number: str = ''
    applied: bool = False
    page: int = 1
    size: int = 50
    raw: dict = field(default_factory=dict)  # what was typed, shown back in the form
    errors: dict = field(default_factory=dict)  # field → the sentence about what was typed

    def ready(self):
        """A list is shown once «Применить» is pressed with filters that narrow the registry."""
        return self.applied and not self.errors

    def used(self):
        """Names of the filled filters (for the audit log: never their values)."""
        names = ('surname', 'name', 'patronymic', 'no_patronymic', 'birth_date', 'snils',
                 'doc_series', 'doc_number')
        return [n for n in names if getattr(self, n)]

    def args(self, **changes):
        values = {k: v for k, v in self.raw.items() if v}
        values.update(applied='1', size=str(self.size))
        values.update({k: str(v) for k, v in changes.items()})
        return values


def parse_search(args):
    """Filters of «Поиск учащихся для зачисления» and the sentences about bad ones."""
    raw = {k: _text(args.get(k, ''), 100) for k in
           ('surname', 'name', 'patronymic', 'birth_date', 'snils', 'doc_series', 'doc_number')}
    raw['no_patronymic'] = '1' if args.get('no_patronymic') else ''
    f = SearchFilters(raw=raw, applied=bool(args.get('applied')),
                      page=max(_int(args.get('page')) or 1, 1),
                      size=_page_size(args.get('size'), 50))
    errors = f.errors
    f.surname, f.name = name_key(raw['surname']), name_key(raw['name'])
    f.no_patronymic = bool(raw['no_patronymic'])
    f.patronymic = '' if f.no_patronymic else name_key(raw['patronymic'])
    if raw['birth_date']:
        f.birth_date = _date(raw['birth_date'])
        if f.birth_date is None:
            errors['birth_date'] = 'Укажите дату рождения в виде ДД.ММ.ГГГГ.'
    if raw['snils']:
        f.snils = digits_key(raw['snils'])
        if not 3 <= len(f.snils) <= 11 or len(f.snils) != len(re.sub(r'[\s-]', '', raw['snils'])):
            errors['snils'] = 'СНИЛС — 11 цифр (можно с дефисами и пробелом) или его первые цифры, не меньше трёх.'
    f.doc_series = series_key(raw['doc_series'])
    f.doc_number = document_key('', raw['doc_number'])
    if f.applied and not errors and not (f.surname or f.birth_date or f.snils or f.doc_series
                                         or f.doc_number):
        errors['form'] = ('Укажите фамилию, дату рождения, СНИЛС или документ: по имени и '
                          'отчеству без них регистр региона не просматривается.')
    return f, errors


def _prefix(column, key):
    return (column >= key) & (column < prefix_upper_bound(key))


# --- Search for enrolment -------------------------------------------------------

SHOWN_PERSON = (Person.id, Person.surname, Person.name, Person.patronymic, Person.birth_date,
                Person.gender, Person.snils)  # what a result row shows


def search_people(f, for_count=False):
    """Children of the registry matching the filters, by ФИО (an unevaluated query)."""
    query = Person.select(*SHOWN_PERSON)
    if f.surname:
        query = query.where(_prefix(Person.surname_key, f.surname))
    if f.name:
        query = query.where(_prefix(Person.name_key, f.name))
    if f.no_patronymic:
        query = query.where(Person.no_patronymic == True)  # noqa: E712
    elif f.patronymic:
        query = query.where(_prefix(Person.patronymic_key, f.patronymic))
    if f.birth_date:
        query = query.where(Person.birth_date == f.birth_date)
    if f.snils:
        query = query.where(Person.snils == f.snils if len(f.snils) == 11
                            else _prefix(Person.snils, f.snils))
    if f.doc_series or f.doc_number:
        query = query.where(Person.id.in_(_documents_matching(f.doc_series, f.doc_number)))
    # A literal, as in the partial index: SQLite uses it only for the identical term.
    query = query.where(Person.is_staff == SQL('FALSE'))
    if for_count:  # the index's own order: counted from the index alone
        return query.select(Person.id).order_by(Person.surname_key, Person.name_key,
                                                Person.birth_date)
    return query.order_by(Person.surname_key, Person.name_key, Person.birth_date, Person.id)


def _documents_matching(series, number):
    documents = IdentityDocument.select(IdentityDocument.person)
    if series and number:
        return documents.where(IdentityDocument.number_key == series + number)
    if series:
        return documents.where(_prefix(IdentityDocument.number_key, series))
    return documents.where(IdentityDocument.number == number)


# --- The pool of graduates and departed ---------------------------------------------

@dataclass
class PoolFilters:
    category: str = ''
    org_kind: str = ''
    authority: int | None = None
    municipality: int | None = None
    organisation: int | None = None
    year: int | None = None
    association: int | None = None
    reason: str = ''
    letter: str = ''
    gender: str = ''
    q: str = ''  # part of the name, narrowing the «Организация выбытия» list
    page: int = 1
    size: int = 20

    KEYS = ('category', 'org_kind', 'authority', 'municipality', 'organisation', 'year',
            'association', 'reason', 'letter', 'gender', 'q')

    def used(self):
        return [k for k in self.KEYS if getattr(self, k)]

    def ready(self):
        return True  # the pool is listed under any filters

    def args(self, **changes):
        values = {k: str(getattr(self, k)) for k in self.KEYS if getattr(self, k)}
        values['size'] = str(self.size)
        values.update({k: str(v) for k, v in changes.items()})
        return {k: v for k, v in values.items() if v}


def parse_pool(args, region_id):
    f = PoolFilters(page=max(_int(args.get('page')) or 1, 1), size=_page_size(args.get('size'), 20))
    f.category = args.get('category', '') if args.get('category') in DEPARTURE_KINDS else ''
    f.org_kind = args.get('org_kind', '') if args.get('org_kind') in EDUCATIONAL_KINDS else ''
    f.reason = args.get('reason', '') if args.get('reason') in WITHDRAWAL_REASONS else ''
    f.gender = args.get('gender', '') if args.get('gender') in GENDER_CHOICES else ''
    f.q = _text(args.get('q', ''), 100)
    letter = (args.get('letter') or '').strip().upper()
    f.letter = letter if len(letter) == 1 and letter in SURNAME_LETTERS else ''
    year = _int(args.get('year'))
    f.year = year if year and 2000 <= year <= 2100 else None
    places = _places_of_region(region_id, municipality=_int(args.get('municipality')),
                               authority=_int(args.get('authority')),
                               organisation=_int(args.get('organisation')))
    f.municipality, f.authority, f.organisation = places
    association = _int(args.get('association'))
    if association and f.organisation and Association.select().where(
            Association.id == association, Association.organisation == f.organisation).exists():
        f.association = association
    return f


def _places_of_region(region_id, municipality=None, authority=None, organisation=None):
    """Ids that really belong to the region (anything else is dropped, not trusted)."""
    if municipality and not _municipality_of_region(municipality, region_id):
        municipality = None
    if authority and not _authority_of_region(authority, region_id):
        authority = None
    if organisation and not _organisation_of_region(organisation, region_id):
        organisation = None
    return municipality, authority, organisation


@compiled
def _municipality_of_region(municipality_id, region_id):
    return Municipality.select(Municipality.id).where(Municipality.id == municipality_id,
                                                      Municipality.region == region_id).tuples()


@compiled
def _authority_of_region(organisation_id, region_id):
    return Organisation.select(Organisation.id).where(
        Organisation.id == organisation_id, Organisation.region == region_id,
        Organisation.kind.in_(MANAGEMENT_KINDS)).tuples()


@compiled
def _organisation_of_region(organisation_id, region_id):
    return Organisation.select(Organisation.id).where(
        Organisation.id == organisation_id, Organisation.region == region_id,
        Organisation.kind.in_(EDUCATIONAL_KINDS)).tuples()


@compiled
def _settlement_of(settlement_id, municipality_id):
    return Settlement.select(Settlement.id).where(Settlement.id == settlement_id,
                                                  Settlement.municipality == municipality_id).tuples()


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


def pool_choices(f, region_id):
    """The lists of the pool's filter form, narrowed by what is already chosen."""
    organisations = Organisation.select(Organisation.id, Organisation.short_name).where(
        Organisation.region == region_id, Organisation.kind.in_(EDUCATIONAL_KINDS))
    if f.org_kind:
        organisations = organisations.where(Organisation.kind == f.org_kind)
    if f.municipality:
        organisations = organisations.where(Organisation.municipality == f.municipality)
    if f.authority:
        organisations = organisations.where(Organisation.authority == f.authority)
    found = list(_named(organisations, f.q).order_by(Organisation.short_name)
                 .limit(ORGANISATION_CHOICES_LIMIT + 1))
    if f.organisation and all(o.id != f.organisation for o in found):
        found.insert(0, Organisation.get_by_id(f.organisation))
    this_year = datetime.date.today().year
    return {
        'categories': DEPARTURE_KINDS,
        'org_kinds': {k: ORGANISATION_KINDS[k] for k in EDUCATIONAL_KINDS},
        'authorities': _authorities(region_id),
        'municipalities': _municipalities(region_id),
        'organisations': found[:ORGANISATION_CHOICES_LIMIT],
        'more_organisations': len(found) > ORGANISATION_CHOICES_LIMIT,
        'years': list(range(this_year, this_year - 10, -1)),
        'associations': list(Association.select(Association.id, Association.name)
                             .where(Association.organisation == f.organisation)
                             .order_by(Association.name)) if f.organisation else [],
        'reasons': WITHDRAWAL_REASONS,
        'letters': SURNAME_LETTERS,
        'genders': GENDER_CHOICES,
        'sizes': PAGE_SIZES,
    }


def _named(organisations, typed):
    """Organisations whose name holds every typed word (the stored name key is casefolded)."""
    for word in re.sub(r'[^0-9a-zа-я№ -]+', ' ', name_key(typed)).split():
        organisations = organisations.where(Organisation.name_key.contains(word))
    return organisations


@compiled
def _municipalities(region_id):
    return (Municipality.select(Municipality.id, Municipality.name)
            .where(Municipality.region == region_id).order_by(Municipality.name).namedtuples())


@compiled
def _authorities(region_id):
    return (Organisation.select(Organisation.id, Organisation.short_name)
            .where(Organisation.region == region_id, Organisation.kind.in_(MANAGEMENT_KINDS))
            .order_by(Organisation.kind.desc(), Organisation.short_name).namedtuples())


# --- Children of other organisations --------------------------------------------------

@dataclass
class OthersFilters:
    municipality: int | None = None
    settlement: int | None = None
    org_kind: str = ''
    q: str = ''
    organisation: int | None = None
    grade: int | None = None
    surname: str = ''
    gender: str = ''
    doc_series: str = ''
    doc_number: str = ''
    page: int = 1
    size: int = 20
    raw: dict = field(default_factory=dict)

    KEYS = ('municipality', 'settlement', 'org_kind', 'q', 'organisation', 'grade', 'gender')

    def used(self):
        return [k for k in self.KEYS + ('surname', 'doc_series', 'doc_number') if getattr(self, k)]

    def ready(self):
        """A list is shown for a chosen organisation, or for a document anywhere in the region."""
        return bool(self.organisation or self.doc_series or self.doc_number)

    def args(self, **changes):
        values = {k: str(getattr(self, k)) for k in self.KEYS if getattr(self, k)}
        values.update({k: v for k, v in self.raw.items() if v})
        values['size'] = str(self.size)
        values.update({k: str(v) for k, v in changes.items()})
        return {k: v for k, v in values.items() if v}


def parse_others(args, region_id, own_organisation_id):
    f = OthersFilters(page=max(_int(args.get('page')) or 1, 1),
                      size=_page_size(args.get('size'), 20))
    f.raw = {k: _text(args.get(k, ''), 100) for k in ('surname', 'doc_series', 'doc_number')}
    f.surname = name_key(f.raw['surname'])
    f.doc_series = series_key(f.raw['doc_series'])
    f.doc_number = document_key('', f.raw['doc_number'])
    f.org_kind = args.get('org_kind', '') if args.get('org_kind') in EDUCATIONAL_KINDS else ''
    f.gender = args.get('gender', '') if args.get('gender') in GENDER_CHOICES else ''
    f.q = _text(args.get('q', ''), 100)
    grade = _int(args.get('grade'))
    f.grade = grade if grade and 1 <= grade <= 11 else None
    f.municipality = _places_of_region(region_id, municipality=_int(args.get('municipality')))[0]
    settlement = _int(args.get('settlement'))
    if settlement and f.municipality and _settlement_of(settlement, f.municipality):
        f.settlement = settlement
    organisation = _places_of_region(region_id, organisation=_int(args.get('organisation')))[2]
    if organisation != own_organisation_id:
        f.organisation = organisation
    return f


def others_organisations(f, region_id, own_organisation_id):
    """The «Обр. организация» list: narrowed by район, пункт, тип and the typed name."""
    orgs = Organisation.select(Organisation.id, Organisation.short_name).where(
        Organisation.region == region_id, Organisation.kind.in_(EDUCATIONAL_KINDS),
        Organisation.id != own_organisation_id)
    if f.municipality:
        orgs = orgs.where(Organisation.municipality == f.municipality)
    if f.settlement:
        orgs = orgs.where(Organisation.settlement == f.settlement)
    if f.org_kind:
        orgs = orgs.where(Organisation.kind == f.org_kind)
    found = list(_named(orgs, f.q).order_by(Organisation.short_name).limit(ORGANISATION_CHOICES_LIMIT + 1))
    if f.organisation and all(o.id != f.organisation for o in found):
        found.insert(0, Organisation.get_by_id(f.organisation))
    return found[:ORGANISATION_CHOICES_LIMIT], len(found) > ORGANISATION_CHOICES_LIMIT


def others_choices(f, region_id, own_organisation_id):
    organisations, more = others_organisations(f, region_id, own_organisation_id)
    return {
        'municipalities': _municipalities(region_id),
        'settlements': list(Settlement.select(Settlement.id, Settlement.name)
                            .where(Settlement.municipality == f.municipality)
                            .order_by(Settlement.name)) if f.municipality else [],
        'org_kinds': {k: ORGANISATION_KINDS[k] for k in EDUCATIONAL_KINDS},
        'organisations': organisations,
        'more_organisations': more,
        'grades': [(grade, grade) for grade in range(1, 12)],
        'genders': GENDER_CHOICES,
        'sizes': PAGE_SIZES,
    }


def others_members(f, region_id, own_organisation_id, for_count=False):
    """Children now enrolled in another organisation, by ФИО; never their documents.

    The surname letter and gender are read from the membership row, so one organisation's list
    is counted from the index ``membership_open_by_organisation`` and its page is the first
    rows of that index, however many thousands of children the organisation has.
    """
    if for_count:
        members = Membership.select(Membership.surname_key)
    else:
        members = (Membership.select(Membership.id, Membership.person, Membership.organisation,
                                     Person.id, Person.surname, Person.name, Person.patronymic,
                                     Person.birth_date, Person.gender,
                                     Association.id, Association.name, Association.grade,
                                     Organisation.id, Organisation.short_name)
                   .join_from(Membership, Person)
                   .join_from(Membership, Association)
                   .join_from(Membership, Organisation))
    members = members.where(Membership.ended_on.is_null(),
                            Membership.organisation != own_organisation_id)
    if f.organisation:  # already checked to be of the region
        members = members.where(Membership.organisation == f.organisation)
    else:
        places = _narrow_by_place(Organisation.select(Organisation.id)
                                  .where(Organisation.region == region_id), f)
        members = members.where(Membership.organisation.in_(places))
    if f.doc_series or f.doc_number:
        members = members.where(Membership.person.in_(_documents_matching(f.doc_series,
                                                                          f.doc_number)))
    if f.grade:
        members = members.where(Membership.association.in_(
            Association.select(Association.id).where(Association.grade == f.grade)))
    if f.surname:
        members = members.where(_prefix(Membership.surname_key, f.surname))
    if f.gender:
        members = members.where(Membership.gender == f.gender)
    if for_count:
        return members.order_by(Membership.organisation, Membership.surname_key)
    return members.order_by(Membership.surname_key, Person.name_key, Person.birth_date,
                            Person.id, Membership.id)


def _narrow_by_place(organisations, f):
    if f.municipality:
        organisations = organisations.where(Organisation.municipality == f.municipality)
    if f.settlement:
        organisations = organisations.where(Organisation.settlement == f.settlement)
    if f.org_kind:
        organisations = organisations.where(Organisation.kind == f.org_kind)
    return organisations


# --- What a page shows about its children (a fixed number of queries) -----------------

@dataclass
class ChildRow:
    person: Person
    document: IdentityDocument | None = None
    status: str = ''
    organisation: str = ''
    blocked: str = ''
    selected: bool = False
    extra: object = None  # the membership of a pool or other-organisation row

    @property
    def snils(self):
        return format_snils(self.person.snils) if self.person.snils else ''


def current_documents(person_ids):
    found = {}
    for doc in _documents_of(person_ids):
        found.setdefault(doc.person_id, doc)
    return found


@compiled
def _documents_of(person_ids):
    return (IdentityDocument.select(IdentityDocument.id, IdentityDocument.person,
                                    IdentityDocument.kind, IdentityDocument.series,
                                    IdentityDocument.number, IdentityDocument.issued_on)
            .where(IdentityDocument.person.in_(person_ids))
            .order_by(IdentityDocument.is_current.desc(), IdentityDocument.issued_on.desc(),
                      IdentityDocument.id.desc()))


def statuses(person_ids, organisation):
    """Per child: (status, organisation) from open memberships, else from the last departure."""
    open_places, departures = {}, {}
    for m in _places_of(person_ids):
        (departures if m.ended_on else open_places).setdefault(m.person, []).append(m)
    result = {}
    for pid, places in open_places.items():
        places.sort(key=lambda m: (m.started_on, m.id))
        mine = next((m for m in places if m.org == organisation.id), None)
        main = next((m for m in places if m.kind in MAIN_KINDS), None)
        if mine is not None:
            result[pid] = ('Обучается в вашей организации', mine.short_name)
        elif main is not None:
            result[pid] = ('Зачислен в основную организацию', main.short_name)
        else:
            result[pid] = ('Обучается в организации ДО', places[0].short_name)
    for pid, ended in departures.items():
        if pid not in result:
            last = max(ended, key=lambda m: (m.ended_on, m.id))
            label = 'Выпускник' if last.end_kind == 'graduation' else 'Выбыл'
            result[pid] = (label, last.short_name)
    return {pid: result.get(pid, ('Не зачислен', '')) for pid in person_ids}


@compiled
def _places_of(person_ids):
    return (Membership.select(Membership.person, Membership.started_on, Membership.id,
                              Membership.ended_on, Membership.end_kind,
                              Organisation.id.alias('org'), Organisation.kind,
                              Organisation.short_name)
            .join(Organisation)
            .where(Membership.person.in_(person_ids))
            .namedtuples())


def blockers(order, person_ids, association=None):
    """Per child, why they cannot be added to ``order`` (in ``association``); absent if they can."""
    from services.movement import KIND_PAST, order_title  # the movement book's own words

    reasons = {}
    if association is not None:
        for m in (Membership.select(Membership.person, Membership.started_on, OrderLine.id,
                                    Order.id, Order.kind, Order.number, Order.document_date)
                  .join(OrderLine, JOIN.LEFT_OUTER, on=Membership.start_line)
                  .join(Order, JOIN.LEFT_OUTER)
                  .where(Membership.person.in_(person_ids), Membership.association == association,
                         Membership.ended_on.is_null())):
            line = m.start_line if m.start_line_id else None
            if line is not None and line.order_id:
                reasons[m.person_id] = (f'Уже занимается в «{association.name}»: '
                                        f'{KIND_PAST[line.order.kind]} приказом {order_title(line.order)}.')
            else:
                reasons[m.person_id] = (f'Уже занимается в «{association.name}» с '
                                        f'{m.started_on:%d.%m.%Y}.')
    if order.act_date is None:
        lines = _lines_blocking(person_ids, order.id)
    else:
        lines = _lines_blocking(person_ids, order.id, order.organisation_id, order.act_date)
    for line in lines:
        if line.order_id == order.id:
            reasons[line.person_id] = 'Уже есть в этом приказе.'
            continue
        moved = line.moved_on or line.order.act_date
        reasons.setdefault(line.person_id, (
            f'Позднее уже {KIND_PAST[line.order.kind]} приказом {order_title(line.order)} '
            f'(дата движения {moved:%d.%m.%Y}): движение нельзя датировать раньше.'))
    for person_id, refusal in staff_among(person_ids).items():  # the order's own refusal
        reasons[person_id] = refusal[0].upper() + refusal[1:]
    return reasons


@compiled
def _lines_blocking(person_ids, order_id, organisation_id=None, act_date=None):
    """This order's lines and later committed movements here, in one query."""
    day = fn.COALESCE(OrderLine.moved_on, Order.act_date)
    blocking = OrderLine.order == order_id
    if act_date is not None:
        blocking |= ((Order.organisation == organisation_id) & (Order.status == 'committed')
                     & (day > act_date))
    return (OrderLine.select(OrderLine.person, OrderLine.order, OrderLine.moved_on, Order.id,
                             Order.kind, Order.number, Order.document_date, Order.act_date)
            .join(Order)
            .where(OrderLine.person.in_(person_ids), blocking)
            .order_by(day.desc()))


def child_rows(people, order, organisation, chosen, association=None, documents=True, extras=None):
    """Rows of a result page: status, organisation, document, tick (``chosen``: the ids of the
    user's selection) or the reason for none."""
    ids = [p.id for p in people]
    if not ids:
        return []
    docs = current_documents(ids) if documents else {}
    states = statuses(ids, organisation)
    blocked = blockers(order, ids, association)
    rows = []
    for index, person in enumerate(people):
        status, org_name = states[person.id]
        rows.append(ChildRow(person=person, document=docs.get(person.id), status=status,
                             organisation=org_name, blocked=blocked.get(person.id, ''),
                             selected=person.id in chosen,
                             extra=extras[index] if extras else None))
    return rows


# --- Associations an enrolment order can lead to ---------------------------------------

def enrolment_targets(organisation, typed='', chosen=None):
    """Объединения children can be enrolled in (years not closed, programs not archived) for the
    «Зачислить в объединение» list: at most ``TARGET_CHOICES_LIMIT`` of them, those whose name
    holds every typed word, with the chosen one always listed.  Returns (rows, more).

    A large ОДО has a thousand объединения or more: they are narrowed here, not sent to the
    browser.  Rows are plain (id, name, start_year) tuples.
    """
    organisation_id = getattr(organisation, 'id', organisation)
    words = name_key(typed).split()
    rows = []
    for year in _open_years(organisation_id):  # each year's list is read in its index order
        if words:  # SQLite has no Cyrillic lower(): the names are matched here
            rows += [row for row in _year_targets(year.id).namedtuples().iterator()
                     if all(word in name_key(row.name) for word in words)]
        else:
            rows += _first_year_targets(year.id)
        if len(rows) > TARGET_CHOICES_LIMIT:
            break
    more = len(rows) > TARGET_CHOICES_LIMIT
    rows = rows[:TARGET_CHOICES_LIMIT]
    wanted = _int(str(chosen or ''))
    if wanted and all(row.id != wanted for row in rows):
        rows[:0] = _chosen_target(organisation_id, wanted)
    return rows, more


@compiled
def _open_years(organisation_id):
    return (SchoolYear.select(SchoolYear.id)
            .where(SchoolYear.organisation == organisation_id, SchoolYear.state != 'closed')
            .order_by(SchoolYear.start_year))


def _year_targets(year_id):
    return (Association.select(Association.id, Association.name, SchoolYear.start_year)
            .join_from(Association, SchoolYear)
            .join_from(Association, Program, JOIN.LEFT_OUTER)
            .where(Association.school_year == year_id, Association.kind == 'association',
                   (Program.id.is_null()) | (Program.archived == False))  # noqa: E712
            .order_by(Association.study_year, Association.name))


@compiled
def _first_year_targets(year_id):
    return _year_targets(year_id).limit(TARGET_CHOICES_LIMIT + 1).namedtuples()


@compiled
def _chosen_target(organisation_id, association_id):
    return (Association.select(Association.id, Association.name, SchoolYear.start_year)
            .join_from(Association, SchoolYear)
            .join_from(Association, Program, JOIN.LEFT_OUTER)
            .where(Association.id == association_id, Association.organisation == organisation_id,
                   Association.kind == 'association', SchoolYear.state != 'closed',
                   (Program.id.is_null()) | (Program.archived == False))  # noqa: E712
            .namedtuples())


def enrolment_target(targets, value):
    """The объединение chosen in «Зачислить в объединение» (whole), if it is one of ``targets``."""
    wanted = _int(str(value or ''))
    if wanted is None or all(a.id != wanted for a in targets):
        return None
    return _association_with_year(wanted)[0]


@compiled
def _association_with_year(association_id):
    return Association.select(Association, SchoolYear).join(SchoolYear).where(
        Association.id == association_id)


@compiled
def order_of(organisation_id, order_id):
    """The organisation's order by id, or None (another organisation's id is not found)."""
    return Order.select().where(Order.id == order_id, Order.organisation == organisation_id)


# --- The selection: kept per user and draft order -------------------------------------

def selected_ids(user, order, among=None):
    user, order = getattr(user, 'id', user), getattr(order, 'id', order)
    if among is None:
        return {row.person_id for row in _selection(user, order)}
    query = _selection.build(user, order).where(EnrollmentSelection.person.in_(among))
    return {row.person_id for row in query}


@compiled
def _selection(user_id, order_id):
    return EnrollmentSelection.select(EnrollmentSelection.person).where(
        EnrollmentSelection.user == user_id, EnrollmentSelection.order == order_id)


def selection_count(user, order):
    return len(selected_ids(user, order))


def screen_filters(source, args, organisation):
    """The filters of a screen (``source``) read from its query string by the screen's own
    parser: whatever else the string holds is dropped."""
    if source == 'search':
        return parse_search(args)[0]
    if source == 'pool':
        return parse_pool(args, organisation.region_id)
    if source == 'others':
        return parse_others(args, organisation.region_id, organisation.id)
    raise SelectionRefused('Неизвестный список. Откройте страницу поиска заново.')


def offered(source, filters, organisation, person_ids):
    """Which of these people the screen lists to this organisation under ``filters``: the
    screen's own query restricted to the ids (a page at most, looked up by id), staff never."""
    ids = sorted(set(person_ids))
    if not ids or not filters.ready():
        return set()
    if source == 'search':
        found = {row[0] for row in search_people(filters, for_count=True)
                 .where(Person.id.in_(ids)).order_by().tuples()}
    elif source == 'pool':
        found = pool_people(filters, organisation.region_id, ids)
    else:
        found = {row[0] for row in others_members(filters, organisation.region_id,
                                                  organisation.id, for_count=True)
                 .select(Membership.person).where(Membership.person.in_(ids))
                 .order_by().distinct().tuples()}
    return found - staff_among(found).keys()


def sync_selection(user, order, shown_ids, ticked_ids, source, filters, organisation):
    """Make the ticks of one result page true: ticked children kept, unticked ones dropped.

    Only children listed on the page (``shown_ids``) change, so ticks made on other pages
    and under other filters stay.  A new tick is kept only for a child the screen offers under
    ``filters`` (the page's own query string); the others are refused.
    Returns (how many are selected, the ids refused).
    """
    shown, ticked = set(shown_ids), set(ticked_ids)
    if max(len(shown), len(ticked)) > max(PAGE_SIZES):
        raise SelectionRefused(f'На странице списка не больше {max(PAGE_SIZES)} учащихся: '
                               'откройте список заново и отметьте учащихся на нём.')
    kept = ticked & shown
    already = selected_ids(user, order, list(kept)) if kept else set()  # checked when ticked
    accepted = offered(source, filters, organisation, kept - already)
    with db.atomic():
        unticked = list(shown - ticked)
        if unticked:
            (EnrollmentSelection.delete()
             .where(EnrollmentSelection.user == user, EnrollmentSelection.order == order,
                    EnrollmentSelection.person.in_(unticked)).execute())
        for person_id in sorted(accepted):
            try:
                with db.atomic():
                    EnrollmentSelection.create(user=user, order=order, person=person_id,
                                               source=source)
            except IntegrityError:
                pass  # ticked twice at once (two tabs): one row is the right outcome
    return selection_count(user, order), ticked - already - accepted


def refused_ticks(source, count):
    return (f'Не сохранены отметки: {count}. Этих учащихся нет на странице «{SCREEN_TITLES[source]}» '
            'с выбранными условиями — обновите страницу и отметьте учащихся заново.')


def unselect(user, order, person_ids=None):
    query = EnrollmentSelection.delete().where(EnrollmentSelection.user == user,
                                               EnrollmentSelection.order == order)
    if person_ids is not None:
        query = query.where(EnrollmentSelection.person.in_(list(person_ids)))
    with db.atomic():
        return query.execute()


def selected_people(user, order):
    """The selection by ФИО: (person, where it was ticked)."""
    rows = (EnrollmentSelection.select(EnrollmentSelection, Person)
            .join(Person)
            .where(EnrollmentSelection.user == user, EnrollmentSelection.order == order)
            .order_by(Person.surname_key, Person.name_key, Person.birth_date, Person.id))
    return [(row.person, SOURCES.get(row.source, '')) for row in rows]


def add_selection_to_order(user, order, association):
    """Add every selected child to the draft order; those added leave the selection.

    Returns the movement book's AddResult (added ids, refusals by child, warnings).
    """
    from services.movement import add_children_to_draft

    ids = [person.id for person, _ in selected_people(user, order)]
    if not ids:
        raise SelectionRefused('Никто не выбран: отметьте учащихся в списках, затем добавьте их в приказ.')
    result = add_children_to_draft(order, ids, association)
    if result.added:
        unselect(user, order, result.added)
    return result
