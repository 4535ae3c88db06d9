"""Imports of children from spreadsheets: the job, its rows; blocking indexes for the similar-person search."""
from peewee import *


def up(migrator, db):
    class Organisation(Model):
        class Meta:
            database = db
            table_name = 'organisation'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Order(Model):
        class Meta:
            database = db
            table_name = 'order'

    class Person(Model):
        class Meta:
            database = db
            table_name = 'person'

    class ImportJob(Model):
        organisation = ForeignKeyField(Organisation, on_delete='CASCADE')
        user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        order = ForeignKeyField(Order, null=True, on_delete='SET NULL')
        active_organisation = IntegerField(null=True, unique=True)
        file_name = CharField(max_length=255)
        status = CharField(max_length=16, default='validated', index=True)
        skip_mode = CharField(max_length=8, default='')
        row_count = IntegerField(default=0)
        error_row_count = IntegerField(default=0)
        progress_done = IntegerField(default=0)
        progress_total = IntegerField(default=0)
        unknown_columns = TextField(default='')
        error = TextField(default='')
        used_count = IntegerField(default=0)
        created_count = IntegerField(default=0)
        ignored_count = IntegerField(default=0)
        claimed_by = CharField(max_length=64, default='')
        heartbeat_at = DateTimeField(null=True)
        created_at = DateTimeField()
        finished_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = 'import_job'

    class ImportRow(Model):
        job = ForeignKeyField(ImportJob, on_delete='CASCADE')
        row_number = IntegerField()
        values = TextField(default='{}')
        issues = TextField(default='[]')
        critical = BooleanField(default=False)
        duplicate_of = IntegerField(null=True)
        candidates = TextField(default='[]')
        decision = CharField(max_length=8, default='')
        chosen_person = ForeignKeyField(Person, null=True, on_delete='SET NULL')
        result_person = ForeignKeyField(Person, null=True, on_delete='SET NULL')

        class Meta:
            database = db
            table_name = 'import_row'
            indexes = ((('job', 'row_number'), True),)

    db.create_tables([ImportJob, ImportRow])
    # Blocking of the similar-person search: a typo in the surname still meets the name and
    # birth date, a typo in the name still meets the surname and birth date.
    db.execute_sql('CREATE INDEX person_birth_date_name_key ON person (birth_date, name_key)')
    db.execute_sql('CREATE INDEX person_birth_date_surname_key ON person (birth_date, surname_key)')


def down(migrator, db):
    db.execute_sql('DROP INDEX person_birth_date_surname_key')
    db.execute_sql('DROP INDEX person_birth_date_name_key')
    migrator.migrate(migrator.drop_table('import_row'))
    migrator.migrate(migrator.drop_table('import_job'))
