"""The school-year transition (issue 16): the region's rule for объединения per program in the
future year (at least one / exactly one), the administrator's mark that next year's staff list
was checked, the link from a future объединение to the one it was copied from (forming the
year twice copies nothing twice; the transfer pairs «1а Бисер» with its «2а Бисер»), and the
mark of an order drafted in bulk by the transition (running a step again reuses its draft);
the database holds one future year per organisation, as it holds one current year (0010).
"""


def up(migrator, db):
    db.execute_sql('ALTER TABLE "region" ADD COLUMN "associations_per_program" VARCHAR(16) '
                   'NOT NULL DEFAULT \'at_least_one\' '
                   'CHECK ("associations_per_program" IN (\'at_least_one\', \'exactly_one\'))')
    db.execute_sql('ALTER TABLE "school_year" ADD COLUMN "staff_checked_at" TIMESTAMP NULL')
    db.execute_sql('ALTER TABLE "association" ADD COLUMN "copied_from_id" INTEGER NULL '
                   'REFERENCES "association" ("id") ON DELETE SET NULL')
    db.execute_sql('CREATE INDEX "association_copied_from_id" ON "association" ("copied_from_id")')
    db.execute_sql('CREATE UNIQUE INDEX school_year_one_future ON "school_year" ("organisation_id") '
                   'WHERE "state" = \'future\'')
    db.execute_sql('ALTER TABLE "order" ADD COLUMN "year_step" VARCHAR(16) NOT NULL DEFAULT \'\' '
                   'CHECK ("year_step" IN (\'\', \'bulk\'))')


def down(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS school_year_one_future')
    db.execute_sql('ALTER TABLE "order" DROP COLUMN "year_step"')
    db.execute_sql('DROP INDEX IF EXISTS "association_copied_from_id"')
    db.execute_sql('ALTER TABLE "association" DROP COLUMN "copied_from_id"')
    db.execute_sql('ALTER TABLE "school_year" DROP COLUMN "staff_checked_at"')
    db.execute_sql('ALTER TABLE "region" DROP COLUMN "associations_per_program"')
