"""The registry search lists children only: a person who works in an organisation is marked
``is_staff`` (services keep it as employments are recorded), and the name keys of everyone else
are indexed on their own.  A search and its count then walk one partial index instead of
checking every listed person's employments (a two-letter surname prefix: 1,001 lookups).
It replaces 0005's ``person_name_keys_id``; the name keys' index of 0001 still serves staff.
"""
from peewee import *

CHILDREN_INDEX = ('CREATE INDEX person_children_by_name ON "person" '
                  '("surname_key", "name_key", "birth_date", "id") WHERE "is_staff" = FALSE')


def up(migrator, db):
    # Plain DDL: a constant default adds the column without rewriting a million rows.
    db.execute_sql('ALTER TABLE "person" ADD COLUMN "is_staff" BOOLEAN NOT NULL DEFAULT FALSE')
    db.execute_sql('UPDATE "person" SET "is_staff" = TRUE '
                   'WHERE "id" IN (SELECT "person_id" FROM "employment")')
    db.execute_sql('DROP INDEX IF EXISTS person_name_keys_id')
    db.execute_sql(CHILDREN_INDEX)


def down(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS person_children_by_name')
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql('CREATE INDEX person_name_keys_id ON "person" '
                       '("surname_key", "name_key", "birth_date", "id")')
    db.execute_sql('ALTER TABLE "person" DROP COLUMN "is_staff"')
