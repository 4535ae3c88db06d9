"""The schema is made by the migration files, up from nothing and back down, on both databases."""
import uuid

from playhouse.migrations import Runner

import models
from tests.conftest import is_postgres

EXPECTED_TABLES = {
    'region', 'municipality', 'settlement', 'organisation', 'school_year', 'program',
    'association', 'person', 'identity_document', 'employment', 'portfolio_item', 'order',
    'order_line', 'membership', 'role', 'user', 'user_role', 'web_session', 'password_reset',
    'audit_event', 'message', 'monitoring_snapshot', 'organisation_card_change',
    'employment_position', 'employment_education',
}


def empty_database(database_url, tmp_path):
    if not is_postgres(database_url):
        return models.make_database('sqlite:///' + str(tmp_path / 'empty.db')), None
    name = 'kruzhok_migrations_' + uuid.uuid4().hex[:8]
    admin = models.make_database(database_url)
    admin.connect()
    admin.connection().autocommit = True
    admin.execute_sql(f'CREATE DATABASE {name}')
    admin.close()
    return models.make_database(database_url.rsplit('/', 1)[0] + '/' + name), (admin, name)


def drop(created):
    if created is None:
        return
    admin, name = created
    admin.connect()
    admin.connection().autocommit = True
    admin.execute_sql(f'DROP DATABASE {name} WITH (FORCE)')
    admin.close()


def test_migrations_go_up_on_an_empty_database_and_back_down(database_url, tmp_path):
    database, created = empty_database(database_url, tmp_path)
    try:
        runner = Runner(database, directory=models.MIGRATIONS_DIR)
        applied = runner.up()
        assert applied[:2] == ['0001_initial', '0002_standard_roles']
        assert EXPECTED_TABLES <= set(database.get_tables())
        assert runner.up() == []  # nothing pending the second time
        roles = {row[0] for row in database.execute_sql('SELECT code FROM role')}
        assert {'odo_admin', 'teacher', 'student', 'authority_specialist'} <= roles
        while runner.down():
            pass
        assert set(database.get_tables()) <= {'schema_migration'}
        assert runner.up() == applied
    finally:
        database.close()
        if hasattr(database, 'close_all'):
            database.close_all()
        drop(created)


def test_one_open_membership_per_child_and_association_is_a_database_rule(app, region):
    import datetime
    import pytest
    from peewee import IntegrityError
    from models import Association, Membership, Program, SchoolYear
    from tests import builders
    year = SchoolYear.get(SchoolYear.organisation == region.odo)
    program = Program.create(organisation=region.odo, focus='arts', name='Бисероплетение')
    association = Association.create(organisation=region.odo, school_year=year, program=program,
                                     name='1а Бисер')
    child = builders.person('Петров', 'Пётр', birth_date=datetime.date(2015, 3, 1), gender='M')
    Membership.create(person=child, association=association, organisation=region.odo,
                      started_on=datetime.date(2026, 9, 1), ended_on=datetime.date(2026, 10, 1))
    Membership.create(person=child, association=association, organisation=region.odo,
                      started_on=datetime.date(2026, 10, 2))
    with pytest.raises(IntegrityError), models.db.atomic():
        Membership.create(person=child, association=association, organisation=region.odo,
                          started_on=datetime.date(2026, 10, 3))


def _refused(query):
    import pytest
    from peewee import IntegrityError
    with pytest.raises(IntegrityError), models.db.atomic():
        query.execute()


def _rules():
    import importlib
    return importlib.import_module('migrations.0010_rules_in_the_database').ALLOWED


def test_every_state_and_kind_column_has_its_rule_in_the_database(app, region):
    """Migration 0010: a CHECK constraint on PostgreSQL, a pair of triggers on SQLite, for each
    listed column; the code's own lists fit in them."""
    import importlib
    database = models.db.obj
    if is_postgres(app.config['DATABASE_URL']):
        found = {name for (name,) in database.execute_sql(
            "SELECT conname FROM pg_constraint WHERE contype = 'c'")}
        expected = {f'{table}_{column}_allowed' for table, column, _ in _rules()}
    else:
        found = {name for (name,) in database.execute_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        expected = {f'{table}_{column}_allowed_{event}' for table, column, _ in _rules()
                    for event in ('insert', 'update')}
    assert expected <= found
    allowed = {(table, column): set(values) for table, column, values in _rules()}
    portfolio = importlib.import_module('migrations.0017_portfolio')  # its later lists
    allowed[('portfolio_item', 'kind')] = set(portfolio.KINDS_AFTER)
    assert set(portfolio.SCAN_TYPES) == {''} | set(models.SCAN_TYPES)
    for (table, column), code_list in {
            ('order', 'kind'): models.ORDER_KINDS, ('school_year', 'state'): models.YEAR_STATES,
            ('person', 'gender'): models.GENDERS, ('organisation', 'kind'): models.ORGANISATION_KINDS,
            ('program', 'focus'): models.PROGRAM_FOCUSES, ('portfolio_item', 'kind'): models.PORTFOLIO_KINDS,
            ('identity_document', 'kind'): models.DOCUMENT_KINDS,
            ('role', 'movement_book'): models.MOVEMENT_BOOK_ACCESS,
            ('import_job', 'status'): models.IMPORT_STATUSES}.items():
        assert set(code_list) == allowed[(table, column)], (table, column)


def test_a_value_outside_its_list_is_refused_by_the_database(app, region):
    import datetime
    from models import Municipality, Organisation, Person, Role, SchoolYear
    _refused(Person.update(gender='X'))
    _refused(Organisation.update(kind='shop'))
    _refused(Municipality.update(kind='galaxy'))
    _refused(SchoolYear.update(state='forgotten'))
    _refused(Role.update(movement_book='all'))
    _refused(Person.insert(surname='Иванов', name='Иван', birth_date=datetime.date(2015, 1, 1),
                           gender='Ж'))  # the label, not the stored code
    assert Person.select().where(Person.gender.not_in(('M', 'F'))).count() == 0


def test_an_organisation_has_one_current_school_year(app, region):
    import datetime
    from models import SchoolYear
    _refused(SchoolYear.insert(organisation=region.odo, start_year=2027, state='current',
                               starts_on=datetime.date(2027, 9, 1), ends_on=datetime.date(2028, 8, 31)))
    SchoolYear.create(organisation=region.odo, start_year=2027, state='future',
                      starts_on=datetime.date(2027, 9, 1), ends_on=datetime.date(2028, 8, 31))
