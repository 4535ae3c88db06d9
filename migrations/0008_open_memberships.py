"""Other organisations' lists filter and count on the membership row alone; the list
«Зачислить в объединение» is read in index order.

Every membership now carries the child's surname key and gender (0007 filled them for ended
memberships only; services/movement.py sets them as a membership starts and Person.save keeps
them current).  A partial index over open memberships by organisation, surname key and gender
answers «Список обучающихся в других ОО» for one organisation and a surname letter without
looking up each of its thousands of children.  A large ОДО has a thousand объединения a
year: the first of them by study year and name are read from an index, not sorted each time.
"""
from peewee import *

OPEN_INDEX = ('CREATE INDEX membership_open_by_organisation ON "membership" '
              '("organisation_id", "surname_key", "gender") WHERE "ended_on" IS NULL')

YEAR_INDEX = ('CREATE INDEX association_by_year ON "association" '
              '("school_year_id", "study_year", "name")')


def up(migrator, db):
    copies = ', '.join(f'"{column}" = (SELECT p."{column}" FROM "person" AS p '
                       'WHERE p."id" = "membership"."person_id")' for column in ('surname_key', 'gender'))
    db.execute_sql(f'UPDATE "membership" SET {copies} WHERE "ended_on" IS NULL')
    db.execute_sql(OPEN_INDEX)
    db.execute_sql(YEAR_INDEX)


def down(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS association_by_year')
    db.execute_sql('DROP INDEX IF EXISTS membership_open_by_organisation')
    db.execute_sql('''UPDATE "membership" SET "surname_key" = '', "gender" = '' WHERE "ended_on" IS NULL''')
