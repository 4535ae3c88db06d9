"""The bulk writer: rows as positional tuples, written with COPY on PostgreSQL and
``executemany`` on SQLite, in the order that keeps foreign keys satisfied, optionally from a
thread of its own so that generating the next chunk overlaps writing the last one."""
import datetime
import queue
import threading

from peewee import PostgresqlDatabase

import models
from demo.catalogue import WITHDRAWAL_REASON
from models import (
    Association, Employment, EmploymentEducation, EmploymentPosition, IdentityDocument, Membership,
    Municipality, Order, OrderLine, Organisation, Person, PortfolioItem, Program, Region, SchoolYear,
    Settlement, User, UserRole,
)


def convert(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime.datetime):
        return value.strftime('%Y-%m-%d %H:%M:%S')
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


class Writer:
    """COPY on PostgreSQL, executemany on SQLite; rows are tuples of str/int/None."""

    def __init__(self, database):
        self.database = database
        self.postgres = isinstance(database, PostgresqlDatabase)
        self._sql = {}

    def write(self, model, names, rows):
        if not rows:
            return
        key = (model, tuple(names))
        sql = self._sql.get(key)
        if sql is None:
            table = model._meta.table_name
            cols = ', '.join(f'"{model._meta.fields[n].column_name}"' for n in names)
            if self.postgres:
                sql = f'COPY "{table}" ({cols}) FROM STDIN'
            else:
                marks = ', '.join('?' * len(names))
                sql = f'INSERT INTO "{table}" ({cols}) VALUES ({marks})'
            self._sql[key] = sql
        if self.postgres:
            with self.database.cursor() as cursor:
                with cursor.copy(sql) as copy:
                    write_row = copy.write_row
                    for row in rows:
                        write_row(row)
        else:
            self.database.cursor().executemany(sql, rows)


# Column orders of the rows generated in hot loops.
PERSON_F = ['id', 'surname', 'name', 'patronymic', 'no_patronymic', 'birth_date', 'gender', 'snils',
            'citizenship', 'phone', 'email', 'address', 'surname_key', 'name_key', 'patronymic_key',
            'is_staff', 'created_at', 'version']
DOC_F = ['id', 'person', 'kind', 'foreign_kind', 'series', 'number', 'number_key', 'issued_on',
         'issued_by', 'division_code', 'civil_record_number', 'is_current']
MEMBER_F = ['id', 'person', 'association', 'organisation', 'started_on', 'ended_on', 'start_line',
            'end_line', 'end_kind', 'end_reason', 'destination', 'surname_key', 'gender']
LINE_F = ['id', 'order', 'person', 'association_from', 'association_to', 'moved_on', 'reason',
          'destination', 'age_confirmed']
ASSOC_F = ['id', 'organisation', 'school_year', 'program', 'kind', 'name', 'study_year', 'grade',
           'teacher', 'capacity', 'version', 'copied_from']
EMP_F = ['id', 'person', 'organisation', 'position', 'started_on', 'dismissed_on',
         'qualification_category', 'qualification_assigned_on', 'qualification_order', 'experience_years',
         'pedagogical_experience_years', 'work_phone', 'work_email', 'version']
PORTFOLIO_F = ['id', 'employment', 'kind', 'title', 'issued_on', 'issuer', 'hours', 'document_number',
               'started_on', 'finished_on', 'scan_name', 'scan_type', 'scan_size', 'scan_original', 'version']
ORDER_F = ['id', 'organisation', 'school_year', 'kind', 'number', 'document_date', 'act_date', 'status',
           'created_by', 'created_at', 'committed_at', 'version', 'basis', 'year_step']
HOT_FIELDS = {Person: PERSON_F, IdentityDocument: DOC_F, Membership: MEMBER_F, OrderLine: LINE_F,
              Association: ASSOC_F, Employment: EMP_F, PortfolioItem: PORTFOLIO_F, Order: ORDER_F}
# Write order: referenced rows before the rows that reference them.
WRITE_ORDER = [Region, Municipality, Settlement, Person, Organisation, SchoolYear, Program, Employment,
               EmploymentEducation, EmploymentPosition, PortfolioItem, Association, Order, IdentityDocument, OrderLine, Membership, User, UserRole]


def check_hot_fields():
    """Refuse to run if the schema moved on without the demo (rows are positional)."""
    for model, names in HOT_FIELDS.items():
        expected = [f.name for f in model._meta.sorted_fields]
        if sorted(names) != sorted(expected):
            raise RuntimeError(f'demo is out of date with models.{model.__name__}')
    if not set(WITHDRAWAL_REASON.items) <= set(models.WITHDRAWAL_REASONS):
        raise RuntimeError('demo is out of date with models.WITHDRAWAL_REASONS')


class Pipeline:
    """Writes batches in a thread of its own, so generating the next chunk overlaps the
    database's work on the last one.  At most two batches wait, which bounds memory."""

    def __init__(self, loader):
        self.loader = loader
        self.queue = queue.Queue(maxsize=2)
        self.error = None
        self.thread = threading.Thread(target=self.run, name='demo-writer', daemon=True)
        self.thread.start()

    def run(self):
        db = self.loader.db
        try:
            while True:
                batch = self.queue.get()
                if batch is None:
                    return
                if self.error is None:
                    try:
                        self.loader.write_batch(batch)
                    except BaseException as exc:  # reported to the producer
                        self.error = exc
        finally:
            if not db.is_closed():
                db.close()

    def submit(self, batch):
        if self.error is not None:
            raise self.error
        self.queue.put(batch)

    def close(self):
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def abort(self):
        self.error = self.error or RuntimeError('aborted')
        self.queue.put(None)
        self.thread.join()
