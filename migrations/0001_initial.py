"""The region's schema: places, organisations, people, orders, users and records."""
from peewee import *


def up(migrator, db):
    class Region(Model):
        name = CharField(unique=True, max_length=200)
        code = CharField(unique=True, max_length=8)
        esia_only_since = DateField()
        next_year_from = CharField(max_length=5, default='04-01')
        open_year_from = CharField(max_length=5, default='08-25')
        close_year_by = CharField(max_length=5, default='09-05')
        close_year_deadline = CharField(max_length=5, default='09-20')
        class Meta:
            database = db
            table_name = 'region'
    db.create_tables([Region])

    class Municipality(Model):
        region = ForeignKeyField(Region, on_delete='CASCADE')
        name = CharField(max_length=200)
        kind = CharField(max_length=32, default='city_district')
        class Meta:
            database = db
            table_name = 'municipality'
            indexes = ((('region', 'name'), True),)
    db.create_tables([Municipality])

    class Settlement(Model):
        municipality = ForeignKeyField(Municipality, on_delete='CASCADE')
        name = CharField(max_length=200)
        class Meta:
            database = db
            table_name = 'settlement'
            indexes = ((('municipality', 'name'), True),)
    db.create_tables([Settlement])

    class Organisation(Model):
        region = ForeignKeyField(Region, on_delete='CASCADE')
        municipality = ForeignKeyField(Municipality, null=True)
        settlement = ForeignKeyField(Settlement, null=True)
        authority = ForeignKeyField('self', null=True)
        kind = CharField(index=True, max_length=32)
        short_name = CharField()
        full_name = CharField(max_length=1000, default='')
        name_key = CharField(index=True)
        legal_form = CharField(max_length=200, default='')
        founders = TextField(default='')
        director = CharField(default='')
        deputies = TextField(default='')
        legal_address = CharField(max_length=500, default='')
        actual_address = CharField(max_length=500, default='')
        phone = CharField(max_length=100, default='')
        email = CharField(max_length=200, default='')
        website = CharField(max_length=200, default='')
        inn = CharField(max_length=12, default='')
        kpp = CharField(max_length=9, default='')
        ogrn = CharField(max_length=15, default='')
        okpo = CharField(max_length=14, default='')
        licence_number = CharField(max_length=100, default='')
        licence_date = DateField(null=True)
        capacity = IntegerField(null=True)
        accessibility = TextField(default='')
        internet = CharField(max_length=200, default='')
        movement_period_start = DateField(null=True)
        movement_period_end = DateField(null=True)
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'organisation'
    db.create_tables([Organisation])

    class SchoolYear(Model):
        organisation = ForeignKeyField(Organisation, on_delete='CASCADE')
        start_year = IntegerField()
        state = CharField(max_length=16, default='current')
        starts_on = DateField()
        ends_on = DateField()
        closed_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'school_year'
            indexes = ((('organisation', 'start_year'), True),)
    db.create_tables([SchoolYear])

    class Program(Model):
        organisation = ForeignKeyField(Organisation, on_delete='CASCADE')
        focus = CharField(max_length=32)
        name = CharField()
        duration_years = IntegerField(default=1)
        age_from = IntegerField(default=5)
        age_to = IntegerField(default=18)
        hours_per_week = IntegerField(default=2)
        hours_per_year = IntegerField(default=72)
        description = TextField(default='')
        archived = BooleanField(default=False)
        created_at = DateTimeField()
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'program'
    db.create_tables([Program])

    class Person(Model):
        surname = CharField(max_length=100)
        name = CharField(max_length=100)
        patronymic = CharField(max_length=100, default='')
        no_patronymic = BooleanField(default=False)
        birth_date = DateField()
        gender = CharField(max_length=1)
        snils = CharField(null=True, max_length=11)
        citizenship = CharField(max_length=100, default='Российская Федерация')
        phone = CharField(max_length=100, default='')
        email = CharField(max_length=200, default='')
        address = CharField(max_length=500, default='')
        surname_key = CharField(max_length=100)
        name_key = CharField(max_length=100)
        patronymic_key = CharField(max_length=100, default='')
        created_at = DateTimeField()
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'person'
            indexes = ((('surname_key', 'name_key', 'birth_date'), False), (('birth_date',), False), (('snils',), False))
    db.create_tables([Person])

    class Employment(Model):
        person = ForeignKeyField(Person, on_delete='CASCADE')
        organisation = ForeignKeyField(Organisation, on_delete='CASCADE')
        position = CharField(max_length=200)
        started_on = DateField(null=True)
        dismissed_on = DateField(null=True)
        education = CharField(max_length=500, default='')
        qualification_category = CharField(max_length=32, default='')
        experience_years = IntegerField(null=True)
        pedagogical_experience_years = IntegerField(null=True)
        work_phone = CharField(max_length=100, default='')
        work_email = CharField(max_length=200, default='')
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'employment'
            indexes = ((('organisation', 'dismissed_on'), False),)
    db.create_tables([Employment])

    class Association(Model):
        organisation = ForeignKeyField(Organisation, on_delete='CASCADE')
        school_year = ForeignKeyField(SchoolYear, on_delete='CASCADE')
        program = ForeignKeyField(Program, null=True)
        kind = CharField(max_length=16, default='association')
        name = CharField()
        study_year = IntegerField(default=1)
        grade = IntegerField(null=True)
        teacher = ForeignKeyField(Employment, null=True, on_delete='SET NULL')
        capacity = IntegerField(default=15)
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'association'
            indexes = ((('organisation', 'school_year', 'name'), True),)
    db.create_tables([Association])

    class User(Model):
        login = CharField(unique=True, max_length=64)
        password_hash = CharField(null=True)
        person = ForeignKeyField(Person, null=True, on_delete='SET NULL')
        esia_oid = CharField(unique=True, null=True, max_length=64)
        email = CharField(max_length=200, default='')
        is_blocked = BooleanField(default=False)
        is_break_glass = BooleanField(default=False)
        failed_attempts = IntegerField(default=0)
        locked_until = DateTimeField(null=True)
        password_changed_at = DateTimeField(null=True)
        created_at = DateTimeField()
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'user'
    db.create_tables([User])

    class AuditEvent(Model):
        at = DateTimeField(index=True)
        user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        login = CharField(max_length=64, default='')
        organisation = ForeignKeyField(Organisation, null=True, on_delete='SET NULL')
        ip = CharField(max_length=64, default='')
        event = CharField(index=True, max_length=64)
        object_type = CharField(max_length=32, default='')
        object_id = CharField(max_length=64, default='')
        result = CharField(max_length=16, default='ok')
        details = TextField(default='')
        class Meta:
            database = db
            table_name = 'audit_event'
    db.create_tables([AuditEvent])

    class IdentityDocument(Model):
        person = ForeignKeyField(Person, on_delete='CASCADE')
        kind = CharField(max_length=32)
        foreign_kind = CharField(max_length=200, default='')
        series = CharField(max_length=32, default='')
        number = CharField(max_length=64)
        number_key = CharField(max_length=96)
        issued_on = DateField(null=True)
        issued_by = CharField(max_length=500, default='')
        division_code = CharField(max_length=7, default='')
        civil_record_number = CharField(max_length=32, default='')
        is_current = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'identity_document'
            indexes = ((('number_key',), False),)
    db.create_tables([IdentityDocument])

    class Order(Model):
        organisation = ForeignKeyField(Organisation, on_delete='CASCADE')
        school_year = ForeignKeyField(SchoolYear, on_delete='CASCADE')
        kind = CharField(max_length=16)
        number = CharField(null=True, max_length=32)
        document_date = DateField(null=True)
        act_date = DateField(null=True)
        status = CharField(max_length=16, default='draft')
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        committed_at = DateTimeField(null=True)
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'order'
            indexes = ((('organisation', 'school_year', 'number'), True),)
    db.create_tables([Order])

    class OrderLine(Model):
        order = ForeignKeyField(Order, on_delete='CASCADE')
        person = ForeignKeyField(Person, on_delete='CASCADE')
        association_from = ForeignKeyField(Association, null=True)
        association_to = ForeignKeyField(Association, null=True)
        moved_on = DateField(null=True)
        reason = CharField(max_length=32, default='')
        destination = CharField(max_length=500, default='')
        class Meta:
            database = db
            table_name = 'order_line'
            indexes = ((('person', 'moved_on'), False), (('order', 'person'), True))
    db.create_tables([OrderLine])

    class Membership(Model):
        person = ForeignKeyField(Person, on_delete='CASCADE')
        association = ForeignKeyField(Association, on_delete='CASCADE')
        organisation = ForeignKeyField(Organisation, on_delete='CASCADE')
        started_on = DateField()
        ended_on = DateField(null=True)
        start_line = ForeignKeyField(OrderLine, null=True, on_delete='SET NULL')
        end_line = ForeignKeyField(OrderLine, null=True, on_delete='SET NULL')
        end_kind = CharField(max_length=16, default='')
        end_reason = CharField(max_length=32, default='')
        destination = CharField(max_length=500, default='')
        class Meta:
            database = db
            table_name = 'membership'
            indexes = ((('organisation', 'ended_on'), False), (('association', 'ended_on'), False), (('person', 'ended_on'), False), (('end_kind', 'ended_on'), False))
    db.create_tables([Membership])

    class Message(Model):
        sender_organisation = ForeignKeyField(Organisation, on_delete='CASCADE')
        sender = ForeignKeyField(User, null=True, on_delete='SET NULL')
        recipient_organisation = ForeignKeyField(Organisation, on_delete='CASCADE')
        person = ForeignKeyField(Person, null=True, on_delete='SET NULL')
        subject = CharField(max_length=300)
        body = TextField(default='')
        created_at = DateTimeField()
        read_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'message'
            indexes = ((('recipient_organisation', 'read_at'), False),)
    db.create_tables([Message])

    class MonitoringSnapshot(Model):
        organisation = ForeignKeyField(Organisation, on_delete='CASCADE')
        taken_on = DateField()
        card_percent = IntegerField()
        staff_percent = IntegerField()
        portfolio_percent = IntegerField()
        class Meta:
            database = db
            table_name = 'monitoring_snapshot'
            indexes = ((('organisation', 'taken_on'), True),)
    db.create_tables([MonitoringSnapshot])

    class OrganisationCardChange(Model):
        organisation = ForeignKeyField(Organisation, on_delete='CASCADE')
        user = ForeignKeyField(User, null=True)
        changed_at = DateTimeField()
        field = CharField(max_length=64)
        old_value = TextField(default='')
        new_value = TextField(default='')
        reason = TextField(default='')
        class Meta:
            database = db
            table_name = 'organisation_card_change'
    db.create_tables([OrganisationCardChange])

    class PasswordReset(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        token_hash = CharField(unique=True, max_length=64)
        created_at = DateTimeField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'password_reset'
    db.create_tables([PasswordReset])

    class PortfolioItem(Model):
        employment = ForeignKeyField(Employment, on_delete='CASCADE')
        kind = CharField(max_length=32)
        title = CharField(max_length=500)
        issued_on = DateField(null=True)
        issuer = CharField(max_length=500, default='')
        hours = IntegerField(null=True)
        document_number = CharField(max_length=100, default='')
        class Meta:
            database = db
            table_name = 'portfolio_item'
    db.create_tables([PortfolioItem])

    class Role(Model):
        code = CharField(unique=True, max_length=32)
        name = CharField(max_length=200)
        movement_book = CharField(max_length=8, default='none')
        pool = BooleanField(default=False)
        import_children = BooleanField(default=False)
        year_transition = BooleanField(default=False)
        organisation_card = BooleanField(default=False)
        staff = BooleanField(default=False)
        monitoring = BooleanField(default=False)
        users = BooleanField(default=False)
        class Meta:
            database = db
            table_name = 'role'
    db.create_tables([Role])

    class UserRole(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        organisation = ForeignKeyField(Organisation, on_delete='CASCADE')
        role = ForeignKeyField(Role, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'user_role'
            indexes = ((('user', 'organisation', 'role'), True),)
    db.create_tables([UserRole])

    class WebSession(Model):
        key_hash = CharField(primary_key=True, max_length=64)
        user = ForeignKeyField(User, null=True, on_delete='CASCADE')
        data = TextField(default='{}')
        created_at = DateTimeField()
        last_seen_at = DateTimeField(index=True)
        ip = CharField(max_length=64, default='')
        user_agent = CharField(max_length=300, default='')
        class Meta:
            database = db
            table_name = 'web_session'
    db.create_tables([WebSession])

    # One open membership per child and объединение: the database refuses a second.
    db.execute_sql(
        'CREATE UNIQUE INDEX membership_person_id_association_id '
        'ON membership (person_id, association_id) WHERE ended_on IS NULL')


def down(migrator, db):
    migrator.migrate(migrator.drop_table('web_session'))
    migrator.migrate(migrator.drop_table('user_role'))
    migrator.migrate(migrator.drop_table('role'))
    migrator.migrate(migrator.drop_table('portfolio_item'))
    migrator.migrate(migrator.drop_table('password_reset'))
    migrator.migrate(migrator.drop_table('organisation_card_change'))
    migrator.migrate(migrator.drop_table('monitoring_snapshot'))
    migrator.migrate(migrator.drop_table('message'))
    migrator.migrate(migrator.drop_table('membership'))
    migrator.migrate(migrator.drop_table('order_line'))
    migrator.migrate(migrator.drop_table('order'))
    migrator.migrate(migrator.drop_table('identity_document'))
    migrator.migrate(migrator.drop_table('audit_event'))
    migrator.migrate(migrator.drop_table('user'))
    migrator.migrate(migrator.drop_table('association'))
    migrator.migrate(migrator.drop_table('employment'))
    migrator.migrate(migrator.drop_table('person'))
    migrator.migrate(migrator.drop_table('program'))
    migrator.migrate(migrator.drop_table('school_year'))
    migrator.migrate(migrator.drop_table('organisation'))
    migrator.migrate(migrator.drop_table('settlement'))
    migrator.migrate(migrator.drop_table('municipality'))
    migrator.migrate(migrator.drop_table('region'))
