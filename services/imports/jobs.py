"""The life of an import: upload → validation report → similar-person search → decisions →
the commit into the draft enrolment order (``commit``), steps run by ``worker``.  Plain
functions, no Flask.

State lives in the database (``ImportJob``, ``ImportRow``), so a page reload or a restarted
worker finds the import where it was.  A long step (matching, commit, undo) belongs to the
runner that claimed it; every batch is one short transaction that ends with the beat
(heartbeat and progress, on condition that the job is still this runner's and in that step),
so a working step is never taken over and a cancelled or overtaken runner's batch is rolled
back.  One active import per organisation is held by a unique column.
"""
import json
import os
from dataclasses import dataclass

from peewee import IntegrityError, ValuesList

import clock
from keys import name_key
from models import (Association, IdentityDocument, ImportJob, ImportRow, Order, Person, Program, db,
                    utcnow)
from services import movement
from services.imports import parser
from services.imports.parser import ImportRefused
from services.registry import similar_people
from services import russian

BACKGROUND_FROM = 1000       # rows; fewer are matched and committed within the request
BATCH = 500
DECISIONS = {'use': 'Использовать найденного', 'new': 'Создать нового', 'ignore': 'Игнорировать запись'}
UNDOING = (ImportJob.UNDOING, ImportJob.CANCELLING)
RUNNABLE = (ImportJob.QUEUED, ImportJob.MATCHING, ImportJob.COMMIT_QUEUED, ImportJob.COMMITTING) + UNDOING
CANCELLED_AT_ONCE = (ImportJob.VALIDATED, ImportJob.QUEUED, ImportJob.MATCHING, ImportJob.RESOLVING,
                     ImportJob.COMMIT_QUEUED, ImportJob.FAILED)
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


def active_import(organisation, kind=ImportJob.CHILDREN):
    return ImportJob.get_or_none(ImportJob.active_organisation == organisation.id, ImportJob.kind == kind)


def start_import(organisation, school_year, user, file_name, data, order=None, today=None):
    """Check, parse and validate a file (ages and dates against ``today``, by default the day it
    is in the organisation's region); keep its rows. Raises ImportRefused or ImportBusy."""
    if active_import(organisation) is not None:
        raise ImportBusy()
    today = today or clock.today(organisation.region.zone)
    parsed = parser.parse_file(file_name, data, organisation_associations(organisation, school_year), today)
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


def row_child(row):
    """Who a row is about, as the report names them: «Иванова Анна Сергеевна, 01.03.2015»;
    a value the check refused is shown as the file has it."""
    values = values_of(row)
    raw = values.get('_raw', {})
    name = ' '.join((values.get(f) or raw.get(parser.FIELD_LABELS[f], ''))[:100]
                    for f in ('surname', 'name', 'patronymic'))
    birth = values.get('birth_date')
    born = '.'.join(reversed(birth.split('-'))) if birth else raw.get(parser.FIELD_LABELS['birth_date'], '')[:40]
    return ', '.join(part for part in (' '.join(name.split()), born) if part) or 'ФИО не указаны'


def row_has_errors(issues):
    return any(i['severity'] in ('critical', 'cell') for i in issues)


def rejected_rows(job):
    """[(row number, {column: value found}, [reasons])] of the rows that will not be imported."""
    query = ImportRow.select().where(ImportRow.job == job).order_by(ImportRow.row_number)
    if job.skip_mode:
        query = query.where(ImportRow.decision == ImportRow.SKIP)
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
        ImportRow.update(decision=ImportRow.UNDECIDED).where(ImportRow.job == job).execute()
        for start in range(0, len(skipped), 500):
            (ImportRow.update(decision=ImportRow.SKIP)
             .where(ImportRow.id.in_(skipped[start:start + 500])).execute())
        taken = len(rows) - len(skipped)
        if not taken:
            raise ImportRefused('После пропуска строк с ошибками не осталось ни одной строки. '
                                'Исправьте файл и загрузите его снова.')
        changed = (ImportJob.update(skip_mode=mode, status=ImportJob.QUEUED, progress_done=0,
                                    progress_total=taken, claimed_by='', heartbeat_at=None)
                   .where(ImportJob.id == job.id, ImportJob.status == ImportJob.VALIDATED).execute())
        if not changed:
            raise ImportRefused('Этот импорт уже не ждёт решения по ошибкам. Обновите страницу.')
    return ImportJob.get_by_id(job.id)


def cancel(job):
    """Cancel an unfinished import: at once while nothing of it is in the registry or the order;
    once its commit has begun, as ``cancelling`` — the commit's runner stops at its next beat and
    the next runner undoes what was written."""
    with db.atomic():
        at_once = (ImportJob.update(status=ImportJob.CANCELLED, active_organisation=None, claimed_by='',
                                    heartbeat_at=None, finished_at=utcnow())
                   .where(ImportJob.id == job.id, ImportJob.status.in_(CANCELLED_AT_ONCE)).execute())
        if not at_once:
            (ImportJob.update(status=ImportJob.CANCELLING, claimed_by='', heartbeat_at=None)
             .where(ImportJob.id == job.id,
                    ImportJob.status.in_((ImportJob.COMMITTING, ImportJob.UNDOING))).execute())
    return ImportJob.get_by_id(job.id)


def runs_in_background(job):
    return job.progress_total > BACKGROUND_FROM


# --- Matching ------------------------------------------------------------------------------

def _rows_to_match(job):
    return (ImportRow.select().where(ImportRow.job == job, ImportRow.decision != ImportRow.SKIP)
            .order_by(ImportRow.row_number))


def match(job, runner):
    """Find similar people for the taken rows, batch by batch, resuming from the cursor."""
    if not beat(job, runner, (ImportJob.QUEUED, ImportJob.MATCHING), status=ImportJob.MATCHING):
        return
    done = job.progress_done
    taken = list(_rows_to_match(job).select(ImportRow.id, ImportRow.values).offset(done).tuples())
    incoming = [similar_people.Incoming.from_values(json.loads(values)) for _, values in taken]
    batches = similar_people.similar_batches(incoming, job.organisation_id, batch=BATCH)
    for start, found in zip(range(0, len(taken), BATCH), batches):
        decided = []
        for (row_id, _), candidates in zip(taken[start:start + BATCH], found):
            decision, chosen = preselection(candidates)
            decided.append((row_id, json.dumps([c.__dict__ for c in candidates], ensure_ascii=False),
                            json.dumps(list(candidates.conflicts), ensure_ascii=False),
                            decision, chosen))
        with db.atomic():
            _store_candidates(decided)
            done += len(decided)
            if not beat(job, runner, (ImportJob.MATCHING,), progress_done=done):
                raise Overtaken()
    (ImportJob.update(status=ImportJob.RESOLVING, claimed_by='', heartbeat_at=None)
     .where(ImportJob.id == job.id, ImportJob.claimed_by == runner, ImportJob.status == ImportJob.MATCHING)
     .execute())


def preselection(candidates):
    """(decision, person) a row starts with: the best-scoring exact candidate; a new person when
    nothing is found; else the administrator decides — always when a number of the row is
    another person's (``candidates.conflicts``) and no exact candidate is there."""
    exact = max((c for c in candidates if c.exact), key=lambda c: c.score, default=None)
    if exact is not None:
        return ImportRow.USE, exact.person_id
    if not candidates and not getattr(candidates, 'conflicts', ()):
        return ImportRow.NEW, None
    return ImportRow.UNDECIDED, None


def _store_candidates(decided):
    """One UPDATE for a batch of (row id, candidates, conflicts, decision, preselected person)."""
    found = ValuesList(decided).cte('found', columns=('id', 'candidates', 'conflicts', 'decision',
                                                      'chosen'))
    (ImportRow.update(candidates=found.c.candidates, conflicts=found.c.conflicts,
                      decision=found.c.decision, chosen_person=found.c.chosen.cast('INTEGER'))
     .from_(found).where(ImportRow.id == found.c.id).with_cte(found).execute())


def beat(job, runner, statuses, **changes):
    """Refresh the claim (and write ``changes``) while the job is this runner's in one of
    ``statuses``; False when it is not: taken over, or cancelled."""
    return bool(ImportJob.update(heartbeat_at=utcnow(), **changes)
                .where(ImportJob.id == job.id, ImportJob.claimed_by == runner,
                       ImportJob.status.in_(statuses)).execute())


class Overtaken(Exception):
    """Another runner took the job over (this one was too slow), or it was cancelled; stop quietly."""


# --- Decisions ---------------------------------------------------------------------------

def rows_for_resolution(job):
    return _rows_to_match(job)


def decide(job, row_id, decision, person_id=None):
    """Record the administrator's choice for one row; a person must be one of the row's candidates."""
    if job.status != ImportJob.RESOLVING:
        raise ImportRefused('Решения по строкам уже не принимаются: импорт не на этапе поиска похожих.')
    row = ImportRow.get_or_none(ImportRow.id == row_id, ImportRow.job == job,
                                ImportRow.decision != ImportRow.SKIP)
    if row is None:
        raise ImportRefused('Строка импорта не найдена. Обновите страницу.')
    if decision not in DECISIONS:
        raise ImportRefused('Выберите действие: использовать найденного, создать нового или игнорировать запись.')
    chosen = None
    if decision == ImportRow.USE:
        ids = [c['person_id'] for c in json.loads(row.candidates)]
        if person_id not in ids:
            raise ImportRefused(f'Строка {row.row_number}: выберите одного из найденных похожих учащихся.')
        chosen = person_id
    row.decision, row.chosen_person = decision, chosen
    changed = [ImportRow.decision, ImportRow.chosen_person]
    if decision == ImportRow.NEW and json.loads(row.conflicts):
        row.values = json.dumps(without_conflicts(values_of(row), json.loads(row.conflicts)),
                                ensure_ascii=False)
        changed.append(ImportRow.values)
    row.save(only=changed)
    return row


CONFLICT_LEFT_OUT = {
    'snils': 'СНИЛС из файла не записан: он принадлежит другому человеку. Внесите верный номер '
             'в карточку ребёнка.',
    'document': 'Документ из файла не записан: такой документ есть у другого человека. Внесите '
                'верные серию и номер в карточку ребёнка.',
}


def without_conflicts(values, conflicts):
    """A conflicting row's values for a new person: the СНИЛС or documents that are another
    person's are left out (a new child never takes someone else's number)."""
    fields = {c['field'] for c in conflicts}
    values = dict(values)
    if 'snils' in fields:
        values['snils'] = None
    if 'document' in fields:
        keys = {values[key]['key'] for key in DOCUMENT_FIELDS if values.get(key)}
        taken = {row[0] for row in IdentityDocument.select(IdentityDocument.number_key)
                 .where(IdentityDocument.number_key.in_(sorted(keys))).tuples()} if keys else set()
        for key in DOCUMENT_FIELDS:
            if values.get(key) and values[key]['key'] in taken:
                values[key] = None
    values['left_out'] = [CONFLICT_LEFT_OUT[field] for field in CONFLICT_LEFT_OUT if field in fields]
    return values


DOCUMENT_FIELDS = ('passport', 'certificate', 'foreign')


def undecided_count(job):
    return ImportRow.select().where(ImportRow.job == job, ImportRow.decision == ImportRow.UNDECIDED).count()


def request_commit(job, order, confirm_age=False):
    """Queue the commit into ``order`` once every row is decided and every child's age on the
    order's date fits (3–18 always; the program's range, or ``confirm_age``: «Зачислить вне
    возрастного диапазона программы» ticked for the rows listed)."""
    if job.status != ImportJob.RESOLVING:
        raise ImportRefused('Импорт не ждёт подтверждения. Обновите страницу.')
    left = undecided_count(job)
    if left:
        raise ImportRefused(f'Не принято решение по {russian.count(left, "строка", "datv")}. '
                            'Выберите действие для каждой строки.')
    check_order(job, order)
    ages = age_rows(job, order)
    refused = [a for a in ages if not a.confirmable]
    if refused:
        raise ImportRefused('Нельзя зачислить по возрасту: ' + _listed(refused)
                            + ' Выберите для этих строк «Игнорировать запись» или исправьте файл.')
    if ages and not confirm_age:
        raise ImportRefused('Вне возрастного диапазона программы: ' + _listed(ages)
                            + f' Чтобы зачислить их, отметьте «{movement.AGE_CONFIRMATION}» и нажмите '
                              '«ОК»; иначе выберите для этих строк «Игнорировать запись».')
    with db.atomic():
        ImportRow.update(age_confirmed=False).where(ImportRow.job == job).execute()
        confirmed = [a.row_id for a in ages]
        for start in range(0, len(confirmed), 500):
            (ImportRow.update(age_confirmed=True)
             .where(ImportRow.id.in_(confirmed[start:start + 500])).execute())
    (ImportJob.update(status=ImportJob.COMMIT_QUEUED, order=order, claimed_by='', heartbeat_at=None,
                      error='', progress_done=0)
     .where(ImportJob.id == job.id, ImportJob.status == ImportJob.RESOLVING).execute())
    return ImportJob.get_by_id(job.id)


@dataclass
class AgeRow:
    row_id: int
    row_number: int
    name: str
    sentence: str
    confirmable: bool


def age_rows(job, order):
    """The rows to be enrolled whose child's age on ``order``'s date does not fit, as
    ``movement.age_problem`` says (the rule every way into an enrolment order uses)."""
    rows = list(ImportRow.select(ImportRow.id, ImportRow.row_number, ImportRow.decision,
                                 ImportRow.chosen_person, ImportRow.values)
                .where(ImportRow.job == job, ImportRow.decision.in_((ImportRow.USE, ImportRow.NEW)))
                .order_by(ImportRow.row_number).tuples())
    chosen = sorted({person for _, _, decision, person, _ in rows if decision == ImportRow.USE and person})
    births = {}
    for start in range(0, len(chosen), 500):
        births.update(Person.select(Person.id, Person.birth_date)
                      .where(Person.id.in_(chosen[start:start + 500])).tuples())
    programs = {a.id: a.program for a in Association.select(Association, Program).join(Program)
                .where(Association.organisation == job.organisation_id)}
    found = []
    for row_id, number, decision, person, values in rows:
        values = json.loads(values)
        birth = births.get(person) if decision == ImportRow.USE else values.get('birth_date')
        problem = movement.age_problem(order, birth, programs.get(values.get('association_id')))
        if problem:
            name = ' '.join(v for v in (values.get('surname'), values.get('name')) if v)
            found.append(AgeRow(row_id, number, name, *problem))
    return found


def _listed(ages, shown=10):
    text = '; '.join(f'строка {a.row_number} ({a.name}) — {a.sentence.rstrip(".")}' for a in ages[:shown])
    return text + (f'; и ещё {len(ages) - shown}.' if len(ages) > shown else '.')


def check_order(job, order):
    if order is None or order.organisation_id != job.organisation_id:
        raise ImportRefused('Выберите черновик приказа о зачислении вашей организации.')
    if order.kind != Order.ENROLMENT or order.status != Order.DRAFT:
        raise ImportRefused(f'Приказ {movement.order_title(order)} — не черновик приказа о зачислении. '
                            'Выберите черновик или создайте его в книге движения.')


def draft_enrolment_orders(organisation):
    return (Order.select().where(Order.organisation == organisation, Order.kind == Order.ENROLMENT,
                                 Order.status == Order.DRAFT)
            .order_by(Order.document_date.desc(), Order.id.desc()))


def report_of(job):
    """What the check of a validated file found: rows with issues (with who each row is), the
    columns not recognised, and the counts of critical and clean rows (children's and staff files)."""
    rows = list(ImportRow.select().where(ImportRow.job == job).order_by(ImportRow.row_number))
    checked = [(r, row_child(r), issues_of(r)) for r in rows]
    return {'problems': [(r, who, issues) for r, who, issues in checked if issues],
            'unknown': json.loads(job.unknown_columns or '[]'),
            'critical': sum(1 for r in rows if r.critical),
            'clean': sum(1 for _, _, issues in checked if not row_has_errors(issues))}
