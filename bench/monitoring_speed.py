"""Monitoring at a region's and a nation's scale: the regional body's home (the table of every
organisation with its card, staff cards, portfolios and ЕСИА figures and the totals) through the
real app, against a naive per-organisation computation of the same figures in the same run.

    .venv/bin/python bench/monitoring_speed.py                       # PostgreSQL, both scales
    .venv/bin/python bench/monitoring_speed.py --scale region --url sqlite:////tmp/monitoring.db

The database (default postgresql://postgres@127.0.0.1:5432/kruzhok_monitoring_bench, created if
missing) is emptied, migrated and filled for each scale in turn: a region of 300 organisations with 30,000
staff (target ≤ 300 ms) and a «national» one of 20,000 organisations with 200,000 staff (target
≤ 2 s).  Each employee has a card filled at random, an education for most, 0–3 portfolio items and,
for most, an account linked to ЕСИА.  The naive computation asks, per organisation, for its
employments, their staff.fill_of and the card's fill_of: the figures must come out identical.
The employment summaries the database's triggers kept while the rows were written are first
compared with a recomputation from the rows (services/staff/summary.py).
"""
import argparse
import datetime
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import clock  # noqa: E402
import models  # noqa: E402
from demo.writer import Writer, convert  # noqa: E402
from models import (Employment, EmploymentEducation, EmploymentSummary, Municipality, Organisation,  # noqa: E402
                    Person, PortfolioItem, Region, Role, User, UserRole)
from services import card, monitoring, staff  # noqa: E402
from services.staff import summary  # noqa: E402
from services.auth.passwords import hash_password  # noqa: E402

DEFAULT_URL = 'postgresql://postgres@127.0.0.1:5432/kruzhok_monitoring_bench'
PASSWORD = 'Bench-2026!'
DAY = datetime.date(2026, 12, 2)
SCALES = {'region': (300, 30_000, 18, '300 организаций, 30 000 сотрудников', 0.300),
          'national': (20_000, 200_000, 85, '20 000 организаций, 200 000 сотрудников', 2.0)}
KINDS = ('odo', 'school', 'kindergarten', 'college')


def fresh_database(url):
    if url.startswith('postgres'):
        base, name = url.rsplit('/', 1)
        admin = models.make_database(base + '/postgres')
        admin.connect()
        admin.connection().autocommit = True
        if not admin.execute_sql('SELECT 1 FROM pg_database WHERE datname = %s', (name,)).fetchone():
            admin.execute_sql(f'CREATE DATABASE {name}')
        admin.close()
        database = models.make_database(url, statement_seconds=600)
        database.execute_sql('DROP SCHEMA IF EXISTS public CASCADE')
        database.execute_sql('CREATE SCHEMA public')
    else:
        path = url.split('sqlite:///', 1)[1]
        for suffix in ('', '-wal', '-shm'):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        database = models.make_database(url)
    models.db.initialize(database)
    models.migrate(database)
    return database


class Ids:
    """New ids after the largest in the table (rows written by COPY choose their own)."""
    def __init__(self):
        self.next = {}

    def __call__(self, model):
        if model not in self.next:
            self.next[model] = (model.select(model.id).order_by(model.id.desc()).limit(1).scalar() or 0) + 1
        value = self.next[model]
        self.next[model] = value + 1
        return value


def write(writer, model, names, rows):
    """Positional ``rows`` of ``names``; every other column takes the model's default."""
    fields = [f for f in model._meta.sorted_fields if f.name not in names]
    defaults = [convert(f.default() if callable(f.default) else f.default) for f in fields]
    writer.write(model, list(names) + [f.name for f in fields],
                 [tuple(convert(v) for v in row) + tuple(defaults) for row in rows])


def fill(database, scale_name, rng, ids, writer):
    """One region of the scale: municipalities, a regional body and its user, organisations, staff."""
    organisations, staff_total, municipalities, _, _ = SCALES[scale_name]
    region = Region.create(name=f'Регион {scale_name}', code=scale_name[:8])
    munis = [Municipality.create(region=region, name=f'Муниципалитет {n:03d}') for n in range(municipalities)]
    body = Organisation.create(region=region, kind='regional_body', short_name='Министерство',
                               full_name='Министерство', name_key='министерство')
    user = User.create(login=f'ministry-{scale_name}', password_hash=hash_password(PASSWORD))
    UserRole.create(user=user, organisation=body, role=Role.get(Role.code == 'authority_specialist'))
    card_fields = ['full_name', 'legal_form', 'founders', 'legal_address',  # the director: manager rows
                   'actual_address', 'phone', 'email', 'website', 'inn', 'kpp', 'ogrn', 'okpo',
                   'licence_number', 'accessibility', 'internet']
    org_rows, org_ids = [], []
    for n in range(organisations):
        oid = ids(Organisation)
        org_ids.append(oid)
        values = {name: (f'{name} {n}' if rng.random() < 0.85 else '') for name in card_fields}
        org_rows.append((oid, region.id, munis[n % municipalities].id, rng.choice(KINDS), f'Организация № {n}',
                         f'организация № {n}', *[values[name] for name in card_fields],
                         DAY if rng.random() < 0.8 else None, 100 if rng.random() < 0.8 else None))
    with database.atomic():
        write(writer, Organisation, ['id', 'region', 'municipality', 'kind', 'short_name', 'name_key', *card_fields,
                                    'licence_date', 'capacity'], org_rows)
    people, jobs, educations, items, users = [], [], [], [], []
    for n in range(staff_total):
        pid, eid = ids(Person), ids(Employment)
        level = rng.random()
        people.append((pid, 'Сотрудникова', 'Анна', 'Ивановна' if rng.random() < level + 0.2 else '',
                       False, DAY.replace(year=1980), 'F', f'{10_000_000_000 + pid}' if rng.random() < level + 0.3 else None,
                       'сотрудникова', 'анна', 'ивановна', True))
        jobs.append((eid, pid, org_ids[n % organisations], 'Педагог' if rng.random() < 0.97 else '',
                     DAY.replace(year=2015) if rng.random() < level + 0.3 else None,
                     'none' if rng.random() < level + 0.2 else '', rng.randint(0, 30) if rng.random() < level + 0.3 else None,
                     rng.randint(0, 30) if rng.random() < level + 0.3 else None,
                     '+7 000' if rng.random() < level + 0.2 else '', 'a@b.ru' if rng.random() < level + 0.2 else ''))
        if rng.random() < level + 0.3:
            educations.append((ids(EmploymentEducation), eid, 'higher_master', 'Университет', 2000, 'Педагогика'))
        for _ in range(rng.randint(0, 3)):
            kind = rng.choice(('qualification', 'attestation', 'award'))
            items.append((ids(PortfolioItem), eid, kind, 'Документ',
                          DAY.replace(year=rng.choice((2019, 2023, 2025))) if rng.random() < 0.9 else None,
                          'ИРО' if rng.random() < 0.9 else '', 72 if kind == 'qualification' else None,
                          '65-1' if rng.random() < 0.9 else ''))
        if rng.random() < 0.7:
            users.append((ids(User), f'esia.{pid}', pid, f'oid-{pid}'))
    with database.atomic():
        write(writer, Person, ['id', 'surname', 'name', 'patronymic', 'no_patronymic', 'birth_date', 'gender', 'snils',
                              'surname_key', 'name_key', 'patronymic_key', 'is_staff'], people)
        write(writer, Employment, ['id', 'person', 'organisation', 'position', 'started_on', 'qualification_category',
                                  'experience_years', 'pedagogical_experience_years', 'work_phone', 'work_email'], jobs)
        write(writer, EmploymentEducation, ['id', 'employment', 'level', 'institution', 'graduation_year',
                                           'speciality'], educations)
        write(writer, PortfolioItem, ['id', 'employment', 'kind', 'title', 'issued_on', 'issuer', 'hours',
                                     'document_number'], items)
        write(writer, User, ['id', 'login', 'person', 'esia_oid'], users)
    return body, org_ids


def reset_sequences(database):
    if isinstance(database, models.PostgresqlDatabase):
        for model in (Organisation, Person, Employment, EmploymentEducation, PortfolioItem, User):
            table = model._meta.table_name
            database.execute_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                 f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"), false)')
    database.execute_sql('ANALYZE')


def naive(org_ids):
    """Per organisation: its employments, their fills and its card, one organisation at a time."""
    result = {}
    for oid in org_ids:
        jobs = list(Employment.select().where(Employment.organisation == oid, Employment.dismissed_on.is_null()))
        fills = staff.fill_of(jobs, DAY)
        linked = sum(1 for j in jobs if User.select().where(User.person == j.person_id,
                                                            User.esia_oid.is_null(False)).exists())
        card_fill, portfolio_fill = staff.Fill(0, 0), staff.Fill(0, 0)
        for f in fills.values():
            card_fill.add(f.card)
            portfolio_fill.add(f.portfolio)
        counted = bool(jobs)
        result[oid] = {'card': card.fill_of([oid])[oid].tenths,
                       'staff': card_fill.tenths if counted else None,
                       'portfolio': portfolio_fill.tenths if counted else None,
                       'esia': staff.Fill(linked, len(jobs)).tenths if counted else None}
    return result


def summaries():
    return list(EmploymentSummary.select().order_by(EmploymentSummary.employment).tuples())


def timed(function, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return value, times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--url', default=os.environ.get('DATABASE_URL', DEFAULT_URL))
    parser.add_argument('--scale', choices=('region', 'national', 'both'), default='both')
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--naive-limit', type=int, default=0,
                        help='time the naive computation over this many organisations only (0: all)')
    args = parser.parse_args()
    clock.freeze(datetime.datetime.combine(DAY, datetime.time(3)))
    scales = ['region', 'national'] if args.scale == 'both' else [args.scale]
    for name in scales:  # each scale in a database of its own, as a deployment holds it
        measure(args, name)


def measure(args, name):
    database = fresh_database(args.url)
    rng, ids, writer = random.Random(2026), Ids(), Writer(database)
    start = time.perf_counter()
    body, org_ids = fill(database, name, rng, ids, writer)
    reset_sequences(database)
    print(f'\nfilled in {time.perf_counter() - start:.1f} s ({args.url.split("://")[0]}; the employment '
          f'summaries written by the database\'s triggers as the rows arrived)')
    kept = summaries()
    with database.atomic() as transaction:  # recomputed from the rows, then put back as they were
        summary.refresh(database)
        assert summaries() == kept, 'the summaries kept by the triggers differ from a recomputation'
        transaction.rollback()
    database.close()

    from app import create_app
    app = create_app({'TESTING': True, 'DATABASE_URL': args.url, 'SECRET_KEY': 'bench',
                      'STAFF_PASSWORD_SIGN_IN': True, 'SESSION_COOKIE_SECURE': False,
                      'WTF_CSRF_ENABLED': False, 'DB_REQUEST_SECONDS': 60})
    _, _, _, label, target = SCALES[name]
    client = app.test_client()
    answer = client.post('/login', data={'login': f'ministry-{name}', 'password': PASSWORD,
                                         'organisation': body.id})
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
    page, page_times = timed(lambda: client.get('/'), args.runs)
    assert page.status_code == 200 and 'Итого по всем организациям' in page.get_data(as_text=True)
    with app.app_context():
        rows, figure_times = timed(lambda: monitoring.current_rows(body, DAY), args.runs)
        _, snapshot_times = timed(lambda: monitoring.take_snapshot(body.region_id, DAY), 2)
        sample = org_ids[:args.naive_limit] if args.naive_limit else org_ids
        slow, naive_times = timed(lambda: naive(sample), 1)
        by_id = {row.id: row.figures for row in rows}
        assert all(by_id[oid] == slow[oid] for oid in sample), 'the naive figures differ'
        models.db.close()
    naive_all = naive_times[0] * len(org_ids) / len(sample)
    print(f'\n{label} (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)')
    print(f'  the page GET / (median of {args.runs}): {statistics.median(page_times) * 1000:.0f} ms '
          f'(min {min(page_times) * 1000:.0f}, max {max(page_times) * 1000:.0f}; target ≤ {target * 1000:.0f} ms) '
          f'{"OK" if statistics.median(page_times) <= target else "OVER"}; {len(page.data) // 1024} KB')
    print(f'  the figures alone (median): {statistics.median(figure_times) * 1000:.0f} ms')
    print(f'  a snapshot of every organisation: {min(snapshot_times) * 1000:.0f} ms')
    print(f'  naive per-organisation computation over {len(sample)}: {naive_times[0] * 1000:.0f} ms'
          + (f' (all {len(org_ids)}: about {naive_all:.1f} s)' if len(sample) < len(org_ids) else '')
          + f'; {naive_all / statistics.median(figure_times):.0f}× the aggregated figures; same figures: yes')


if __name__ == '__main__':
    main()
