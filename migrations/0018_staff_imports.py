"""«Импорт сотрудников»: an import job has a kind, children or staff, and the one active import
per organisation becomes one per organisation and kind, so an administrator importing staff does
not wait for a children's import to be decided (or the other way round).
"""
from peewee import *

KINDS = ('children', 'staff')
RULE = 'import_job_kind_allowed'
ONE_ACTIVE_OLD = 'importjob_active_organisation'
ONE_ACTIVE = 'importjob_active_organisation_kind'


def _values(values):
    return ', '.join("'" + value + "'" for value in values)


def up(migrator, db):
    # Plain DDL: SQLite would rebuild the table for a NOT NULL column and lose 0010's triggers.
    db.execute_sql('ALTER TABLE "import_job" ADD COLUMN "kind" VARCHAR(16) NOT NULL DEFAULT \'children\'')
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(f'ALTER TABLE "import_job" ADD CONSTRAINT "{RULE}" CHECK ("kind" IN ({_values(KINDS)}))')
    else:
        for event, suffix in (('INSERT', 'insert'), ('UPDATE OF "kind"', 'update')):
            db.execute_sql(f'CREATE TRIGGER "{RULE}_{suffix}" BEFORE {event} ON "import_job" '
                           f'WHEN NEW."kind" NOT IN ({_values(KINDS)}) '
                           f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {RULE}'); END")
    db.execute_sql(f'DROP INDEX IF EXISTS "{ONE_ACTIVE_OLD}"')
    db.execute_sql(f'CREATE UNIQUE INDEX "{ONE_ACTIVE}" ON "import_job" ("active_organisation", "kind")')


def down(migrator, db):
    db.execute_sql('DELETE FROM "import_job" WHERE "kind" = \'staff\'')
    db.execute_sql(f'DROP INDEX IF EXISTS "{ONE_ACTIVE}"')
    db.execute_sql(f'CREATE UNIQUE INDEX "{ONE_ACTIVE_OLD}" ON "import_job" ("active_organisation")')
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(f'ALTER TABLE "import_job" DROP CONSTRAINT IF EXISTS "{RULE}"')
    else:
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{RULE}_insert"')
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{RULE}_update"')
    db.execute_sql('ALTER TABLE "import_job" DROP COLUMN "kind"')
