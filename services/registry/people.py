"""Creating people in the region's registry: the one way a new child (or adult) is written,
for the import and for the new-child form."""
import datetime

from keys import document_key, name_key
from models import IdentityDocument, Person
from services.common import write_transaction


ROW_DOCUMENTS = (('passport', 'passport_rf'), ('certificate', 'birth_certificate_rf'), ('foreign', 'foreign'))


def create_people(rows_values):
    """New registry people (and their documents) from rows' values, in two INSERTs; their ids."""
    if not rows_values:
        return []
    people = []
    for values in rows_values:
        person = Person(
            surname=values['surname'], name=values['name'], patronymic=values['patronymic'],
            no_patronymic=values.get('no_patronymic', False),
            birth_date=datetime.date.fromisoformat(values['birth_date']), gender=values['gender'],
            snils=values.get('snils') or None,
            citizenship=values.get('citizenship') or 'Российская Федерация',
            phone=values.get('phone', ''), email=values.get('email', ''), address=values.get('address', ''))
        person.fill_keys()
        people.append(person.__data__)
    returned = list(Person.insert_many(people).returning(Person.id, Person.surname_key, Person.name_key)
                    .tuples().execute())
    # Both databases return the rows in the order of the VALUES; a change there must not mix people up.
    if [row[1:] for row in returned] != [(p['surname_key'], p['name_key']) for p in people]:
        raise RuntimeError('INSERT … RETURNING gave the new people out of order')
    ids = [row[0] for row in returned]
    documents = []
    for person_id, values in zip(ids, rows_values):
        for key, kind in ROW_DOCUMENTS:
            doc = values.get(key)
            if not doc:
                continue
            documents.append({
                'person': person_id, 'kind': kind,
                'foreign_kind': doc.get('kind', '') if kind == 'foreign' else '',
                'series': doc['series'], 'number': doc['number'],
                'number_key': document_key(doc['series'], doc['number']),  # as IdentityDocument.save
                'issued_on': datetime.date.fromisoformat(doc['issued_on']) if doc.get('issued_on') else None,
                'issued_by': doc.get('issued_by', ''), 'division_code': doc.get('division_code', ''),
                'civil_record_number': (values.get('civil_record_number', '')
                                        if kind == 'birth_certificate_rf' else '')})
    if documents:
        IdentityDocument.insert_many(documents).execute()
    return ids


def find_or_create_child(values):
    """The registry's record for this ФИО and birth date, created only when there is none.

    Returns (person, created).
    """
    with write_transaction():
        existing = (Person.select().where(
            Person.surname_key == name_key(values['surname']),
            Person.name_key == name_key(values['name']),
            Person.patronymic_key == name_key(values['patronymic']),
            Person.birth_date == values['birth_date']).order_by(Person.id).first())
        if existing is not None:
            return existing, False
        return Person.create(**values), True
