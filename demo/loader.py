"""The loader: one ``random.Random(seed)``, ids chosen here, rows buffered per table and
flushed in bulk; the phases (organisations, staff, children) are mixed in from their modules."""
import datetime
import sys
import zlib

from peewee import PostgresqlDatabase

import clock
import models
from demo.catalogue import DEMO_PASSWORD, DEMO_SNILS, HOME_ODO, REGION_TIME_ZONE
from demo.cards import fill_cards
from demo.children import Children
from demo.monitoring import load_snapshots
from demo.names import Names
from demo.organisations import Organisations
from demo.personal_files import add_personal_files
from demo.staff import Staff
from demo.writer import HOT_FIELDS, WRITE_ORDER, Writer, check_hot_fields, convert
from demo.years import first_school_year, stage_transition
from models import (
    Association, Employment, IdentityDocument, Membership, Municipality, Order, OrderLine,
    Organisation, Person, PortfolioItem, Program, Region, Role, Settlement, User, UserRole,
)
from services.registry.documents import snils_check_number
from keys import name_key

_RESERVED_SNILS = frozenset(DEMO_SNILS.values())


class _Loader(Organisations, Staff, Children):
    """The state of one load; the phases' methods come from the mixins."""

    def __init__(self, database, children, organisations, seed, progress, today):
        import random
        check_hot_fields()
        self.db = database
        self.writer = Writer(database)
        self.rng = random.Random(seed)
        self.children_total = max(int(children), 2)
        self.organisations_total = max(int(organisations), 30)
        self.progress = progress
        self.today = today
        self.start_year = first_school_year(today)
        self.starts_on = datetime.date(self.start_year, 9, 1)
        self.ends_on = datetime.date(self.start_year + 1, 8, 31)
        self.created_at = convert(self.stored(self.starts_on, 9))
        self.names = Names()
        self.buffers = {model: [] for model in WRITE_ORDER}
        self.generic_fields = {}
        self.next_id = {}
        for model in WRITE_ORDER:
            max_id = model.select(model.id).order_by(model.id.desc()).limit(1).scalar() or 0
            self.next_id[model] = max_id + 1
        self.counts = {}
        self.snils_counter = 0
        self.snils_offset = self.rng.randrange(899_000_000)
        self.doc_counters = {}
        self.civil_counter = self.rng.randrange(10_000_000)
        self.key_cache = {}
        self.roles = {r.code: r.id for r in Role.select()}
        self.staff_users = []  # (person id, organisation id, role code, login)
        self.card_managers = {}  # organisation id → (director's employment id, deputies'), demo/cards.py
        self.demo = {}
        self.pool = 0
        self.duplicates = 0
        self.orgs = []
        self.pipeline = None

    def new_id(self, model):
        value = self.next_id[model]
        self.next_id[model] = value + 1
        return value

    def add(self, model, **values):
        """Buffer a row of a setup table; missing fields take the model's defaults."""
        fields = self.generic_fields.get(model)
        if fields is None:
            fields = self.generic_fields[model] = list(model._meta.sorted_fields)
        if 'id' not in values:
            values['id'] = self.new_id(model)
        row = []
        for field in fields:
            if field.name in values:
                value = values[field.name]
            else:
                default = field.default
                value = default() if callable(default) else default
            row.append(convert(value))
        self.buffers[model].append(tuple(row))
        return values['id']

    def flush(self):
        """Write the buffered rows in one transaction (in the writer thread when one runs)."""
        batch = []
        for model in WRITE_ORDER:
            rows = self.buffers[model]
            if not rows:
                continue
            names = HOT_FIELDS.get(model) or [f.name for f in self.generic_fields[model]]
            batch.append((model, names, rows))
            self.counts[model] = self.counts.get(model, 0) + len(rows)
            self.buffers[model] = []
        if self.pipeline is not None:
            self.pipeline.submit(batch)
        else:
            self.write_batch(batch)

    def write_batch(self, batch):
        with self.db.atomic():
            for model, names, rows in batch:
                self.writer.write(model, names, rows)

    def key(self, value):
        cached = self.key_cache.get(value)
        if cached is None:
            cached = self.key_cache[value] = name_key(value)
        return cached

    def snils(self):
        while True:
            self.snils_counter += 1
            body = 100_000_000 + (self.snils_counter * 7_654_322 + self.snils_offset) % 899_999_999
            first9 = str(body)
            snils = f'{first9}{snils_check_number(first9):02d}'
            if snils not in _RESERVED_SNILS:
                return snils

    def doc_number(self, series):
        count = self.doc_counters.get(series, 0)
        self.doc_counters[series] = count + 1
        return f'{(count * 7919 + zlib.crc32(series.encode())) % 1_000_000:06d}'

    def person_row(self, pid, surname, name, patronymic, no_patronymic, birth, gender, snils,
                   phone='', email='', address=''):
        key = self.key
        return (pid, surname, name, patronymic, no_patronymic, birth, gender, snils,
                'Российская Федерация', phone, email, address, key(surname), key(name),
                key(patronymic), 0, self.created_at, 1)

    @staticmethod
    def stored(day, hour):
        """The region's wall time ``hour``:00 of ``day`` as the database stores instants (UTC)."""
        return clock.at(day, hour, in_zone=REGION_TIME_ZONE).replace(tzinfo=None)

    def report(self, done, total, stage):
        if self.progress:
            self.progress(done, total, stage)

    def users(self):
        from werkzeug.security import generate_password_hash
        roles = self.roles
        for pid, org_id, role, login in self.staff_users:
            uid = self.add(User, login=login, password_hash=None, person=pid, created_at=self.created_at)
            self.add(UserRole, user=uid, organisation=org_id, role=roles[role])
        home, second = self.home_odo.id, self.second_odo.id
        body = self.munis[0].body.id
        demo = [
            ('odo-admin', [(home, 'odo_admin'), (second, 'odo_admin')]),
            ('odo-teacher', [(home, 'teacher')]),
            ('child-13', [(home, 'student')]),
            ('child-15', [(home, 'student')]),
            ('uo-specialist', [(body, 'authority_specialist')]),
        ]
        now = self.stored(self.today, 8)
        for login, grants in demo:
            uid = self.add(User, login=login, password_hash=generate_password_hash(DEMO_PASSWORD),
                           person=self.demo[login], password_changed_at=now, created_at=self.created_at)
            for org_id, role in grants:
                self.add(UserRole, user=uid, organisation=org_id, role=roles[role])
        self.flush()

    def drop_indexes(self):
        """Drop the secondary indexes of the bulk-loaded tables; returns their SQL to recreate.

        Building an index once over loaded rows is many times cheaper than keeping a dozen
        b-trees up to date row by row; the indexes come back exactly as they were.
        """
        db = self.db
        saved = []
        for model in HOT_FIELDS:
            table = model._meta.table_name
            keep = set()
            if self.writer.postgres:
                cursor = db.execute_sql(
                    "SELECT conindid::regclass::text FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND conindid <> 0", (f'"{table}"',))
                keep = {row[0].split('.')[-1].strip('"') for row in cursor.fetchall()}
            for index in db.get_indexes(table):
                if not index.sql or index.name in keep or index.name.startswith('sqlite_autoindex'):
                    continue
                saved.append((index.name, index.sql))
        with db.atomic():
            for name, _ in saved:
                db.execute_sql(f'DROP INDEX "{name}"')
        return saved

    def create_indexes(self, saved):
        db = self.db
        if self.writer.postgres:
            db.execute_sql("SET maintenance_work_mem TO '256MB'")
        for n, (name, sql) in enumerate(saved):
            self.report(n, len(saved), 'индексы')
            db.execute_sql(sql)
        self.report(len(saved), len(saved), 'индексы')
        if self.writer.postgres:
            db.execute_sql('RESET maintenance_work_mem')

    def finish(self):
        db = self.db
        with db.atomic():
            if self.writer.postgres:  # a region of a million children outlasts a page's statement limit
                db.execute_sql("SET LOCAL statement_timeout = '30min'")
            # Orders that no child landed in (small regions) are not kept.
            db.execute_sql('DELETE FROM "order" WHERE NOT EXISTS '
                           '(SELECT 1 FROM order_line WHERE order_line.order_id = "order".id)')
            # The denormalised copies, by their own writers, once for the whole region.
            Person.mark_staff()
            Membership.copy_person_keys()
        if isinstance(db, PostgresqlDatabase):
            for model in WRITE_ORDER:
                table = model._meta.table_name
                db.execute_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"), false)')
        db.execute_sql('ANALYZE')


def load_demo_region(children=20000, organisations=300, seed=2024, progress=None, today=None):
    """Fill an empty, migrated database (``models.db``) with the demo region.

    Returns a dict of counts.  ``progress(done, total, stage)`` is called as the
    load goes; ``today`` fixes the school year and the ages (default: today in the region).
    """
    database = models.db.obj if isinstance(models.db, models.DatabaseProxy) else models.db
    if database is None:
        raise RuntimeError('models.db is not initialised')
    if Region.select().exists():
        raise RuntimeError('the database already holds a region; the demo loads into an empty one')
    today = today or clock.today(REGION_TIME_ZONE)
    loader = _Loader(database, children, organisations, seed, progress, today)
    loader.report(0, 1, 'организации')
    loader.setup()
    loader.report(1, 1, 'организации')
    loader.run_children()
    loader.users()
    fill_cards(loader)
    loader.report(0, 1, 'завершение')
    loader.finish()
    add_personal_files(loader)
    stage_transition(today, loader.home_odo.id)
    load_snapshots(loader)
    loader.report(1, 1, 'завершение')
    c = loader.counts
    kinds = {}
    for org in loader.orgs:
        kinds[org.kind] = kinds.get(org.kind, 0) + 1
    return {
        'municipalities': c.get(Municipality, 0),
        'settlements': c.get(Settlement, 0),
        'organisations': c.get(Organisation, 0),
        **{f'organisations_{kind}': n for kind, n in kinds.items()},
        'programs': c.get(Program, 0),
        'associations': c.get(Association, 0),
        'people': c.get(Person, 0),
        'children': loader.children_total,
        'staff': c.get(Employment, 0),
        'portfolio_items': c.get(PortfolioItem, 0),
        'documents': c.get(IdentityDocument, 0),
        'memberships': c.get(Membership, 0),
        'orders': Order.select().count(),
        'order_lines': c.get(OrderLine, 0),
        'pool': loader.pool,
        'duplicates': loader.duplicates,
        'users': c.get(User, 0),
    }


def demo_sign_ins():
    """(login, password, who) of the demo accounts, for printing."""
    return [
        ('odo-admin', DEMO_PASSWORD, f'Администратор ОДО: {HOME_ODO} и ещё одна организация'),
        ('odo-teacher', DEMO_PASSWORD, f'Педагог дополнительного образования, {HOME_ODO}'),
        ('child-13', DEMO_PASSWORD, f'Обучающийся 13 лет, {HOME_ODO}'),
        ('child-15', DEMO_PASSWORD, f'Обучающаяся 15 лет, {HOME_ODO}'),
        ('uo-specialist', DEMO_PASSWORD, 'Специалист управления образования города Южно-Сахалинска'),
    ]


def print_progress(done, total, stage='', stream=None, width=30):
    """A one-line text progress bar on stderr (carriage return; newline when complete)."""
    stream = stream or sys.stderr
    fraction = done / total if total else 1.0
    filled = int(width * fraction)
    bar = '#' * filled + '-' * (width - filled)
    stream.write(f'\r{stage:<12} [{bar}] {fraction * 100:5.1f}% {done}/{total}')
    if done >= total:
        stream.write('\n')
    stream.flush()
