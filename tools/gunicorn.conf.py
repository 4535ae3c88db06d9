"""gunicorn settings for tools/serve.sh and bench/search_load.py.

Workers = 2 × cores, one thread each: a request is CPU-bound Python (templates, rows), so
threads inside a worker only trade the GIL (issue 19 measured 2 × 4 threads at p99 285–295 ms
against 4 × 1 at 146–174 ms on two cores); a second process per core covers the time a request
waits for PostgreSQL.  WEB_CONCURRENCY and GUNICORN_THREADS override both.

Imports do not run in web workers: tools/serve.sh starts ``flask imports worker`` as its own
process and tells the app so (IMPORT_WORKER=process).
"""
import os

workers = int(os.environ.get('WEB_CONCURRENCY') or 2 * (os.cpu_count() or 1))
threads = int(os.environ.get('GUNICORN_THREADS') or 1)


def post_worker_init(worker):
    """The app is loaded: what it built at start-up (routes, templates, dictionaries) never
    becomes garbage, so move it out of the collector's sight, and collect the young generation
    less often (a page allocates thousands of short-lived objects)."""
    import web
    web.settle_garbage_collector()
