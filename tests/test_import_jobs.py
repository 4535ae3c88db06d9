"""The import job: background matching with progress, restarts, one active import, an atomic commit."""
import datetime
import json
import threading
import time

import pytest
from peewee import IntegrityError

from models import ImportJob, ImportRow, OrderLine, Person, db, utcnow
from services import imports, movement
from tests import builders
from tests.test_import_flow import filled_template, row, upload

HTMX = {'HX-Request': 'true', 'HX-Request-Type': 'partial'}


@pytest.fixture
def setup(region, app):
    with app.app_context():
        return builders.import_setup(region.odo)


def three_children():
    return filled_template([row(surname='Орлова', c_number='111111'),
                            row(surname='Белова', c_number='222222'),
                            row(surname='Соколова', c_number='333333')])


def start(admin_client, setup, monkeypatch, background=True):
    if background:
        monkeypatch.setattr(imports.jobs, 'BACKGROUND_FROM', 2)
    upload(admin_client, three_children(), order=setup.order)
    job = ImportJob.get()
    admin_client.post_form(f'/imports/{job.id}/skip', {'mode': 'rows'}, page=f'/imports/{job.id}')
    return ImportJob.get_by_id(job.id)


def test_large_files_are_matched_in_the_background_with_progress(admin_client, setup, monkeypatch):
    job = start(admin_client, setup, monkeypatch)
    assert job.status == 'queued' and job.progress_total == 3
    page = admin_client.get(f'/imports/{job.id}').get_data(as_text=True)
    assert '<progress' in page and 'hx-trigger="every 1s"' in page and '0 из 3' in page
    stop = threading.Event()
    worker = threading.Thread(target=imports.work_forever, args=(0.05, stop), daemon=True)
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while ImportJob.get_by_id(job.id).status != 'resolving' and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join(timeout=5)
    assert ImportJob.get_by_id(job.id).status == 'resolving'
    done = admin_client.get(f'/imports/{job.id}/progress', headers=HTMX)
    assert done.headers['HX-Redirect'] == f'/imports/{job.id}'
    assert 'Поиск похожих пользователей системы' in admin_client.get(f'/imports/{job.id}').get_data(as_text=True)


def test_a_job_whose_worker_died_is_taken_over_and_resumed(admin_client, setup, monkeypatch):
    job = start(admin_client, setup, monkeypatch)
    long_ago = utcnow() - datetime.timedelta(minutes=5)
    (ImportJob.update(status='matching', claimed_by='dead-worker', heartbeat_at=long_ago, progress_done=1)
     .where(ImportJob.id == job.id).execute())
    assert imports.run_pending('next-worker') == 1
    job = ImportJob.get_by_id(job.id)
    assert job.status == 'resolving' and job.progress_done == 3


def test_matching_batch_by_batch_gives_each_row_its_own_candidates(admin_client, setup, monkeypatch):
    orlova = builders.child('Орлова', 'Анна', 'Ивановна', datetime.date(2016, 3, 12),
                            document=('birth_certificate_rf', 'II-ФВ', '111111'))
    monkeypatch.setattr(imports.jobs, 'BATCH', 1)
    job = start(admin_client, setup, monkeypatch)
    assert imports.run_pending('worker') == 1
    rows = {r.row_number: r for r in ImportRow.select()}
    assert rows[4].decision == 'use' and rows[4].chosen_person_id == orlova.id  # same document and date
    for namesake in (rows[5], rows[6]):  # Белова and Соколова Анна Ивановна, born the same day
        assert namesake.decision == '' and namesake.chosen_person_id is None
        assert [c['person_id'] for c in json.loads(namesake.candidates)] == [orlova.id]
    assert ImportJob.get_by_id(job.id).progress_done == 3


def test_a_resumed_job_matches_only_the_rows_left(admin_client, setup, monkeypatch):
    orlova = builders.child('Орлова', 'Анна', 'Ивановна', datetime.date(2016, 3, 12),
                            document=('birth_certificate_rf', 'II-ФВ', '111111'))
    job = start(admin_client, setup, monkeypatch)
    long_ago = utcnow() - datetime.timedelta(minutes=5)
    (ImportJob.update(status='matching', claimed_by='dead-worker', heartbeat_at=long_ago, progress_done=1)
     .where(ImportJob.id == job.id).execute())
    imports.run_pending('next-worker')
    rows = {r.row_number: r for r in ImportRow.select()}
    assert rows[4].candidates == '[]'  # the dead worker's batch is not redone
    assert rows[5].decision == '' and orlova.id in [c['person_id'] for c in json.loads(rows[5].candidates)]


def test_a_live_worker_is_not_disturbed(admin_client, setup, monkeypatch):
    job = start(admin_client, setup, monkeypatch)
    ImportJob.update(status='matching', claimed_by='busy', heartbeat_at=utcnow()).where(ImportJob.id == job.id).execute()
    assert imports.run_pending('other') == 0
    assert ImportJob.get_by_id(job.id).status == 'matching'


def test_the_database_holds_one_active_import_per_organisation(admin_client, setup, region):
    upload(admin_client, three_children())
    with pytest.raises(IntegrityError):
        with db.atomic():
            ImportJob.create(organisation=region.odo, active_organisation=region.odo.id, file_name='b.xlsx')


def resolved(admin_client, setup, monkeypatch):
    job = start(admin_client, setup, monkeypatch, background=False)
    assert job.status == 'resolving'
    return job


def commit_queued(job, setup):
    return imports.request_commit(job, setup.order)


def test_an_exception_mid_commit_leaves_nothing(admin_client, setup, monkeypatch):
    job = commit_queued(resolved(admin_client, setup, monkeypatch), setup)
    people_before = Person.select().count()
    real = movement.add_children_to_draft

    def breaks_after_the_first_line(order, person_ids, association):
        real(order, person_ids[:1], association)
        raise RuntimeError('worker lost its database connection')
    monkeypatch.setattr(movement, 'add_children_to_draft', breaks_after_the_first_line)
    job = imports.run_job(job.id)
    assert job.status == 'resolving' and 'Сбой' in job.error  # the decisions stay: «ОК» retries
    assert Person.select().count() == people_before
    assert OrderLine.select().count() == 0
    assert ImportRow.select().where(ImportRow.result_person.is_null(False)).count() == 0


def test_a_refused_child_rolls_back_the_whole_commit_and_says_why(admin_client, setup, monkeypatch):
    job = commit_queued(resolved(admin_client, setup, monkeypatch), setup)
    people_before = Person.select().count()
    monkeypatch.setattr(movement, 'add_children_to_draft', lambda order, ids, association, **options: movement.AddResult(
        added=ids[1:], refusals={ids[0]: 'Орлова Анна: ребёнок уже есть в этом приказе.'}))
    job = imports.run_job(job.id)
    assert job.status == 'resolving' and 'уже есть в этом приказе' in job.error
    assert Person.select().count() == people_before and OrderLine.select().count() == 0


def test_a_commit_killed_half_way_is_redone_whole_by_the_next_worker(admin_client, setup, monkeypatch):
    job = commit_queued(resolved(admin_client, setup, monkeypatch), setup)
    long_ago = utcnow() - datetime.timedelta(minutes=5)
    # A worker died inside the commit transaction: the database rolled it back; the job says «committing».
    ImportJob.update(status='committing', claimed_by='killed', heartbeat_at=long_ago).where(ImportJob.id == job.id).execute()
    assert imports.run_pending('next') == 1
    job = ImportJob.get_by_id(job.id)
    assert job.status == 'committed' and job.created_count == 3
    assert OrderLine.select().where(OrderLine.order == setup.order).count() == 3
    assert Person.select().where(Person.surname_key.in_(['орлова', 'белова', 'соколова'])).count() == 3
    assert imports.run_pending('again') == 0  # nothing is done twice


def test_commit_refuses_an_order_that_is_not_a_draft_enrolment(admin_client, setup, monkeypatch):
    job = resolved(admin_client, setup, monkeypatch)
    setup.order.status = 'committed'
    setup.order.save()
    with pytest.raises(imports.ImportRefused, match='не черновик приказа о зачислении'):
        imports.request_commit(job, setup.order)
    assert ImportJob.get_by_id(job.id).status == 'resolving'
