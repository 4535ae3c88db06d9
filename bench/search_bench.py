"""Server time per registry search, per kind of filter, with and without the search indexes.

    .venv/bin/python bench/search_bench.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/kruzhok_registry_bench
    .venv/bin/python bench/search_bench.py --database-url sqlite:///instance/bench.db --children 200000

An empty database is migrated and filled with the demo region first (``--children``,
``--organisations``); a filled one is migrated and used as it is.  The bench signs in as the
demo administrator (odo-admin) and keeps one draft enrolment order of its own («bench»).

Two measurements per kind, over the same varied queries drawn from the data:

* request: the whole GET through the Flask app (session, rights, the queries, the audit
  record, the template), as a user would wait for it — ``--queries`` of them (default 200);
* service: only the registry queries the view runs, with the indexes and then without
  them — the baseline drops every secondary index of person, identity_document and
  membership (the foundation's and this feature's) inside a transaction that is rolled back,
  so nothing is left changed.  ``--baseline-queries`` of them (default 20: they are slow).
"""
import argparse
import datetime
import os
import random
import statistics
import sys
import time
from urllib.parse import urlencode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import models  # noqa: E402
from peewee import fn  # noqa: E402
from models import (IdentityDocument, Membership, Order, Organisation, Person, SchoolYear,  # noqa: E402
                    User, UserRole)
from services import enrolment, paging  # noqa: E402

KINDS = [
    ('surname', 'surname prefix'),
    ('full', 'surname + name + birth date'),
    ('snils', 'СНИЛС'),
    ('document', 'document series + number'),
    ('pool', 'pool, three filters'),
    ('others', 'other organisation + surname letter'),
]
INDEXED_TABLES = ('person', 'identity_document', 'membership')


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--database-url', required=True)
    parser.add_argument('--children', type=int, default=1_000_000)
    parser.add_argument('--organisations', type=int, default=3000)
    parser.add_argument('--queries', type=int, default=200)
    parser.add_argument('--baseline-queries', type=int, default=20)
    parser.add_argument('--seed', type=int, default=5)
    return parser.parse_args(argv)


def prepare(args):
    from app import create_app
    app = create_app({'DATABASE_URL': args.database_url, 'SECRET_KEY': 'bench', 'TESTING': True,
                      'SESSION_COOKIE_SECURE': False})
    models.migrate(models.db.obj)
    if not models.Region.select().exists():
        import demo
        print(f'Loading the demo region: {args.children} children…', flush=True)
        demo.load_demo_region(children=args.children, organisations=args.organisations,
                              progress=demo.print_progress)
    _analyze()
    admin = User.get(User.login == 'odo-admin')
    home = (Organisation.select().join(UserRole, on=UserRole.organisation == Organisation.id)
            .where(UserRole.user == admin, Organisation.kind == 'odo').first())
    year = SchoolYear.get(SchoolYear.organisation == home, SchoolYear.state == 'current')
    order = Order.get_or_none(Order.organisation == home, Order.number == 'bench')
    if order is None:
        day = year.starts_on + datetime.timedelta(days=45)
        order = Order.create(organisation=home, school_year=year, kind='enrolment', number='bench',
                             document_date=day, act_date=day, created_by=admin)
    models.db.close()
    return app, admin, home, order


def _analyze():
    database = models.db.obj
    database.execute_sql('VACUUM ANALYZE' if isinstance(database, models.PostgresqlDatabase)
                         else 'ANALYZE')


# --- Varied queries drawn from the data ----------------------------------------------

def _random_row(model, rng, query=None):
    top = model.select(fn.MAX(model.id)).scalar()
    for _ in range(50):
        row = (model.select() if query is None else query).where(model.id >= rng.randint(1, top)).order_by(model.id).first()
        if row is not None:
            return row
    raise RuntimeError(f'no rows in {model._meta.table_name}')


def _child(rng):
    return _random_row(IdentityDocument, rng).person


def _departure(rng):
    query = Membership.select().where(Membership.end_kind.in_(['withdrawal', 'graduation']))
    return _random_row(Membership, rng, query)


def sample_queries(kind, count, rng, home):
    """URL arguments of ``count`` searches of one kind, like people would type them."""
    result = []
    while len(result) < count:
        if kind == 'surname':
            surname = _child(rng).surname
            typed = surname[:rng.randint(2, min(6, len(surname)))]
            result.append({'applied': 1, 'surname': typed.lower() if rng.random() < .5 else typed})
        elif kind == 'full':
            p = _child(rng)
            result.append({'applied': 1, 'surname': p.surname.lower().replace('ё', 'е'),
                           'name': p.name, 'birth_date': p.birth_date.strftime('%d.%m.%Y')})
        elif kind == 'snils':
            p = _random_row(Person, rng, Person.select().where(Person.snils.is_null(False)))
            d = p.snils
            result.append({'applied': 1, 'snils': f'{d[:3]}-{d[3:6]}-{d[6:9]} {d[9:]}'
                           if rng.random() < .5 else d})
        elif kind == 'document':
            doc = _random_row(IdentityDocument, rng)
            result.append({'applied': 1, 'doc_series': doc.series, 'doc_number': doc.number})
        elif kind == 'pool':
            m = _departure(rng)
            org = m.organisation
            options = {'category': m.end_kind, 'org_kind': org.kind,
                       'municipality': org.municipality_id, 'year': m.ended_on.year,
                       'letter': m.person.surname[:1].upper().replace('Ё', 'Е'),
                       'gender': m.person.gender, 'reason': m.end_reason}
            names = [k for k, v in options.items() if v]
            result.append({k: options[k] for k in rng.sample(names, 3)})
        else:
            m = _random_row(Membership, rng, Membership.select().where(
                Membership.ended_on.is_null(), Membership.organisation != home.id))
            result.append({'organisation': m.organisation_id,
                           'surname': m.person.surname[:1].lower()})
    return [{k: str(v) for k, v in query.items()} for query in result]


# --- What the views run -------------------------------------------------------------

def service_search(kind, args, order, home, admin):
    """The registry queries of one search, exactly as the view runs them (no HTTP, no template)."""
    region = home.region_id
    if kind in ('surname', 'full', 'snils', 'document'):
        filters, errors = enrolment.parse_search(args)
        assert not errors, errors
        page = paging.page_of(enrolment.search_people(filters), 1, filters.size,
                              enrolment.search_people(filters, for_count=True))
        people = page.rows
        documents = True
    elif kind == 'pool':
        filters = enrolment.parse_pool(args, region)
        page = paging.page_of_ids(enrolment.pool_departures(filters, region), 1, filters.size,
                                  enrolment.pool_rows, enrolment.POOL_LOOKAHEAD)
        people, documents = [m.person for m in page.rows], False
    else:
        filters = enrolment.parse_others(args, region, home.id)
        page = paging.page_of(enrolment.others_members(filters, region, home.id), 1, filters.size,
                              enrolment.others_members(filters, region, home.id, for_count=True))
        people, documents = [m.person for m in page.rows], False
    rows = enrolment.child_rows(people, order, home, enrolment.selected_ids(admin.id, order), None,
                                 documents=documents,
                                 extras=page.rows if kind in ('pool', 'others') else None)
    return len(rows)


PATHS = {'pool': 'pool', 'others': 'other-organisations'}


def request_path(kind, order, args):
    return f'/enrolment/orders/{order.id}/{PATHS.get(kind, "search")}?{urlencode(args)}'


def timed(fn):
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def summary(times):
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]
    return statistics.median(ordered), p95


def drop_search_indexes():
    database = models.db.obj
    dropped = []
    for table in INDEXED_TABLES:
        for index in database.get_indexes(table):
            if not index.unique and not index.name.endswith('_pkey'):
                database.execute_sql(f'DROP INDEX "{index.name}"')
                dropped.append(index.name)
    return dropped


def main(argv=None):
    args = parse_args(argv)
    app, admin, home, order = prepare(args)
    rng = random.Random(args.seed)
    database = models.db.obj
    backend = 'PostgreSQL' if isinstance(database, models.PostgresqlDatabase) else 'SQLite'
    children = Person.select().count()
    print(f'{backend}: {children} people, {Organisation.select().count()} organisations, '
          f'{Membership.select().count()} memberships; home organisation: {home.short_name}')

    queries = {kind: sample_queries(kind, args.queries, rng, home) for kind, _ in KINDS}
    client = app.test_client()
    with client.session_transaction() as session:
        session.update({'_user_id': str(admin.id), 'org_id': home.id, '_fresh': True})

    results = {}
    for kind, label in KINDS:
        print(f'… {label}', flush=True)
        for query in queries[kind][:10]:  # warm the caches
            client.get(request_path(kind, order, query))
        request_times, found = [], 0
        for query in queries[kind]:
            path = request_path(kind, order, query)
            start = time.perf_counter()
            response = client.get(path)
            request_times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (path, response.status_code)
            found += '<tbody>' in response.get_data(as_text=True)
        with app.app_context():
            sample = queries[kind][:args.baseline_queries]
            indexed = [timed(lambda q=q: service_search(kind, q, order, home, admin)) for q in sample]
            print(f'  requests done: median {statistics.median(request_times):.1f} ms', flush=True)
            print(f'  service: median {statistics.median(indexed):.1f} ms', flush=True)
            baseline = [float('nan')]
            if sample:
                with database.atomic() as transaction:
                    drop_search_indexes()
                    baseline = [timed(lambda q=q: service_search(kind, q, order, home, admin))
                                for q in sample]
                    transaction.rollback()
        models.db.close()
        results[kind] = (summary(request_times), summary(indexed), summary(baseline),
                         found, len(queries[kind]))

    print(f'\n{"kind":<38}{"n":>5}{"hits":>6}{"req median":>12}{"req p95":>10}'
          f'{"svc median":>12}{"no-index median":>17}{"ratio":>8}')
    for kind, label in KINDS:
        (req_med, req_p95), (svc_med, _), (base_med, _), found, n = results[kind]
        print(f'{label:<38}{n:>5}{found:>6}{req_med:>10.1f}ms{req_p95:>8.1f}ms'
              f'{svc_med:>10.1f}ms{base_med:>15.1f}ms{base_med / svc_med:>7.0f}×')
    print('\nreq = whole GET through the app; svc = the registry queries only, with indexes;\n'
          f'no-index = the same {args.baseline_queries} queries per kind with every secondary index of '
          f'{", ".join(INDEXED_TABLES)} dropped (rolled back).')
    worst = max(results[kind][0][1] for kind, _ in KINDS)
    print(f'Worst p95: {worst:.1f} ms (target ≤ 50 ms).')


if __name__ == '__main__':
    main()
