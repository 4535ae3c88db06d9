"""A request in the inbox keeps what became of it: the withdrawal order drafted from it
(``order_id``), and the answer sent back to its sender (``reply_to_id`` on the answer).
Both are nullable links, so every message already stored stays as it is."""
from peewee import *

COLUMNS = (('order_id', '"order"'), ('reply_to_id', '"message"'))


def up(migrator, db):
    for column, target in COLUMNS:
        db.execute_sql(f'ALTER TABLE "message" ADD COLUMN "{column}" INTEGER NULL '
                       f'REFERENCES {target} ("id") ON DELETE SET NULL')
        db.execute_sql(f'CREATE INDEX "message_{column}" ON "message" ("{column}")')


def down(migrator, db):
    for column, _ in reversed(COLUMNS):
        db.execute_sql(f'DROP INDEX IF EXISTS "message_{column}"')
        # SQLite cannot drop a column that references another table: the migrator rebuilds it.
        migrator.drop_column('message', column).run()
