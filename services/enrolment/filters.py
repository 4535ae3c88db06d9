"""The filters of the three registry screens: what their forms offer and how what comes back
is read.  Every value passes an allow-list or is looked up in the region; anything else is
dropped (or, for what people type into the search, explained)."""
import datetime
import re
from dataclasses import dataclass, field

import clock
from compiled import compiled
from keys import digits_key, document_key, name_key
from models import (EDUCATIONAL_KINDS, MANAGEMENT_KINDS, ORGANISATION_KINDS, WITHDRAWAL_REASONS,
                    Association, Municipality, Organisation, Region, Settlement)
from services.common import parse_date, parse_int
from services.paging import PAGE_SIZES
from services.registry.documents import normalise_birth_certificate_series

ORGANISATION_CHOICES_LIMIT = 50

DEPARTURE_KINDS = {'withdrawal': 'Выбытие', 'graduation': 'Выпуск'}
GENDER_CHOICES = {'M': 'Мужской', 'F': 'Женский'}
SURNAME_LETTERS = 'АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЭЮЯ'


def _text(value, limit=100):
    return re.sub(r'\s+', ' ', value or '').strip()[:limit]


def _page_size(value, default):
    size = parse_int(value)
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
                      page=max(parse_int(args.get('page')) or 1, 1),
                      size=_page_size(args.get('size'), 50))
    errors = f.errors
    f.surname, f.name = name_key(raw['surname']), name_key(raw['name'])
    f.no_patronymic = bool(raw['no_patronymic'])
    f.patronymic = '' if f.no_patronymic else name_key(raw['patronymic'])
    if raw['birth_date']:
        f.birth_date = parse_date(raw['birth_date'])
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
    f = PoolFilters(page=max(parse_int(args.get('page')) or 1, 1), size=_page_size(args.get('size'), 20))
    f.category = args.get('category', '') if args.get('category') in DEPARTURE_KINDS else ''
    f.org_kind = args.get('org_kind', '') if args.get('org_kind') in EDUCATIONAL_KINDS else ''
    f.reason = args.get('reason', '') if args.get('reason') in WITHDRAWAL_REASONS else ''
    f.gender = args.get('gender', '') if args.get('gender') in GENDER_CHOICES else ''
    f.q = _text(args.get('q', ''), 100)
    letter = (args.get('letter') or '').strip().upper()
    f.letter = letter if len(letter) == 1 and letter in SURNAME_LETTERS else ''
    year = parse_int(args.get('year'))
    f.year = year if year and 2000 <= year <= 2100 else None
    places = _places_of_region(region_id, municipality=parse_int(args.get('municipality')),
                               authority=parse_int(args.get('authority')),
                               organisation=parse_int(args.get('organisation')))
    f.municipality, f.authority, f.organisation = places
    association = parse_int(args.get('association'))
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


def pool_organisations(f, region_id):
    """The «Организация выбытия» list: narrowed by тип, УО, район and the typed name."""
    organisations = Organisation.select(Organisation.id, Organisation.short_name).where(
        Organisation.region == region_id, Organisation.kind.in_(EDUCATIONAL_KINDS))
    if f.org_kind:
        organisations = organisations.where(Organisation.kind == f.org_kind)
    if f.municipality:
        organisations = organisations.where(Organisation.municipality == f.municipality)
    if f.authority:
        organisations = organisations.where(Organisation.authority == f.authority)
    return _first_choices(_named(organisations, f.q), f.organisation)


def _first_choices(organisations, chosen):
    """The first ``ORGANISATION_CHOICES_LIMIT`` by name, the chosen one always listed; and
    whether there are more."""
    found = list(organisations.order_by(Organisation.short_name).limit(ORGANISATION_CHOICES_LIMIT + 1))
    if chosen and all(o.id != chosen for o in found):
        found.insert(0, Organisation.get_by_id(chosen))
    return found[:ORGANISATION_CHOICES_LIMIT], len(found) > ORGANISATION_CHOICES_LIMIT


def pool_choices(f, region_id):
    """The lists of the pool's filter form, narrowed by what is already chosen."""
    organisations, more = pool_organisations(f, region_id)
    this_year = clock.today(Region.zone_of(region_id)).year
    return {
        'categories': DEPARTURE_KINDS,
        'org_kinds': {k: ORGANISATION_KINDS[k] for k in EDUCATIONAL_KINDS},
        'authorities': _authorities(region_id),
        'municipalities': _municipalities(region_id),
        'organisations': organisations,
        'more_organisations': more,
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
    f = OthersFilters(page=max(parse_int(args.get('page')) or 1, 1),
                      size=_page_size(args.get('size'), 20))
    f.raw = {k: _text(args.get(k, ''), 100) for k in ('surname', 'doc_series', 'doc_number')}
    f.surname = name_key(f.raw['surname'])
    f.doc_series = series_key(f.raw['doc_series'])
    f.doc_number = document_key('', f.raw['doc_number'])
    f.org_kind = args.get('org_kind', '') if args.get('org_kind') in EDUCATIONAL_KINDS else ''
    f.gender = args.get('gender', '') if args.get('gender') in GENDER_CHOICES else ''
    f.q = _text(args.get('q', ''), 100)
    grade = parse_int(args.get('grade'))
    f.grade = grade if grade and 1 <= grade <= 11 else None
    f.municipality = _places_of_region(region_id, municipality=parse_int(args.get('municipality')))[0]
    settlement = parse_int(args.get('settlement'))
    if settlement and f.municipality and _settlement_of(settlement, f.municipality):
        f.settlement = settlement
    organisation = _places_of_region(region_id, organisation=parse_int(args.get('organisation')))[2]
    if organisation != own_organisation_id:
        f.organisation = organisation
    return f


def others_organisations(f, region_id, own_organisation_id):
    """The «Обр. организация» list: narrowed by район, пункт, тип and the typed name."""
    orgs = Organisation.select(Organisation.id, Organisation.short_name).where(
        Organisation.region == region_id, Organisation.kind.in_(EDUCATIONAL_KINDS),
        Organisation.id != own_organisation_id)
    return _first_choices(_named(narrow_by_place(orgs, f), f.q), f.organisation)


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


def narrow_by_place(organisations, f):
    """Organisations narrowed by the place and kind chosen on the «другие ОО» form."""
    if f.municipality:
        organisations = organisations.where(Organisation.municipality == f.municipality)
    if f.settlement:
        organisations = organisations.where(Organisation.settlement == f.settlement)
    if f.org_kind:
        organisations = organisations.where(Organisation.kind == f.org_kind)
    return organisations
