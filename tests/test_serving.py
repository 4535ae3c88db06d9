"""Serving (issue 19, item 3): gunicorn with 2 × cores workers of one thread, the import worker
as a process of its own (`flask imports worker`), never a thread in web workers; the garbage
collector settled after start-up."""
import gc
import os
import runpy
import subprocess
import sys
import time
import urllib.request

from models import ImportJob
from services import imports
from tests.test_auth_hardening import free_port, serve, stop
from tests.test_import_jobs import setup, start  # noqa: F401 (fixture)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONF = os.path.join(ROOT, 'tools', 'gunicorn.conf.py')


def test_gunicorn_runs_two_single_threaded_workers_per_core(monkeypatch):
    monkeypatch.delenv('WEB_CONCURRENCY', raising=False)
    monkeypatch.delenv('GUNICORN_THREADS', raising=False)
    conf = runpy.run_path(CONF)
    assert conf['workers'] == 2 * os.cpu_count() and conf['threads'] == 1
    monkeypatch.setenv('WEB_CONCURRENCY', '3')
    assert runpy.run_path(CONF)['workers'] == 3


def test_web_workers_run_no_import_thread_when_a_worker_process_does(monkeypatch, database_url):
    from app import create_app
    monkeypatch.setenv('IMPORT_WORKER', 'process')
    served = create_app({'DATABASE_URL': database_url, 'SECRET_KEY': 'x', 'PUBLIC_URL': 'http://x'})
    assert served.config['IMPORT_WORKER'] is False
    monkeypatch.delenv('IMPORT_WORKER')
    bare = create_app({'DATABASE_URL': database_url, 'SECRET_KEY': 'x', 'PUBLIC_URL': 'http://x'})
    assert bare.config['IMPORT_WORKER'] is True  # a bare gunicorn still runs imports


def test_the_worker_command_runs_waiting_imports(app, admin_client, setup, monkeypatch):  # noqa: F811
    job = start(admin_client, setup, monkeypatch)
    assert job.status == 'queued'
    result = app.test_cli_runner().invoke(args=['imports', 'worker', '--once'])
    assert result.exit_code == 0, result.output
    assert 'Выполнено шагов импорта: 1' in result.output
    assert ImportJob.get_by_id(job.id).status == 'resolving'


def test_settling_freezes_start_up_objects_and_raises_the_first_threshold():
    import web
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    try:
        web.settle_garbage_collector()
        assert gc.get_freeze_count() > frozen
        assert gc.get_threshold()[0] == web.GEN0_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def session_processes(sid):
    found = subprocess.run(['ps', '-ww', '-o', 'pid=,ppid=,args=', '-s', str(sid)], capture_output=True,
                           text=True).stdout.splitlines()
    return [line.strip().split(None, 2) for line in found]


def test_serve_sh_starts_the_import_worker_beside_single_threaded_workers(app, region, tmp_path,
                                                                          database_url):
    port = free_port()
    server = serve(tmp_path, database_url, port)
    try:
        deadline = time.monotonic() + 20
        while True:
            processes = session_processes(server.pid)
            masters = [p for p in processes if 'gunicorn' in p[2] and p[1] == str(server.pid)]
            workers = [p for p in processes if masters and p[1] == masters[0][0]]
            worker = [p for p in processes if 'imports worker' in p[2]]
            if (len(workers) == 2 * os.cpu_count() and worker) or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert len(workers) == 2 * os.cpu_count(), processes
        assert worker, processes
        urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz/live', timeout=5)
    finally:
        stop(server)


def test_static_files_go_out_compressed_once_at_the_best_quality(client):
    import brotli
    from app import STATIC_COMPRESSED
    with open(os.path.join(ROOT, 'static', 'css', 'app.css'), 'rb') as fh:
        raw = fh.read()
    for version in ('a', 'b', 'c'):  # the query string never makes a new cache entry
        response = client.get(f'/static/css/app.css?v={version}', headers={'Accept-Encoding': 'br'})
        assert response.headers['Content-Encoding'] == 'br'
        assert brotli.decompress(response.data) == raw
        assert len(response.data) == len(brotli.compress(raw, quality=11))
    assert len([key for key in STATIC_COMPRESSED if key[0] == 'css/app.css' and key[2] == 'br']) == 1
    plain = client.get('/static/css/app.css')
    assert 'Content-Encoding' not in plain.headers and plain.data == raw

