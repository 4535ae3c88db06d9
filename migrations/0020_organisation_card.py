"""«Карточка ОО» complete: the columns the card's seven sections lack, the director and deputies
chosen from the organisation's staff instead of typed, the region's own card parameters with
their values, the region's list of required card fields, and a change log that knows the
section, the label and the card version each change produced; the licence's scan is a file
outside ``static/`` under a server-chosen name (``licence_scan_name``) (so a stale save can name what
changed meanwhile).

The typed ``director``/``deputies`` texts become ``organisation_manager`` rows where they name
a current employee of the organisation exactly (surname, name, patronymic); the rest is dropped.
"""
from peewee import *

STATUSES = ('', 'active', 'reorganising', 'liquidating')
YES_NO = ('', 'yes', 'no')
TECHNOLOGIES = ('', 'fiber', 'adsl', 'radio', 'mobile', 'satellite', 'other')
MANAGER_KINDS = ('director', 'deputy')
PARAMETER_KINDS = ('text', 'number', 'date', 'yes_no')

# Plain DDL: SQLite would rebuild the table for a NOT NULL column and lose 0010's triggers.
ORGANISATION_COLUMNS = (
    ('organisation_type', "VARCHAR(200) NOT NULL DEFAULT ''"),
    ('founded_on', 'DATE'),
    ('status', "VARCHAR(16) NOT NULL DEFAULT ''"),
    ('buildings', "TEXT NOT NULL DEFAULT ''"),
    ('okato', "VARCHAR(11) NOT NULL DEFAULT ''"),
    ('oktmo', "VARCHAR(11) NOT NULL DEFAULT ''"),
    ('okogu', "VARCHAR(7) NOT NULL DEFAULT ''"),
    ('okopf', "VARCHAR(5) NOT NULL DEFAULT ''"),
    ('okfs', "VARCHAR(2) NOT NULL DEFAULT ''"),
    ('okved', "VARCHAR(20) NOT NULL DEFAULT ''"),
    ('bank_name', "VARCHAR(300) NOT NULL DEFAULT ''"),
    ('bik', "VARCHAR(9) NOT NULL DEFAULT ''"),
    ('settlement_account', "VARCHAR(20) NOT NULL DEFAULT ''"),
    ('correspondent_account', "VARCHAR(20) NOT NULL DEFAULT ''"),
    ('licence_issuer', "VARCHAR(500) NOT NULL DEFAULT ''"),
    ('licence_url', "VARCHAR(500) NOT NULL DEFAULT ''"),
    ('licence_scan_name', "VARCHAR(64) NOT NULL DEFAULT ''"),
    ('licence_scan_type', "VARCHAR(8) NOT NULL DEFAULT ''"),
    ('licence_scan_size', 'INTEGER'),
    ('capacity_per_shift', 'INTEGER'),
    ('shifts', 'INTEGER'),
    ('video_surveillance', "VARCHAR(3) NOT NULL DEFAULT ''"),
    ('internet_technology', "VARCHAR(16) NOT NULL DEFAULT ''"),
    ('internet_speed_contract', 'INTEGER'),
    ('internet_speed_actual', 'INTEGER'),
    ('content_filtering', "VARCHAR(3) NOT NULL DEFAULT ''"),
    ('computers', 'INTEGER'),
)
CHANGE_COLUMNS = (('version', 'INTEGER'), ('section', "VARCHAR(16) NOT NULL DEFAULT ''"),
                  ('label', "VARCHAR(300) NOT NULL DEFAULT ''"))
SCAN_TYPES = ('', 'pdf', 'jpeg', 'png')
CHOICES = (('status', STATUSES), ('video_surveillance', YES_NO), ('content_filtering', YES_NO),
           ('internet_technology', TECHNOLOGIES), ('licence_scan_type', SCAN_TYPES))


def _values(values):
    return ', '.join("'" + value.replace("'", "''") + "'" for value in values)


def _allow(db, table, column, values):
    name = f'{table}_{column}_allowed'
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" '
                       f'CHECK ("{column}" IN ({_values(values)}))')
        return
    for event in ('INSERT', f'UPDATE OF "{column}"'):
        suffix = 'insert' if event == 'INSERT' else 'update'
        db.execute_sql(f'CREATE TRIGGER "{name}_{suffix}" BEFORE {event} ON "{table}" '
                       f'WHEN NEW."{column}" NOT IN ({_values(values)}) '
                       f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END")


def _disallow(db, table, column):
    name = f'{table}_{column}_allowed'
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"')
    else:
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{name}_insert"')
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{name}_update"')


def _tables(db):
    class Region(Model):
        class Meta:
            database = db
            table_name = 'region'

    class Organisation(Model):
        class Meta:
            database = db
            table_name = 'organisation'

    class Employment(Model):
        class Meta:
            database = db
            table_name = 'employment'

    class OrganisationManager(Model):
        organisation = ForeignKeyField(Organisation, on_delete='CASCADE')
        employment = ForeignKeyField(Employment, on_delete='CASCADE')
        kind = CharField(max_length=16)

        class Meta:
            database = db
            table_name = 'organisation_manager'
            indexes = ((('organisation', 'employment'), True),)

    class CardParameter(Model):
        region = ForeignKeyField(Region, on_delete='CASCADE')
        name = CharField(max_length=200)
        kind = CharField(max_length=16, default='text')
        required = BooleanField(default=False)

        class Meta:
            database = db
            table_name = 'card_parameter'
            indexes = ((('region', 'name'), True),)

    class CardParameterValue(Model):
        organisation = ForeignKeyField(Organisation, on_delete='CASCADE')
        parameter = ForeignKeyField(CardParameter, on_delete='CASCADE')
        value = TextField(default='')

        class Meta:
            database = db
            table_name = 'card_parameter_value'
            indexes = ((('organisation', 'parameter'), True),)

    return OrganisationManager, CardParameter, CardParameterValue


def _people_of(db):
    """{(organisation id, 'Фамилия Имя Отчество'): employment id} of current staff."""
    rows = db.execute_sql(
        'SELECT e."id", e."organisation_id", p."surname", p."name", p."patronymic" '
        'FROM "employment" e JOIN "person" p ON p."id" = e."person_id" '
        'WHERE e."dismissed_on" IS NULL ORDER BY e."id"').fetchall()
    found = {}
    for eid, oid, surname, name, patronymic in rows:
        found.setdefault((oid, ' '.join(part for part in (surname, name, patronymic) if part)), eid)
    return found


def up(migrator, db):
    for column, definition in ORGANISATION_COLUMNS:
        db.execute_sql(f'ALTER TABLE "organisation" ADD COLUMN "{column}" {definition}')
    for column, definition in CHANGE_COLUMNS:
        db.execute_sql(f'ALTER TABLE "organisation_card_change" ADD COLUMN "{column}" {definition}')
    db.execute_sql('ALTER TABLE "region" ADD COLUMN "card_fill_fields" TEXT NOT NULL DEFAULT \'\'')
    managers, parameters, values = _tables(db)
    db.create_tables([managers, parameters, values])
    db.execute_sql('CREATE UNIQUE INDEX "organisation_manager_one_director" ON "organisation_manager" '
                   '("organisation_id") WHERE "kind" = \'director\'')
    db.execute_sql('CREATE INDEX "organisation_card_change_organisation_changed_at" '
                   'ON "organisation_card_change" ("organisation_id", "changed_at")')
    for column, allowed in CHOICES:
        _allow(db, 'organisation', column, allowed)
    _allow(db, 'organisation_manager', 'kind', MANAGER_KINDS)
    _allow(db, 'card_parameter', 'kind', PARAMETER_KINDS)
    staff = _people_of(db)
    rows = []
    for oid, director, deputies in db.execute_sql(
            'SELECT "id", "director", "deputies" FROM "organisation" '
            'WHERE "director" <> \'\' OR "deputies" <> \'\'').fetchall():
        chosen = set()
        for kind, names in (('director', [director]), ('deputy', (deputies or '').splitlines())):
            for name in names:
                eid = staff.get((oid, ' '.join((name or '').split())))
                if eid is not None and eid not in chosen:
                    chosen.add(eid)
                    rows.append({'organisation': oid, 'employment': eid, 'kind': kind})
    for start in range(0, len(rows), 500):
        managers.insert_many(rows[start:start + 500]).execute()
    db.execute_sql('ALTER TABLE "organisation" DROP COLUMN "director"')
    db.execute_sql('ALTER TABLE "organisation" DROP COLUMN "deputies"')


def down(migrator, db):
    db.execute_sql('ALTER TABLE "organisation" ADD COLUMN "director" VARCHAR(255) NOT NULL DEFAULT \'\'')
    db.execute_sql('ALTER TABLE "organisation" ADD COLUMN "deputies" TEXT NOT NULL DEFAULT \'\'')
    names = {}
    for oid, kind, surname, name, patronymic in db.execute_sql(
            'SELECT m."organisation_id", m."kind", p."surname", p."name", p."patronymic" '
            'FROM "organisation_manager" m JOIN "employment" e ON e."id" = m."employment_id" '
            'JOIN "person" p ON p."id" = e."person_id" ORDER BY m."id"').fetchall():
        entry = names.setdefault(oid, {'director': '', 'deputy': []})
        full = ' '.join(part for part in (surname, name, patronymic) if part)
        if kind == 'director':
            entry['director'] = full
        else:
            entry['deputy'].append(full)
    for oid, entry in names.items():
        db.execute_sql(f'UPDATE "organisation" SET "director" = {db.param}, "deputies" = {db.param} '
                       f'WHERE "id" = {db.param}', (entry['director'][:255], '\n'.join(entry['deputy']), oid))
    _disallow(db, 'card_parameter', 'kind')
    _disallow(db, 'organisation_manager', 'kind')
    for column, _ in CHOICES:
        _disallow(db, 'organisation', column)
    db.execute_sql('DROP INDEX IF EXISTS "organisation_card_change_organisation_changed_at"')
    managers, parameters, values = _tables(db)
    db.drop_tables([values, parameters, managers])
    db.execute_sql('ALTER TABLE "region" DROP COLUMN "card_fill_fields"')
    for column, _ in reversed(CHANGE_COLUMNS):
        db.execute_sql(f'ALTER TABLE "organisation_card_change" DROP COLUMN "{column}"')
    for column, _ in reversed(ORGANISATION_COLUMNS):
        db.execute_sql(f'ALTER TABLE "organisation" DROP COLUMN "{column}"')
