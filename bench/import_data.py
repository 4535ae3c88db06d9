"""Labelled test data for the similar-person engine: a registry of children and an import
file whose rows are noisy copies of registry children mixed with new children; the truth
(which registry person each row is, or None) is kept aside.

Noise kinds and their shares among the copies (what administrators' files look like):
clean copy, ё→е, a typo in the surname, a typo in the name, surname and name swapped,
patronymic missing, a new passport at 14 (the registry has the birth certificate), Latin
look-alike letters, day and month of birth swapped, transliterated name, upper case and
stray spaces.  Whether СНИЛС or the document is in the file is drawn separately.

With ``two_kinds`` (a share), a noisy copy carries a second noise kind as well, drawn with
the same weights among the kinds that can go with the first (a transliterated row keeps no
ё, look-alike letters, case or document to spoil); ``REALISTIC_TWO_KINDS`` is the share
the quality benchmark uses for its realistic file.
"""
import datetime
import io
import random
from dataclasses import dataclass

from faker.providers.person.ru_RU import Provider as Names

from demo.names import LATIN_LOOKALIKE, surname_pairs, translit
from services.registry.documents import snils_check_number
from keys import document_key, name_key

NOISE = [  # kind, share of the copies
    ('clean', 22), ('yo', 6), ('surname_typo', 12), ('name_typo', 8), ('swapped', 5),
    ('no_patronymic', 10), ('new_passport', 8), ('lookalike', 8), ('day_month', 8),
    ('translit', 5), ('case_spaces', 8),
]
REALISTIC_TWO_KINDS = 0.25  # of the noisy copies: about a fifth of all copies carry two kinds
# Kinds that a transliterated row cannot carry (transliteration erases them or drops the document).
_NOT_WITH_TRANSLIT = {'yo', 'lookalike', 'case_spaces', 'new_passport'}
# The order noise is applied in: edits of the letters first, transliteration and case last.
_ORDER = ['surname_typo', 'name_typo', 'yo', 'no_patronymic', 'swapped', 'day_month',
          'new_passport', 'lookalike', 'translit', 'case_spaces']
REFERENCE_DAY = datetime.date(2026, 9, 1)
ROMAN = ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X', 'XI', 'XII', 'XIII', 'XIV']
CYRILLIC_CAPITALS = 'АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЭЮЯ'


@dataclass
class Child:
    id: int
    surname: str
    name: str
    patronymic: str
    birth_date: datetime.date
    gender: str
    snils: str
    certificate: tuple          # (series, number)
    passport: tuple = None      # (series, number) when 14 or older


class NamePool:
    def __init__(self):
        self.surnames = sorted(surname_pairs())  # (male, female)
        self.male = sorted(set(Names.first_names_male))
        self.female = sorted(set(Names.first_names_female))
        self.patronymics_male = sorted(set(Names.middle_names_male))
        self.patronymics_female = sorted(set(Names.middle_names_female))


def random_snils(rng):
    first = ''.join(str(rng.randint(0, 9)) for _ in range(9))
    if int(first) < 1002000:  # numbers up to 001-001-998 carry no checksum; keep every child's own
        first = '1' + first[1:]
    return f'{first}{snils_check_number(first):02d}'


def random_child(rng, pool, person_id):
    gender = rng.choice('MF')
    male, female = rng.choice(pool.surnames)
    if gender == 'F':
        surname = female
        name, patronymic = rng.choice(pool.female), rng.choice(pool.patronymics_female)
    else:
        surname = male
        name, patronymic = rng.choice(pool.male), rng.choice(pool.patronymics_male)
    birth = REFERENCE_DAY - datetime.timedelta(days=rng.randint(3 * 365, 18 * 365))
    certificate = (f'{rng.choice(ROMAN)}-{rng.choice(CYRILLIC_CAPITALS)}{rng.choice(CYRILLIC_CAPITALS)}',
                   f'{rng.randint(0, 999999):06d}')
    age = (REFERENCE_DAY - birth).days // 365
    passport = (f'{rng.randint(1, 99):02d}{rng.randint(0, 99):02d}', f'{rng.randint(0, 999999):06d}') if age >= 14 else None
    return Child(person_id, surname, name, patronymic, birth, gender, random_snils(rng), certificate, passport)


def make_registry(size, seed=6):
    rng, pool = random.Random(seed), NamePool()
    return [random_child(rng, pool, i) for i in range(1, size + 1)]


# --- Noise ----------------------------------------------------------------------------------

def _typo(rng, word):
    if len(word) < 4:
        return word + rng.choice('аоие')
    i = rng.randint(1, len(word) - 2)
    kind = rng.choice(('substitute', 'delete', 'transpose', 'insert'))
    if kind == 'substitute':
        return word[:i] + rng.choice('аеиоунрстлвк'.replace(word[i], '')) + word[i + 1:]
    if kind == 'delete':
        return word[:i] + word[i + 1:]
    if kind == 'transpose':
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + rng.choice('аеиоунрстлвк') + word[i:]


def _lookalike(rng, word):
    spots = [i for i, ch in enumerate(word) if ch in LATIN_LOOKALIKE]
    if not spots:
        return word
    i = rng.choice(spots)
    return word[:i] + LATIN_LOOKALIKE[word[i]] + word[i + 1:]


def _translit(word):
    return translit(word).capitalize()


def noisy_row(rng, child, kind):
    """The row an administrator would type for ``child``, with one kind of noise, or several
    joined by «+» (``'surname_typo+day_month'``)."""
    surname, name, patronymic, birth = child.surname, child.name, child.patronymic, child.birth_date
    snils = child.snils if rng.random() < 0.3 else ''
    documents = []
    if rng.random() < 0.5:
        documents.append(('birth_certificate_rf', document_key(*child.certificate)))
    for one in sorted(kind.split('+'), key=lambda k: _ORDER.index(k) if k in _ORDER else -1):
        if one == 'yo':
            before = (surname, name)
            surname, name = surname.replace('ё', 'е').replace('Ё', 'Е'), name.replace('ё', 'е')
            if (surname, name) == before:
                surname = surname.replace('е', 'ё', 1)  # typed ё where the registry has е
        elif one == 'surname_typo':
            surname = _typo(rng, surname)
        elif one == 'name_typo':
            name = _typo(rng, name)
        elif one == 'swapped':
            surname, name = name, surname
        elif one == 'no_patronymic':
            patronymic = ''
        elif one == 'new_passport':
            documents = [('passport_rf', f'{rng.randint(1, 99):02d}{rng.randint(0, 99):02d}{rng.randint(0, 999999):06d}')]
            snils = ''
        elif one == 'lookalike':
            surname = _lookalike(rng, surname)
        elif one == 'day_month':
            if birth.day <= 12 and birth.day != birth.month:
                birth = birth.replace(month=birth.day, day=birth.month)
            else:
                surname = _typo(rng, surname)  # no swap possible: the typist slipped elsewhere
        elif one == 'translit':
            surname, name, patronymic = _translit(surname), _translit(name), _translit(patronymic)
            documents, snils = [], ''
        elif one == 'case_spaces':
            surname, name = f' {surname.upper()} ', name.upper() + '  '
    return {'surname': surname, 'name': name, 'patronymic': patronymic, 'birth_date': birth,
            'gender': child.gender, 'snils': snils, 'documents': documents, 'noise': kind}


def _second_kind(rng, first, kinds, weights):
    """A second noise kind that can go with ``first`` (another kind, not spoiled by it)."""
    allowed = [(k, w) for k, w in zip(kinds, weights) if k not in (first, 'clean')
               and not ('translit' in (first, k) and {first, k} & _NOT_WITH_TRANSLIT)]
    return rng.choices([k for k, _ in allowed], [w for _, w in allowed])[0]


def make_file(registry, rows, new_share=0.2, seed=7, without=(), two_kinds=0.0):
    """(rows as dicts, truth: registry id or None per row); ids of new children start past the registry.

    ``two_kinds``: the share of noisy copies that get a second noise kind."""
    rng, pool = random.Random(seed), NamePool()
    kinds = [k for k, _ in NOISE if k not in without]
    weights = [w for k, w in NOISE if k not in without]
    out, truth = [], []
    next_id = len(registry) + 1
    chosen = iter(rng.sample(range(len(registry)), rows))
    for _ in range(rows):
        if rng.random() < new_share:
            child = random_child(rng, pool, next_id)
            next_id += 1
            row = noisy_row(rng, child, 'clean')
            row['noise'] = 'new'
            out.append(row)
            truth.append(None)
        else:
            child = registry[next(chosen)]
            kind = rng.choices(kinds, weights)[0]
            if two_kinds and kind != 'clean' and rng.random() < two_kinds:
                kind = f'{kind}+{_second_kind(rng, kind, kinds, weights)}'
            out.append(noisy_row(rng, child, kind))
            truth.append(child.id)
    return out, truth


# --- Writing a registry into the database -------------------------------------------------

PERSON_COLUMNS = ('id', 'surname', 'name', 'patronymic', 'no_patronymic', 'birth_date', 'gender',
                  'snils', 'citizenship', 'phone', 'email', 'address', 'surname_key', 'name_key',
                  'patronymic_key', 'created_at', 'version')
DOCUMENT_COLUMNS = ('person_id', 'kind', 'foreign_kind', 'series', 'number', 'number_key',
                    'issued_on', 'issued_by', 'division_code', 'civil_record_number', 'is_current')


def person_tuple(c, now):
    return (c.id, c.surname, c.name, c.patronymic, False, c.birth_date, c.gender, c.snils,
            'Российская Федерация', '', '', '', name_key(c.surname), name_key(c.name),
            name_key(c.patronymic), now, 1)


def document_tuples(c):
    yield (c.id, 'birth_certificate_rf', '', c.certificate[0], c.certificate[1],
           document_key(*c.certificate), c.birth_date + datetime.timedelta(days=10), 'ЗАГС', '', '', True)
    if c.passport:
        yield (c.id, 'passport_rf', '', c.passport[0], c.passport[1], document_key(*c.passport),
               c.birth_date.replace(year=c.birth_date.year + 14) if not (c.birth_date.month == 2 and c.birth_date.day == 29)
               else c.birth_date + datetime.timedelta(days=14 * 365 + 4), 'МВД', '650-001', '', True)


def write_registry(database, registry, progress=None):
    """Bulk-write the registry: COPY on PostgreSQL, executemany on SQLite."""
    from models import IdentityDocument, Person
    now = datetime.datetime(2026, 1, 1)
    chunk = 50000
    for start in range(0, len(registry), chunk):
        part = registry[start:start + chunk]
        people = [person_tuple(c, now) for c in part]
        docs = [d for c in part for d in document_tuples(c)]
        with database.atomic():
            if database.__class__.__name__.startswith('Postgres'):
                cursor = database.cursor()
                with cursor.copy(f'COPY person ({", ".join(PERSON_COLUMNS)}) FROM STDIN') as copy:
                    for row in people:
                        copy.write_row(row)
                with cursor.copy(f'COPY identity_document ({", ".join(DOCUMENT_COLUMNS)}) FROM STDIN') as copy:
                    for row in docs:
                        copy.write_row(row)
            else:
                for i in range(0, len(people), 5000):
                    Person.insert_many(people[i:i + 5000], fields=list(PERSON_COLUMNS)).execute()
                for i in range(0, len(docs), 5000):
                    IdentityDocument.insert_many(docs[i:i + 5000], fields=list(DOCUMENT_COLUMNS)).execute()
        if progress:
            progress(min(start + chunk, len(registry)), len(registry))
    if database.__class__.__name__.startswith('Postgres'):
        database.execute_sql("SELECT setval('person_id_seq', (SELECT max(id) FROM person))")
        database.execute_sql('ANALYZE person')
        database.execute_sql('ANALYZE identity_document')


def incoming(rows):
    """The engine's input for the generated rows."""
    from services.registry.similar_people import Incoming
    return [Incoming(r['surname'], r['name'], r['patronymic'], r['birth_date'], r['gender'],
                     r['snils'], list(r['documents'])) for r in rows]


def as_xlsx(rows, association='1а Бисер'):
    """The rows typed into the short template (the file an administrator uploads)."""
    from openpyxl import load_workbook
    from services.imports import build_template
    book = load_workbook(io.BytesIO(build_template('short', [association])))
    sheet = book['Ученики']
    for r, row in enumerate(rows, start=4):
        cert = next((key for kind, key in row['documents'] if kind == 'birth_certificate_rf'), None)
        passport = next((key for kind, key in row['documents'] if kind == 'passport_rf'), None)
        values = [association, row['surname'], row['name'], row['patronymic'],
                  row['birth_date'].strftime('%d.%m.%Y'), 'М' if row['gender'] == 'M' else 'Ж',
                  row['snils']]
        values += [passport[:4], passport[4:], '', ''] if passport else ['', '', '', '']
        if cert:
            series, number = cert[:-6], cert[-6:]
            values += [f'{series[:-2]}-{series[-2:]}', number, '', '']
        else:
            values += ['', '', '', '']
        for c, value in enumerate(values, start=1):
            if value:
                sheet.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
