"""An order names its basis («Основание: заявления родителей…»), printed under the list."""
from peewee import *


def up(migrator, db):
    # Plain DDL: a constant default adds the column without rewriting the table.
    db.execute_sql('ALTER TABLE "order" ADD COLUMN "basis" VARCHAR(1000) NOT NULL DEFAULT \'\'')


def down(migrator, db):
    db.execute_sql('ALTER TABLE "order" DROP COLUMN "basis"')
