"""What enrolment now records: an order line's confirmation that the child is enrolled outside
the program's age range, and per import row the identifiers that match another person
(a conflict, shown instead of a candidate) and the same age confirmation for the row.
"""
from peewee import *


def up(migrator, db):
    # Plain DDL: a constant default adds the column without rewriting the table.
    db.execute_sql('ALTER TABLE "order_line" ADD COLUMN "age_confirmed" BOOLEAN NOT NULL DEFAULT FALSE')
    db.execute_sql('ALTER TABLE "import_row" ADD COLUMN "age_confirmed" BOOLEAN NOT NULL DEFAULT FALSE')
    db.execute_sql('ALTER TABLE "import_row" ADD COLUMN "conflicts" TEXT NOT NULL DEFAULT \'[]\'')


def down(migrator, db):
    db.execute_sql('ALTER TABLE "import_row" DROP COLUMN "conflicts"')
    db.execute_sql('ALTER TABLE "import_row" DROP COLUMN "age_confirmed"')
    db.execute_sql('ALTER TABLE "order_line" DROP COLUMN "age_confirmed"')
