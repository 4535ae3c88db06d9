"""The pool of graduates and departed filters on the membership row alone.

An ended membership keeps the child's surname key and gender (copied where memberships end,
services/movement.py; filled here for the memberships already ended).  One partial index
lists departures newest first with every column the pool filters on, so a page of ids and
its count are read from the index alone instead of looking up each departed child.
It replaces 0005's ``membership_departures``, which carried only the order.
"""
from peewee import *

DEPARTURES = "\"end_kind\" IN ('withdrawal', 'graduation')"
COPIED = (('surname_key', 100), ('gender', 1))
POOL_INDEX = ('CREATE INDEX membership_pool ON "membership" ("ended_on" DESC, "id" DESC, '
              '"end_kind", "end_reason", "organisation_id", "association_id", "gender", '
              f'"surname_key") WHERE {DEPARTURES}')


def up(migrator, db):
    for column, size in COPIED:
        # Plain DDL: a constant default adds the column without rewriting 1.7M rows.
        db.execute_sql(f'ALTER TABLE "membership" ADD COLUMN "{column}" VARCHAR({size}) '
                       "NOT NULL DEFAULT ''")
    copies = ', '.join(f'"{column}" = (SELECT p."{column}" FROM "person" AS p '
                       'WHERE p."id" = "membership"."person_id")' for column, _ in COPIED)
    db.execute_sql(f'UPDATE "membership" SET {copies} WHERE "ended_on" IS NOT NULL')
    db.execute_sql('DROP INDEX IF EXISTS membership_departures')
    db.execute_sql(POOL_INDEX)


def down(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS membership_pool')
    db.execute_sql('CREATE INDEX membership_departures ON "membership" '
                   f'("ended_on" DESC, "id" DESC) WHERE {DEPARTURES}')
    for column, _ in reversed(COPIED):
        db.execute_sql(f'ALTER TABLE "membership" DROP COLUMN "{column}"')
