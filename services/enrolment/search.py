"""«Поиск учащихся для зачисления»: one child of the regional registry by ФИО, date of birth,
СНИЛС or document.

Matching never relies on the database's ``lower()`` or ``LIKE`` (ASCII-only on SQLite):
it compares the stored keys (casefolded, ё→е, spaces collapsed; СНИЛС as digits; document
series+number without separators) with ``=`` and prefix ranges, which ordinary b-tree
indexes serve on SQLite and PostgreSQL alike.
"""
import datetime
from collections import namedtuple

from peewee import SQL, Select, fn

from compiled import compiled
from keys import prefix_upper_bound
from models import IdentityDocument, Person
from services import paging

def prefix_range(column, key):
    """``column`` starts with ``key``, as a range an index serves."""
    return (column >= key) & (column < prefix_upper_bound(key))


SHOWN_PERSON = (Person.id, Person.surname, Person.name, Person.patronymic, Person.birth_date,
                Person.gender, Person.snils)  # what a result row shows


def search_people(f, for_count=False):
    """Children of the registry matching the filters, by ФИО (an unevaluated query)."""
    query = Person.select(*SHOWN_PERSON)
    if f.surname:
        query = query.where(prefix_range(Person.surname_key, f.surname))
    if f.name:
        query = query.where(prefix_range(Person.name_key, f.name))
    if f.no_patronymic:
        query = query.where(Person.no_patronymic == True)  # noqa: E712
    elif f.patronymic:
        query = query.where(prefix_range(Person.patronymic_key, f.patronymic))
    if f.birth_date:
        query = query.where(Person.birth_date == f.birth_date)
    if f.snils:
        query = query.where(Person.snils == f.snils if len(f.snils) == 11
                            else prefix_range(Person.snils, f.snils))
    if f.doc_series or f.doc_number:
        query = query.where(Person.id.in_(documents_matching(f.doc_series, f.doc_number)))
    # A literal, as in the partial index: SQLite uses it only for the identical term.
    query = query.where(Person.is_staff == SQL('FALSE'))
    if for_count:  # the index's own order: counted from the index alone
        return query.select(Person.id).order_by(Person.surname_key, Person.name_key,
                                                Person.birth_date)
    return query.order_by(Person.surname_key, Person.name_key, Person.birth_date, Person.id)


def documents_matching(series, number):
    """Ids of the people holding a document of this series and/or number (a subquery)."""
    documents = IdentityDocument.select(IdentityDocument.person)
    if series and number:
        return documents.where(IdentityDocument.number_key == series + number)
    if series:
        return documents.where(prefix_range(IdentityDocument.number_key, series))
    return documents.where(IdentityDocument.number == number)



class FoundPerson(namedtuple('FoundPerson', 'id surname name patronymic birth_date gender snils')):
    """A result row of the search, as a tuple: what the row shows and nothing more."""
    __slots__ = ()
    full_name = Person.full_name  # the model's own properties: they read only these columns
    gender_label = Person.gender_label


def search_page(f, number, size):
    """One page of :func:`search_people` and its count (capped): the same query, its SQL built
    once per shape of the filters, its rows read as :class:`FoundPerson` tuples."""
    terms = _search_terms(f)
    values, used = tuple(terms.values()), tuple(terms)
    return paging.page_from(
        lambda limit: _search_count(*values, used=used, limit=limit)[0][0],
        lambda offset, limit: [FoundPerson(*row[:4], _as_date(row[4]), *row[5:]) for row in
                               _search_rows(*values, used=used, offset=offset, limit=limit)],
        number, size)


def _as_date(value):
    if isinstance(value, str):  # SQLite may hand dates back as text in tuple queries
        return datetime.date.fromisoformat(value[:10])
    return value


def _search_terms(f):
    """The filters as named values; a prefix's upper bound is a value of its own (``compiled``)."""
    terms = {}
    for name in ('surname', 'name', 'patronymic'):
        if getattr(f, name) and not (name == 'patronymic' and f.no_patronymic):
            terms[name], terms[name + '_end'] = getattr(f, name), prefix_upper_bound(getattr(f, name))
    if f.no_patronymic:
        terms['no_patronymic'] = 1
    if f.birth_date:
        terms['birth_date'] = f.birth_date
    if f.snils and len(f.snils) == 11:
        terms['snils'] = f.snils
    elif f.snils:
        terms['snils_from'], terms['snils_end'] = f.snils, prefix_upper_bound(f.snils)
    if f.doc_series and f.doc_number:
        terms['doc_key'] = f.doc_series + f.doc_number
    elif f.doc_series:
        terms['doc_from'], terms['doc_end'] = f.doc_series, prefix_upper_bound(f.doc_series)
    elif f.doc_number:
        terms['doc_number'] = f.doc_number
    return terms


def _searched(terms, for_count):
    """:func:`search_people` built from named values: the same SQL."""
    keys = {'surname': Person.surname_key, 'name': Person.name_key,
            'patronymic': Person.patronymic_key}
    query = Person.select(*SHOWN_PERSON)
    for name, column in keys.items():
        if name in terms:
            query = query.where((column >= terms[name]) & (column < terms[name + '_end']))
    if 'no_patronymic' in terms:
        query = query.where(Person.no_patronymic == True)  # noqa: E712
    if 'birth_date' in terms:
        query = query.where(Person.birth_date == terms['birth_date'])
    if 'snils' in terms:
        query = query.where(Person.snils == terms['snils'])
    if 'snils_from' in terms:
        query = query.where((Person.snils >= terms['snils_from']) & (Person.snils < terms['snils_end']))
    documents = IdentityDocument.select(IdentityDocument.person)
    if 'doc_key' in terms:
        query = query.where(Person.id.in_(documents.where(IdentityDocument.number_key == terms['doc_key'])))
    if 'doc_from' in terms:
        key = IdentityDocument.number_key
        query = query.where(Person.id.in_(documents.where(
            (key >= terms['doc_from']) & (key < terms['doc_end']))))
    if 'doc_number' in terms:
        query = query.where(Person.id.in_(documents.where(IdentityDocument.number == terms['doc_number'])))
    query = query.where(Person.is_staff == SQL('FALSE'))
    if for_count:
        return query.select(Person.id).order_by(Person.surname_key, Person.name_key,
                                                Person.birth_date)
    return query.order_by(Person.surname_key, Person.name_key, Person.birth_date, Person.id)


@compiled
def _search_rows(*values, used, offset, limit):
    return _searched(dict(zip(used, values)), False).offset(offset).limit(limit).tuples()


@compiled
def _search_count(*values, used, limit):
    # What peewee's count() sends for the capped count of page_of: the same SQL.
    inner = _searched(dict(zip(used, values)), True).limit(limit).order_by().alias('_wrapped')
    return Select([inner.select(SQL('1'))], [fn.COUNT(SQL('1'))]).bind(Person._meta.database).tuples()
