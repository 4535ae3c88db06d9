"""Monitoring for the management body: how the region totals its figures, and fuller snapshots.

- ``region.monitoring_totals``: a municipality's and the region's totals are the mean over
  organisations (``mean``) or the organisations' figures weighted by their staff (``weighted``);
  a CHECK (a trigger on SQLite) holds the two values.
- ``monitoring_snapshot`` also keeps the ЕСИА linking of staff (tenths of a percent, null in rows
  taken before it was counted) and the number of current staff, so a past day's weighted total is
  computed as today's is; an index on the day lists a region's snapshot dates.  The staff and
  portfolio figures may be null: an organisation without a single current card has nothing to count.
"""
from peewee import *

TOTALS = ('mean', 'weighted')
RULE = 'region_monitoring_totals_allowed'
BY_DAY = 'monitoringsnapshot_taken_on'


def _values(values):
    return ', '.join("'" + value + "'" for value in values)


NULLABLE = ('staff_percent', 'portfolio_percent')


def up(migrator, db):
    # monitoring_snapshot has no triggers, so SQLite may rebuild it here.
    migrator.migrate(*[migrator.drop_not_null('monitoring_snapshot', column) for column in NULLABLE])
    # Plain DDL: SQLite would rebuild the table for a NOT NULL column and lose 0010's triggers.
    db.execute_sql('ALTER TABLE "region" ADD COLUMN "monitoring_totals" VARCHAR(16) NOT NULL DEFAULT \'mean\'')
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(f'ALTER TABLE "region" ADD CONSTRAINT "{RULE}" '
                       f'CHECK ("monitoring_totals" IN ({_values(TOTALS)}))')
    else:
        for event, suffix in (('INSERT', 'insert'), ('UPDATE OF "monitoring_totals"', 'update')):
            db.execute_sql(f'CREATE TRIGGER "{RULE}_{suffix}" BEFORE {event} ON "region" '
                           f'WHEN NEW."monitoring_totals" NOT IN ({_values(TOTALS)}) '
                           f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {RULE}'); END")
    db.execute_sql('ALTER TABLE "monitoring_snapshot" ADD COLUMN "esia_percent" INTEGER')
    db.execute_sql('ALTER TABLE "monitoring_snapshot" ADD COLUMN "staff_count" INTEGER NOT NULL DEFAULT 0')
    db.execute_sql(f'CREATE INDEX "{BY_DAY}" ON "monitoring_snapshot" ("taken_on")')


def down(migrator, db):
    db.execute_sql(f'DROP INDEX IF EXISTS "{BY_DAY}"')
    db.execute_sql('ALTER TABLE "monitoring_snapshot" DROP COLUMN "staff_count"')
    db.execute_sql('ALTER TABLE "monitoring_snapshot" DROP COLUMN "esia_percent"')
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(f'ALTER TABLE "region" DROP CONSTRAINT IF EXISTS "{RULE}"')
    else:
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{RULE}_insert"')
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{RULE}_update"')
    db.execute_sql('ALTER TABLE "region" DROP COLUMN "monitoring_totals"')
    for column in NULLABLE:
        db.execute_sql(f'UPDATE "monitoring_snapshot" SET "{column}" = 1000 WHERE "{column}" IS NULL')
    migrator.migrate(*[migrator.add_not_null('monitoring_snapshot', column) for column in NULLABLE])
