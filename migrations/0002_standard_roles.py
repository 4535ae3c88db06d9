"""The region's standard roles: named bundles of rights."""
from peewee import *

ROLES = [
    # code, name, movement_book, pool, import, year, card, staff, monitoring, users
    ('odo_admin', 'Администратор ОО', 'edit', True, True, True, True, True, False, True),
    ('deputy', 'Заместитель директора', 'edit', True, True, False, True, True, False, False),
    ('teacher', 'Педагог дополнительного образования', 'view', False, False, False, False, False, False, False),
    ('student', 'Обучающийся', 'none', False, False, False, False, False, False, False),
    ('authority_specialist', 'Специалист органа управления', 'none', False, False, False, False, False, True, False),
]
FIELDS = ('code', 'name', 'movement_book', 'pool', 'import_children', 'year_transition',
          'organisation_card', 'staff', 'monitoring', 'users')


def up(migrator, db):
    class Role(Model):
        code = CharField(unique=True, max_length=32)
        name = CharField(max_length=200)
        movement_book = CharField(max_length=8)
        pool = BooleanField()
        import_children = BooleanField()
        year_transition = BooleanField()
        organisation_card = BooleanField()
        staff = BooleanField()
        monitoring = BooleanField()
        users = BooleanField()

        class Meta:
            database = db
            table_name = 'role'

    Role.insert_many(ROLES, fields=[getattr(Role, f) for f in FIELDS]).execute()


def down(migrator, db):
    db.execute_sql('DELETE FROM role')
