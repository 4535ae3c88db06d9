"""The child's personal file (личное дело): the registration address and the region's categories
of a child, parents and legal representatives, consents to personal-data processing, the history
of changes to the shared record, merges of duplicates (kept to be undone), the right to merge,
and at most one current identity document per person (the rest are former).
"""
from peewee import *

RELATIONS = ('mother', 'father', 'guardian', 'trustee', 'other')
CURRENT_DOCUMENT = 'identity_document_one_current'


def _values(values):
    return ', '.join("'" + value + "'" for value in values)


def _tables(db):
    class Person(Model):
        class Meta:
            database = db
            table_name = 'person'

    class Organisation(Model):
        class Meta:
            database = db
            table_name = 'organisation'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class PersonalFile(Model):
        person = ForeignKeyField(Person, unique=True, on_delete='CASCADE')
        registration_address = CharField(max_length=500, default='')
        categories = TextField(default='')  # the region's categories, one per line

        class Meta:
            database = db
            table_name = 'personal_file'

    class Guardian(Model):
        child = ForeignKeyField(Person, on_delete='CASCADE')
        parent = ForeignKeyField(Person, null=True, on_delete='SET NULL')
        relation = CharField(max_length=16)
        surname = CharField(max_length=100)
        name = CharField(max_length=100)
        patronymic = CharField(max_length=100, default='')
        phone = CharField(max_length=100, default='')
        email = CharField(max_length=200, default='')
        document = CharField(max_length=200, default='')

        class Meta:
            database = db
            table_name = 'guardian'

    class Consent(Model):
        person = ForeignKeyField(Person, on_delete='CASCADE')
        organisation = ForeignKeyField(Organisation, null=True, on_delete='SET NULL')
        signed_by = CharField(max_length=300)
        signed_on = DateField()
        scope = TextField(default='')
        withdrawn_on = DateField(null=True)
        recorded_by = ForeignKeyField(User, null=True, on_delete='SET NULL')

        class Meta:
            database = db
            table_name = 'consent'

    class PersonChange(Model):
        person = ForeignKeyField(Person, on_delete='CASCADE')
        at = DateTimeField(index=True)
        user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        organisation = ForeignKeyField(Organisation, null=True, on_delete='SET NULL')
        field = CharField(max_length=64)
        old_value = TextField(default='')
        new_value = TextField(default='')

        class Meta:
            database = db
            table_name = 'person_change'

    class PersonMerge(Model):
        survivor = ForeignKeyField(Person, on_delete='CASCADE')
        merged_id = IntegerField()  # the duplicate's id: its row is gone until the merge is undone
        merged_name = CharField(max_length=300)
        snapshot = TextField()  # JSON: the duplicate's row and the rows moved to the survivor
        at = DateTimeField()
        user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        organisation = ForeignKeyField(Organisation, null=True, on_delete='SET NULL')
        undone_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = 'person_merge'

    return [PersonalFile, Guardian, Consent, PersonChange, PersonMerge]


def up(migrator, db):
    db.create_tables(_tables(db))
    postgres = isinstance(db, PostgresqlDatabase)
    if postgres:
        db.execute_sql('ALTER TABLE "guardian" ADD CONSTRAINT "guardian_relation_allowed" '
                       f'CHECK ("relation" IN ({_values(RELATIONS)}))')
    else:
        for event, suffix in (('INSERT', 'insert'), ('UPDATE OF "relation"', 'update')):
            db.execute_sql(f'CREATE TRIGGER "guardian_relation_allowed_{suffix}" BEFORE {event} ON "guardian" '
                           f'WHEN NEW."relation" NOT IN ({_values(RELATIONS)}) '
                           "BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: guardian_relation_allowed'); END")
    # Several current documents of one person: the latest issued stays current.
    db.execute_sql(
        'UPDATE "identity_document" SET "is_current" = FALSE WHERE "is_current" AND EXISTS ('
        'SELECT 1 FROM "identity_document" AS "later" WHERE "later"."person_id" = "identity_document"."person_id" '
        'AND "later"."is_current" AND (COALESCE("later"."issued_on", \'1900-01-01\') > '
        'COALESCE("identity_document"."issued_on", \'1900-01-01\') OR (COALESCE("later"."issued_on", \'1900-01-01\') = '
        'COALESCE("identity_document"."issued_on", \'1900-01-01\') AND "later"."id" > "identity_document"."id")))')
    db.execute_sql(f'CREATE UNIQUE INDEX "{CURRENT_DOCUMENT}" ON "identity_document" ("person_id") '
                   'WHERE "is_current"')
    db.execute_sql('ALTER TABLE "role" ADD COLUMN "merge_people" BOOLEAN NOT NULL DEFAULT FALSE')
    db.execute_sql('UPDATE "role" SET "merge_people" = TRUE WHERE "code" = \'odo_admin\' AND "region_id" IS NULL')
    db.execute_sql('ALTER TABLE "region" ADD COLUMN "child_categories" TEXT NOT NULL DEFAULT \'\'')


def down(migrator, db):
    db.execute_sql('ALTER TABLE "region" DROP COLUMN "child_categories"')
    db.execute_sql('ALTER TABLE "role" DROP COLUMN "merge_people"')
    db.execute_sql(f'DROP INDEX IF EXISTS "{CURRENT_DOCUMENT}"')
    if not isinstance(db, PostgresqlDatabase):
        db.execute_sql('DROP TRIGGER IF EXISTS "guardian_relation_allowed_insert"')
        db.execute_sql('DROP TRIGGER IF EXISTS "guardian_relation_allowed_update"')
    db.drop_tables(list(reversed(_tables(db))))
