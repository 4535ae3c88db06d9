"""The commit of an import: short batches that keep the claim alive, cancellation at any
moment, nothing left behind by a refusal, a failure or a killed runner, and (SQLite) other
users' writes that do not wait behind it."""
import datetime
import json
import threading
import time

import pytest
from peewee import OperationalError

from models import IdentityDocument, ImportJob, ImportRow, OrderLine, Person, db, utcnow
from services import common
from services import imports, movement
from tests import builders
from tests.conftest import is_postgres

SURNAME_KEY = 'импортова'


@pytest.fixture
def setup(region, app):
    with app.app_context():
        return builders.import_setup(region.odo)


def values(n, association):
    birth = datetime.date(2014, 1, 1) + datetime.timedelta(days=n % 1500)  # within the program's ages
    return {'surname': 'Импортова', 'name': 'Анна', 'patronymic': 'Ивановна', 'no_patronymic': False,
            'birth_date': birth.isoformat(), 'gender': 'F', 'snils': None,
            'association_id': association.id, 'association_name': association.name,
            'passport': None, 'foreign': None, 'civil_record_number': f'17016965{n:07d}',
            'certificate': {'series': 'II-ФВ', 'number': f'{n:06d}', 'issued_on': birth.isoformat(),
                            'issued_by': 'ЗАГС г. Южно-Сахалинска'}}


def ready_job(setup, new, used=()):
    """An import whose rows are decided — ``new`` children to create, then ``used`` registry
    children — and whose commit into the setup's draft order is queued."""
    order = setup.order
    job = ImportJob.create(organisation=order.organisation_id, active_organisation=order.organisation_id,
                           order=order, file_name='дети.xlsx', status='commit_queued',
                           row_count=new + len(used), progress_total=new + len(used))
    association = setup.associations[0]
    for n in range(new):
        ImportRow.create(job=job, row_number=4 + n, decision='new',
                         values=json.dumps(values(n, association), ensure_ascii=False))
    for n, person in enumerate(used, start=new):
        ImportRow.create(job=job, row_number=4 + n, decision='use', chosen_person=person,
                         values=json.dumps(values(n, association), ensure_ascii=False))
    return job


def one_row_batches(monkeypatch, seconds=0.0):
    """Every batch takes one row; each child takes ``seconds`` more in the movement rules."""
    monkeypatch.setattr(imports.commit, 'FIRST_BATCH', 1)
    monkeypatch.setattr(imports.commit, 'COMMIT_SECONDS', 0.0001)
    monkeypatch.setattr(imports.commit, 'BEAT_SECONDS', 0.0001)
    real = movement.add_children_to_draft

    def slow(order, person_ids, association, **options):
        time.sleep(seconds * len(person_ids))
        return real(order, person_ids, association, **options)
    monkeypatch.setattr(movement, 'add_children_to_draft', slow)
    return real


def breaks_on_call(monkeypatch, call, error, seen):
    """The ``call``-th batch raises ``error``; ``seen`` gets the number of lines written before it."""
    real, calls = movement.add_children_to_draft, []

    def breaking(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            seen.append(OrderLine.select().count())
            raise error
        return real(*args, **kwargs)
    monkeypatch.setattr(movement, 'add_children_to_draft', breaking)


def in_thread(target, *args):
    def run():
        try:
            target(*args)
        finally:
            db.close()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def wait_until(condition, seconds=10):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, 'the condition did not come true in time'
        time.sleep(0.02)


def imported_people():
    return Person.select().where(Person.surname_key == SURNAME_KEY).count()


def assert_nothing_left(job, people, documents):
    assert Person.select().count() == people and IdentityDocument.select().count() == documents
    assert OrderLine.select().where(OrderLine.order == job.order_id).count() == 0
    assert ImportRow.select().where(ImportRow.result_person.is_null(False)).count() == 0


class Killed(BaseException):
    """The worker process dies: nothing of the runner's own handling runs."""


def test_a_working_commit_beats_so_no_other_runner_takes_it_over(setup, monkeypatch):
    job = ready_job(setup, 12)
    one_row_batches(monkeypatch, seconds=0.1)
    monkeypatch.setattr(imports.worker, 'STALE_AFTER', datetime.timedelta(seconds=0.5))
    started = time.monotonic()
    runner = in_thread(imports.run_job, job.id, 'first')
    wait_until(lambda: ImportJob.get_by_id(job.id).claimed_by == 'first')
    taken = []
    while runner.is_alive():
        taken.append(imports.claim(job.id, 'second'))
        time.sleep(0.05)
    assert time.monotonic() - started > 1  # the commit outlived the stale time twice
    job = ImportJob.get_by_id(job.id)
    assert job.status == 'committed' and job.created_count == 12 and job.progress_done == 12
    assert len(taken) >= 5 and not any(taken)
    assert OrderLine.select().where(OrderLine.order == setup.order).count() == 12


def test_a_queued_commit_is_cancelled_at_once_from_its_page(admin_client, setup):
    job = ready_job(setup, 3)
    page = admin_client.get(f'/imports/{job.id}').get_data(as_text=True)
    assert 'Отменить импорт' in page
    response = admin_client.post_form(f'/imports/{job.id}/cancel', page=f'/imports/{job.id}')
    assert response.status_code == 303 and response.headers['Location'] == '/imports/'
    job = ImportJob.get_by_id(job.id)
    assert job.status == 'cancelled' and job.active_organisation is None
    assert imports.run_pending('worker') == 0
    assert imported_people() == 0 and OrderLine.select().count() == 0


def test_a_teacher_cannot_cancel_an_import(client, region, setup):
    job = ready_job(setup, 3)
    client.sign_in('odo-teacher', organisation=region.odo)
    assert client.post_form(f'/imports/{job.id}/cancel').status_code == 403
    assert ImportJob.get_by_id(job.id).status == 'commit_queued'


def test_a_cancelled_matching_runner_does_not_bring_the_job_back(setup):
    job = ready_job(setup, 3)
    (ImportJob.update(status='matching', claimed_by='busy', heartbeat_at=utcnow())
     .where(ImportJob.id == job.id).execute())
    assert imports.cancel(job).status == 'cancelled'
    imports.match(ImportJob.get_by_id(job.id), 'busy')
    assert ImportJob.get_by_id(job.id).status == 'cancelled'


def test_cancelling_a_commit_stops_its_runner_and_leaves_nothing(admin_client, setup, monkeypatch):
    people, documents = Person.select().count(), IdentityDocument.select().count()
    job = ready_job(setup, 30)
    one_row_batches(monkeypatch, seconds=0.1)
    runner = in_thread(imports.run_job, job.id, 'first')
    wait_until(lambda: ImportJob.get_by_id(job.id).progress_done >= 3)
    assert imported_people() >= 3  # the children of the first batches are in the registry
    page = admin_client.get(f'/imports/{job.id}').get_data(as_text=True)
    assert 'Идёт запись в приказ' in page and 'Отменить импорт' in page
    response = admin_client.post_form(f'/imports/{job.id}/cancel', page=f'/imports/{job.id}')
    assert response.status_code == 303
    runner.join(timeout=10)
    assert not runner.is_alive()
    job = ImportJob.get_by_id(job.id)
    assert job.status == 'cancelled' and job.active_organisation is None
    assert_nothing_left(job, people, documents)
    assert 'ничего из него не осталось' in admin_client.get('/imports/').get_data(as_text=True)


def test_a_failure_half_way_leaves_nothing_and_the_commit_can_be_retried(setup, monkeypatch):
    known = builders.child('Орлова', 'Анна', 'Ивановна', datetime.date(2016, 3, 12),
                           document=('birth_certificate_rf', 'II-ФВ', '123456'))
    people, documents = Person.select().count(), IdentityDocument.select().count()
    job = ready_job(setup, 8, used=[known])
    real = one_row_batches(monkeypatch)
    seen = []
    breaks_on_call(monkeypatch, 6, RuntimeError('the database connection was lost'), seen)
    job = imports.run_job(job.id)
    assert seen == [5]  # five batches were written when the sixth failed
    assert job.status == 'resolving' and 'Сбой' in job.error
    assert job.active_organisation == setup.order.organisation_id
    assert_nothing_left(job, people, documents)
    assert Person.get_or_none(Person.id == known.id) is not None  # a used child stays, without the line
    monkeypatch.setattr(movement, 'add_children_to_draft', real)
    job = imports.run_job(imports.request_commit(job, setup.order).id)
    assert job.status == 'committed' and (job.created_count, job.used_count) == (8, 1)
    assert OrderLine.select().where(OrderLine.order == setup.order).count() == 9


def test_a_child_refused_by_the_movement_rules_in_a_late_batch_undoes_the_earlier_ones(setup, monkeypatch):
    enrolled = builders.child('Орлова', 'Анна', 'Ивановна', datetime.date(2016, 3, 12),
                              document=('birth_certificate_rf', 'II-ФВ', '123456'))
    builders.place(enrolled, setup.associations[0])
    people, documents = Person.select().count(), IdentityDocument.select().count()
    job = ready_job(setup, 5, used=[enrolled])  # the enrolled child is the last row
    one_row_batches(monkeypatch)
    job = imports.run_job(job.id)
    assert job.status == 'resolving'
    assert 'Орлова Анна Ивановна: ребёнок уже занимается в «1а Бисер»' in job.error
    assert_nothing_left(job, people, documents)


def test_a_runner_killed_half_way_is_finished_by_the_next_one(setup, monkeypatch):
    job = ready_job(setup, 8)
    real = one_row_batches(monkeypatch)
    seen = []
    breaks_on_call(monkeypatch, 4, Killed(), seen)
    with pytest.raises(Killed):
        imports.run_job(job.id, 'killed')
    assert seen == [3] and ImportJob.get_by_id(job.id).status == 'committing'
    long_ago = utcnow() - datetime.timedelta(minutes=5)
    ImportJob.update(heartbeat_at=long_ago).where(ImportJob.id == job.id).execute()
    monkeypatch.setattr(movement, 'add_children_to_draft', real)
    assert imports.run_pending('next') == 1
    job = ImportJob.get_by_id(job.id)
    assert job.status == 'committed' and job.created_count == 8
    assert imported_people() == 8  # the three written before the kill are not created again
    assert OrderLine.select().where(OrderLine.order == setup.order).count() == 8


def test_cancelling_after_a_killed_runner_keeps_a_new_child_another_organisation_has_taken(
        setup, region, monkeypatch):
    job = ready_job(setup, 6)
    real = one_row_batches(monkeypatch)
    breaks_on_call(monkeypatch, 4, Killed(), [])
    with pytest.raises(Killed):
        imports.run_job(job.id, 'killed')
    monkeypatch.setattr(movement, 'add_children_to_draft', real)
    taken = ImportRow.select().where(ImportRow.result_person.is_null(False)).first().result_person_id
    other_order = builders.draft(region.other_odo, 'enrolment', 1, on=builders.day(10, 1))
    chess = builders.association(region.other_odo, 'Шахматы')
    assert movement.add_children_to_draft(other_order, [taken], chess).added == [taken]
    assert imports.cancel(job).status == 'cancelling'
    assert imports.run_pending('next') == 1
    assert ImportJob.get_by_id(job.id).status == 'cancelled'
    assert OrderLine.select().where(OrderLine.order == setup.order).count() == 0
    assert [p.id for p in Person.select().where(Person.surname_key == SURNAME_KEY)] == [taken]
    assert OrderLine.select().where(OrderLine.order == other_order, OrderLine.person == taken).exists()


def test_on_sqlite_other_users_writes_wait_under_a_second_during_a_large_commit(database_url, setup, region):
    if is_postgres(database_url):
        pytest.skip('PostgreSQL locks rows, not the database: other organisations never wait')
    neighbour = builders.child('Соседова', 'Мария')
    job = ready_job(setup, 3000)
    stop, latencies = threading.Event(), []

    def save_a_card_again_and_again():
        while not stop.is_set():
            started = time.perf_counter()
            try:
                with common.write_transaction():
                    Person.update(phone=str(time.time())).where(Person.id == neighbour.id).execute()
                latencies.append(time.perf_counter() - started)
            except OperationalError:  # «database is locked» after the busy timeout
                latencies.append(float('inf'))
            time.sleep(0.02)
    writer = in_thread(save_a_card_again_and_again)
    started = time.monotonic()
    job = imports.run_job(job.id)
    seconds = time.monotonic() - started
    stop.set()
    writer.join(timeout=15)
    assert job.status == 'committed' and job.created_count == 3000
    assert seconds > 1.0  # longer than a writer may wait: one transaction would have blocked it
    assert len(latencies) >= 10 and max(latencies) < 1.0, f'{max(latencies):.2f} s'
