"""The database holds the rules of every state and kind column: a value outside its list is
refused by the database itself, whatever code writes it (PostgreSQL: CHECK constraints;
SQLite cannot add a CHECK to an existing table, so a pair of triggers does the same), and an
organisation has at most one current school year (a partial unique index, both databases).

The lists are written out here, not imported: a migration is a record of what it did.
"""
from peewee import *

ORDER_KINDS = ('enrolment', 'withdrawal', 'transfer', 'next_year', 'repeat', 'graduation')
REASONS = ('parents_request', 'moved', 'other_organisation', 'health', 'completed', 'absence', 'other')
ALLOWED = [
    ('order', 'kind', ORDER_KINDS),
    ('order', 'status', ('draft', 'committed')),
    ('order_line', 'reason', ('',) + REASONS),
    ('membership', 'end_kind', ('',) + ORDER_KINDS[1:]),
    ('membership', 'end_reason', ('',) + REASONS),
    ('school_year', 'state', ('current', 'future', 'closed')),
    ('person', 'gender', ('M', 'F')),
    ('identity_document', 'kind', ('passport_rf', 'birth_certificate_rf', 'foreign')),
    ('organisation', 'kind', ('school', 'kindergarten', 'odo', 'college', 'municipal_body',
                              'regional_body')),
    ('municipality', 'kind', ('city_district', 'municipal_district', 'municipal_okrug')),
    ('program', 'focus', ('technical', 'natural_science', 'sport', 'arts', 'tourism', 'social')),
    ('association', 'kind', ('association', 'class', 'group')),
    ('employment', 'qualification_category', ('', 'first', 'highest', 'conformity')),
    ('portfolio_item', 'kind', ('course', 'qualification', 'award', 'publication', 'attestation')),
    ('role', 'movement_book', ('edit', 'view', 'none')),
    ('import_job', 'status', ('validated', 'queued', 'matching', 'resolving', 'commit_queued',
                              'committing', 'undoing', 'cancelling', 'committed', 'failed',
                              'cancelled')),
    ('import_row', 'decision', ('', 'use', 'new', 'ignore', 'skip')),
    ('enrollment_selection', 'source', ('search', 'pool', 'others')),
]
ONE_CURRENT_YEAR = ('CREATE UNIQUE INDEX school_year_one_current ON "school_year" ("organisation_id") '
                    'WHERE "state" = \'current\'')


def _values(values):
    return ', '.join("'" + value.replace("'", "''") + "'" for value in values)


def up(migrator, db):
    for table, column, values in ALLOWED:
        name = f'{table}_{column}_allowed'
        if isinstance(db, PostgresqlDatabase):
            db.execute_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" '
                           f'CHECK ("{column}" IN ({_values(values)}))')
            continue
        for event in ('INSERT', f'UPDATE OF "{column}"'):
            suffix = 'insert' if event == 'INSERT' else 'update'
            db.execute_sql(f'CREATE TRIGGER "{name}_{suffix}" BEFORE {event} ON "{table}" '
                           f'WHEN NEW."{column}" NOT IN ({_values(values)}) '
                           f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END")
    db.execute_sql(ONE_CURRENT_YEAR)


def down(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS school_year_one_current')
    for table, column, _ in ALLOWED:
        name = f'{table}_{column}_allowed'
        if isinstance(db, PostgresqlDatabase):
            db.execute_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"')
        else:
            db.execute_sql(f'DROP TRIGGER IF EXISTS "{name}_insert"')
            db.execute_sql(f'DROP TRIGGER IF EXISTS "{name}_update"')
