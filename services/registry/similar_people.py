"""«Поиск похожих пользователей системы»: people of the registry who look like an incoming child.

Two steps, as record linkage is usually done:

1. Blocking through indexed queries, one per key kind for up to BLOCK rows: the same СНИЛС;
   the same document number; the same surname and name (also swapped); the same birth date
   (also with day and month swapped) with a name, or a surname, that starts with the same two
   letters (so a typo in both names still meets its child; the surname is also tried as a
   name and the name as a surname, for the two swapped).  Names are folded first: ё→е, case,
   Latin look-alike letters inside Cyrillic, and whole Latin spellings transliterated.
2. Scoring each candidate with Jaro-Winkler similarity (rapidfuzz) of the names, the birth
   date (a day/month swap or a one-digit slip costs a little, another date a lot) and the
   identifiers: an equal СНИЛС or document weighs most, a different СНИЛС weighs against.
   A candidate that cannot reach MIN_SCORE even with equal names is dropped before the names
   are compared (most of what the name blocking meets was born on another day).

People who work in an organisation are never candidates.  An equal СНИЛС or document of
someone whose surname, name and birth date all differ from the row (beyond typing noise), or
of a staff member, is a **conflict**: the row's number is someone else's, so it is reported
as such (``Found.conflicts``), never offered as «точное совпадение».

No Flask here: the import job, the tests and the benchmarks call :func:`find_similar`.
"""
import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field

from peewee import PostgresqlDatabase, Value, ValuesList, fn
from rapidfuzz.distance import JaroWinkler

from models import DOCUMENT_KINDS, IdentityDocument, Membership, Organisation, Person, db
from keys import digits_key, document_key, name_key, prefix_upper_bound

MIN_SCORE = 72       # candidates below are not shown
LIMIT = 5            # candidates per row
BLOCK = 5000         # rows whose blocking queries run together
CHUNK = 300          # keys per query on SQLite
PREFIX = 2           # first letters of a name that, with the birth date, make a block
CLOSE_NAMES = 0.85   # every name at least this close when no name or identifier is shared

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


CONFLICTS = {'snils': 'СНИЛС совпадает с другим человеком — проверьте номер.',
             'document': 'Документ совпадает с документом другого человека — проверьте серию и номер.'}


class Found(list):
    """A row's candidates, best first, and ``conflicts``: [{field, message}] of its identifiers
    that belong to another person."""
    conflicts = ()


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
    latin_surname: str = None
    latin_name: str = None


def _prepare(index, incoming):
    latin = not _CYRILLIC.search(incoming.surname + incoming.name) and bool(
        _LATIN.search(incoming.surname + incoming.name))
    dates = [d for d in (incoming.birth_date, swapped_day_month(incoming.birth_date)) if d]
    return _Prepared(index, incoming, fold(incoming.surname), fold(incoming.name),
                     fold(incoming.patronymic), latin, dates,
                     name_key(incoming.surname) if latin else None, name_key(incoming.name) if latin else None)


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _on_postgres():
    return isinstance(db.obj, PostgresqlDatabase)


def _rows_where_in(query, field, keys):
    """Rows of ``query`` whose ``field`` is one of ``keys``: one array parameter on PostgreSQL
    (a short statement served by the index), IN lists of CHUNK keys on SQLite."""
    keys = list(keys)
    if not keys:
        return
    if _on_postgres():
        yield from query.where(field == fn.ANY(Value(keys, converter=False, unpack=False)))
        return
    for chunk in _chunks(keys):
        yield from query.where(field.in_(chunk))


# A registry person as the blocking reads it: a tuple in the order of KEY_FIELDS.
KEY_FIELDS = (Person.id, Person.surname_key, Person.name_key, Person.patronymic_key,
              Person.birth_date, Person.gender, Person.snils, Person.is_staff)
_ID, _SURNAME, _NAME, _PATRONYMIC, _BIRTH, _GENDER, _SNILS, _STAFF = range(len(KEY_FIELDS))


def _block(prepared):
    """({row index: set of person ids}, {person id: key tuple}, {(row index, person id) sharing
    a document}) from indexed queries: one per key kind for all the prepared rows."""
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
            for word in {p.name, p.surname} - {''}:  # the surname also as a name: the two swapped
                by_date_name[(day, word[:PREFIX])].append(p.index)
                by_date_surname[(day, word[:PREFIX])].append(p.index)
            if p.latin:
                by_date[day].append(p.index)

    def keep(row, rows_of):
        pid = row[_ID]
        if pid not in people:
            people[pid] = _key_tuple(row)
        for i in rows_of:
            found[i].add(pid)
        return pid

    for row in _rows_where_in(Person.select(*KEY_FIELDS).tuples(), Person.snils, by_snils):
        keep(row, by_snils[row[_SNILS]])
    documents = Person.select(*KEY_FIELDS, IdentityDocument.number_key).join(IdentityDocument).tuples()
    for row in _rows_where_in(documents, IdentityDocument.number_key, by_doc):
        pid = keep(row, by_doc[row[-1]])
        same_document.update((i, pid) for i in by_doc[row[-1]])
    _pairs(keep, by_names, Person.surname_key, Person.name_key)
    _pairs(keep, by_date_name, Person.birth_date, Person.name_key, prefix=True)
    _pairs(keep, by_date_surname, Person.birth_date, Person.surname_key, prefix=True)
    for row in _rows_where_in(Person.select(*KEY_FIELDS).tuples(), Person.birth_date, by_date):
        keep(row, by_date[_as_date(row[_BIRTH])])
    return found, people, same_document


def _key_tuple(row):
    """The KEY_FIELDS part of a row, its birth date a date (SQLite hands dates back as text)."""
    row = row[:len(KEY_FIELDS)]
    if isinstance(row[_BIRTH], str):
        row = row[:_BIRTH] + (_as_date(row[_BIRTH]),) + row[_BIRTH + 1:]
    return row


def _pairs(keep, wanted, first, second, prefix=False):
    """Rows whose (first, second) equals one of the wanted pairs, or with ``prefix`` whose
    second starts with the pair's second; one index probe per pair."""
    if not wanted:
        return
    names = [f.name for f in KEY_FIELDS]
    a_at, b_at = names.index(first.name), names.index(second.name)
    dated = first is Person.birth_date
    pairs = list(wanted)
    highs = [prefix_upper_bound(b) if prefix else '' for _, b in pairs]
    if _on_postgres():
        # One statement for all pairs. OFFSET 0 keeps the subquery a probe of the two-column
        # index per pair: flattened into a join, a few thousand pairs get a sort of the whole table.
        columns = ', '.join(f.column_name for f in KEY_FIELDS)
        column = second.column_name
        match = f'{column} >= k.b AND {column} < k.c' if prefix else f'{column} = k.b'
        sql = (f'SELECT p.* FROM unnest(%s::{"date" if dated else "text"}[], %s::text[], %s::text[]) AS k(a, b, c) '
               f'CROSS JOIN LATERAL (SELECT {columns} FROM person '
               f'WHERE {first.column_name} = k.a AND {match} OFFSET 0) AS p')
        chunks = [db.execute_sql(sql, ([a for a, _ in pairs], [b for _, b in pairs], highs)).fetchall()]
    else:
        keys = [(a.isoformat() if dated else a, b, high) for (a, b), high in zip(pairs, highs)]
        chunks = (_joined(chunk, first, second, prefix) for chunk in _chunks(keys))
    lengths = sorted({len(b) for _, b in pairs}) if prefix else [None]
    for rows in chunks:
        for row in rows:
            a = _as_date(row[a_at]) if dated else row[a_at]
            for length in lengths:
                keep(row, wanted.get((a, row[b_at][:length]), ()))


def _joined(keys, first, second, prefix):
    """People matching one of ``keys`` (first, second, prefix end) through a join with the keys
    as a VALUES list, which SQLite answers with one index probe per key."""
    k = ValuesList(keys).cte('k', columns=('a', 'b', 'c'))
    match = (second >= k.c.b) & (second < k.c.c) if prefix else (second == k.c.b)
    return Person.select(*KEY_FIELDS).join(k, on=(first == k.c.a) & match).with_cte(k).tuples()


def _as_date(value):
    if isinstance(value, str):  # SQLite hands dates back as text in tuple queries
        return datetime.date.fromisoformat(value[:10])
    return value


# --- Scoring -----------------------------------------------------------------------

_jaro_winkler = JaroWinkler.normalized_similarity


def _similarity(a, b, latin_a=None):
    if not a or not b:
        return 0.0
    score = _jaro_winkler(a, b)
    if latin_a:
        score = max(score, _jaro_winkler(latin_a, to_latin(b)))
    return score


def _date_closeness(a, b):
    """1 for the same date, 0.9 for day and month swapped, 0.75 for one digit of «ДДММГГГГ»
    mistyped, otherwise 0."""
    if a is None or b is None:
        return 0.0
    if a == b:
        return 1.0
    same_year, same_month, same_day = a.year == b.year, a.month == b.month, a.day == b.day
    if same_year and a.day == b.month and a.month == b.day:
        return 0.9
    if same_year + same_month + same_day == 2:  # one slipped digit changes one part only
        x, y = (a.day, b.day) if not same_day else (a.month, b.month) if not same_month else (a.year, b.year)
        if _one_digit_apart(x, y):
            return 0.75
    return 0.0


def _one_digit_apart(x, y):
    differing = 0
    while x or y:
        differing += x % 10 != y % 10
        x, y = x // 10, y // 10
    return differing == 1


def score(p, person, same_document, min_score=MIN_SCORE, children=True):
    """(score 0–100, exact, agree, differ, conflict) of one registry person (a KEY_FIELDS tuple)
    against a prepared row, or None when the person is not a candidate: below ``min_score`` and
    not an exact match, or sharing neither a name nor an identifier with the row while some name
    is not close (what the surname-prefix blocking brings besides the child).  ``conflict`` names
    the identifier ('snils', 'document') shared by someone else: a staff member, or a person
    whose surname, name and birth date all differ; such a person is no candidate, never exact.
    ``children=False`` (looking for an employee): staff are candidates like anyone else."""
    inc = p.incoming
    birth = person[_BIRTH]
    dates = _date_closeness(inc.birth_date, birth)
    gender_differs = bool(inc.gender and person[_GENDER]) and inc.gender != person[_GENDER]
    same_snils = bool(inc.snils) and inc.snils == person[_SNILS]
    other_snils = not same_snils and bool(inc.snils and person[_SNILS])
    exact = same_snils or (same_document and dates == 1.0)
    # The identifiers and the date are cheap; names at best agree fully (60 points).
    bonus = 40 * same_snils - 40 * other_snils + 30 * same_document - 15 * gender_differs
    if not exact and 60 + 40 * dates + bonus < min_score - 0.5:
        return None
    s = _similarity(p.surname, person[_SURNAME], p.latin_surname)
    n = _similarity(p.name, person[_NAME], p.latin_name)
    crossed = (_similarity(p.surname, person[_NAME], p.latin_surname)
               + _similarity(p.name, person[_SURNAME], p.latin_name)) / 2 - 0.04
    if crossed > (s + n) / 2:
        s = n = crossed
    pat = None
    if p.patronymic and person[_PATRONYMIC]:
        pat = _similarity(p.patronymic, person[_PATRONYMIC])
    shares = (same_snils or same_document or p.latin
              or bool({p.surname, p.name} & {person[_SURNAME], person[_NAME]} - {''}))
    if not shares and min(s, n, 1.0 if pat is None else pat) < CLOSE_NAMES:
        return None
    names = 0.45 * s + 0.35 * n + 0.2 * pat if pat is not None else 0.55 * s + 0.45 * n
    total = 100 * (0.6 * names + 0.4 * dates) + bonus
    agree, differ = [], []
    for fieldname, similar in (('surname', s), ('name', n)):
        (agree if similar >= 0.999 else differ).append(fieldname)
    if pat is not None:
        (agree if pat >= 0.999 else differ).append('patronymic')
    elif p.patronymic or person[_PATRONYMIC]:
        differ.append('patronymic')
    (agree if dates == 1.0 else differ).append('birth_date')
    if inc.gender and person[_GENDER]:
        (differ if gender_differs else agree).append('gender')
    if same_snils:
        agree.append('snils')
    elif other_snils:
        differ.append('snils')
    if same_document:
        agree.append('document')
    conflict = ''
    if (same_snils or same_document) and (children and person[_STAFF]
                                          or max(s, n) < CLOSE_NAMES and not dates):
        conflict, exact = 'snils' if same_snils else 'document', False
    total = max(0, min(100, round(total)))
    if total < min_score and not exact and not conflict:
        return None
    return total, exact, agree, differ, conflict


def _ranked(p, person_ids, people, same_document, limit, min_score, children):
    candidates, conflicts = [], set()
    for pid in person_ids:
        scored = score(p, people[pid], (p.index, pid) in same_document, min_score, children)
        if scored is None:
            continue
        if scored[4]:
            conflicts.add(scored[4])
        elif not (children and people[pid][_STAFF]):
            candidates.append(Candidate(pid, *scored[:4]))
    candidates.sort(key=lambda c: (not c.exact, -c.score, c.person_id))
    found = Found(candidates[:limit])
    found.conflicts = [{'field': field, 'message': CONFLICTS[field]} for field in CONFLICTS
                       if field in conflicts]
    return found


# --- The engine ----------------------------------------------------------------------

def similar_batches(rows, organisation_id=None, limit=LIMIT, min_score=MIN_SCORE, batch=500,
                    block=BLOCK, children=True):
    """Yield, ``batch`` rows at a time, each incoming row's candidates, best first.

    ``rows`` are :class:`Incoming`.  The blocking queries run once per ``block`` rows, one
    query per key kind; scoring and reading what the screen shows go per batch, so the
    caller can store each batch as it comes.  ``organisation_id`` decides the groups:
    «в этой организации», «свободные» (no open membership anywhere), «в других организациях».
    ``children`` (the default) leaves staff out; an employee's search passes False.
    """
    for block_start in range(0, len(rows), block):
        prepared = [_prepare(block_start + i, row) for i, row in enumerate(rows[block_start:block_start + block])]
        found, people, same_document = _block(prepared)
        for start in range(0, len(prepared), batch):
            part = prepared[start:start + batch]
            scored = {p.index: _ranked(p, found.get(p.index, ()), people, same_document, limit,
                                       min_score, children)
                      for p in part}
            _describe(part, scored, organisation_id)
            yield [scored[p.index] for p in part]


def find_similar(rows, organisation_id=None, limit=LIMIT, min_score=MIN_SCORE, batch=500,
                 progress=None, block=BLOCK, children=True):
    """For each incoming row (an :class:`Incoming`), its candidates, best first (see
    :func:`similar_batches`).  ``progress(done, total)`` is called per batch."""
    results = []
    for found in similar_batches(rows, organisation_id, limit, min_score, batch, block, children):
        results.extend(found)
        if progress:
            progress(len(results), len(rows))
    return results


def _describe(prepared, scored, organisation_id):
    """Fill each shown candidate's group, organisations and what the screen shows of the person
    (read only for the few candidates shown, not for everything the blocking met)."""
    ids = {c.person_id for candidates in scored.values() for c in candidates}
    people, docs, where = {}, defaultdict(list), defaultdict(dict)
    shown = Person.select(Person.id, Person.surname, Person.name, Person.patronymic,
                          Person.birth_date, Person.gender, Person.snils).tuples()
    for pid, surname, name, patronymic, birth, gender, snils in _rows_where_in(shown, Person.id, ids):
        people[pid] = {'surname': surname, 'name': name, 'patronymic': patronymic,
                       'birth_date': _as_date(birth), 'gender': gender, 'snils': snils}
    documents = IdentityDocument.select(IdentityDocument.person, IdentityDocument.kind,
                                        IdentityDocument.series, IdentityDocument.number,
                                        IdentityDocument.is_current).tuples()
    for pid, kind, series, number, current in _rows_where_in(documents, IdentityDocument.person, ids):
        docs[pid].append({'kind': kind, 'series': series, 'number': number, 'current': current})
    memberships = (Membership.select(Membership.person, Organisation.id, Organisation.short_name)
                   .join(Organisation).where(Membership.ended_on.is_null()).tuples())
    for pid, org_id, org_name in _rows_where_in(memberships, Membership.person, ids):
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
