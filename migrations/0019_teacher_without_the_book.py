"""The standard teacher's role no longer opens the movement book: a teacher works in «Мои
объединения» (their own объединения and children); the whole book, the programs and
объединения of the organisation (other teachers' groups) and the exports stay with the roles
that grant «Книга движения учащихся» — a region may define such a role for a teacher who needs it.
"""


def up(migrator, db):
    db.execute_sql('UPDATE "role" SET "movement_book" = \'none\' '
                   'WHERE "code" = \'teacher\' AND "region_id" IS NULL')


def down(migrator, db):
    db.execute_sql('UPDATE "role" SET "movement_book" = \'view\' '
                   'WHERE "code" = \'teacher\' AND "region_id" IS NULL')
