"""Users and roles: a region adds roles of its own beside the standard ones, and every change
of a person's access (a role granted or revoked, a block, sessions ended, a child's password)
is kept with who made it and why.

- ``role.region_id``: null for the standard roles (0002, not editable), the region for its own;
  ``role.version`` guards two people editing one regional role.
- A standard role for a management body's administrator: it grants access in the body and
  lets a regional body define the region's roles; it carries no right over children.
- ``access_change``: who (``actor``), whom (``user``), what (``action``, ``role``), why
  (``reason``, typed by the person; the audit log keeps only the change's id).
"""
from peewee import *

ACTIONS = ('grant', 'revoke', 'block', 'unblock', 'sessions', 'password')
AUTHORITY_ADMIN = {'code': 'authority_admin', 'name': 'Администратор органа управления',
                   'movement_book': 'none', 'pool': False, 'import_children': False,
                   'year_transition': False, 'organisation_card': False, 'staff': False,
                   'monitoring': True, 'users': True, 'version': 1}
RULE = 'access_change_action_allowed'
REGION_INDEX = 'CREATE INDEX "role_region_id" ON "role" ("region_id")'


def _values(values):
    return ', '.join("'" + value + "'" for value in values)


def up(migrator, db):
    class Organisation(Model):
        class Meta:
            database = db
            table_name = 'organisation'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

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
        version = IntegerField()

        class Meta:
            database = db
            table_name = 'role'

    class AccessChange(Model):
        at = DateTimeField(index=True)
        organisation = ForeignKeyField(Organisation, on_delete='CASCADE')
        actor = ForeignKeyField(User, null=True, on_delete='SET NULL')
        user = ForeignKeyField(User, on_delete='CASCADE')
        action = CharField(max_length=16)
        role = ForeignKeyField(Role, null=True, on_delete='SET NULL')
        reason = TextField(default='')

        class Meta:
            database = db
            table_name = 'access_change'
            indexes = ((('organisation', 'user', 'at'), False),)

    # Plain DDL: SQLite would rebuild the table for a NOT NULL column and lose 0010's triggers.
    db.execute_sql('ALTER TABLE "role" ADD COLUMN "region_id" INTEGER '
                   'REFERENCES "region" ("id") ON DELETE CASCADE')
    db.execute_sql('ALTER TABLE "role" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1')
    db.execute_sql(REGION_INDEX)
    Role.insert(**AUTHORITY_ADMIN).execute()
    db.create_tables([AccessChange])
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(f'ALTER TABLE "access_change" ADD CONSTRAINT "{RULE}" '
                       f'CHECK ("action" IN ({_values(ACTIONS)}))')
    else:
        for event, suffix in (('INSERT', 'insert'), ('UPDATE OF "action"', 'update')):
            db.execute_sql(f'CREATE TRIGGER "{RULE}_{suffix}" BEFORE {event} ON "access_change" '
                           f'WHEN NEW."action" NOT IN ({_values(ACTIONS)}) '
                           f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {RULE}'); END")


def down(migrator, db):
    migrator.migrate(migrator.drop_table('access_change'))
    db.execute_sql('DELETE FROM "user_role" WHERE "role_id" IN (SELECT "id" FROM "role" '
                   "WHERE \"region_id\" IS NOT NULL OR \"code\" = 'authority_admin')")
    db.execute_sql('DELETE FROM "role" WHERE "region_id" IS NOT NULL OR "code" = \'authority_admin\'')
    db.execute_sql('DROP INDEX IF EXISTS "role_region_id"')
    db.execute_sql('ALTER TABLE "role" DROP COLUMN "version"')
    db.execute_sql('ALTER TABLE "role" DROP COLUMN "region_id"')
