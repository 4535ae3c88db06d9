"""What each employment's portfolio items, educations and accounts amount to for the fill
(``employment_summary``), kept by triggers (services/staff/summary.py): monitoring sums every
card of a nation in one scan instead of looking into three other tables per card (issue 17).

The triggers' SQL is generated from today's rules; a later migration that changes a rule (or
rebuilds one of the four tables on SQLite, which drops its triggers) calls ``summary.install`` and
``summary.refresh`` again.
"""
from peewee import *


def up(migrator, db):
    from services.staff import summary
    db.execute_sql(
        'CREATE TABLE "employment_summary" ('
        '"employment_id" INTEGER NOT NULL PRIMARY KEY REFERENCES "employment" ("id") ON DELETE CASCADE, '
        '"course_on" DATE, "attestation_on" DATE, '
        '"items" INTEGER NOT NULL DEFAULT 0, "item_gaps" INTEGER NOT NULL DEFAULT 0, '
        '"educations" INTEGER NOT NULL DEFAULT 0, "esia_accounts" INTEGER NOT NULL DEFAULT 0)')
    summary.install(db)
    summary.refresh(db)


def down(migrator, db):
    from services.staff import summary
    summary.uninstall(db)
    db.execute_sql('DROP TABLE "employment_summary"')
