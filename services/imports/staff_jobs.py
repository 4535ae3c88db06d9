"""«Импорт сотрудников»: the life of an ``ImportJob`` of kind ``staff`` — upload and validation
(``staff_rows``), the similar-person search against the region's registry, the decisions, and an
atomic commit that hires every taken row.  The report, the skip modes, the cancel and the runner
are the children's (``jobs``, ``worker``).

A person already working here is never changed by an import: their card is versioned and
audited through the card form, and a file must not overwrite what someone typed there.  Such a
row is set to «Игнорировать запись» by the search, and choosing that person is refused.
"""
import datetime
import json
import logging
import os

from peewee import IntegrityError

import clock
from models import Employment, EmploymentEducation, ImportJob, ImportRow, Organisation, Person, utcnow
from services import russian, staff
from services.common import Refused, write_transaction
from services.imports import staff_rows
from services.imports.jobs import (FAILURE, ImportBusy, Overtaken, _store_candidates, beat, values_of,
                                   without_conflicts)
from services.imports.parser import ImportRefused
from services.registry import people, similar_people

log = logging.getLogger(__name__)

BACKGROUND_FROM = 100        # rows; fewer are matched and committed within the request
BATCH = 50                   # rows matched per beat, so the progress moves
TAKEN = (ImportRow.USE, ImportRow.NEW)
WORKS_HERE = 'here'


def start_staff_import(organisation, user, file_name, data, today=None):
    """Check, parse and validate a file of staff; keep its rows. Raises ImportRefused or ImportBusy."""
    if active_staff_import(organisation) is not None:
        raise ImportBusy()
    today = today or clock.today(organisation.region.zone)
    parsed = staff_rows.parse_staff_file(file_name, data, staff.offered_positions(organisation.region), today)
    if not parsed.rows:
        raise ImportRefused('В файле нет ни одной строки с данными под заголовком. '
                            'Заполните строки начиная с 3-й и загрузите снова.')
    try:
        with write_transaction():
            job = ImportJob.create(
                organisation=organisation, user=user, kind=ImportJob.STAFF,
                active_organisation=organisation.id, file_name=os.path.basename(file_name)[:255],
                row_count=len(parsed.rows), error_row_count=sum(1 for r in parsed.rows if r.has_errors),
                unknown_columns=json.dumps(parsed.unknown_columns, ensure_ascii=False))
            ImportRow.insert_many(
                [(job.id, r.number, json.dumps(r.values, ensure_ascii=False),
                  json.dumps([i.__dict__ for i in r.issues], ensure_ascii=False), r.critical, r.duplicate_of)
                 for r in parsed.rows],
                fields=[ImportRow.job, ImportRow.row_number, ImportRow.values, ImportRow.issues,
                        ImportRow.critical, ImportRow.duplicate_of]).execute()
    except IntegrityError:
        raise ImportBusy() from None
    return job


def active_staff_import(organisation):
    return ImportJob.get_or_none(ImportJob.active_organisation == organisation.id,
                                 ImportJob.kind == ImportJob.STAFF)


def staff_runs_in_background(job):
    return job.progress_total > BACKGROUND_FROM


def staff_rows_to_decide(job):
    return (ImportRow.select().where(ImportRow.job == job, ImportRow.decision != ImportRow.SKIP)
            .order_by(ImportRow.row_number))


# --- The similar-person search -------------------------------------------------------------

def match_staff(job, runner):
    """Find each taken row's people in the registry, batch by batch, resuming from the cursor;
    a candidate's group is where they work: here, in other organisations, or nowhere now."""
    if not beat(job, runner, (ImportJob.QUEUED, ImportJob.MATCHING), status=ImportJob.MATCHING):
        return
    done = job.progress_done
    taken = list(staff_rows_to_decide(job).select(ImportRow.id, ImportRow.values).offset(done).tuples())
    incoming = [similar_people.Incoming.from_values(json.loads(values)) for _, values in taken]
    batches = similar_people.similar_batches(incoming, job.organisation_id, batch=BATCH, children=False)
    for start, found in zip(range(0, len(taken), BATCH), batches):
        _describe_work(found, job.organisation_id)
        decided = []
        for (row_id, _), candidates in zip(taken[start:start + BATCH], found):
            same = next((c for c in candidates if _same_person(c)), None)
            if same is None:  # a number someone else holds is the administrator's to resolve
                decision = (ImportRow.NEW if not candidates and not candidates.conflicts
                            else ImportRow.UNDECIDED)
            else:
                decision = ImportRow.IGNORE if same.group == WORKS_HERE else ImportRow.USE
            decided.append((row_id, json.dumps([c.__dict__ for c in candidates], ensure_ascii=False),
                            json.dumps(list(candidates.conflicts), ensure_ascii=False),
                            decision, same.person_id if decision == ImportRow.USE else None))
        with write_transaction():
            _store_candidates(decided)
            done += len(decided)
            if not beat(job, runner, (ImportJob.MATCHING,), progress_done=done):
                raise Overtaken()
    (ImportJob.update(status=ImportJob.RESOLVING, claimed_by='', heartbeat_at=None)
     .where(ImportJob.id == job.id, ImportJob.claimed_by == runner, ImportJob.status == ImportJob.MATCHING)
     .execute())


def _same_person(candidate):
    """The same СНИЛС, or the same full name and birth date with no other СНИЛС: chosen in advance."""
    return candidate.exact or ({'surname', 'name', 'birth_date'} <= set(candidate.agree)
                               and not {'patronymic', 'snils'} & set(candidate.differ))


def _describe_work(found, organisation_id):
    ids = {c.person_id for candidates in found for c in candidates}
    works = {}
    for person_id, org_id, org_name in (Employment.select(Employment.person, Organisation.id,
                                                          Organisation.short_name)
                                        .join(Organisation)
                                        .where(Employment.person.in_(list(ids)), Employment.dismissed_on.is_null())
                                        .order_by(Organisation.short_name).tuples()):
        works.setdefault(person_id, {})[org_id] = org_name
    for candidates in found:
        for c in candidates:
            where = works.get(c.person_id, {})
            c.group = WORKS_HERE if organisation_id in where else ('other' if where else 'free')
            c.organisations = [{'id': oid, 'name': name} for oid, name in where.items()]


# --- Decisions ---------------------------------------------------------------------------

def decide_staff(job, row_id, decision, person_id=None):
    """The administrator's choice for one row: a found person (not one already working here),
    a new person (not when the registry has the row's СНИЛС), or ignore."""
    if job.status != ImportJob.RESOLVING:
        raise ImportRefused('Решения по строкам уже не принимаются: импорт не на этапе поиска похожих.')
    row = ImportRow.get_or_none(ImportRow.id == row_id, ImportRow.job == job, ImportRow.decision != ImportRow.SKIP)
    if row is None:
        raise ImportRefused('Строка импорта не найдена. Обновите страницу.')
    candidates = {c['person_id']: c for c in json.loads(row.candidates)}
    if decision == ImportRow.USE:
        if person_id not in candidates:
            raise ImportRefused(f'Строка {row.row_number}: выберите одного из найденных в регистре людей.')
        if candidates[person_id]['group'] == WORKS_HERE:
            raise ImportRefused(_works_here(row.row_number, candidates[person_id]['person']['full_name']))
    elif decision == ImportRow.NEW:
        same = next((c for c in candidates.values() if c['exact']), None)
        if same is not None:
            raise ImportRefused(f'Строка {row.row_number}: в регистре уже есть {same["person"]["full_name"]} '
                                'с этим СНИЛС — это тот же человек, выберите его запись.')
    elif decision != ImportRow.IGNORE:
        raise ImportRefused('Выберите действие: использовать найденного, создать нового или игнорировать запись.')
    row.decision, row.chosen_person = decision, person_id if decision == ImportRow.USE else None
    changed = [ImportRow.decision, ImportRow.chosen_person]
    if decision == ImportRow.NEW and json.loads(row.conflicts):  # never someone else's СНИЛС
        row.values = json.dumps(without_conflicts(values_of(row), json.loads(row.conflicts)),
                                ensure_ascii=False)
        changed.append(ImportRow.values)
    row.save(only=changed)
    return row


def _works_here(number, full_name):
    return (f'Строка {number}: {full_name} уже работает в вашей организации. Импорт не меняет '
            'карточки сотрудников — исправьте её в списке сотрудников, а строку проигнорируйте.')


def undecided_staff(job):
    return ImportRow.select().where(ImportRow.job == job, ImportRow.decision == ImportRow.UNDECIDED).count()


def request_staff_commit(job):
    """Queue the commit once every row is decided."""
    if job.status != ImportJob.RESOLVING:
        raise ImportRefused('Импорт не ждёт подтверждения. Обновите страницу.')
    left = undecided_staff(job)
    if left:
        raise ImportRefused(f'Не принято решение по {russian.count(left, "строка", "datv")}. '
                            'Выберите действие для каждой строки.')
    if not ImportRow.select().where(ImportRow.job == job, ImportRow.decision.in_(TAKEN)).exists():
        raise ImportRefused('Все строки проигнорированы: записывать нечего. Выберите, кого добавить, '
                            'или отмените импорт.')
    (ImportJob.update(status=ImportJob.COMMIT_QUEUED, claimed_by='', heartbeat_at=None, error='',
                      progress_done=0)
     .where(ImportJob.id == job.id, ImportJob.status == ImportJob.RESOLVING).execute())
    return ImportJob.get_by_id(job.id)


# --- The commit: one transaction --------------------------------------------------------------

def commit_staff(job, runner):
    """Hire every taken row in one transaction (at most ``staff_rows.MAX_ROWS``): the new people
    into the registry, an Employment per row (``Employment.save`` marks the person staff), its
    education.  A refusal or a failure leaves nothing and returns the job to the decisions."""
    rows = list(ImportRow.select(ImportRow.id, ImportRow.row_number, ImportRow.decision,
                                 ImportRow.chosen_person, ImportRow.values)
                .where(ImportRow.job == job, ImportRow.decision.in_(TAKEN)).order_by(ImportRow.row_number)
                .tuples())
    if not beat(job, runner, (ImportJob.COMMIT_QUEUED, ImportJob.COMMITTING), status=ImportJob.COMMITTING,
                progress_total=len(rows), progress_done=0, error=''):
        return
    try:
        with write_transaction():
            used, created = _hire(job, rows)
            ignored = ImportRow.select().where(ImportRow.job == job, ImportRow.decision == ImportRow.IGNORE).count()
            finished = (ImportJob.update(status=ImportJob.COMMITTED, active_organisation=None, claimed_by='',
                                         heartbeat_at=None, finished_at=utcnow(), progress_done=len(rows),
                                         used_count=used, created_count=created, ignored_count=ignored)
                        .where(ImportJob.id == job.id, ImportJob.claimed_by == runner,
                               ImportJob.status == ImportJob.COMMITTING).execute())
            if not finished:
                raise Overtaken()
    except Overtaken:
        (ImportJob.update(status=ImportJob.CANCELLED, active_organisation=None, claimed_by='',
                          heartbeat_at=None, finished_at=utcnow())
         .where(ImportJob.id == job.id, ImportJob.status == ImportJob.CANCELLING).execute())
        raise
    except (Refused, ImportRefused) as refusal:
        _back_to_decisions(job, runner, getattr(refusal, 'messages', None) or [str(refusal)])
    except Exception:  # a bug or an outage: the transaction took everything back
        log.exception('staff import %s failed while committing', job.id)
        _back_to_decisions(job, runner, [FAILURE])


def _hire(job, rows):
    organisation_id = job.organisation_id
    new = [(row_id, number, json.loads(values)) for row_id, number, decision, _, values in rows
           if decision == ImportRow.NEW]
    for _, number, values in new:
        if values['snils'] and Person.select().where(Person.snils == values['snils']).exists():
            raise Refused(f'Строка {number}: человек с этим СНИЛС появился в регистре, пока шёл импорт. '
                          'Загрузите файл снова — поиск предложит его запись.')
    person_of = dict(zip([row_id for row_id, _, _ in new], people.create_people([v for _, _, v in new])))
    used = 0
    for row_id, number, decision, chosen, values in rows:
        values = json.loads(values)
        person_id = person_of.get(row_id, chosen)
        if decision == ImportRow.USE:
            person = Person.get_or_none(Person.id == person_id)
            if person is None:
                raise Refused(f'Строка {number}: выбранного человека уже нет в регистре. Выберите другое действие.')
            if (Employment.select().where(Employment.person == person_id, Employment.organisation == organisation_id,
                                          Employment.dismissed_on.is_null()).exists()):
                raise Refused(_works_here(number, person.full_name))
            used += 1
        employment = Employment.create(person=person_id, organisation=organisation_id, **_card(values))
        if values.get('education'):
            EmploymentEducation.create(employment=employment, **values['education'])
        ImportRow.update(result_person=person_id).where(ImportRow.id == row_id).execute()
    return used, len(new)


def _card(values):
    def day(name):
        return datetime.date.fromisoformat(values[name]) if values.get(name) else None
    return {'position': values['position'], 'started_on': day('started_on'),
            'qualification_category': values['qualification_category'],
            'qualification_assigned_on': day('qualification_assigned_on'),
            'qualification_order': values['qualification_order'],
            'experience_years': values['experience_years'],
            'pedagogical_experience_years': values['pedagogical_experience_years'],
            'work_phone': values['work_phone'], 'work_email': values['work_email']}


def _back_to_decisions(job, runner, messages):
    (ImportJob.update(status=ImportJob.RESOLVING, claimed_by='', heartbeat_at=None, progress_done=0,
                      error='\n'.join(messages))
     .where(ImportJob.id == job.id, ImportJob.claimed_by == runner, ImportJob.status == ImportJob.COMMITTING)
     .execute())
