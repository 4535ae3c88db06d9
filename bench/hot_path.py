"""App CPU per request, in-process, against a minimal route measured in the same run.

    .venv/bin/python bench/hot_path.py --database-url postgresql://postgres@127.0.0.1:5432/kz_big
    .venv/bin/python bench/hot_path.py --database-url … --code ../other-checkout   # another checkout's app

The database is prepared as in search_bench.py (migrated, the demo region loaded when empty).
Each request goes through Flask's test client signed in as the demo administrator, and its CPU
time (``time.process_time``: this process only, so the database server's work is left out and
other load on the machine barely matters) and wall time are taken.  The floor is a minimal Flask
app in the same process: a session lookup (session + user), one 50-row query and a Jinja table
of those rows; every figure is printed as a ratio of it.  The surname search is also measured
before ``web.settle_garbage_collector()`` (as a process is before gunicorn's post_worker_init)
and after, for the collector's share.  Target (issue 19): the surname fragment ≤ 6 ms median
on PostgreSQL and ≤ 3× the floor.
"""
import argparse
import gc
import os
import random
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--database-url', required=True)
    parser.add_argument('--code', default=ROOT, help='checkout whose app is measured')
    parser.add_argument('--requests', type=int, default=300)
    parser.add_argument('--seed', type=int, default=11)
    return parser.parse_args(argv)


def floor_app(models):
    """Session lookup + one 50-row query + a Jinja table: what any page costs at the least."""
    from flask import Flask, abort, render_template_string, request
    from peewee import JOIN
    from models import Person, User, WebSession
    import hashlib

    floor = Flask('floor')
    table = ('<table><thead><tr><th>ФИО</th><th>Дата рождения</th><th>Пол</th><th>СНИЛС</th>'
             '</tr></thead><tbody>{% for id, surname, name, patronymic, born, gender, snils in rows %}'
             '<tr><td class="name"><a href="/p/{{ id }}">{{ surname }} {{ name }} {{ patronymic }}</a>'
             '</td><td>{{ born }}</td><td>{{ gender }}</td><td>{{ snils or "" }}</td></tr>'
             '{% endfor %}</tbody></table>')

    @floor.get('/floor')
    def page():
        key = request.cookies.get('kruzhok_session', '')
        found = (WebSession.select(WebSession, User).join(User, JOIN.LEFT_OUTER)
                 .where(WebSession.key_hash == hashlib.sha256(key.encode()).hexdigest()).first())
        if found is None:
            abort(403)
        prefix = request.args.get('surname', 'ив')
        rows = (Person.select(Person.id, Person.surname, Person.name, Person.patronymic,
                              Person.birth_date, Person.gender, Person.snils)
                .where(Person.surname_key >= prefix, Person.surname_key < prefix + '\uffff')
                .order_by(Person.surname_key, Person.id).limit(50).tuples())
        return render_template_string(table, rows=list(rows))

    @floor.teardown_appcontext
    def close(exc):
        models.db.close()
    return floor


def measure(client, paths, headers=None):
    cpu, wall = [], []
    for path in paths:
        c0, w0 = time.process_time(), time.perf_counter()
        response = client.get(path, headers=headers or {})
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return cpu, wall


def main(argv=None):
    args = parse_args(argv)
    sys.path[:0] = [os.path.abspath(args.code), HERE]
    sys.path.append(ROOT)  # so that search_bench does not put this checkout first
    import models
    import search_bench
    app, admin, home, order = search_bench.prepare(search_bench.parse_args(
        ['--database-url', args.database_url]))
    rng = random.Random(args.seed)
    client = app.test_client()
    with client.session_transaction() as session:
        session.update({'_user_id': str(admin.id), 'org_id': home.id, '_fresh': True})
    cookie = client.get_cookie('kruzhok_session')
    floor = floor_app(models).test_client()
    floor.set_cookie('kruzhok_session', cookie.value)

    # What htmx sends for «Применить»: its target too (the search screen swaps only #results).
    htmx = {'HX-Request': 'true', 'HX-Request-Type': 'partial', 'HX-Target': 'div#results',
            'Accept-Encoding': 'br, gzip'}
    page = {'Accept-Encoding': 'br, gzip'}
    n = args.requests
    surnames = [dict(q, size='50') for q in search_bench.sample_queries('surname', n, rng, home)]
    surname_paths = [search_bench.request_path('surname', order, q) for q in surnames]
    prefixes = [q['surname'].lower().replace('ё', 'е') for q in surnames]
    cases = [('floor: session + 50-row query + Jinja table', floor,
              [f'/floor?surname={p}' for p in prefixes], page)]
    cases.append(('liveness /healthz/live', client, ['/healthz/live'] * n, page))
    cases.append(('home page /', client, ['/'] * n, page))
    cases.append(('search screen before «Применить»', client,
                  [search_bench.request_path('surname', order, {})] * n, page))
    cases.append(('surname search fragment, 50 rows', client, surname_paths, htmx))
    cases.append(('surname search, whole page', client, surname_paths, page))
    for kind, label in search_bench.KINDS[1:]:
        queries = search_bench.sample_queries(kind, n // 3, rng, home)
        cases.append((f'{label} fragment', client,
                      [search_bench.request_path(kind, order, q) for q in queries], htmx))

    for _, who, paths, headers in cases:  # warm up: templates, compiled queries, caches
        measure(who, paths[:20], headers)
    unsettled = measure(client, surname_paths, htmx)[0]
    import web
    if hasattr(web, 'settle_garbage_collector'):
        web.settle_garbage_collector()
    else:  # an older checkout: settle the same way
        gc.collect(), gc.freeze(), gc.set_threshold(50_000, *gc.get_threshold()[1:])
    results = [(label, *measure(who, paths, headers)) for label, who, paths, headers in cases]

    backend = 'PostgreSQL' if isinstance(models.db.obj, models.PostgresqlDatabase) else 'SQLite'
    load = os.getloadavg()
    print(f'\n{backend}, {models.Person.select().count()} people; code: {args.code}; '
          f'load average {load[0]:.2f} {load[1]:.2f} ({os.cpu_count()} cores)')
    print(f'{"request":<46}{"n":>5}{"CPU median":>12}{"mean":>8}{"p95":>8}{"× floor":>9}{"wall median":>13}')
    floor_median = statistics.median(results[0][1])
    for label, cpu, wall in results:
        ordered = sorted(cpu)
        p95 = ordered[int(0.95 * (len(ordered) - 1))]
        print(f'{label:<46}{len(cpu):>5}{statistics.median(cpu):>10.2f}ms{statistics.mean(cpu):>8.2f}'
              f'{p95:>8.2f}{statistics.median(cpu) / floor_median:>8.2f}×{statistics.median(wall):>11.2f}ms')
    settled = results[4][1]
    print(f'\nSurname fragment before settling the collector: median {statistics.median(unsettled):.2f} ms, '
          f'mean {statistics.mean(unsettled):.2f}, max {max(unsettled):.2f}; after: median '
          f'{statistics.median(settled):.2f}, mean {statistics.mean(settled):.2f}, max {max(settled):.2f}')
    verdict = statistics.median(settled)
    print(f'Verdict: surname fragment {verdict:.2f} ms CPU median (target ≤ 6), '
          f'{verdict / floor_median:.2f}× the floor (target ≤ 3×)')


if __name__ == '__main__':
    main()
