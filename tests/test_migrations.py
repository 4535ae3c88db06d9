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
    from tests import factories
    year = SchoolYear.get(SchoolYear.organisation == region.odo)
    program = Program.create(organisation=region.odo, focus='arts', name='Бисероплетение')
    association = Association.create(organisation=region.odo, school_year=year, program=program,
                                     name='1а Бисер')
    child = factories.person('Петров', 'Пётр', birth_date=datetime.date(2015, 3, 1), gender='M')
    Membership.create(person=child, association=association, organisation=region.odo,
                      started_on=datetime.date(2026, 9, 1), ended_on=datetime.date(2026, 10, 1))
    Membership.create(person=child, association=association, organisation=region.odo,
                      started_on=datetime.date(2026, 10, 2))
    with pytest.raises(IntegrityError), models.db.atomic():
        Membership.create(person=child, association=association, organisation=region.odo,
                          started_on=datetime.date(2026, 10, 3))
