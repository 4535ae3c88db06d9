"""The portfolio of an employee: two more kinds (профессиональная переподготовка, участие в
конкурсах), the period of a course (from–to), a version guarding two people editing one item,
and an attached scan per item.

The scan is a file outside ``static/`` whose name the server chose (``scan_name``); the row keeps
its type found by magic bytes (``scan_type``, '' without a scan), its size and the name it was
uploaded under, only to be shown.  ``portfolio_item.kind`` gets its new list as 0010 wrote it,
and ``scan_type`` a rule of its own (a CHECK on PostgreSQL, a pair of triggers on SQLite).
"""
from peewee import *

KINDS_BEFORE = ('course', 'qualification', 'award', 'publication', 'attestation')
KINDS_AFTER = ('course', 'qualification', 'retraining', 'award', 'publication', 'attestation', 'contest')
SCAN_TYPES = ('', 'pdf', 'jpeg', 'png')
# Plain DDL: SQLite would rebuild the table for a NOT NULL column and lose 0010's triggers.
COLUMNS = (('started_on', 'DATE'), ('finished_on', 'DATE'),
           ('version', 'INTEGER NOT NULL DEFAULT 1'),
           ('scan_name', "VARCHAR(64) NOT NULL DEFAULT ''"),
           ('scan_type', "VARCHAR(8) NOT NULL DEFAULT ''"),
           ('scan_size', 'INTEGER'),
           ('scan_original', "VARCHAR(255) NOT NULL DEFAULT ''"))


def _values(values):
    return ', '.join("'" + value.replace("'", "''") + "'" for value in values)


def _allow(db, table, column, values):
    name = f'{table}_{column}_allowed'
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" '
                       f'CHECK ("{column}" IN ({_values(values)}))')
        return
    for event in ('INSERT', f'UPDATE OF "{column}"'):
        suffix = 'insert' if event == 'INSERT' else 'update'
        db.execute_sql(f'CREATE TRIGGER "{name}_{suffix}" BEFORE {event} ON "{table}" '
                       f'WHEN NEW."{column}" NOT IN ({_values(values)}) '
                       f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END")


def _disallow(db, table, column):
    name = f'{table}_{column}_allowed'
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"')
    else:
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{name}_insert"')
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{name}_update"')


def up(migrator, db):
    for column, definition in COLUMNS:
        db.execute_sql(f'ALTER TABLE "portfolio_item" ADD COLUMN "{column}" {definition}')
    _disallow(db, 'portfolio_item', 'kind')
    _allow(db, 'portfolio_item', 'kind', KINDS_AFTER)
    _allow(db, 'portfolio_item', 'scan_type', SCAN_TYPES)


def down(migrator, db):
    _disallow(db, 'portfolio_item', 'scan_type')
    _disallow(db, 'portfolio_item', 'kind')
    # The new kinds had no place before: retraining was a course of its kind, a contest an award.
    db.execute_sql("UPDATE \"portfolio_item\" SET \"kind\" = 'qualification' WHERE \"kind\" = 'retraining'")
    db.execute_sql("UPDATE \"portfolio_item\" SET \"kind\" = 'award' WHERE \"kind\" = 'contest'")
    _allow(db, 'portfolio_item', 'kind', KINDS_BEFORE)
    for column, _ in reversed(COLUMNS):
        db.execute_sql(f'ALTER TABLE "portfolio_item" DROP COLUMN "{column}"')
