"""Search responses per second through gunicorn on loopback, measured with wrk.

    .venv/bin/python bench/search_load.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/kruzhok_registry_bench

Starts gunicorn on a free loopback port against the database (prepared as in
search_bench.py: migrated, demo region loaded when empty), signs in as the demo administrator
by creating a server-side session, and lets wrk (Debian package ``wrk``) send a mix of the six
kinds of search (``--per-kind`` varied URLs each) from ``--connections`` clients for
``--duration`` seconds.  Requests ask for a compressed answer and, as htmx does when a filter
changes, for the result swap only; ``--full-pages`` asks for whole pages instead.

Before the searches, two floors are measured in the same run with the same clients: the
liveness check (no database) and the search screen before «Применить» (everything a search
page does but the search).  Prints wrk's figures, the searches' share of each floor and the
verdict against the target (≥ 200 responses/s, p99 ≤ 250 ms, no errors).  gunicorn is
stopped and the session removed at the end.
"""
import argparse
import hashlib
import json
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'bench'))

import models  # noqa: E402
import search_bench  # noqa: E402
from models import WebSession, utcnow  # noqa: E402


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--database-url', required=True)
    parser.add_argument('--children', type=int, default=1_000_000)
    parser.add_argument('--organisations', type=int, default=3000)
    parser.add_argument('--duration', type=int, default=30)
    parser.add_argument('--connections', type=int, default=16)
    parser.add_argument('--workers', type=int, default=2 * (os.cpu_count() or 1),
                        help='gunicorn workers (default: 2 × cores, as tools/gunicorn.conf.py)')
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--per-kind', type=int, default=200)
    parser.add_argument('--seed', type=int, default=7)
    parser.add_argument('--full-pages', action='store_true',
                        help='ask for whole pages (a first visit, or a browser without JavaScript) '
                             'instead of the result swaps htmx asks for')
    return parser.parse_args(argv)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def lua_script(paths, cookie, full_pages=False):
    """wrk's request generator: the URLs in turn, each with the session cookie, asking for a
    compressed answer as browsers do; as htmx asks for a result (a partial swap) unless
    ``full_pages``."""
    quoted = ',\n'.join(json.dumps(p) for p in paths)
    headers = {'Cookie': cookie, 'Accept-Encoding': 'br, gzip'}
    if not full_pages:
        # as htmx sends «Применить»: the search screen then answers with its results only
        headers.update({'HX-Request': 'true', 'HX-Request-Type': 'partial', 'HX-Target': 'div#results'})
    table = ', '.join(f'["{name}"] = "{value}"' for name, value in headers.items())
    return f'''paths = {{
{quoted}
}}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], {{{table}}})
end
'''


def main(argv=None):
    args = parse_args(argv)
    if shutil.which('wrk') is None:
        sys.exit('wrk is needed: apt-get install -y wrk')
    bench_args = search_bench.parse_args(['--database-url', args.database_url,
                                          '--children', str(args.children),
                                          '--organisations', str(args.organisations)])
    app, admin, home, order = search_bench.prepare(bench_args)
    rng = random.Random(args.seed)
    paths = []
    for kind, _ in search_bench.KINDS:
        paths += [search_bench.request_path(kind, order, q)
                  for q in search_bench.sample_queries(kind, args.per_kind, rng, home)]
    rng.shuffle(paths)

    key = secrets.token_urlsafe(32)
    now = utcnow()
    WebSession.create(key_hash=hashlib.sha256(key.encode()).hexdigest(), user=admin.id,
                      data=json.dumps({'_user_id': str(admin.id), 'org_id': home.id,
                                       '_fresh': True}),
                      created_at=now, last_seen_at=now, ip='127.0.0.1', user_agent='wrk')
    models.db.close()

    port = free_port()
    env = dict(os.environ, DATABASE_URL=args.database_url, KRUZHOK_ENV='development',
               WEB_CONCURRENCY=str(args.workers), GUNICORN_THREADS=str(args.threads),
               IMPORT_WORKER='process')
    server = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), 'gunicorn'), '--config',
         os.path.join(ROOT, 'tools', 'gunicorn.conf.py'), '--bind', f'127.0.0.1:{port}',
         '--log-level', 'warning', 'app:create_app()'], cwd=ROOT, env=env)
    base = f'http://127.0.0.1:{port}'
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + '/healthz/live', timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        cookie = f'kruzhok_session={key}'
        # Warm up the workers, then measure.  Two floors in the same run tell the machine's
        # speed at this moment: the liveness check (no database) and the search screen
        # before «Применить» (session, rights, order, form: everything but the search).
        screen = [search_bench.request_path('surname', order, {})]
        run_wrk(base, screen, cookie, args, 5)
        floors = {'liveness check /healthz/live': run_wrk(base, ['/healthz/live'], cookie, args, 5),
                  'search screen before «Применить»': run_wrk(base, screen, cookie, args, 5)}
        run_wrk(base, paths, cookie, args, 5)
        load_before = os.getloadavg()
        cpu_before, wall_before = app_cpu_seconds(server.pid), time.monotonic()
        result = run_wrk(base, paths, cookie, args, args.duration)
        app_cpu = app_cpu_seconds(server.pid) - cpu_before
        wall = time.monotonic() - wall_before
        load_after = os.getloadavg()
    finally:
        server.terminate()
        server.wait(timeout=30)
        models.db.connect(reuse_if_open=True)
        WebSession.delete().where(WebSession.user_agent == 'wrk').execute()
        models.db.close()

    asked = 'whole pages' if args.full_pages else 'htmx result swaps (HX-Request-Type: partial)'
    print(f'gunicorn -c tools/gunicorn.conf.py: --workers {args.workers} --threads {args.threads}; wrk -t2 '
          f'-c{args.connections} -d{args.duration}s over {len(paths)} search URLs '
          f'({args.per_kind} per kind), {asked}, Accept-Encoding: br, gzip\n')
    print(result)
    rate, p99_ms = figures(result)
    errors = re.search(r'Non-2xx or 3xx responses: (\d+)', result)
    socket_errors = re.search(r'Socket errors: (.*)', result)
    failures = int(errors.group(1)) if errors else 0
    for label, floor in floors.items():
        floor_rate, floor_p99 = figures(floor)[:2]
        print(f'Floor, {label}: {floor_rate:.0f} responses/s, p99 {floor_p99:.0f} ms; '
              f'searches reach {rate / floor_rate:.2f} of it')
    cores = os.cpu_count() or 1
    print(f'Load average before the run {load_before[0]:.2f}, after {load_after[0]:.2f} '
          f'({cores} cores); the app\'s workers used {app_cpu:.1f} s of CPU in {wall:.1f} s: '
          f'{app_cpu / (wall * cores):.0%} of the cores, {app_cpu / max(1, rate * wall) * 1000:.2f} ms '
          f'of CPU per response')
    print(f'Verdict: {rate:.0f} responses/s (target ≥ 200), p99 {p99_ms:.0f} ms (target ≤ 250), '
          f'non-2xx {failures}, socket errors: {socket_errors.group(1) if socket_errors else "none"}')


def app_cpu_seconds(master):
    """CPU seconds (user + system) used so far by gunicorn's workers (children of ``master``)."""
    ticks = os.sysconf('SC_CLK_TCK')
    total = 0
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open(f'/proc/{name}/stat') as fh:
                fields = fh.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        if fields[1] == str(master):  # ppid
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def run_wrk(base, paths, cookie, args, duration):
    with tempfile.NamedTemporaryFile('w', suffix='.lua', delete=False) as script:
        script.write(lua_script(paths, cookie, args.full_pages))
    try:
        return subprocess.run(['wrk', '-t2', f'-c{args.connections}', f'-d{duration}s', '--latency',
                               '-s', script.name, base],
                              capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)


def figures(result):
    """Responses per second and p99 in ms from wrk's report."""
    rate = float(re.search(r'Requests/sec:\s+([\d.]+)', result).group(1))
    p99 = re.search(r'99%\s+([\d.]+)(us|ms|s)', result)
    return rate, float(p99.group(1)) * {'us': 0.001, 'ms': 1, 's': 1000}[p99.group(2)]


if __name__ == '__main__':
    main()
