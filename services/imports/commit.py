"""The commit of an import into the draft enrolment order, and its undo: short transactions,
undone whole when the commit does not finish.

The commit is all or nothing for users: a refusal, a failure or a cancellation undoes what its
batches wrote (``undoing``, ``cancelling``); on SQLite no batch holds the write lock for more
than about ``COMMIT_SECONDS``.
"""
import json
import logging
import time

from peewee import SqliteDatabase, ValuesList, fn

from models import (Association, Employment, ImportJob, ImportRow, Membership, Order, OrderLine,
                    Person, db, utcnow)
from services import common, movement
from services.common import Refused
from services.imports.jobs import FAILURE, UNDOING, Overtaken, beat, check_order
from services.imports.parser import ImportRefused
from services.registry import people

log = logging.getLogger(__name__)

COMMIT_SECONDS = 0.3         # SQLite: a commit batch holds the only write lock about this long
BEAT_SECONDS = 2.0           # PostgreSQL locks rows only: a batch lasts as long as a beat may wait
FIRST_BATCH = 50
MAX_BATCH = 1000             # rows; keeps an INSERT's parameters under SQLite's limit
UNDO_BATCH = 500
WRITERS_PAUSE = 0.15         # SQLite: a writer waiting for the lock retries every 100 ms
TAKEN = (ImportRow.USE, ImportRow.NEW)


def _rows_to_commit(job):
    """(row id, decision, chosen person, values) of the rows not written yet, by объединение;
    the values carry ``age_confirmed`` (enrolled outside the program's age range)."""
    query = (ImportRow.select(ImportRow.id, ImportRow.decision, ImportRow.chosen_person, ImportRow.values,
                              ImportRow.age_confirmed)
             .where(ImportRow.job == job, ImportRow.decision.in_(TAKEN),
                    ImportRow.result_person.is_null())
             .order_by(ImportRow.row_number))
    rows = [(row_id, decision, chosen, dict(json.loads(values), age_confirmed=bool(confirmed)))
            for row_id, decision, chosen, values, confirmed in query.tuples()]
    return sorted(rows, key=lambda row: row[3]['association_id'] or 0)


def commit(job, runner):
    """Create the new people and put every decided child into the draft order, batch by batch.

    Each batch is one short transaction that ends with the beat, so it is written only while
    the job is still this runner's and still committing.  A row with ``result_person`` is
    written, so a runner taking over resumes.  A refusal or a failure undoes what was written
    and returns the job to the decisions, with the reason.
    """
    todo = _rows_to_commit(job)
    total = ImportRow.select().where(ImportRow.job == job, ImportRow.decision.in_(TAKEN)).count()
    done = total - len(todo)
    if not beat(job, runner, (ImportJob.COMMIT_QUEUED, ImportJob.COMMITTING), status=ImportJob.COMMITTING,
                progress_total=total, progress_done=done, error=''):
        return
    try:
        check_order(job, Order.get_or_none(Order.id == job.order_id))
        size, seconds = FIRST_BATCH, COMMIT_SECONDS if _one_writer() else BEAT_SECONDS
        while todo:
            batch, todo = todo[:size], todo[size:]
            started = time.monotonic()
            with common.write_transaction():
                _commit_batch(job.order_id, batch)
                done += len(batch)
                if not beat(job, runner, (ImportJob.COMMITTING,), progress_done=done):
                    raise Overtaken()
            elapsed = max(time.monotonic() - started, 0.001)
            size = max(1, min(2 * size, MAX_BATCH, int(size * seconds / elapsed)))
            _let_writers_in()
        _finish(job, runner)
    except Overtaken:
        raise
    except (Refused, ImportRefused) as refusal:
        _undo_after(job, runner, getattr(refusal, 'messages', None) or [str(refusal)])
    except Exception:  # a bug or an outage: nothing may stay half-written
        log.exception('import %s failed while committing', job.id)
        _undo_after(job, runner, [FAILURE])


def _commit_batch(order_id, batch):
    order = Order.get_by_id(order_id)  # read again: the rules refuse an order проведён meanwhile
    new = [(row_id, values) for row_id, decision, _, values in batch if decision == ImportRow.NEW]
    person_of = dict(zip([row_id for row_id, _ in new], people.create_people([values for _, values in new])))
    person_of.update((row_id, chosen) for row_id, decision, chosen, _ in batch
                     if decision == ImportRow.USE)
    written = [(row_id, person) for row_id, person in person_of.items() if person is not None]
    if written:  # a chosen child deleted from the registry meanwhile is refused below
        found = ValuesList(written).cte('written', columns=('id', 'person'))
        (ImportRow.update(result_person=found.c.person).from_(found)
         .where(ImportRow.id == found.c.id).with_cte(found).execute())
    by_association = {}
    confirmed = {person_of[row_id] for row_id, _, _, values in batch if values['age_confirmed']}
    for row_id, _, _, values in batch:
        by_association.setdefault(values['association_id'], []).append(person_of[row_id])
    for association_id, person_ids in by_association.items():
        association = Association.get_or_none(Association.id == association_id)
        result = movement.add_children_to_draft(order, person_ids, association,
                                                age_confirmed=confirmed)
        if result.refusals:
            raise Refused(*result.refusals.values())


def _finish(job, runner):
    with common.write_transaction():  # the registry children's parents and contacts, with the status
        _keep_details(job)
        _finish_job(job, runner)


def _keep_details(job):
    """What the file says of the children found in the registry lands in their personal files."""
    used = (ImportRow.select(ImportRow.result_person, ImportRow.values)
            .where(ImportRow.job == job, ImportRow.decision == ImportRow.USE,
                   ImportRow.result_person.is_null(False)).tuples())
    people.keep_row_details([(person, json.loads(values)) for person, values in used], job.organisation_id)


def _finish_job(job, runner):
    order = Order.get_by_id(job.order_id)
    written = dict(ImportRow.select(ImportRow.decision, fn.COUNT(ImportRow.id))
                   .where(ImportRow.job == job, ImportRow.result_person.is_null(False))
                   .group_by(ImportRow.decision).tuples())
    ignored = ImportRow.select().where(ImportRow.job == job, ImportRow.decision == ImportRow.IGNORE).count()
    finished = (ImportJob.update(status=ImportJob.COMMITTED, active_organisation=None, claimed_by='',
                                 heartbeat_at=None, finished_at=utcnow(),
                                 used_count=written.get(ImportRow.USE, 0),
                                 created_count=written.get(ImportRow.NEW, 0),
                                 ignored_count=ignored, error='\n'.join(movement.capacity_problems(order)))
                .where(ImportJob.id == job.id, ImportJob.claimed_by == runner,
                       ImportJob.status == ImportJob.COMMITTING).execute())
    if not finished:
        raise Overtaken()


def _undo_after(job, runner, messages):
    if beat(job, runner, (ImportJob.COMMITTING,), status=ImportJob.UNDOING, error='\n'.join(messages)):
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
            if not beat(job, runner, UNDOING, progress_done=max(left, 0)):
                raise Overtaken()
        if not batch:
            break
        _let_writers_in()
    mine = (ImportJob.id == job.id) & (ImportJob.claimed_by == runner)
    (ImportJob.update(status=ImportJob.CANCELLED, active_organisation=None, claimed_by='',
                      heartbeat_at=None, finished_at=utcnow())
     .where(mine, ImportJob.status == ImportJob.CANCELLING).execute())
    (ImportJob.update(status=ImportJob.RESOLVING, claimed_by='', heartbeat_at=None)
     .where(mine, ImportJob.status == ImportJob.UNDOING).execute())


def _undo_batch(order_id, batch):
    people = [person for _, _, person in batch]
    if Order.select().where(Order.id == order_id, Order.status == Order.DRAFT).exists():
        OrderLine.delete().where(OrderLine.order == order_id, OrderLine.person.in_(people)).execute()
    created = [person for _, decision, person in batch if decision == ImportRow.NEW]
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
