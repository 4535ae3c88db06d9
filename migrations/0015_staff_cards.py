"""The employee card «Сведения о сотрудниках»: several educations and positions per employee,
the date and order of the qualification category, «Нет» as a category of its own (the empty
value now means «не указана»), and the region's staff settings (positions offered, fields a
complete card and portfolio need).

The one-line ``employment.education`` text becomes ``employment_education`` rows: its
«Уровень, учреждение, «специальность»» shape is split, anything else is kept as the
institution; then the column goes.
"""
import re

from peewee import *

QUALIFICATION_BEFORE = ('', 'first', 'highest', 'conformity')
QUALIFICATION_AFTER = ('', 'none', 'conformity', 'first', 'highest')
EDUCATION_LEVELS = ('', 'higher_master', 'higher_bachelor', 'postgraduate', 'secondary_vocational',
                    'secondary_general')
LEVEL_PREFIXES = (('высшее', 'higher_master'), ('среднее профессиональное', 'secondary_vocational'),
                  ('среднее общее', 'secondary_general'))


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


def split_education(text):
    """'Высшее, Сахалинский государственный университет, «Педагогика»' → (level, institution, speciality)."""
    text = re.sub(r'\s+', ' ', text or '').strip()
    for prefix, level in LEVEL_PREFIXES:
        if text.lower().startswith(prefix):
            rest = text[len(prefix):].strip(' ,')
            institution, _, speciality = rest.partition(', «')
            return level, institution[:500], speciality.rstrip('»')[:500]
    return '', text[:500], ''


def _tables(db):
    class Employment(Model):
        class Meta:
            database = db
            table_name = 'employment'

    class EmploymentPosition(Model):
        employment = ForeignKeyField(Employment, on_delete='CASCADE')
        position = CharField(max_length=200, index=True)

        class Meta:
            database = db
            table_name = 'employment_position'
            indexes = ((('employment', 'position'), True),)

    class EmploymentEducation(Model):
        employment = ForeignKeyField(Employment, on_delete='CASCADE')
        level = CharField(max_length=32, default='')
        institution = CharField(max_length=500, default='')
        graduation_year = IntegerField(null=True)
        speciality = CharField(max_length=500, default='')

        class Meta:
            database = db
            table_name = 'employment_education'

    return EmploymentPosition, EmploymentEducation


def up(migrator, db):
    db.execute_sql('ALTER TABLE "region" ADD COLUMN "staff_positions" TEXT NOT NULL DEFAULT \'\'')
    db.execute_sql('ALTER TABLE "region" ADD COLUMN "staff_fill_fields" TEXT NOT NULL DEFAULT \'\'')
    db.execute_sql('ALTER TABLE "employment" ADD COLUMN "qualification_assigned_on" DATE')
    db.execute_sql('ALTER TABLE "employment" ADD COLUMN "qualification_order" VARCHAR(100) '
                   "NOT NULL DEFAULT ''")
    positions, educations = _tables(db)
    db.create_tables([positions, educations])
    rows = db.execute_sql('SELECT "id", "education" FROM "employment" WHERE "education" <> \'\'').fetchall()
    entries = [dict(zip(('level', 'institution', 'speciality'), split_education(text)), employment=eid)
               for eid, text in rows]
    for start in range(0, len(entries), 500):
        educations.insert_many(entries[start:start + 500]).execute()
    db.execute_sql('ALTER TABLE "employment" DROP COLUMN "education"')
    _disallow(db, 'employment', 'qualification_category')
    _allow(db, 'employment', 'qualification_category', QUALIFICATION_AFTER)
    _allow(db, 'employment_education', 'level', EDUCATION_LEVELS)


def down(migrator, db):
    _disallow(db, 'employment_education', 'level')
    _disallow(db, 'employment', 'qualification_category')
    db.execute_sql("UPDATE \"employment\" SET \"qualification_category\" = '' "
                   "WHERE \"qualification_category\" = 'none'")
    _allow(db, 'employment', 'qualification_category', QUALIFICATION_BEFORE)
    db.execute_sql('ALTER TABLE "employment" ADD COLUMN "education" VARCHAR(500) NOT NULL DEFAULT \'\'')
    # The first education of each employee goes back into the one-line text.
    rows = db.execute_sql('SELECT "employment_id", "level", "institution", "speciality" '
                          'FROM "employment_education" ORDER BY "id" DESC').fetchall()
    labels = {'higher_master': 'Высшее', 'higher_bachelor': 'Высшее', 'postgraduate': 'Высшее',
              'secondary_vocational': 'Среднее профессиональное', 'secondary_general': 'Среднее общее'}
    first = {eid: (level, institution, speciality) for eid, level, institution, speciality in rows}
    for eid, (level, institution, speciality) in first.items():
        parts = [labels.get(level, ''), institution, f'«{speciality}»' if speciality else '']
        db.execute_sql(f'UPDATE "employment" SET "education" = {db.param} WHERE "id" = {db.param}',
                       (', '.join(p for p in parts if p)[:500], eid))
    positions, educations = _tables(db)
    db.drop_tables([educations, positions])
    db.execute_sql('ALTER TABLE "employment" DROP COLUMN "qualification_order"')
    db.execute_sql('ALTER TABLE "employment" DROP COLUMN "qualification_assigned_on"')
    db.execute_sql('ALTER TABLE "region" DROP COLUMN "staff_fill_fields"')
    db.execute_sql('ALTER TABLE "region" DROP COLUMN "staff_positions"')
