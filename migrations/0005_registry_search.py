"""Enrolment from the registry: the persistent selection and the search indexes.

The partial index lists departures (the pool of graduates and departed) newest first;
``identity_document.number`` serves a search by document number without its series.
On PostgreSQL the name keys are indexed once more with the id, so a page and its count are
read from the index alone (SQLite's indexes already carry the rowid).
"""
from peewee import *

DEPARTURE_INDEXES = [
    ('membership_departures', 'membership', '"ended_on" DESC, "id" DESC'),
    ('membership_departures_by_org', 'membership', '"organisation_id", "ended_on" DESC, "id" DESC'),
]
DEPARTURES = "\"end_kind\" IN ('withdrawal', 'graduation')"
PERSON_KEYS_WITH_ID = ('CREATE INDEX person_name_keys_id ON "person" '
                       '("surname_key", "name_key", "birth_date", "id")')


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Order(Model):
        class Meta:
            database = db
            table_name = 'order'

    class Person(Model):
        class Meta:
            database = db
            table_name = 'person'

    class EnrollmentSelection(Model):
        user = ForeignKeyField(User, on_delete='CASCADE', index=False)
        order = ForeignKeyField(Order, on_delete='CASCADE')
        person = ForeignKeyField(Person, on_delete='CASCADE')
        source = CharField(max_length=16, default='')
        selected_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'enrollment_selection'
            indexes = ((('user', 'order', 'person'), True),)

    db.create_tables([EnrollmentSelection])
    db.execute_sql('CREATE INDEX identity_document_number ON "identity_document" ("number")')
    for name, table, columns in DEPARTURE_INDEXES:
        db.execute_sql(f'CREATE INDEX {name} ON "{table}" ({columns}) WHERE {DEPARTURES}')
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(PERSON_KEYS_WITH_ID)


def down(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS person_name_keys_id')
    for name, _, _ in reversed(DEPARTURE_INDEXES):
        db.execute_sql(f'DROP INDEX IF EXISTS {name}')
    db.execute_sql('DROP INDEX IF EXISTS identity_document_number')
    db.execute_sql('DROP TABLE IF EXISTS enrollment_selection')
