"""Speed of an import: a 5,000-row file against 1,000,000 children on PostgreSQL, from upload to
the resolution screen, with peak worker memory, and the recordlinkage baseline in the same run.

    bench/.venv/bin/python bench/import_speed.py [--url postgresql://postgres@127.0.0.1:5432/kruzhok_import_bench]

The bench database is created and filled on the first run (about two minutes for a million
children) and reused afterwards.  The measured part runs in a fresh process so that its peak
memory is the worker's own: upload (checks, parsing, validation, storing the rows), the
validation report, the similar-person search (run within the request, as for files under
``BACKGROUND_FROM`` rows; a background worker adds at most its poll interval) and the
resolution screen, through the real Flask app.
"""
import argparse
import datetime
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), HERE]

import models  # noqa: E402
import import_data  # noqa: E402
from import_quality import metrics, record_linkage  # noqa: E402

DEFAULT_URL = 'postgresql://postgres@127.0.0.1:5432/kruzhok_import_bench'
LOGIN, PASSWORD = 'bench-admin', 'Bench-2024!'


def ensure_database(url, children, seed):
    base, name = url.rsplit('/', 1)
    admin = models.make_database(base + '/postgres')
    admin.connect()
    admin.connection().autocommit = True
    exists = admin.execute_sql('SELECT 1 FROM pg_database WHERE datname = %s', (name,)).fetchone()
    if not exists:
        admin.execute_sql(f'CREATE DATABASE "{name}"')
    admin.close()
    database = models.make_database(url)
    models.db.initialize(database)
    models.migrate(database)
    registry = import_data.make_registry(children, seed)
    if models.Person.select().count() < children or _fingerprint(database) != _fingerprint(registry=registry):
        print(f'filling {url.rsplit("/", 1)[1]} with {children:,} children…', flush=True)
        started = time.perf_counter()
        database.execute_sql('TRUNCATE person, identity_document RESTART IDENTITY CASCADE')
        import_data.write_registry(database, registry)
        _organisation()
        print(f'  done in {time.perf_counter() - started:.0f} s', flush=True)
    return database, registry


def _fingerprint(database=None, registry=None):
    """A digest of the registry's ids, surnames and СНИЛС, from the database or the generator:
    a changed generator refills the bench database instead of measuring against stale truth."""
    if registry is not None:
        text = ','.join(f'{c.id}:{c.surname}:{c.snils}' for c in registry)
    else:
        text = database.execute_sql(
            "SELECT string_agg(id || ':' || surname || ':' || snils, ',' ORDER BY id) FROM person").fetchone()[0]
    return hashlib.md5((text or '').encode()).hexdigest()


def _organisation():
    from models import (Association, Organisation, Program, Region, Role, SchoolYear, User, UserRole)
    from services.auth.passwords import hash_password
    region = Region.get_or_create(name='Сахалинская обл', defaults={'code': '65'})[0]
    odo = Organisation.create(region=region, kind='odo', short_name='МАУДО ЦДТ (бенчмарк)')
    year = SchoolYear.create(organisation=odo, start_year=2026, state='current',
                             starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2027, 8, 31))
    program = Program.create(organisation=odo, focus='arts', name='Бисероплетение')
    Association.create(organisation=odo, school_year=year, program=program, name='1а Бисер', capacity=10000)
    user = User.create(login=LOGIN, password_hash=hash_password(PASSWORD))
    UserRole.create(user=user, organisation=odo, role=Role.get(Role.code == 'odo_admin'))


def measure(url, path):
    """The worker's part, in its own process: prints a JSON line of timings and peak memory."""
    from app import create_app
    from models import ImportJob, Organisation, UserRole, User
    from services import imports
    app = create_app({'DATABASE_URL': url, 'SECRET_KEY': 'bench', 'TESTING': True,
                      'WTF_CSRF_ENABLED': False, 'SESSION_COOKIE_SECURE': False})
    imports.jobs.BACKGROUND_FROM = 10 ** 9  # measure the search itself, not the polling interval
    with open(path, 'rb') as fh:
        data = fh.read()
    with app.app_context():
        org = (Organisation.select().join(UserRole).join(User).where(User.login == LOGIN).get())
        ImportJob.delete().where(ImportJob.organisation == org).execute()  # earlier runs' imports
        # The bench signs in with a password; the region's ЕСИА-only date would refuse staff.
        models.Region.update(esia_only_since=datetime.date(2100, 1, 1)).where(
            models.Region.id == org.region_id).execute()
        associations = imports.organisation_associations(org, None)
        started = time.perf_counter()
        imports.parse_file('bench.xlsx', data, associations)
        parse_only = time.perf_counter() - started
    client = app.test_client()
    client.post('/login', data={'login': LOGIN, 'password': PASSWORD, 'organisation': org.id})
    timings = {'parse_validate': parse_only}
    started = time.perf_counter()
    response = client.post('/imports/', data={'file': (open(path, 'rb'), 'bench.xlsx')},
                           content_type='multipart/form-data')
    timings['upload'] = time.perf_counter() - started
    job_id = int(response.headers['Location'].rsplit('/', 1)[1])
    mark = time.perf_counter()
    report = client.get(f'/imports/{job_id}')
    timings['report'] = time.perf_counter() - mark
    assert 'пропустить' in report.get_data(as_text=True).lower(), report.status
    mark = time.perf_counter()
    client.post(f'/imports/{job_id}/skip', data={'mode': 'cells'})
    timings['similar_search'] = time.perf_counter() - mark
    mark = time.perf_counter()
    page = client.get(f'/imports/{job_id}')
    timings['resolution_screen'] = time.perf_counter() - mark
    timings['total'] = time.perf_counter() - started
    assert 'Поиск похожих пользователей системы' in page.get_data(as_text=True), page.status
    with app.app_context():
        rows = list(models.ImportRow.select(models.ImportRow.row_number, models.ImportRow.candidates)
                    .where(models.ImportRow.job == job_id).order_by(models.ImportRow.row_number).tuples())
        ImportJob.delete().where(ImportJob.id == job_id).execute()
    proposals = [[(c['person_id'], c['exact']) for c in json.loads(candidates)] for _, candidates in rows]
    timings['peak_rss_mb'] = _peak_rss_mb()
    print(json.dumps({'timings': timings, 'proposals': proposals}))


def _peak_rss_mb():
    """This process's peak resident memory (VmHWM; ru_maxrss would carry the parent's over exec)."""
    with open('/proc/self/status') as fh:
        for line in fh:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--url', default=os.environ.get('BENCH_DATABASE_URL', DEFAULT_URL))
    parser.add_argument('--children', type=int, default=1_000_000)
    parser.add_argument('--rows', type=int, default=5000)
    parser.add_argument('--seed', type=int, default=6)
    parser.add_argument('--measure', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure(args.url, args.measure)
    database, registry = ensure_database(args.url, args.children, args.seed)
    # Latin spellings are refused by the file's validation (names are Cyrillic), so the file has none;
    # the engine's handling of them is measured by import_quality.py.
    rows, truth = import_data.make_file(registry, args.rows, seed=random.Random(args.seed).randint(1, 10 ** 6),
                                        without=('translit',))
    folder = tempfile.mkdtemp(prefix='kruzhok-speed-')
    path = os.path.join(folder, 'bench.xlsx')
    with open(path, 'wb') as fh:
        fh.write(import_data.as_xlsx(rows))
    database.close()
    load_before = os.getloadavg()
    result = subprocess.run([sys.executable, __file__, '--url', args.url, '--measure', path],
                            capture_output=True, text=True)
    if result.returncode:
        sys.exit(result.stderr[-3000:])
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    t = measured['timings']
    print(f'{args.rows:,}-row .xlsx against {models.Person.select().count():,} children, PostgreSQL, '
          f'{os.cpu_count()} cores (shared)')
    print(f'  parsing and validation alone   {t["parse_validate"]:6.2f} s   (target ≤ 3 s)')
    print(f'  upload (checks, parse, store)  {t["upload"]:6.2f} s')
    print(f'  validation report page         {t["report"]:6.2f} s')
    print(f'  similar-person search          {t["similar_search"]:6.2f} s')
    print(f'  resolution screen (page 1)     {t["resolution_screen"]:6.2f} s')
    print(f'  upload → resolution screen     {t["total"]:6.2f} s   (target ≤ 15 s)')
    print(f'  peak worker memory             {t["peak_rss_mb"]:6.0f} MB  (target ≤ 300 MB)')
    ours = metrics(rows, truth, measured['proposals'])
    print(f'  quality: recall {ours["recall"]:.2%}, top-1 {ours["top1"]:.2%}, '
          f'false preselect {ours["false_preselect"]:.2%}, new shown a candidate {ours["new_shown"]:.2%}')
    print(f'  load average (1/5/15 min) before {" ".join(f"{x:.2f}" for x in load_before)}, '
          f'after {" ".join(f"{x:.2f}" for x in os.getloadavg())}')
    try:
        import recordlinkage  # noqa: F401
    except ImportError:
        print('recordlinkage baseline: not installed (see bench/requirements.txt)')
        return
    started = time.perf_counter()
    baseline_registry = [c for c in registry]  # the same million children, as the baseline reads them
    proposals = record_linkage(baseline_registry, rows)
    seconds = time.perf_counter() - started
    base = metrics(rows, truth, proposals)
    print(f'recordlinkage baseline (blocking + Jaro-Winkler), same data: {seconds:.2f} s '
          f'(search only; ours {t["similar_search"]:.2f} s, ratio {seconds / t["similar_search"]:.1f}×); '
          f'recall {base["recall"]:.2%}, top-1 {base["top1"]:.2%}, false preselect {base["false_preselect"]:.2%}')


if __name__ == '__main__':
    main()
