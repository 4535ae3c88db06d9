"""Time the demo region loader on a fresh database.

    .venv/bin/python bench/seed_timing.py --children 1000000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/kruzhok_bench
    .venv/bin/python bench/seed_timing.py --children 200000 --database-url sqlite:///instance/bench.db

The database is emptied first: on PostgreSQL the ``public`` schema is dropped and
recreated, a SQLite file is deleted.  Do not point it at a database you need.
"""
import argparse
import os
import sys
import time
from urllib.parse import unquote, urlparse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import demo  # noqa: E402
import models  # noqa: E402


def fresh_database(url):
    """Initialise models.db on an empty database at ``url`` and migrate it."""
    parsed = urlparse(url)
    if parsed.scheme == 'sqlite':
        path = unquote(parsed.path)[1:]
        for suffix in ('', '-wal', '-shm'):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        models.db.initialize(models.make_database(url))
    else:
        models.db.initialize(models.make_database(url))
        models.db.execute_sql('DROP SCHEMA public CASCADE')
        models.db.execute_sql('CREATE SCHEMA public')
    models.migrate()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--children', type=int, default=1_000_000)
    parser.add_argument('--organisations', type=int, default=300)
    parser.add_argument('--seed', type=int, default=2024)
    parser.add_argument('--database-url', default=os.environ.get('DATABASE_URL', 'sqlite:///instance/bench.db'))
    parser.add_argument('--quiet', action='store_true', help='no progress bar')
    args = parser.parse_args(argv)

    started = time.perf_counter()
    fresh_database(args.database_url)
    prepared = time.perf_counter()
    counts = demo.load_demo_region(children=args.children, organisations=args.organisations,
                                   seed=args.seed, progress=None if args.quiet else demo.print_progress)
    seconds = time.perf_counter() - prepared
    database = urlparse(args.database_url).scheme
    print(f'database: {database}, schema prepared in {prepared - started:.1f} s')
    print(f'children: {args.children}, organisations: {args.organisations}, seed: {args.seed}')
    print(f'load_demo_region: {seconds:.1f} s, {args.children / seconds:,.0f} children/s')
    for name, value in counts.items():
        print(f'  {name:28} {value:>12,}')
    models.db.close()


if __name__ == '__main__':
    main()
