"""The life of an import: upload → validation report → similar-person search → decisions →
commit into the draft enrolment order.  Plain functions, no Flask.

State lives in the database (``ImportJob``, ``ImportRow``), so a page reload or a restarted
worker finds the import where it was.  Long steps (matching, commit, undo) are claimed by one
runner through a conditional UPDATE; every batch is one short transaction that ends with the
beat (heartbeat and progress, on condition that the job is still this runner's and in that
step), so a working step is never taken over and a cancelled or overtaken runner's batch is
rolled back.  A step whose runner stopped beating is taken over by the next poll and resumes.
The commit is all or nothing for users: a refusal, a failure or a cancellation undoes what
its batches wrote (``undoing``, ``cancelling``); on SQLite no batch holds the write lock for
more than about ``COMMIT_SECONDS``.  One active import per organisation is held by a unique column.
"""
import datetime
import json
import logging
import os
import threading
import time
import uuid

from peewee import IntegrityError, SqliteDatabase, ValuesList, fn

from keys import name_key
from models import (IMPORT_ACTIVE_STATUSES, Association, Employment, ImportJob,
                    ImportRow, Membership, Order, OrderLine, Person, db, utcnow)
from services import common, import_parser, movement
from services.common import Refused
from services.import_parser import ImportRefused
from services.registry import people, similar_people

log = logging.getLogger(__name__)

BACKGROUND_FROM = 1000       # rows; fewer are matched and committed within the request
BATCH = 500
COMMIT_SECONDS = 0.3         # SQLite: a commit batch holds the only write lock about this long
BEAT_SECONDS = 2.0           # PostgreSQL locks rows only: a batch lasts as long as a beat may wait
FIRST_BATCH = 50
MAX_BATCH = 1000             # rows; keeps an INSERT's parameters under SQLite's limit
UNDO_BATCH = 500
WRITERS_PAUSE = 0.15         # SQLite: a writer waiting for the lock retries every 100 ms
STALE_AFTER = datetime.timedelta(seconds=30)
POLL_SECONDS = 1.0
DECISIONS = {'use': 'Использовать найденного', 'new': 'Создать нового', 'ignore': 'Игнорировать запись'}
UNDOING = ('undoing', 'cancelling')
RUNNABLE = ('queued', 'matching', 'commit_queued', 'committing') + UNDOING
CANCELLED_AT_ONCE = ('validated', 'queued', 'matching', 'resolving', 'commit_queued', 'failed')
FAILURE = ('Сбой при обработке импорта. Повторите действие; если ошибка повторится, '
           'сообщите в техподдержку.')


class ImportBusy(Exception):
    """Another import of the organisation is active."""


# --- Upload and validation ---------------------------------------------------------

def organisation_associations(organisation, school_year):
    """{name key: (id, name)} of the organisation's объединения of the year (what the file may name)."""
    query = Association.select(Association.id, Association.name).where(
        Association.organisation == organisation)
    if school_year is not None:
        query = query.where(Association.school_year == school_year)
    return {name_key(a.name): (a.id, a.name) for a in query.order_by(Association.name)}


def active_import(organisation):
    return ImportJob.get_or_none(ImportJob.active_organisation == organisation.id)


def start_import(organisation, school_year, user, file_name, data, order=None, today=None):
    """Check, parse and validate a file; keep its rows. Raises ImportRefused or ImportBusy."""
    if active_import(organisation) is not None:
        raise ImportBusy()
    parsed = import_parser.parse_file(file_name, data, organisation_associations(organisation, school_year), today)
    if not parsed.rows:
        raise ImportRefused('В файле нет ни одной строки с данными под заголовком. '
                            'Заполните строки начиная с 4-й и загрузите снова.')
    try:
        with db.atomic():
            job = ImportJob.create(
                organisation=organisation, user=user, order=order, active_organisation=organisation.id,
                file_name=os.path.basename(file_name)[:255], row_count=len(parsed.rows),
                error_row_count=sum(1 for r in parsed.rows if r.has_errors),
                unknown_columns=json.dumps(parsed.unknown_columns, ensure_ascii=False))
            fields = [ImportRow.job, ImportRow.row_number, ImportRow.values, ImportRow.issues,
                      ImportRow.critical, ImportRow.duplicate_of]
            data_rows = [(job.id, r.number, json.dumps(r.values, ensure_ascii=False),
                          json.dumps([i.__dict__ for i in r.issues], ensure_ascii=False),
                          r.critical, r.duplicate_of) for r in parsed.rows]
            for start in range(0, len(data_rows), 500):
                ImportRow.insert_many(data_rows[start:start + 500], fields=fields).execute()
    except IntegrityError:
        raise ImportBusy() from None
    return job


def issues_of(row):
    return json.loads(row.issues)


def values_of(row):
    return json.loads(row.values)


def row_has_errors(issues):
    return any(i['severity'] in ('critical', 'cell') for i in issues)


def rejected_rows(job):
    """[(row number, {column: value found}, [reasons])] of the rows that will not be imported."""
    query = ImportRow.select().where(ImportRow.job == job).order_by(ImportRow.row_number)
    if job.skip_mode:
        query = query.where(ImportRow.decision == 'skip')
    out = []
    for row in query:
        issues = [i for i in issues_of(row) if i['severity'] != 'warning']
        if not issues and not job.skip_mode:
            continue
        found = values_of(row).get('_raw', {})
        out.append((row.row_number, found, [f"{i['column']}: {i['message']}" for i in issues]))
    return out


def choose_skip_mode(job, mode):
    """«пропустить строки с ошибками» (rows) or «пропустить ячейки с ошибками» (cells)."""
    if mode not in ('rows', 'cells'):
        raise ImportRefused('Выберите, что пропустить: строки с ошибками или ячейки с ошибками.')
    with db.atomic():
        rows = list(ImportRow.select(ImportRow.id, ImportRow.issues, ImportRow.critical)
                    .where(ImportRow.job == job))
        skipped = [r.id for r in rows
                   if r.critical or (mode == 'rows' and row_has_errors(json.loads(r.issues)))]
        ImportRow.update(decision='').where(ImportRow.job == job).execute()
        for start in range(0, len(skipped), 500):
            ImportRow.update(decision='skip').where(ImportRow.id.in_(skipped[start:start + 500])).execute()
        taken = len(rows) - len(skipped)
        if not taken:
            raise ImportRefused('После пропуска строк с ошибками не осталось ни одной строки. '
                                'Исправьте файл и загрузите его снова.')
        changed = (ImportJob.update(skip_mode=mode, status='queued', progress_done=0,
                                    progress_total=taken, claimed_by='', heartbeat_at=None)
                   .where(ImportJob.id == job.id, ImportJob.status == 'validated').execute())
        if not changed:
            raise ImportRefused('Этот импорт уже не ждёт решения по ошибкам. Обновите страницу.')
    return ImportJob.get_by_id(job.id)


def cancel(job):
    """Cancel an unfinished import: at once while nothing of it is in the registry or the order;
    once its commit has begun, as ``cancelling`` — the commit's runner stops at its next beat and
    the next runner undoes what was written."""
    with db.atomic():
        at_once = (ImportJob.update(status='cancelled', active_organisation=None, claimed_by='',
                                    heartbeat_at=None, finished_at=utcnow())
                   .where(ImportJob.id == job.id, ImportJob.status.in_(CANCELLED_AT_ONCE)).execute())
        if not at_once:
            (ImportJob.update(status='cancelling', claimed_by='', heartbeat_at=None)
             .where(ImportJob.id == job.id, ImportJob.status.in_(('committing', 'undoing'))).execute())
    return ImportJob.get_by_id(job.id)


def runs_in_background(job):
    return job.progress_total > BACKGROUND_FROM


# --- Claiming a step ------------------------------------------------------------------

def claim(job_id, runner):
    """Take a runnable job whose runner is absent or silent; True when it is ours now."""
    now = utcnow()
    taken = (ImportJob.update(claimed_by=runner, heartbeat_at=now)
             .where(ImportJob.id == job_id, ImportJob.status.in_(RUNNABLE),
                    (ImportJob.claimed_by == '') | (ImportJob.heartbeat_at.is_null())
                    | (ImportJob.heartbeat_at < now - STALE_AFTER))
             .execute())
    return bool(taken)


def run_job(job_id, runner=None):
    """Do the job's next long step if nobody else is doing it. Returns the job."""
    runner = runner or f'{os.getpid()}-{uuid.uuid4().hex[:8]}'
    if not claim(job_id, runner):
        return ImportJob.get_by_id(job_id)
    job = ImportJob.get_by_id(job_id)
    try:
        if job.status in ('queued', 'matching'):
            match(job, runner)
        elif job.status in ('commit_queued', 'committing'):
            commit(job, runner)
        elif job.status in UNDOING:
            undo(job, runner)
    except _Overtaken:
        pass
    except Exception:  # a bug or an outage: say so on the page; an undo is retried by the next poll
        log.exception('import %s failed', job_id)
        mine = (ImportJob.id == job_id) & (ImportJob.claimed_by == runner)
        (ImportJob.update(status='failed', claimed_by='', error=FAILURE)
         .where(mine, ImportJob.status.in_(('queued', 'matching'))).execute())
        ImportJob.update(claimed_by='').where(mine, ImportJob.status.in_(UNDOING)).execute()
    return ImportJob.get_by_id(job_id)


def run_pending(runner=None):
    """Run every runnable job once (the worker's poll); returns how many were run."""
    ran = 0
    stale = utcnow() - STALE_AFTER
    query = (ImportJob.select(ImportJob.id)
             .where(ImportJob.status.in_(RUNNABLE),
                    (ImportJob.claimed_by == '') | (ImportJob.heartbeat_at < stale)
                    | ImportJob.heartbeat_at.is_null())
             .order_by(ImportJob.id))
    for (job_id,) in query.tuples():
        run_job(job_id, runner)
        ran += 1
    return ran


# --- Matching ------------------------------------------------------------------------------

def _rows_to_match(job):
    return (ImportRow.select().where(ImportRow.job == job, ImportRow.decision != 'skip')
            .order_by(ImportRow.row_number))


def match(job, runner):
    """Find similar people for the taken rows, batch by batch, resuming from the cursor."""
    if not _beat(job, runner, ('queued', 'matching'), status='matching'):
        return
    done = job.progress_done
    taken = list(_rows_to_match(job).select(ImportRow.id, ImportRow.values).offset(done).tuples())
    incoming = [similar_people.Incoming.from_values(json.loads(values)) for _, values in taken]
    batches = similar_people.similar_batches(incoming, job.organisation_id, batch=BATCH)
    for start, found in zip(range(0, len(taken), BATCH), batches):
        decided = []
        for (row_id, _), candidates in zip(taken[start:start + BATCH], found):
            exact = next((c for c in candidates if c.exact), None)
            decision = 'use' if exact else ('new' if not candidates else '')
            decided.append((row_id, json.dumps([c.__dict__ for c in candidates], ensure_ascii=False),
                            decision, exact.person_id if exact else None))
        with db.atomic():
            _store_candidates(decided)
            done += len(decided)
            if not _beat(job, runner, ('matching',), progress_done=done):
                raise _Overtaken()
    (ImportJob.update(status='resolving', claimed_by='', heartbeat_at=None)
     .where(ImportJob.id == job.id, ImportJob.claimed_by == runner, ImportJob.status == 'matching')
     .execute())


def _store_candidates(decided):
    """One UPDATE for a batch of (row id, candidates, decision, preselected person)."""
    found = ValuesList(decided).cte('found', columns=('id', 'candidates', 'decision', 'chosen'))
    (ImportRow.update(candidates=found.c.candidates, decision=found.c.decision,
                      chosen_person=found.c.chosen.cast('INTEGER'))
     .from_(found).where(ImportRow.id == found.c.id).with_cte(found).execute())


def _beat(job, runner, statuses, **changes):
    """Refresh the claim (and write ``changes``) while the job is this runner's in one of
    ``statuses``; False when it is not: taken over, or cancelled."""
    return bool(ImportJob.update(heartbeat_at=utcnow(), **changes)
                .where(ImportJob.id == job.id, ImportJob.claimed_by == runner,
                       ImportJob.status.in_(statuses)).execute())


class _Overtaken(Exception):
    """Another runner took the job over (this one was too slow), or it was cancelled; stop quietly."""


# --- Decisions ---------------------------------------------------------------------------

def rows_for_resolution(job):
    return _rows_to_match(job)


def decide(job, row_id, decision, person_id=None):
    """Record the administrator's choice for one row; a person must be one of the row's candidates."""
    if job.status != 'resolving':
        raise ImportRefused('Решения по строкам уже не принимаются: импорт не на этапе поиска похожих.')
    row = ImportRow.get_or_none(ImportRow.id == row_id, ImportRow.job == job,
                                ImportRow.decision != 'skip')
    if row is None:
        raise ImportRefused('Строка импорта не найдена. Обновите страницу.')
    if decision not in DECISIONS:
        raise ImportRefused('Выберите действие: использовать найденного, создать нового или игнорировать запись.')
    chosen = None
    if decision == 'use':
        ids = [c['person_id'] for c in json.loads(row.candidates)]
        if person_id not in ids:
            raise ImportRefused(f'Строка {row.row_number}: выберите одного из найденных похожих учащихся.')
        chosen = person_id
    row.decision, row.chosen_person = decision, chosen
    row.save(only=[ImportRow.decision, ImportRow.chosen_person])
    return row


def undecided_count(job):
    return (ImportRow.select().where(ImportRow.job == job, ImportRow.decision == '').count())


def request_commit(job, order):
    """Queue the commit into ``order`` once every row is decided."""
    if job.status != 'resolving':
        raise ImportRefused('Импорт не ждёт подтверждения. Обновите страницу.')
    left = undecided_count(job)
    if left:
        raise ImportRefused(f'Не принято решение по {left} строкам. Выберите действие для каждой строки.')
    _check_order(job, order)
    (ImportJob.update(status='commit_queued', order=order, claimed_by='', heartbeat_at=None,
                      error='', progress_done=0)
     .where(ImportJob.id == job.id, ImportJob.status == 'resolving').execute())
    return ImportJob.get_by_id(job.id)


def _check_order(job, order):
    if order is None or order.organisation_id != job.organisation_id:
        raise ImportRefused('Выберите черновик приказа о зачислении вашей организации.')
    if order.kind != 'enrolment' or order.status != 'draft':
        raise ImportRefused(f'Приказ {movement.order_title(order)} — не черновик приказа о зачислении. '
                            'Выберите черновик или создайте его в книге движения.')


def draft_enrolment_orders(organisation):
    return (Order.select().where(Order.organisation == organisation, Order.kind == 'enrolment',
                                 Order.status == 'draft')
            .order_by(Order.document_date.desc(), Order.id.desc()))


# --- Commit: short transactions, undone whole when it does not finish ----------------------

def _rows_to_commit(job):
    """(row id, decision, chosen person, values) of the rows not written yet, by объединение."""
    query = (ImportRow.select(ImportRow.id, ImportRow.decision, ImportRow.chosen_person, ImportRow.values)
             .where(ImportRow.job == job, ImportRow.decision.in_(('use', 'new')),
                    ImportRow.result_person.is_null())
             .order_by(ImportRow.row_number))
    rows = [(row_id, decision, chosen, json.loads(values))
            for row_id, decision, chosen, values in query.tuples()]
    return sorted(rows, key=lambda row: row[3]['association_id'] or 0)


def commit(job, runner):
    """Create the new people and put every decided child into the draft order, batch by batch.

    Each batch is one short transaction that ends with the beat, so it is written only while
    the job is still this runner's and still committing.  A row with ``result_person`` is
    written, so a runner taking over resumes.  A refusal or a failure undoes what was written
    and returns the job to the decisions, with the reason.
    """
    todo = _rows_to_commit(job)
    total = ImportRow.select().where(ImportRow.job == job, ImportRow.decision.in_(('use', 'new'))).count()
    done = total - len(todo)
    if not _beat(job, runner, ('commit_queued', 'committing'), status='committing',
                 progress_total=total, progress_done=done, error=''):
        return
    try:
        _check_order(job, Order.get_or_none(Order.id == job.order_id))
        size, seconds = FIRST_BATCH, COMMIT_SECONDS if _one_writer() else BEAT_SECONDS
        while todo:
            batch, todo = todo[:size], todo[size:]
            started = time.monotonic()
            with common.write_transaction():
                _commit_batch(job.order_id, batch)
                done += len(batch)
                if not _beat(job, runner, ('committing',), progress_done=done):
                    raise _Overtaken()
            elapsed = max(time.monotonic() - started, 0.001)
            size = max(1, min(2 * size, MAX_BATCH, int(size * seconds / elapsed)))
            _let_writers_in()
        _finish(job, runner)
    except _Overtaken:
        raise
    except (Refused, ImportRefused) as refusal:
        _undo_after(job, runner, getattr(refusal, 'messages', None) or [str(refusal)])
    except Exception:  # a bug or an outage: nothing may stay half-written
        log.exception('import %s failed while committing', job.id)
        _undo_after(job, runner, [FAILURE])


def _commit_batch(order_id, batch):
    order = Order.get_by_id(order_id)  # read again: the rules refuse an order проведён meanwhile
    new = [(row_id, values) for row_id, decision, _, values in batch if decision == 'new']
    person_of = dict(zip([row_id for row_id, _ in new], people.create_people([values for _, values in new])))
    person_of.update((row_id, chosen) for row_id, decision, chosen, _ in batch if decision == 'use')
    written = [(row_id, person) for row_id, person in person_of.items() if person is not None]
    if written:  # a chosen child deleted from the registry meanwhile is refused below
        found = ValuesList(written).cte('written', columns=('id', 'person'))
        (ImportRow.update(result_person=found.c.person).from_(found)
         .where(ImportRow.id == found.c.id).with_cte(found).execute())
    by_association = {}
    for row_id, _, _, values in batch:
        by_association.setdefault(values['association_id'], []).append(person_of[row_id])
    for association_id, person_ids in by_association.items():
        association = Association.get_or_none(Association.id == association_id)
        result = movement.add_children_to_draft(order, person_ids, association)
        if result.refusals:
            raise Refused(*result.refusals.values())


def _finish(job, runner):
    order = Order.get_by_id(job.order_id)
    written = dict(ImportRow.select(ImportRow.decision, fn.COUNT(ImportRow.id))
                   .where(ImportRow.job == job, ImportRow.result_person.is_null(False))
                   .group_by(ImportRow.decision).tuples())
    ignored = ImportRow.select().where(ImportRow.job == job, ImportRow.decision == 'ignore').count()
    finished = (ImportJob.update(status='committed', active_organisation=None, claimed_by='',
                                 heartbeat_at=None, finished_at=utcnow(),
                                 used_count=written.get('use', 0), created_count=written.get('new', 0),
                                 ignored_count=ignored, error='\n'.join(movement.capacity_problems(order)))
                .where(ImportJob.id == job.id, ImportJob.claimed_by == runner,
                       ImportJob.status == 'committing').execute())
    if not finished:
        raise _Overtaken()


def _undo_after(job, runner, messages):
    if _beat(job, runner, ('committing',), status='undoing', error='\n'.join(messages)):
        undo(job, runner)


def undo(job, runner):
    """Take back what a stopped commit wrote, a batch per short transaction; then the job is
    back at the decisions (``undoing``) or cancelled (``cancelling``)."""
    written = ImportRow.select().where(ImportRow.job == job, ImportRow.result_person.is_null(False))
    left = written.count()
    while True:
        with common.write_transaction():
            batch = list(written.select(ImportRow.id, ImportRow.decision, ImportRow.result_person)
                         .limit(UNDO_BATCH).tuples())
            _undo_batch(job.order_id, batch)
            left -= len(batch)
            if not _beat(job, runner, UNDOING, progress_done=max(left, 0)):
                raise _Overtaken()
        if not batch:
            break
        _let_writers_in()
    mine = (ImportJob.id == job.id) & (ImportJob.claimed_by == runner)
    (ImportJob.update(status='cancelled', active_organisation=None, claimed_by='', heartbeat_at=None,
                      finished_at=utcnow())
     .where(mine, ImportJob.status == 'cancelling').execute())
    (ImportJob.update(status='resolving', claimed_by='', heartbeat_at=None)
     .where(mine, ImportJob.status == 'undoing').execute())


def _undo_batch(order_id, batch):
    people = [person for _, _, person in batch]
    if Order.select().where(Order.id == order_id, Order.status == 'draft').exists():
        OrderLine.delete().where(OrderLine.order == order_id, OrderLine.person.in_(people)).execute()
    created = [person for _, decision, person in batch if decision == 'new']
    # A new child that someone has meanwhile put into an order or a group stays in the registry.
    (Person.delete()
     .where(Person.id.in_(created),
            ~fn.EXISTS(OrderLine.select(OrderLine.id).where(OrderLine.person == Person.id)),
            ~fn.EXISTS(Membership.select(Membership.id).where(Membership.person == Person.id)),
            ~fn.EXISTS(Employment.select(Employment.id).where(Employment.person == Person.id)))
     .execute())
    ImportRow.update(result_person=None).where(ImportRow.id.in_([row_id for row_id, _, _ in batch])).execute()


def _one_writer():
    return isinstance(db.obj, SqliteDatabase)


def _let_writers_in():
    if _one_writer():
        time.sleep(WRITERS_PAUSE)


# --- The worker --------------------------------------------------------------------------

_worker_lock = threading.Lock()
_worker = None


def start_worker(poll_seconds=POLL_SECONDS):
    """A daemon thread of this process that polls for runnable imports (one per process)."""
    global _worker
    if _worker is not None and _worker.is_alive():
        return _worker  # the common case on every request: no lock needed
    with _worker_lock:
        if _worker is not None and _worker.is_alive():
            return _worker
        _worker = threading.Thread(target=work_forever, args=(poll_seconds,), daemon=True,
                                   name='import-worker')
        _worker.start()
        return _worker


def work_forever(poll_seconds=POLL_SECONDS, stop=None):
    runner = f'worker-{os.getpid()}-{uuid.uuid4().hex[:6]}'
    while stop is None or not stop.is_set():
        try:
            run_pending(runner)
        except Exception:  # the database may be down or not migrated yet; try again later
            log.warning('import worker poll failed', exc_info=True)
        finally:
            if not db.is_closed():
                db.close()
        time.sleep(poll_seconds)


def is_active(job):
    return job.status in IMPORT_ACTIVE_STATUSES
