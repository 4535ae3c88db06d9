"""«Поиск похожих пользователей системы»: people of the registry who look like an incoming child.

Two steps, as record linkage is usually done:

1. Blocking through indexed queries, in batches: the same СНИЛС; the same document number;
   the same surname and name (also swapped); the same birth date (also with day and month
   swapped) with the same name or the same surname.  Names are folded first: ё→е, case,
   Latin look-alike letters inside Cyrillic, and whole Latin spellings transliterated.
2. Scoring each candidate with Jaro-Winkler similarity (rapidfuzz) of the names, the birth
   date (a day/month swap or a one-digit slip costs a little, another date a lot) and the
   identifiers: an equal СНИЛС or document weighs most, a different СНИЛС weighs against.

No Flask here: the import job, the tests and the benchmarks call :func:`find_similar`.
"""
import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field

from peewee import PostgresqlDatabase, Tuple
from rapidfuzz.distance import JaroWinkler

from models import DOCUMENT_KINDS, IdentityDocument, Membership, Organisation, Person, db
from services.normalize import digits_key, document_key, name_key

MIN_SCORE = 72       # candidates below are not shown
LIMIT = 5            # candidates per row
CHUNK = 400          # keys per blocking query
PG_CHUNK = 5000      # pairs per unnest join on PostgreSQL

_LOOKALIKE = str.maketrans('aceopxyABCEHKMOPTX', 'асеорхуАВСЕНКМОРТХ')
_CYRILLIC = re.compile('[а-яё]', re.IGNORECASE)
_LATIN = re.compile('[a-z]', re.IGNORECASE)
# Cyrillic → Latin as in passports (ICAO Doc 9303), used to compare Latin spellings.
_TO_LATIN = {
    'а': 'a', 'б': 'b', 'в': 'v', 'г': 'g', 'д': 'd', 'е': 'e', 'ж': 'zh', 'з': 'z', 'и': 'i',
    'й': 'i', 'к': 'k', 'л': 'l', 'м': 'm', 'н': 'n', 'о': 'o', 'п': 'p', 'р': 'r', 'с': 's',
    'т': 't', 'у': 'u', 'ф': 'f', 'х': 'kh', 'ц': 'ts', 'ч': 'ch', 'ш': 'sh', 'щ': 'shch',
    'ъ': 'ie', 'ы': 'y', 'ь': '', 'э': 'e', 'ю': 'iu', 'я': 'ia',
}
# Latin → Cyrillic, longest spellings first (Shchukin, Zhenya, Yulia, Kseniya…).
_FROM_LATIN = [
    ('shch', 'щ'), ('sch', 'щ'), ('iya', 'ия'), ('iyu', 'ию'), ('yo', 'е'), ('zh', 'ж'), ('kh', 'х'), ('ts', 'ц'), ('tz', 'ц'),
    ('ch', 'ч'), ('sh', 'ш'), ('yu', 'ю'), ('iu', 'ю'), ('ju', 'ю'), ('ya', 'я'), ('ia', 'я'),
    ('ja', 'я'), ('ye', 'е'), ('ey', 'ей'), ('iy', 'ий'), ('yi', 'ый'), ('ay', 'ай'), ('oy', 'ой'),
    ('x', 'кс'), ('w', 'в'), ('q', 'к'), ('a', 'а'), ('b', 'б'), ('v', 'в'), ('g', 'г'),
    ('d', 'д'), ('e', 'е'), ('z', 'з'), ('i', 'и'), ('y', 'ы'), ('j', 'й'), ('k', 'к'), ('l', 'л'),
    ('m', 'м'), ('n', 'н'), ('o', 'о'), ('p', 'п'), ('r', 'р'), ('s', 'с'), ('t', 'т'), ('u', 'у'),
    ('f', 'ф'), ('h', 'х'), ('c', 'к'),
]
FIELD_LABELS = {'surname': 'Фамилия', 'name': 'Имя', 'patronymic': 'Отчество',
                'birth_date': 'Дата рождения', 'gender': 'Пол', 'snils': 'СНИЛС',
                'document': 'Документ'}


@dataclass
class Incoming:
    """One child to look for: what a file row or a form gives."""
    surname: str
    name: str
    patronymic: str = ''
    birth_date: datetime.date = None
    gender: str = ''
    snils: str = ''
    documents: list = field(default_factory=list)   # [(kind, document_key)]

    @classmethod
    def from_values(cls, values):
        """From the import parser's values of a row."""
        birth = values.get('birth_date')
        if isinstance(birth, str):
            birth = datetime.date.fromisoformat(birth)
        docs = [(kind, values[key]['key']) for key, kind in
                (('passport', 'passport_rf'), ('certificate', 'birth_certificate_rf'), ('foreign', 'foreign'))
                if values.get(key)]
        return cls(values.get('surname', ''), values.get('name', ''), values.get('patronymic', ''),
                   birth, values.get('gender') or '', values.get('snils') or '', docs)


@dataclass
class Candidate:
    person_id: int
    score: int
    exact: bool
    agree: list
    differ: list
    group: str = 'free'                              # here / free / other
    organisations: list = field(default_factory=list)
    person: dict = field(default_factory=dict)


# --- Folding names --------------------------------------------------------------

def fold(value):
    """A name as a matching key: look-alikes and Latin spellings made Cyrillic, ё→е, casefolded."""
    value = (value or '').strip()
    if _CYRILLIC.search(value):
        value = value.translate(_LOOKALIKE)
    elif _LATIN.search(value):
        value = from_latin(value)
    return name_key(value)


def from_latin(value):
    text = value.casefold()
    out, i = [], 0
    while i < len(text):
        for latin, cyrillic in _FROM_LATIN:
            if text.startswith(latin, i):
                out.append(cyrillic)
                i += len(latin)
                break
        else:
            out.append(text[i])
            i += 1
    return ''.join(out)


def to_latin(key):
    return ''.join(_TO_LATIN.get(ch, ch) for ch in key)


def swapped_day_month(day):
    if day is None or day.day > 12 or day.day == day.month:
        return None
    try:
        return day.replace(month=day.day, day=day.month)
    except ValueError:
        return None


# --- Blocking ---------------------------------------------------------------------

@dataclass
class _Prepared:
    index: int
    incoming: Incoming
    surname: str
    name: str
    patronymic: str
    latin: bool
    dates: list


def _prepare(index, incoming):
    latin = not _CYRILLIC.search(incoming.surname + incoming.name) and bool(
        _LATIN.search(incoming.surname + incoming.name))
    dates = [d for d in (incoming.birth_date, swapped_day_month(incoming.birth_date)) if d]
    return _Prepared(index, incoming, fold(incoming.surname), fold(incoming.name),
                     fold(incoming.patronymic), latin, dates)


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


KEY_FIELDS = (Person.id, Person.surname_key, Person.name_key, Person.patronymic_key,
              Person.birth_date, Person.gender, Person.snils)
_KEY_NAMES = [f.name for f in KEY_FIELDS]


def _block(prepared):
    """({row index: set of person ids}, {person id: matching keys}, {(row index, person id)
    sharing a document}) from indexed queries, a few per batch of rows."""
    found, people, same_document = defaultdict(set), {}, set()
    by_snils, by_doc, by_names, by_date_name, by_date_surname, by_date = (defaultdict(list) for _ in range(6))
    for p in prepared:
        if p.incoming.snils:
            by_snils[p.incoming.snils].append(p.index)
        for _, key in p.incoming.documents:
            if key:
                by_doc[key].append(p.index)
        if p.surname and p.name:
            by_names[(p.surname, p.name)].append(p.index)
            by_names[(p.name, p.surname)].append(p.index)
        for day in p.dates:
            if p.name:
                by_date_name[(day, p.name)].append(p.index)
            if p.surname:
                by_date_surname[(day, p.surname)].append(p.index)
            if p.latin:
                by_date[day].append(p.index)

    def keep(row, rows_of):
        person = _person(row)
        people[person['id']] = person
        for i in rows_of:
            found[i].add(person['id'])
        return person['id']

    for chunk in _chunks(by_snils):
        for row in Person.select(*KEY_FIELDS).where(Person.snils.in_(chunk)).tuples():
            keep(row, by_snils[row[6]])
    for chunk in _chunks(by_doc):
        query = (Person.select(*KEY_FIELDS, IdentityDocument.number_key).join(IdentityDocument)
                 .where(IdentityDocument.number_key.in_(chunk)).tuples())
        for row in query:
            pid = keep(row, by_doc[row[7]])
            same_document.update((i, pid) for i in by_doc[row[7]])
    _pairs(keep, by_names, Person.surname_key, Person.name_key)
    _pairs(keep, by_date_name, Person.birth_date, Person.name_key)
    _pairs(keep, by_date_surname, Person.birth_date, Person.surname_key)
    for chunk in _chunks(by_date):
        for row in Person.select(*KEY_FIELDS).where(Person.birth_date.in_(chunk)).tuples():
            keep(row, by_date[_as_date(row[4])])
    return found, people, same_document


def _person(row):
    person = dict(zip(_KEY_NAMES, row))
    person['birth_date'] = _as_date(person['birth_date'])
    return person


def _pairs(keep, wanted, first, second):
    """Rows whose (first, second) equals one of the wanted pairs; one indexed probe per pair."""
    a_at, b_at = _KEY_NAMES.index(first.name), _KEY_NAMES.index(second.name)
    dated = first is Person.birth_date
    if isinstance(db.obj, PostgresqlDatabase):
        # Two arrays unnested into a join: one short statement per chunk instead of a long OR list.
        columns = ', '.join(f'p.{f.column_name}' for f in KEY_FIELDS)
        sql = (f'SELECT {columns} FROM person p '
               f'JOIN unnest(%s::{"date" if dated else "text"}[], %s::text[]) AS k(a, b) '
               f'ON p.{first.column_name} = k.a AND p.{second.column_name} = k.b')
        chunks = (db.execute_sql(sql, ([a for a, _ in chunk], [b for _, b in chunk])).fetchall()
                  for chunk in _chunks(wanted, PG_CHUNK))
    else:
        chunks = (Person.select(*KEY_FIELDS).where(Tuple(first, second).in_(chunk)).tuples()
                  for chunk in _chunks(wanted))
    for rows in chunks:
        for row in rows:
            a = _as_date(row[a_at]) if dated else row[a_at]
            keep(row, wanted.get((a, row[b_at]), ()))


def _as_date(value):
    if isinstance(value, str):  # SQLite hands dates back as text in tuple queries
        return datetime.date.fromisoformat(value[:10])
    return value


# --- Scoring -----------------------------------------------------------------------

def _similarity(a, b, latin_a=None):
    if not a or not b:
        return 0.0
    score = JaroWinkler.normalized_similarity(a, b)
    if latin_a:
        score = max(score, JaroWinkler.normalized_similarity(latin_a, to_latin(b)))
    return score


def _date_closeness(a, b):
    if a is None or b is None:
        return 0.0
    if a == b:
        return 1.0
    if swapped_day_month(a) == b:
        return 0.9
    sa, sb = a.strftime('%d%m%Y'), b.strftime('%d%m%Y')
    if sum(x != y for x, y in zip(sa, sb)) == 1:
        return 0.75
    return 0.0


def score(p, person, same_document):
    """(score 0–100, exact, agree, differ) of one registry person against a prepared row."""
    inc = p.incoming
    latin_s = name_key(inc.surname) if p.latin else None
    latin_n = name_key(inc.name) if p.latin else None
    s = _similarity(p.surname, person['surname_key'], latin_s)
    n = _similarity(p.name, person['name_key'], latin_n)
    crossed = (_similarity(p.surname, person['name_key'], latin_s)
               + _similarity(p.name, person['surname_key'], latin_n)) / 2 - 0.04
    swapped = crossed > (s + n) / 2
    if swapped:
        s = n = crossed
    pat = None
    if p.patronymic and person['patronymic_key']:
        pat = _similarity(p.patronymic, person['patronymic_key'])
    names = 0.45 * s + 0.35 * n + 0.2 * pat if pat is not None else 0.55 * s + 0.45 * n
    birth = person['birth_date']
    dates = _date_closeness(inc.birth_date, birth)
    total = 100 * (0.6 * names + 0.4 * dates)
    agree, differ = [], []
    for fieldname, similar in (('surname', s), ('name', n)):
        (agree if similar >= 0.999 else differ).append(fieldname)
    if pat is not None:
        (agree if pat >= 0.999 else differ).append('patronymic')
    elif p.patronymic or person['patronymic_key']:
        differ.append('patronymic')
    (agree if dates == 1.0 else differ).append('birth_date')
    if inc.gender and person['gender']:
        if inc.gender == person['gender']:
            agree.append('gender')
        else:
            differ.append('gender')
            total -= 15
    same_snils = bool(inc.snils) and inc.snils == person['snils']
    if same_snils:
        total += 40
        agree.append('snils')
    elif inc.snils and person['snils']:
        total -= 40
        differ.append('snils')
    if same_document:
        total += 30
        agree.append('document')
    exact = same_snils or (same_document and dates == 1.0)
    return max(0, min(100, round(total))), exact, agree, differ


# --- The engine ----------------------------------------------------------------------

def find_similar(rows, organisation_id=None, limit=LIMIT, min_score=MIN_SCORE, batch=500,
                 progress=None):
    """For each incoming row (an :class:`Incoming`), its candidates, best first.

    ``organisation_id`` decides the groups: «в этой организации», «свободные» (no open
    membership anywhere), «в других организациях».  ``progress(done, total)`` is called per batch.
    """
    results = []
    for start in range(0, len(rows), batch):
        prepared = [_prepare(start + i, row) for i, row in enumerate(rows[start:start + batch])]
        found, people, same_document = _block(prepared)
        scored = {}
        for p in prepared:
            candidates = []
            for pid in found.get(p.index, ()):
                value, exact, agree, differ = score(p, people[pid], (p.index, pid) in same_document)
                if value >= min_score or exact:
                    candidates.append(Candidate(pid, value, exact, agree, differ))
            candidates.sort(key=lambda c: (not c.exact, -c.score, c.person_id))
            scored[p.index] = candidates[:limit]
        _describe(prepared, scored, organisation_id)
        results.extend(scored[p.index] for p in prepared)
        if progress:
            progress(min(start + batch, len(rows)), len(rows))
    return results


def _shown_people(ids):
    people = {}
    for chunk in _chunks(ids, 1000):
        query = (Person.select(Person.id, Person.surname, Person.name, Person.patronymic,
                               Person.birth_date, Person.gender, Person.snils)
                 .where(Person.id.in_(chunk)).dicts())
        for row in query:
            row['birth_date'] = _as_date(row['birth_date'])
            people[row['id']] = row
    return people


def _documents(ids):
    docs = defaultdict(list)
    for chunk in _chunks(ids, 1000):
        query = (IdentityDocument.select(IdentityDocument.person, IdentityDocument.kind,
                                         IdentityDocument.series, IdentityDocument.number,
                                         IdentityDocument.is_current)
                 .where(IdentityDocument.person.in_(chunk)).tuples())
        for pid, kind, series, number, current in query:
            docs[pid].append({'kind': kind, 'series': series, 'number': number, 'current': current})
    return docs


def _describe(prepared, scored, organisation_id):
    """Fill each shown candidate's group, organisations and what the screen shows of the person
    (read only for the few candidates shown, not for everything the blocking met)."""
    ids = {c.person_id for candidates in scored.values() for c in candidates}
    people, docs, where = _shown_people(ids), _documents(ids), defaultdict(dict)
    for chunk in _chunks(ids, 1000):
        query = (Membership.select(Membership.person, Organisation.id, Organisation.short_name)
                 .join(Organisation)
                 .where(Membership.person.in_(chunk), Membership.ended_on.is_null()).tuples())
        for pid, org_id, org_name in query:
            where[pid][org_id] = org_name
    for p in prepared:
        incoming_kinds = {kind for kind, _ in p.incoming.documents}
        for c in scored[p.index]:
            person = people[c.person_id]
            orgs = where.get(c.person_id, {})
            if organisation_id in orgs:
                c.group = 'here'
            elif orgs:
                c.group = 'other'
            c.organisations = [{'id': oid, 'name': name} for oid, name in sorted(orgs.items(), key=lambda kv: kv[1])]
            held = docs.get(c.person_id, [])
            if 'document' not in c.agree and incoming_kinds & {d['kind'] for d in held}:
                c.differ.append('document')
            current = [d for d in held if d['current']] or held
            c.person = {
                'full_name': ' '.join(x for x in (person['surname'], person['name'], person['patronymic']) if x),
                'surname': person['surname'], 'name': person['name'], 'patronymic': person['patronymic'],
                'birth_date': person['birth_date'].isoformat(), 'gender': person['gender'],
                'snils': person['snils'] or '',
                'documents': [{'kind': DOCUMENT_KINDS.get(d['kind'], d['kind']), 'series': d['series'],
                               'number': d['number']} for d in current],
            }


def incoming_from_form(surname, name, patronymic, birth_date, gender='', snils='', series='', number=''):
    """An :class:`Incoming` from what a search form gives (for the other ways of enrolment)."""
    docs = [('any', document_key(series, number))] if number else []
    return Incoming(surname, name, patronymic, birth_date, gender, digits_key(snils), docs)
