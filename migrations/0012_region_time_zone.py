"""A region has a time zone (an IANA name): every date shown, every default date and every
"today" rule is the region's, while stored instants stay UTC.  Existing regions get Moscow
time, except Сахалинская область (subject code 65), which lives at UTC+11.
"""


def up(migrator, db):
    db.execute_sql('ALTER TABLE "region" ADD COLUMN "time_zone" VARCHAR(64) '
                   "NOT NULL DEFAULT 'Europe/Moscow'")
    db.execute_sql('UPDATE "region" SET "time_zone" = \'Asia/Sakhalin\' WHERE "code" = \'65\'')


def down(migrator, db):
    db.execute_sql('ALTER TABLE "region" DROP COLUMN "time_zone"')
