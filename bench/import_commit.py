"""Commit of a 10,000-row import into a draft enrolment order, and what another user's writes
wait meanwhile.

    .venv/bin/python bench/import_commit.py                 # a temporary SQLite file
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/kruzhok_bench .venv/bin/python bench/import_commit.py

Point DATABASE_URL at a scratch database: the bench migrates it and adds its own region,
organisations and children on every run.  The import is built directly in the database (the
rows as the similar-person search leaves them: a tenth use children already in the registry,
the rest create new ones); then one runner commits it while a thread, acting for a user of
another organisation, saves a child's card every 50 ms and times each save.
"""
import argparse
import datetime
import json
import os
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import models  # noqa: E402
from models import (Association, ImportJob, ImportRow, Order, OrderLine, Organisation, Person,  # noqa: E402
                    Program, Region, SchoolYear, db)
from services import common, imports  # noqa: E402
from services.registry import people  # noqa: E402

SURNAMES = ['Иванова', 'Петрова', 'Сидорова', 'Орлова', 'Белова', 'Соколова', 'Ёлкина', 'Козлова']
NAMES = ['Анна', 'Мария', 'Дарья', 'Софья', 'Алиса', 'Ева', 'Полина', 'Варвара']


def organisation(region, name, capacity):
    org = Organisation.create(region=region, kind='odo', short_name=name, full_name=name)
    year = SchoolYear.create(organisation=org, start_year=2026, state='current',
                             starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2027, 8, 31))
    program = Program.create(organisation=org, focus='arts', name='Бисероплетение')
    associations = [Association.create(organisation=org, school_year=year, program=program,
                                       name=f'{n}а Бисер', capacity=capacity) for n in range(1, 5)]
    order = Order.create(organisation=org, school_year=year, kind='enrolment', number='1',
                         document_date=datetime.date(2026, 9, 1), act_date=datetime.date(2026, 9, 1))
    return org, associations, order


def child_values(n, associations):
    birth = datetime.date(2012, 1, 1) + datetime.timedelta(days=n % 2500)
    return {'surname': SURNAMES[n % 8], 'name': NAMES[n // 8 % 8], 'patronymic': 'Ивановна',
            'no_patronymic': False, 'birth_date': birth.isoformat(), 'gender': 'F', 'snils': None,
            'association_id': associations[n % len(associations)].id, 'association_name': '',
            'passport': None, 'foreign': None, 'civil_record_number': f'1701{n:011d}',
            'certificate': {'series': 'II-ФВ', 'number': f'{n % 1000000:06d}',
                            'issued_on': (birth + datetime.timedelta(days=20)).isoformat(),
                            'issued_by': 'ЗАГС г. Южно-Сахалинска'}}


def build(rows):
    """A region and the importing organisation with a job ready to commit."""
    tag = uuid.uuid4().hex[:6]
    region = Region.create(name=f'Бенчмарк {tag}', code=tag)
    org, associations, order = organisation(region, f'МАУДО ЦДТ {tag}', capacity=rows)
    used = rows // 10
    with db.atomic():  # children already in the registry, found by the search
        known = people.create_people([child_values(10 ** 6 + n, associations) for n in range(used)])
    job = ImportJob.create(organisation=org, order=order, file_name='бенчмарк.xlsx', status='commit_queued',
                           row_count=rows, progress_total=rows, skip_mode='cells')
    data = []
    for n in range(rows):
        values = child_values(n, associations)
        use = n < used
        data.append((job.id, n + 4, json.dumps(values, ensure_ascii=False),
                     'use' if use else 'new', known[n] if use else None))
    fields = [ImportRow.job, ImportRow.row_number, ImportRow.values, ImportRow.decision,
              ImportRow.chosen_person]
    with db.atomic():
        for start in range(0, rows, 500):
            ImportRow.insert_many(data[start:start + 500], fields=fields).execute()
    neighbour, = people.create_people([child_values(2 * 10 ** 6, associations)])
    return job, neighbour


def other_users_writes(person_id, stop, latencies):
    """Another organisation's administrator saving a child's card, again and again."""
    while not stop.is_set():
        started = time.perf_counter()
        try:
            with common.write_transaction():
                Person.update(phone=str(time.time())).where(Person.id == person_id).execute()
            latencies.append(time.perf_counter() - started)
        except Exception as error:  # a refused write is the figure this bench is for
            latencies.append(float('inf'))
            print(f'  another user\'s write failed: {error}', flush=True)
        finally:
            db.close()
        time.sleep(0.05)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--rows', type=int, default=10_000)
    args = parser.parse_args()
    url = os.environ.get('DATABASE_URL') or 'sqlite:///' + os.path.join(tempfile.mkdtemp(), 'bench.db')
    database = models.make_database(url)
    models.db.initialize(database)
    models.migrate(database)
    job, neighbour = build(args.rows)
    db.close()
    stop, latencies = threading.Event(), []
    writer = threading.Thread(target=other_users_writes, args=(neighbour, stop, latencies))
    writer.start()
    started = time.perf_counter()
    job = imports.run_job(job.id, 'bench')
    seconds = time.perf_counter() - started
    stop.set()
    writer.join()
    lines = OrderLine.select().where(OrderLine.order == job.order_id).count()
    kind = 'PostgreSQL' if url.startswith('postgres') else 'SQLite'
    print(f'{args.rows:,}-row import committed on {kind}: {seconds:.1f} s '
          f'(status {job.status}, {job.created_count:,} created, {job.used_count:,} used, '
          f'{lines:,} lines in the draft order)')
    if latencies:
        latencies.sort()
        print(f'  another user\'s writes during it: {len(latencies)}, median '
              f'{latencies[len(latencies) // 2] * 1000:.0f} ms, 95th percentile '
              f'{latencies[len(latencies) * 95 // 100] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms')


if __name__ == '__main__':
    main()
