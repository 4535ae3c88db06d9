"""«Поиск учащихся для зачисления»: one child of the regional registry by ФИО, date of birth,
СНИЛС or document.

Matching never relies on the database's ``lower()`` or ``LIKE`` (ASCII-only on SQLite):
it compares the stored keys (casefolded, ё→е, spaces collapsed; СНИЛС as digits; document
series+number without separators) with ``=`` and prefix ranges, which ordinary b-tree
indexes serve on SQLite and PostgreSQL alike.
"""
from peewee import SQL

from keys import prefix_upper_bound
from models import IdentityDocument, Person

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

