"""Creating people in the region's registry: the one way a new child (or adult) is written,
for the import and for the new-child form; what a file row says of a child's parents and
contacts, kept in the personal file."""
import datetime
import re

import clock
from keys import document_key, name_key
from models import Guardian, IdentityDocument, Person, PersonChange
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
        current = current_of(values)
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
                                        if kind == 'birth_certificate_rf' else ''),
                'is_current': key == current})
    if documents:
        IdentityDocument.insert_many(documents).execute()
    guardians = [dict(found, child=person_id) for person_id, values in zip(ids, rows_values)
                 for found in [guardian_of(values)] if found]
    if guardians:
        Guardian.insert_many(guardians).execute()
    return ids


def current_of(values):
    """Which of a row's documents is the current one: a passport over a certificate (a child
    of 14 has both), a Russian document over a foreign one."""
    return next((key for key, _ in ROW_DOCUMENTS if values.get(key)), None)


RELATION_WORDS = (('мат', 'mother'), ('мам', 'mother'), ('отец', 'father'), ('отч', 'father'),
                  ('пап', 'father'), ('опекун', 'guardian'), ('попечител', 'trustee'))


def guardian_of(values):
    """The parent a row of the extended template names (ФИО, степень родства, телефон), or None."""
    parts = re.sub(r'\s+', ' ', values.get('parent_name') or '').strip().split(' ')
    if len(parts) < 2:
        return None
    kind = (values.get('parent_kind') or '').strip().casefold()
    relation = next((code for stem, code in RELATION_WORDS if kind.startswith(stem)), 'other')
    return {'relation': relation, 'surname': parts[0][:100], 'name': parts[1][:100],
            'patronymic': ' '.join(parts[2:])[:100], 'phone': (values.get('parent_phone') or '')[:100]}


def keep_row_details(person_ids_values, organisation_id):
    """For children found in the registry: a parent the row names who is not yet listed, and
    the address and contacts where the registry has none — each kept in the file's history."""
    now = clock.now().replace(tzinfo=None)
    changes = []
    for person_id, values in person_ids_values:
        person = Person.get_or_none(Person.id == person_id)
        if person is None:
            continue
        filled = {f: values[f] for f in ('address', 'phone', 'email')
                  if values.get(f) and not getattr(person, f)}
        if filled:
            Person.update(version=Person.version + 1, **filled).where(Person.id == person_id).execute()
            changes += [(person_id, f, '', value) for f, value in filled.items()]
        found = guardian_of(values)
        if found and not Guardian.select().where(
                Guardian.child == person_id, Guardian.surname == found['surname'],
                Guardian.name == found['name']).exists():
            guardian = Guardian.create(child=person_id, **found)
            changes.append((person_id, 'guardian', '', f'{guardian.relation_label}: {guardian.full_name}'))
    if changes:
        PersonChange.insert_many([{'person': pid, 'at': now, 'organisation': organisation_id, 'field': f,
                                   'old_value': old, 'new_value': new}
                                  for pid, f, old, new in changes]).execute()


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
