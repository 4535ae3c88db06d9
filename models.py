"""The region's schema and the database handle.

The schema itself is created by the files in ``migrations/``; these models are
how the application reads and writes it.  Rules the database can hold (unique
enrolment, one order number per organisation and year, foreign keys) are held
there by indexes declared here and created by the migrations.
"""
import contextlib
import datetime
import itertools
import os
import socket
import threading
import time
from urllib.parse import urlparse, unquote

import psycopg
from playhouse.pool import PooledPostgresqlDatabase

from peewee import (
    BooleanField, CharField, DatabaseProxy, DateField, DateTimeField,
    ForeignKeyField, IntegerField, Model, PostgresqlDatabase, SqliteDatabase,
    TextField, AutoField, OperationalError, fn,
)

import clock
from keys import name_key, digits_key, document_key

db = DatabaseProxy()

SQLITE_PRAGMAS = {
    'journal_mode': 'wal',
    'foreign_keys': 1,
    'synchronous': 'normal',
    'cache_size': -32000,
}


def make_database(url, busy_seconds=10, statement_seconds=None):
    """Build a peewee database from ``sqlite:///path`` or ``postgresql://…``.

    ``busy_seconds``: how long a SQLite writer waits for the lock.  ``statement_seconds``:
    PostgreSQL's own limit for one statement and for a transaction left idle (None: none).
    """
    parsed = urlparse(url)
    if parsed.scheme == 'sqlite':
        path = unquote(parsed.path)[1:]  # sqlite:///rel/path, sqlite:////abs/path
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        pragmas = dict(SQLITE_PRAGMAS, busy_timeout=int(busy_seconds * 1000))
        return SqliteDatabase(path, pragmas=pragmas, timeout=busy_seconds,
                              check_same_thread=False)
    if parsed.scheme in ('postgres', 'postgresql'):
        options = {}
        if statement_seconds:
            limit = int(statement_seconds * 1000)
            options['options'] = (f'-c statement_timeout={limit} '
                                  f'-c idle_in_transaction_session_timeout={limit}')
        # Connections are pooled: opening one costs more than most page queries.
        return WatchedPostgresqlDatabase(
            parsed.path.lstrip('/'), max_connections=32, stale_timeout=300, timeout=3,
            host=parsed.hostname, port=parsed.port or 5432,
            user=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            connect_timeout=2, cursor_factory=_WatchedCursor,
            # A dead peer or network is noticed by the kernel, not only after hours of silence.
            keepalives=1, keepalives_idle=30, keepalives_interval=10, keepalives_count=3,
            tcp_user_timeout=10000, **options)
    raise ValueError('DATABASE_URL must start with sqlite:/// or postgresql://')


# --- A deadline for every statement of a request ------------------------------------
# A server that hangs (rather than refuses) never answers, and libpq has no read timeout:
# a watchdog thread shuts down the socket of a statement that outlives its thread's
# deadline, so the statement fails with OperationalError and the page answers 503.

_deadline = threading.local()


@contextlib.contextmanager
def statement_deadline(seconds):
    """Within the block, each PostgreSQL statement of this thread may take ``seconds`` at most."""
    previous = getattr(_deadline, 'seconds', None)
    _deadline.seconds = seconds
    try:
        yield
    finally:
        _deadline.seconds = previous


class _Watchdog:
    TICK = 0.05

    def __init__(self):
        self._watched = {}
        self._cut = set()
        self._lock = threading.Lock()
        self._tokens = itertools.count()
        self._thread = None

    def watch(self, fileno, seconds):
        token = next(self._tokens)
        with self._lock:
            self._watched[token] = (time.monotonic() + seconds, fileno)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name='statement-watchdog')
                self._thread.start()
        return token

    def release(self, token):
        """Stop watching; True when the statement was cut."""
        with self._lock:
            self._watched.pop(token, None)
            if token in self._cut:
                self._cut.discard(token)
                return True
        return False

    def _run(self):
        while True:
            time.sleep(self.TICK)
            now = time.monotonic()
            with self._lock:  # cut under the lock: a released socket's number may be reused
                for token, (deadline, fileno) in list(self._watched.items()):
                    if deadline <= now:
                        del self._watched[token]
                        self._cut.add(token)
                        _shut_down(fileno)


def _shut_down(fileno):
    try:
        with socket.socket(fileno=os.dup(fileno)) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


_watchdog = _Watchdog()


@contextlib.contextmanager
def _watched(connection, seconds):
    if seconds is None:
        yield
        return
    token = _watchdog.watch(connection.pgconn.socket, seconds)
    try:
        yield
    except psycopg.OperationalError as error:
        if _watchdog.release(token):
            _deadline.cut = True
            raise psycopg.OperationalError(f'no answer from the database within {seconds} s') from error
        raise
    finally:
        _watchdog.release(token)


class _WatchedCursor(psycopg.Cursor):
    """Every statement of a request (queries, BEGIN, COMMIT) runs under the thread's deadline."""

    def execute(self, query, params=None, **kwargs):
        with _watched(self.connection, getattr(_deadline, 'seconds', None)):
            return super().execute(query, params, **kwargs)


class WatchedPostgresqlDatabase(PooledPostgresqlDatabase):
    PROBE_SECONDS = 1.0

    def _is_closed(self, conn):
        """Peewee probes a pooled connection with SELECT 1 while holding the pool's lock; a
        probe that gets no answer means the server hangs: give up at once instead of probing
        every pooled connection in turn."""
        if conn.closed or conn.broken:
            return True
        seconds = getattr(_deadline, 'seconds', None)
        if seconds is None:
            return super()._is_closed(conn)
        _deadline.cut = False
        with statement_deadline(min(seconds, self.PROBE_SECONDS)):
            closed = super()._is_closed(conn)
        if _deadline.cut:
            self._close_raw(conn)
            raise OperationalError('the database does not answer')
        return closed


# Stored timestamps are naive UTC from the one clock, so a frozen clock freezes them too.
utcnow = clock.utcnow


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


# --- Places and organisations -------------------------------------------------

class Region(BaseModel):
    name = CharField(max_length=200, unique=True)
    code = CharField(max_length=8, unique=True)
    # Regional settings: sign-in policy and the school-year calendar (MM-DD).
    esia_only_since = DateField(default=datetime.date(2024, 7, 1))
    next_year_from = CharField(max_length=5, default='04-01')
    open_year_from = CharField(max_length=5, default='08-25')
    close_year_by = CharField(max_length=5, default='09-05')
    close_year_deadline = CharField(max_length=5, default='09-20')
    # Where the region's days begin and end: every date shown, default and "today" rule (migration 0012).
    time_zone = CharField(max_length=64, default=clock.DEFAULT_ZONE)

    @property
    def zone(self):
        return clock.zone(self.time_zone)

    @classmethod
    def zone_of(cls, region_id=None):
        """The zone of region ``region_id``; None: of the first region (the sign-in pages')."""
        query = cls.select(cls.time_zone).order_by(cls.id).limit(1)
        if region_id is not None:
            query = query.where(cls.id == region_id)
        return clock.zone(query.scalar())
    # Staff records (migration 0015): the positions offered, one per line, and the fields a
    # complete staff card and portfolio need, JSON {"card": [...], "portfolio": [...]};
    # empty means the defaults of services/staff.
    staff_positions = TextField(default='')
    staff_fill_fields = TextField(default='')
    # The categories a child's personal file offers (migration 0023), one per line; empty: the
    # defaults of services/personal_file.
    child_categories = TextField(default='')
    # «Карточка ОО» (migration 0020): the standard card fields the region requires, a JSON list
    # of codes; empty means services.card.fields.DEFAULT_REQUIRED.
    card_fill_fields = TextField(default='')
    # The future year's объединения per active program (migration 0021): at_least_one / exactly_one.
    associations_per_program = CharField(max_length=16, default='at_least_one')
    # Monitoring's totals per municipality and region (migration 0022): 'mean' over organisations
    # or 'weighted' by their staff (services.monitoring.totals).
    monitoring_totals = CharField(max_length=16, default='mean')


MUNICIPALITY_KINDS = {
    'city_district': 'Городской округ',
    'municipal_district': 'Муниципальный район',
    'municipal_okrug': 'Муниципальный округ',
}


class Municipality(BaseModel):
    region = ForeignKeyField(Region, backref='municipalities', on_delete='CASCADE')
    name = CharField(max_length=200)
    kind = CharField(max_length=32, default='city_district')

    class Meta:
        indexes = ((('region', 'name'), True),)


class Settlement(BaseModel):
    municipality = ForeignKeyField(Municipality, backref='settlements', on_delete='CASCADE')
    name = CharField(max_length=200)

    class Meta:
        indexes = ((('municipality', 'name'), True),)


ORGANISATION_KINDS = {
    'school': 'Общеобразовательная',
    'kindergarten': 'Дошкольная',
    'odo': 'Дополнительное образование детей',
    'college': 'Профессиональная',
    'municipal_body': 'Муниципальный орган управления образованием',
    'regional_body': 'Региональный орган управления образованием',
}
EDUCATIONAL_KINDS = ('school', 'kindergarten', 'odo', 'college')
MANAGEMENT_KINDS = ('municipal_body', 'regional_body')


class Organisation(BaseModel):
    region = ForeignKeyField(Region, backref='organisations', on_delete='CASCADE')
    municipality = ForeignKeyField(Municipality, null=True, backref='organisations')
    settlement = ForeignKeyField(Settlement, null=True, backref='organisations')
    # The management body that oversees this organisation (УО).
    authority = ForeignKeyField('self', null=True, backref='subordinates')
    kind = CharField(max_length=32, index=True)
    short_name = CharField(max_length=255)
    full_name = CharField(max_length=1000, default='')
    name_key = CharField(max_length=255, index=True)
    # Card fields (Карточка ОО; services/card/fields.py names them, migration 0020 completes them).
    # Director and deputies are staff: OrganisationManager rows.
    legal_form = CharField(max_length=200, default='')
    organisation_type = CharField(max_length=200, default='')
    founders = TextField(default='')
    founded_on = DateField(null=True)
    status = CharField(max_length=16, default='')
    legal_address = CharField(max_length=500, default='')
    actual_address = CharField(max_length=500, default='')
    buildings = TextField(default='')
    phone = CharField(max_length=100, default='')
    email = CharField(max_length=200, default='')
    website = CharField(max_length=200, default='')
    inn = CharField(max_length=12, default='')
    kpp = CharField(max_length=9, default='')
    ogrn = CharField(max_length=15, default='')
    okpo = CharField(max_length=14, default='')
    okato = CharField(max_length=11, default='')
    oktmo = CharField(max_length=11, default='')
    okogu = CharField(max_length=7, default='')
    okopf = CharField(max_length=5, default='')
    okfs = CharField(max_length=2, default='')
    okved = CharField(max_length=20, default='')
    bank_name = CharField(max_length=300, default='')
    bik = CharField(max_length=9, default='')
    settlement_account = CharField(max_length=20, default='')
    correspondent_account = CharField(max_length=20, default='')
    licence_number = CharField(max_length=100, default='')
    licence_date = DateField(null=True)
    licence_issuer = CharField(max_length=500, default='')
    licence_url = CharField(max_length=500, default='')
    licence_scan_name = CharField(max_length=64, default='')  # under UPLOAD_FOLDER/licences
    licence_scan_type = CharField(max_length=8, default='')
    licence_scan_size = IntegerField(null=True)
    capacity = IntegerField(null=True)
    capacity_per_shift = IntegerField(null=True)
    shifts = IntegerField(null=True)
    accessibility = TextField(default='')
    video_surveillance = CharField(max_length=3, default='')
    internet = CharField(max_length=200, default='')  # the provider
    internet_technology = CharField(max_length=16, default='')
    internet_speed_contract = IntegerField(null=True)
    internet_speed_actual = IntegerField(null=True)
    content_filtering = CharField(max_length=3, default='')
    computers = IntegerField(null=True)
    # Movement period: order dates must fall inside it.
    movement_period_start = DateField(null=True)
    movement_period_end = DateField(null=True)
    version = IntegerField(default=1)

    @property
    def kind_label(self):
        return ORGANISATION_KINDS.get(self.kind, self.kind)

    @property
    def is_management_body(self):
        return self.kind in MANAGEMENT_KINDS

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.short_name)
        return super().save(*args, **kwargs)


YEAR_STATES = {'current': 'Текущий', 'future': 'Будущий', 'closed': 'Закрыт'}


class SchoolYear(BaseModel):
    CURRENT, FUTURE, CLOSED = 'current', 'future', 'closed'

    organisation = ForeignKeyField(Organisation, backref='school_years', on_delete='CASCADE')
    start_year = IntegerField()
    state = CharField(max_length=16, default=CURRENT)
    starts_on = DateField()
    ends_on = DateField()
    closed_at = DateTimeField(null=True)
    # The administrator checked who will not work next year (the transition's first step, 0021).
    staff_checked_at = DateTimeField(null=True)

    class Meta:
        indexes = ((('organisation', 'start_year'), True),)

    @property
    def title(self):
        return f'{self.start_year}/{self.start_year + 1}'

    @classmethod
    def current_of(cls, organisation):
        """The organisation's current school year, or None (the database allows one at most)."""
        return cls.select().where(cls.organisation == organisation, cls.state == cls.CURRENT).first()


# --- Programs and объединения -------------------------------------------------

PROGRAM_FOCUSES = {
    'technical': 'Техническая',
    'natural_science': 'Естественнонаучная',
    'sport': 'Физкультурно-спортивная',
    'arts': 'Художественная',
    'tourism': 'Туристско-краеведческая',
    'social': 'Социально-гуманитарная',
}


class Program(BaseModel):
    organisation = ForeignKeyField(Organisation, backref='programs', on_delete='CASCADE')
    focus = CharField(max_length=32)
    name = CharField(max_length=255)
    duration_years = IntegerField(default=1)
    age_from = IntegerField(default=5)
    age_to = IntegerField(default=18)
    hours_per_week = IntegerField(default=2)
    hours_per_year = IntegerField(default=72)
    description = TextField(default='')
    archived = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
    version = IntegerField(default=1)

    @property
    def focus_label(self):
        return PROGRAM_FOCUSES.get(self.focus, self.focus)


# --- The registry of people ---------------------------------------------------

GENDERS = {'M': 'М', 'F': 'Ж'}


class Person(BaseModel):
    """One record per person of the region, child or staff."""
    surname = CharField(max_length=100)
    name = CharField(max_length=100)
    patronymic = CharField(max_length=100, default='')
    no_patronymic = BooleanField(default=False)
    birth_date = DateField()
    gender = CharField(max_length=1)
    snils = CharField(max_length=11, null=True)
    citizenship = CharField(max_length=100, default='Российская Федерация')
    phone = CharField(max_length=100, default='')
    email = CharField(max_length=200, default='')
    address = CharField(max_length=500, default='')
    # Matching columns: casefolded, ё→е, spaces collapsed (never shown).
    surname_key = CharField(max_length=100)
    name_key = CharField(max_length=100)
    patronymic_key = CharField(max_length=100, default='')
    is_staff = BooleanField(default=False)  # works in an organisation: not listed as a child
    created_at = DateTimeField(default=utcnow)
    version = IntegerField(default=1)

    class Meta:
        indexes = (
            (('surname_key', 'name_key', 'birth_date'), False),
            (('birth_date',), False),
            (('snils',), False),
        )

    @property
    def full_name(self):
        return ' '.join(p for p in (self.surname, self.name, self.patronymic) if p)

    @property
    def gender_label(self):
        return GENDERS.get(self.gender, '')

    def fill_keys(self):
        self.surname_key = name_key(self.surname)
        self.name_key = name_key(self.name)
        self.patronymic_key = name_key(self.patronymic)
        self.snils = digits_key(self.snils) or None

    def save(self, *args, **kwargs):
        self.fill_keys()
        known = self.id is not None
        saved = super().save(*args, **kwargs)
        if known:
            Membership.copy_person_keys([self.id])
        return saved

    @classmethod
    def mark_staff(cls, person_ids=None):
        """``is_staff``, its one writer: true while the person has an employment not dismissed
        (the registry's screens never list them as children)."""
        works = (Employment.select(Employment.id)
                 .where(Employment.person == cls.id, Employment.dismissed_on.is_null()))
        # Only the rows whose flag changes are written: over a million people an update of every
        # row rewrites the whole table for the few that changed.
        query = cls.update(is_staff=fn.EXISTS(works)).where(cls.is_staff != fn.EXISTS(works))
        return (query if person_ids is None else query.where(cls.id.in_(list(person_ids)))).execute()


DOCUMENT_KINDS = {
    'passport_rf': 'Паспорт РФ',
    'birth_certificate_rf': 'Свидетельство о рождении РФ',
    'foreign': 'Иностранный документ',
}


class IdentityDocument(BaseModel):
    person = ForeignKeyField(Person, backref='documents', on_delete='CASCADE')
    kind = CharField(max_length=32)
    foreign_kind = CharField(max_length=200, default='')
    series = CharField(max_length=32, default='')
    number = CharField(max_length=64)
    number_key = CharField(max_length=96)  # series+number without separators
    issued_on = DateField(null=True)
    issued_by = CharField(max_length=500, default='')
    division_code = CharField(max_length=7, default='')
    civil_record_number = CharField(max_length=32, default='')  # номер актовой записи
    is_current = BooleanField(default=True)

    class Meta:
        indexes = ((('number_key',), False),)

    def save(self, *args, **kwargs):
        self.number_key = document_key(self.series, self.number)
        return super().save(*args, **kwargs)

    @property
    def kind_label(self):
        return DOCUMENT_KINDS.get(self.kind, self.kind)


# --- Staff ---------------------------------------------------------------------

QUALIFICATION_CATEGORIES = {
    '': 'Не указана', 'none': 'Нет', 'conformity': 'Соответствие занимаемой должности',
    'first': 'Первая', 'highest': 'Высшая',
}
EDUCATION_LEVELS = {
    'higher_master': 'Высшее — специалитет, магистратура',
    'higher_bachelor': 'Высшее — бакалавриат',
    'postgraduate': 'Высшее — подготовка кадров высшей квалификации',
    'secondary_vocational': 'Среднее профессиональное',
    'secondary_general': 'Среднее общее',
}


class Employment(BaseModel):
    """A person's work in an organisation: the employee card «Сведения о сотрудниках».

    ``position`` is the main position; further ones (совмещение) are EmploymentPosition rows.
    """
    NO_CATEGORY = 'none'

    person = ForeignKeyField(Person, backref='employments', on_delete='CASCADE')
    organisation = ForeignKeyField(Organisation, backref='employments', on_delete='CASCADE')
    position = CharField(max_length=200)
    started_on = DateField(null=True)
    dismissed_on = DateField(null=True)
    qualification_category = CharField(max_length=32, default='')
    qualification_assigned_on = DateField(null=True)
    qualification_order = CharField(max_length=100, default='')
    experience_years = IntegerField(null=True)
    pedagogical_experience_years = IntegerField(null=True)
    work_phone = CharField(max_length=100, default='')
    work_email = CharField(max_length=200, default='')
    version = IntegerField(default=1)

    class Meta:
        indexes = ((('organisation', 'dismissed_on'), False),)

    def save(self, *args, **kwargs):  # hiring and dismissal both pass here
        saved = super().save(*args, **kwargs)
        Person.mark_staff([self.person_id])
        return saved

    @property
    def qualification_label(self):
        return QUALIFICATION_CATEGORIES.get(self.qualification_category, self.qualification_category)


class EmploymentPosition(BaseModel):
    """A further position of an employee in the same organisation (совмещение)."""
    employment = ForeignKeyField(Employment, backref='extra_positions', on_delete='CASCADE')
    position = CharField(max_length=200, index=True)

    class Meta:
        indexes = ((('employment', 'position'), True),)


class EmploymentEducation(BaseModel):
    """One education of an employee: level, institution, year of graduation, speciality."""
    employment = ForeignKeyField(Employment, backref='educations', on_delete='CASCADE')
    level = CharField(max_length=32, default='')
    institution = CharField(max_length=500, default='')
    graduation_year = IntegerField(null=True)
    speciality = CharField(max_length=500, default='')

    @property
    def level_label(self):
        return EDUCATION_LEVELS.get(self.level, '')


PORTFOLIO_KINDS = {
    'qualification': 'Курсы повышения квалификации', 'retraining': 'Профессиональная переподготовка',
    'course': 'Курсы (обучение)', 'attestation': 'Аттестация', 'award': 'Награда',
    'publication': 'Публикация', 'contest': 'Участие в конкурсе',
}
SCAN_TYPES = {'pdf': 'PDF', 'jpeg': 'JPEG', 'png': 'PNG'}


class PortfolioItem(BaseModel):
    """A document of an employee's portfolio, dated; a course also has its period, hours and the
    number of its certificate.  The scan (migration 0017) is a file outside ``static/`` named by
    the server (``scan_name``); ``scan_type`` is what its magic bytes say, '' without a scan."""
    COURSE, QUALIFICATION, RETRAINING = 'course', 'qualification', 'retraining'
    ATTESTATION, AWARD, PUBLICATION, CONTEST = 'attestation', 'award', 'publication', 'contest'

    employment = ForeignKeyField(Employment, backref='portfolio', on_delete='CASCADE')
    kind = CharField(max_length=32)
    title = CharField(max_length=500)
    issued_on = DateField(null=True)
    issuer = CharField(max_length=500, default='')
    hours = IntegerField(null=True)
    document_number = CharField(max_length=100, default='')
    started_on = DateField(null=True)
    finished_on = DateField(null=True)
    scan_name = CharField(max_length=64, default='')
    scan_type = CharField(max_length=8, default='')
    scan_size = IntegerField(null=True)
    scan_original = CharField(max_length=255, default='')
    version = IntegerField(default=1)

    @property
    def kind_label(self):
        return PORTFOLIO_KINDS.get(self.kind, self.kind)


class EmploymentSummary(BaseModel):
    """What an employment's portfolio items, educations and accounts amount to for the fill of its
    card and portfolio: one row per employment, written only by the database's own triggers
    (services/staff/summary.py), so every writer keeps it, and read by services.staff.fill."""
    employment = ForeignKeyField(Employment, primary_key=True, backref='summaries', on_delete='CASCADE')
    course_on = DateField(null=True)  # the latest course's (ДПО) document date
    attestation_on = DateField(null=True)  # the latest attestation's
    items = IntegerField(default=0)  # portfolio items
    item_gaps = IntegerField(default=0)  # of them lacking a date, issuer, hours or number
    educations = IntegerField(default=0)  # complete educations
    esia_accounts = IntegerField(default=0)  # the person's accounts linked to ЕСИА


ASSOCIATION_KINDS = {'association': 'Объединение', 'class': 'Класс', 'group': 'Группа'}


class Association(BaseModel):
    """An объединение of an ОДО, or a class/group of a school or kindergarten."""
    organisation = ForeignKeyField(Organisation, backref='associations', on_delete='CASCADE')
    school_year = ForeignKeyField(SchoolYear, backref='associations', on_delete='CASCADE')
    program = ForeignKeyField(Program, null=True, backref='associations')
    kind = CharField(max_length=16, default='association')
    name = CharField(max_length=255)
    study_year = IntegerField(default=1)  # год обучения
    grade = IntegerField(null=True)  # параллель of a school class
    teacher = ForeignKeyField(Employment, null=True, backref='associations', on_delete='SET NULL')
    capacity = IntegerField(default=15)
    version = IntegerField(default=1)
    # The current year's объединение a future one was formed from (migration 0021).
    copied_from = ForeignKeyField('self', null=True, backref='copies', on_delete='SET NULL')

    class Meta:
        indexes = ((('organisation', 'school_year', 'name'), True),)


# --- Users, roles, sessions ---------------------------------------------------

RIGHTS = {
    'movement_book': 'Книга движения учащихся',
    'pool': 'Просматривать список выпускников и выбывших',
    'import_children': 'Импорт учеников',
    'year_transition': 'Переход на новый учебный год',
    'organisation_card': 'Карточка ОО',
    'staff': 'Сведения о сотрудниках',
    'monitoring': 'Мониторинг',
    'users': 'Пользователи и роли',
    'merge_people': 'Объединять дубликаты детей',
}
MOVEMENT_BOOK_ACCESS = {'edit': 'Редактировать', 'view': 'Просматривать', 'none': 'нет доступа'}


class Role(BaseModel):
    """A named bundle of rights: a standard one (no region, not editable) or a region's own."""
    code = CharField(max_length=32, unique=True)
    name = CharField(max_length=200)
    region = ForeignKeyField(Region, null=True, backref='roles', on_delete='CASCADE')
    movement_book = CharField(max_length=8, default='none')
    pool = BooleanField(default=False)
    import_children = BooleanField(default=False)
    year_transition = BooleanField(default=False)
    organisation_card = BooleanField(default=False)
    staff = BooleanField(default=False)
    monitoring = BooleanField(default=False)
    users = BooleanField(default=False)
    merge_people = BooleanField(default=False)
    version = IntegerField(default=1)

    @property
    def is_standard(self):
        return self.region_id is None

    def allows(self, right, level=None):
        if right == 'movement_book':
            order = {'none': 0, 'view': 1, 'edit': 2}
            return order[self.movement_book] >= order[level or 'view']
        return bool(getattr(self, right))


class User(BaseModel):
    login = CharField(max_length=64, unique=True)
    password_hash = CharField(max_length=255, null=True)
    person = ForeignKeyField(Person, null=True, backref='users', on_delete='SET NULL')
    esia_oid = CharField(max_length=64, null=True, unique=True)
    email = CharField(max_length=200, default='')
    is_blocked = BooleanField(default=False)
    is_break_glass = BooleanField(default=False)
    failed_attempts = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    password_changed_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    version = IntegerField(default=1)

    # Flask-Login protocol.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self):
        return str(self.id)

    @property
    def display_name(self):
        return self.person.full_name if self.person_id else self.login


class OrganisationCardChange(BaseModel):
    """One field of «Карточка ОО» changed: who, when, old → new, why; ``version`` is the card's
    version the change produced, ``section`` and ``label`` are the field's when it changed."""
    organisation = ForeignKeyField(Organisation, backref='card_changes', on_delete='CASCADE')
    user = ForeignKeyField(User, null=True)
    changed_at = DateTimeField(default=utcnow)
    field = CharField(max_length=64)
    old_value = TextField(default='')
    new_value = TextField(default='')
    reason = TextField(default='')
    version = IntegerField(null=True)
    section = CharField(max_length=16, default='')
    label = CharField(max_length=300, default='')


MANAGER_KINDS = {'director': 'Руководитель', 'deputy': 'Заместитель руководителя'}


class OrganisationManager(BaseModel):
    """The director (one at most) or a deputy of an organisation: one of its employees."""
    organisation = ForeignKeyField(Organisation, backref='managers', on_delete='CASCADE')
    employment = ForeignKeyField(Employment, backref='+', on_delete='CASCADE')
    kind = CharField(max_length=16)

    class Meta:
        indexes = ((('organisation', 'employment'), True),)


CARD_PARAMETER_KINDS = {'text': 'Текст', 'number': 'Число', 'date': 'Дата', 'yes_no': 'Да / нет'}


class CardParameter(BaseModel):
    """A region's own field of «Карточка ОО», shown in its own section."""
    region = ForeignKeyField(Region, backref='card_parameters', on_delete='CASCADE')
    name = CharField(max_length=200)
    kind = CharField(max_length=16, default='text')
    required = BooleanField(default=False)

    class Meta:
        indexes = ((('region', 'name'), True),)

    @property
    def kind_label(self):
        return CARD_PARAMETER_KINDS.get(self.kind, self.kind)


class CardParameterValue(BaseModel):
    organisation = ForeignKeyField(Organisation, backref='card_values', on_delete='CASCADE')
    parameter = ForeignKeyField(CardParameter, backref='values', on_delete='CASCADE')
    value = TextField(default='')

    class Meta:
        indexes = ((('organisation', 'parameter'), True),)


class UserRole(BaseModel):
    user = ForeignKeyField(User, backref='roles', on_delete='CASCADE')
    organisation = ForeignKeyField(Organisation, backref='user_roles', on_delete='CASCADE')
    role = ForeignKeyField(Role, on_delete='CASCADE')

    class Meta:
        indexes = ((('user', 'organisation', 'role'), True),)


ACCESS_ACTIONS = {
    'grant': 'Выдана роль', 'revoke': 'Отозвана роль', 'block': 'Заблокирован',
    'unblock': 'Разблокирован', 'sessions': 'Завершены все сеансы', 'password': 'Задан пароль',
}


class AccessChange(BaseModel):
    """A change of a person's access in an organisation: who, whom, what and why."""
    GRANT, REVOKE, BLOCK, UNBLOCK, SESSIONS, PASSWORD = (
        'grant', 'revoke', 'block', 'unblock', 'sessions', 'password')

    at = DateTimeField(default=utcnow, index=True)
    organisation = ForeignKeyField(Organisation, backref='access_changes', on_delete='CASCADE')
    actor = ForeignKeyField(User, null=True, backref='+', on_delete='SET NULL')
    user = ForeignKeyField(User, backref='access_changes', on_delete='CASCADE')
    action = CharField(max_length=16)
    role = ForeignKeyField(Role, null=True, backref='+', on_delete='SET NULL')
    reason = TextField(default='')

    class Meta:
        indexes = ((('organisation', 'user', 'at'), False),)

    @property
    def action_label(self):
        return ACCESS_ACTIONS.get(self.action, self.action)


# --- Orders and the movement book ---------------------------------------------

ORDER_KINDS = {
    'enrolment': 'Зачисление',
    'withdrawal': 'Выбытие',
    'transfer': 'Перевод между объединениями',
    'next_year': 'Перевод на следующий год',
    'repeat': 'Оставление на повторное обучение',
    'graduation': 'Выпуск',
}
WITHDRAWAL_REASONS = {
    'parents_request': 'По заявлению родителей (законных представителей)',
    'moved': 'Смена места жительства',
    'other_organisation': 'Перевод в другую организацию',
    'health': 'По состоянию здоровья',
    'completed': 'Завершение обучения по программе',
    'absence': 'Систематические пропуски занятий',
    'other': 'Иная причина',
}


class Order(BaseModel):
    DRAFT, COMMITTED = 'draft', 'committed'
    ENROLMENT, WITHDRAWAL, TRANSFER = 'enrolment', 'withdrawal', 'transfer'
    NEXT_YEAR, REPEAT, GRADUATION = 'next_year', 'repeat', 'graduation'

    organisation = ForeignKeyField(Organisation, backref='orders', on_delete='CASCADE')
    school_year = ForeignKeyField(SchoolYear, backref='orders', on_delete='CASCADE')
    kind = CharField(max_length=16)
    number = CharField(max_length=32, null=True)
    document_date = DateField(null=True)
    act_date = DateField(null=True)
    basis = CharField(max_length=1000, default='')  # «Основание: …» of the printed order
    status = CharField(max_length=16, default=DRAFT)
    created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
    created_at = DateTimeField(default=utcnow)
    committed_at = DateTimeField(null=True)
    version = IntegerField(default=1)
    # 'bulk': drafted by the school-year transition from the current объединения (migration 0021).
    year_step = CharField(max_length=16, default='')

    class Meta:
        indexes = ((('organisation', 'school_year', 'number'), True),)

    @property
    def kind_label(self):
        return ORDER_KINDS.get(self.kind, self.kind)


class OrderLine(BaseModel):
    order = ForeignKeyField(Order, backref='lines', on_delete='CASCADE')
    person = ForeignKeyField(Person, backref='order_lines', on_delete='CASCADE')
    association_from = ForeignKeyField(Association, null=True, backref='lines_out')
    association_to = ForeignKeyField(Association, null=True, backref='lines_in')
    moved_on = DateField(null=True)
    reason = CharField(max_length=32, default='')
    destination = CharField(max_length=500, default='')
    # The administrator confirmed enrolling a child outside the program's age range.
    age_confirmed = BooleanField(default=False)

    class Meta:
        indexes = (
            (('person', 'moved_on'), False),
            (('order', 'person'), True),
        )


class Membership(BaseModel):
    """A child in an объединение (or a class) from one movement to the next."""
    person = ForeignKeyField(Person, backref='memberships', on_delete='CASCADE')
    association = ForeignKeyField(Association, backref='memberships', on_delete='CASCADE')
    organisation = ForeignKeyField(Organisation, backref='memberships', on_delete='CASCADE')
    started_on = DateField()
    ended_on = DateField(null=True)
    start_line = ForeignKeyField(OrderLine, null=True, backref='memberships_started', on_delete='SET NULL')
    end_line = ForeignKeyField(OrderLine, null=True, backref='memberships_ended', on_delete='SET NULL')
    end_kind = CharField(max_length=16, default='')  # withdrawal / graduation / transfer…
    end_reason = CharField(max_length=32, default='')
    destination = CharField(max_length=500, default='')
    # The child's, copied by copy_person_keys alone: the pool and other organisations' lists
    # filter and count memberships without a join.
    surname_key = CharField(max_length=100, default='')
    gender = CharField(max_length=1, default='')

    def save(self, *args, **kwargs):
        new = self.id is None
        saved = super().save(*args, **kwargs)
        if new:
            Membership.copy_person_keys([self.person_id])
        return saved

    @classmethod
    def keys_of(cls, person_id):
        """The copy for a membership being inserted in bulk: subqueries of the child's row."""
        return {name: Person.select(getattr(Person, name)).where(Person.id == person_id)
                for name in ('surname_key', 'gender')}

    @classmethod
    def copy_person_keys(cls, person_ids=None):
        """The child's surname key and gender onto their memberships (with ``keys_of``, the
        copy's only writers)."""
        query = (cls.update(surname_key=Person.surname_key, gender=Person.gender)
                 .from_(Person).where(cls.person == Person.id,
                                      (cls.surname_key != Person.surname_key) | (cls.gender != Person.gender)))
        if person_ids is not None:
            query = query.where(Person.id.in_(list(person_ids)))
        return query.execute()

    class Meta:
        indexes = (
            (('organisation', 'ended_on'), False),
            (('association', 'ended_on'), False),
            (('person', 'ended_on'), False),
            (('end_kind', 'ended_on'), False),
        )


# One open membership per child and объединение, held by the database.
Membership.add_index(
    Membership.index(Membership.person, Membership.association, unique=True,
                     safe=True).where(Membership.ended_on.is_null()))


class WebSession(BaseModel):
    """A server-side session: the cookie carries a random id, the row holds the rest."""
    key_hash = CharField(max_length=64, primary_key=True)
    user = ForeignKeyField(User, null=True, backref='sessions', on_delete='CASCADE')
    data = TextField(default='{}')
    created_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(default=utcnow, index=True)
    ip = CharField(max_length=64, default='')
    user_agent = CharField(max_length=300, default='')
    organisation_id = IntegerField(null=True)  # data's org_id, for the one query of a request (0024)



class PasswordReset(BaseModel):
    user = ForeignKeyField(User, backref='password_resets', on_delete='CASCADE')
    token_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)


class AuditEvent(BaseModel):
    id = AutoField()
    at = DateTimeField(default=utcnow, index=True)
    user = ForeignKeyField(User, null=True, on_delete='SET NULL')
    login = CharField(max_length=64, default='')
    organisation = ForeignKeyField(Organisation, null=True, on_delete='SET NULL')
    ip = CharField(max_length=64, default='')
    event = CharField(max_length=64, index=True)
    object_type = CharField(max_length=32, default='')
    object_id = CharField(max_length=64, default='')
    result = CharField(max_length=16, default='ok')
    details = TextField(default='')


class Message(BaseModel):
    """The internal inbox between organisations (e.g. a request to record a departure)."""
    sender_organisation = ForeignKeyField(Organisation, backref='sent_messages', on_delete='CASCADE')
    sender = ForeignKeyField(User, null=True, on_delete='SET NULL')
    recipient_organisation = ForeignKeyField(Organisation, backref='inbox', on_delete='CASCADE')
    person = ForeignKeyField(Person, null=True, on_delete='SET NULL')
    subject = CharField(max_length=300)
    body = TextField(default='')
    created_at = DateTimeField(default=utcnow)
    read_at = DateTimeField(null=True)
    # What became of a request: the withdrawal drafted from it; an answer names its request.
    order = ForeignKeyField(Order, null=True, backref='+', on_delete='SET NULL')
    reply_to = ForeignKeyField('self', null=True, backref='replies', on_delete='SET NULL')

    class Meta:
        indexes = ((('recipient_organisation', 'read_at'), False),)

    @property
    def is_request(self):
        """A request about a child (a departure to record), as opposed to an answer."""
        return self.person_id is not None and self.reply_to_id is None


class MonitoringSnapshot(BaseModel):
    organisation = ForeignKeyField(Organisation, backref='snapshots', on_delete='CASCADE')
    taken_on = DateField()
    card_percent = IntegerField()  # tenths of a percent
    staff_percent = IntegerField(null=True)  # null: no current staff to count (migration 0022)
    portfolio_percent = IntegerField(null=True)
    esia_percent = IntegerField(null=True)  # migration 0022; null in rows taken before it was counted
    staff_count = IntegerField(default=0)  # current staff on that day: the weight of weighted totals

    class Meta:
        indexes = ((('organisation', 'taken_on'), True),)


ALL_MODELS = [
    Region, Municipality, Settlement, Organisation, User, OrganisationCardChange,
    SchoolYear, Program, Person, IdentityDocument, Employment, Association,
    PortfolioItem, Order, OrderLine, Membership, Role, UserRole, WebSession,
    PasswordReset, AuditEvent, Message, MonitoringSnapshot, EmploymentPosition, EmploymentEducation,
    OrganisationManager, CardParameter, CardParameterValue, EmploymentSummary,
]


MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'migrations')


def migrate(database=None):
    """Apply pending migration files; returns the names applied."""
    from playhouse.migrations import Runner
    return Runner(database or db.obj, directory=MIGRATIONS_DIR).up()


# --- Imports of children from spreadsheets (issue 6) ----------------------------

IMPORT_STATUSES = {
    'validated': 'Проверен, ждёт решения по ошибкам',
    'queued': 'В очереди на поиск похожих',
    'matching': 'Идёт поиск похожих',
    'resolving': 'Ждёт решений по строкам',
    'commit_queued': 'В очереди на запись в приказ',
    'committing': 'Идёт запись в приказ',
    'undoing': 'Запись прервана, записанное удаляется',
    'cancelling': 'Отменяется, записанное удаляется',
    'committed': 'Записан в приказ',
    'failed': 'Ошибка',
    'cancelled': 'Отменён',
}


class ImportJob(BaseModel):
    """One uploaded file: its rows, the decisions about them and the result, kept for the record."""
    VALIDATED, QUEUED, MATCHING, RESOLVING = 'validated', 'queued', 'matching', 'resolving'
    COMMIT_QUEUED, COMMITTING, UNDOING, CANCELLING = 'commit_queued', 'committing', 'undoing', 'cancelling'
    COMMITTED, FAILED, CANCELLED = 'committed', 'failed', 'cancelled'
    CHILDREN, STAFF = 'children', 'staff'  # «Импорт учеников» into an order, «Импорт сотрудников»

    organisation = ForeignKeyField(Organisation, backref='imports', on_delete='CASCADE')
    kind = CharField(max_length=16, default=CHILDREN)
    user = ForeignKeyField(User, null=True, on_delete='SET NULL')
    order = ForeignKeyField(Order, null=True, backref='imports', on_delete='SET NULL')
    # Equal to the organisation id while the import is active: the unique index allows one per kind.
    active_organisation = IntegerField(null=True)
    file_name = CharField(max_length=255)
    status = CharField(max_length=16, default=VALIDATED, index=True)
    skip_mode = CharField(max_length=8, default='')  # rows / cells
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
    created_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)

    class Meta:
        indexes = ((('active_organisation', 'kind'), True),)

    @property
    def status_label(self):
        return IMPORT_STATUSES.get(self.status, self.status)

    @property
    def percent(self):
        return int(100 * self.progress_done / self.progress_total) if self.progress_total else 0


class ImportRow(BaseModel):
    """A data row of an imported file: the values read, the problems found, the candidates, the decision."""
    UNDECIDED, USE, NEW, IGNORE, SKIP = '', 'use', 'new', 'ignore', 'skip'

    job = ForeignKeyField(ImportJob, backref='rows', on_delete='CASCADE')
    row_number = IntegerField()  # the row in the spreadsheet, as the user sees it
    values = TextField(default='{}')  # JSON: normalised values by field
    issues = TextField(default='[]')  # JSON: [{field, column, value, message, critical}]
    critical = BooleanField(default=False)
    duplicate_of = IntegerField(null=True)  # an earlier row of the same file with the same child
    candidates = TextField(default='[]')  # JSON, best first
    conflicts = TextField(default='[]')  # JSON: [{field, message}] identifiers that are another person's
    age_confirmed = BooleanField(default=False)  # enrol outside the program's age range
    decision = CharField(max_length=8, default=UNDECIDED)
    chosen_person = ForeignKeyField(Person, null=True, on_delete='SET NULL', backref='+')
    result_person = ForeignKeyField(Person, null=True, on_delete='SET NULL', backref='+')

    class Meta:
        indexes = ((('job', 'row_number'), True),)


ALL_MODELS += [ImportJob, ImportRow]


# --- Enrolment from the registry (issue 5) ---------------------------------------

class EnrolmentSelection(BaseModel):
    """A child ticked on a registry screen, kept per user and draft order until added to it."""
    user = ForeignKeyField(User, backref='+', on_delete='CASCADE')
    order = ForeignKeyField(Order, backref='+', on_delete='CASCADE')
    person = ForeignKeyField(Person, backref='+', on_delete='CASCADE')
    source = CharField(max_length=16, default='')  # search / pool / others
    selected_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = 'enrollment_selection'  # the table keeps the name its migration gave it
        indexes = ((('user', 'order', 'person'), True),)


ALL_MODELS += [EnrolmentSelection, AccessChange]
# --- The child's personal file (issue 18, migration 0023) -------------------------

GUARDIAN_RELATIONS = {'mother': 'Мать', 'father': 'Отец', 'guardian': 'Опекун',
                      'trustee': 'Попечитель', 'other': 'Иной законный представитель'}


class PersonalFile(BaseModel):
    """What a child's personal file keeps beyond the registry's person row."""
    person = ForeignKeyField(Person, unique=True, backref='+', on_delete='CASCADE')
    registration_address = CharField(max_length=500, default='')
    categories = TextField(default='')  # the region's categories, one per line


class Guardian(BaseModel):
    """A parent or legal representative of a child; ``parent`` is the registry's person when
    known (one parent of several siblings)."""
    child = ForeignKeyField(Person, backref='guardians', on_delete='CASCADE')
    parent = ForeignKeyField(Person, null=True, backref='children_guarded', on_delete='SET NULL')
    relation = CharField(max_length=16)
    surname = CharField(max_length=100)
    name = CharField(max_length=100)
    patronymic = CharField(max_length=100, default='')
    phone = CharField(max_length=100, default='')
    email = CharField(max_length=200, default='')
    document = CharField(max_length=200, default='')

    @property
    def full_name(self):
        return ' '.join(p for p in (self.surname, self.name, self.patronymic) if p)

    @property
    def relation_label(self):
        return GUARDIAN_RELATIONS.get(self.relation, self.relation)


class Consent(BaseModel):
    """«Согласие на обработку персональных данных» (152-ФЗ) on file."""
    person = ForeignKeyField(Person, backref='consents', on_delete='CASCADE')
    organisation = ForeignKeyField(Organisation, null=True, backref='+', on_delete='SET NULL')
    signed_by = CharField(max_length=300)
    signed_on = DateField()
    scope = TextField(default='')
    withdrawn_on = DateField(null=True)
    recorded_by = ForeignKeyField(User, null=True, backref='+', on_delete='SET NULL')


class PersonChange(BaseModel):
    """One changed field of a shared person record: who, from which organisation, when, old → new."""
    person = ForeignKeyField(Person, backref='changes', on_delete='CASCADE')
    at = DateTimeField(default=utcnow, index=True)
    user = ForeignKeyField(User, null=True, backref='+', on_delete='SET NULL')
    organisation = ForeignKeyField(Organisation, null=True, backref='+', on_delete='SET NULL')
    field = CharField(max_length=64)
    old_value = TextField(default='')
    new_value = TextField(default='')


class PersonMerge(BaseModel):
    """A duplicate merged into ``survivor``; ``snapshot`` keeps what undoing it needs."""
    survivor = ForeignKeyField(Person, backref='merges', on_delete='CASCADE')
    merged_id = IntegerField()
    merged_name = CharField(max_length=300)
    snapshot = TextField()
    at = DateTimeField(default=utcnow)
    user = ForeignKeyField(User, null=True, backref='+', on_delete='SET NULL')
    organisation = ForeignKeyField(Organisation, null=True, backref='+', on_delete='SET NULL')
    undone_at = DateTimeField(null=True)


ALL_MODELS += [PersonalFile, Guardian, Consent, PersonChange, PersonMerge]
