"""A database that hangs or goes away: pages answer 503 with the database message within
about 3 s, liveness never waits for the database, and the app recovers by itself
(SECURITY.md 23, 28; issue 10, items 6 and 14)."""
import select
import socket
import threading
import time
from urllib.parse import urlparse

import pytest
from peewee import SqliteDatabase

import models
from app import create_app
from tests import builders
from tests.conftest import FormClient, is_postgres

DATABASE_MESSAGE = 'База данных не отвечает'


class FreezableProxy:
    """A TCP relay to the real server that can stop relaying while keeping every socket open
    (a server that hangs, not one that refuses)."""

    def __init__(self, host, port):
        self.upstream = (host, port)
        self.listener = socket.create_server(('127.0.0.1', 0))
        self.port = self.listener.getsockname()[1]
        self.relaying = threading.Event()
        self.relaying.set()
        self.stopped = False
        self.pairs = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self.pairs.append((client, server))
            threading.Thread(target=self._relay, args=(client, server), daemon=True).start()

    def _relay(self, client, server):
        peers = {client: server, server: client}
        try:
            while not self.stopped:
                self.relaying.wait()
                ready, _, _ = select.select(list(peers), [], [], 0.05)
                if not self.relaying.is_set():
                    continue  # frozen: what arrived stays unread, nothing answers
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except OSError:
            pass
        finally:
            client.close()
            server.close()

    def freeze(self):
        self.relaying.clear()

    def thaw(self):
        self.relaying.set()

    def close(self):
        self.stopped = True
        self.relaying.set()
        self.listener.close()


@pytest.fixture
def proxied_app(database_url, tmp_path):
    if not is_postgres(database_url):
        pytest.skip('a hanging server is a PostgreSQL matter; SQLite is tested with a held lock below')
    parsed = urlparse(database_url)
    proxy = FreezableProxy(parsed.hostname, parsed.port or 5432)
    url = database_url.replace(parsed.netloc, f'{parsed.username or "postgres"}@127.0.0.1:{proxy.port}')
    app = create_app({'TESTING': True, 'DATABASE_URL': url, 'SECRET_KEY': 'test-secret',
                      'MAIL_OUTBOX': str(tmp_path / 'outbox'), 'SESSION_COOKIE_SECURE': False,
                      'STAFF_PASSWORD_SIGN_IN': True})
    from tests.conftest import empty_tables
    empty_tables(models.db.obj)
    with app.app_context():
        region = builders.region_tree()
    models.db.close()
    yield app, proxy, region
    proxy.close()
    models.db.obj.close_all()


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_a_hung_database_answers_503_in_3_seconds_and_the_app_recovers(proxied_app):
    app, proxy, region = proxied_app
    client = FormClient(app.test_client())
    assert client.sign_in('odo-admin', organisation=region.odo).status_code == 303
    assert client.get('/').status_code == 200

    proxy.freeze()
    page, seconds = timed(lambda: client.get('/'))
    assert page.status_code == 503
    assert DATABASE_MESSAGE in page.get_data(as_text=True)
    assert seconds < 3.5, seconds

    ready, seconds = timed(lambda: client.get('/healthz/ready'))
    assert ready.status_code == 503 and seconds < 3.5, seconds
    live, seconds = timed(lambda: client.get('/healthz/live'))
    assert live.status_code == 200 and seconds < 0.5, seconds

    proxy.thaw()
    assert client.get('/').status_code == 200
    assert client.get('/healthz/ready').status_code == 200


def test_liveness_answers_while_every_other_request_waits_for_a_hung_database(proxied_app):
    app, proxy, region = proxied_app
    clients = [FormClient(app.test_client()) for _ in range(4)]
    for client in clients:
        assert client.sign_in('odo-admin', organisation=region.odo).status_code == 303
    proxy.freeze()
    answers = []
    threads = [threading.Thread(target=lambda c=c: answers.append(c.get('/').status_code))
               for c in clients]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    live, seconds = timed(lambda: app.test_client().get('/healthz/live'))
    assert live.status_code == 200 and seconds < 0.5, seconds
    for thread in threads:
        thread.join(10)
    assert answers == [503] * 4
    proxy.thaw()
    assert all(c.get('/').status_code == 200 for c in clients)


def test_a_form_posted_while_the_database_hangs_gets_the_database_message(proxied_app):
    app, proxy, region = proxied_app
    client = FormClient(app.test_client())
    assert client.sign_in('odo-admin', organisation=region.odo).status_code == 303
    token = client.csrf_token('/')
    proxy.freeze()
    response = client.post('/logout', data={'csrf_token': token})
    assert response.status_code == 503
    assert DATABASE_MESSAGE in response.get_data(as_text=True)
    assert 'Страница устарела' not in response.get_data(as_text=True)
    proxy.thaw()


def test_a_form_posted_while_the_database_is_down_gets_the_database_message(app, admin_client, tmp_path):
    """Item 14: the readiness of the database is decided before the CSRF check."""
    token = admin_client.csrf_token('/')
    working = models.db.obj
    models.db.close()
    if is_postgres(app.config['DATABASE_URL']):
        unused = socket.create_server(('127.0.0.1', 0))
        port = unused.getsockname()[1]
        unused.close()  # nothing listens there now: connections are refused
        down = models.make_database(f'postgresql://postgres@127.0.0.1:{port}/test')
    else:
        down = SqliteDatabase(str(tmp_path / 'missing' / 'kruzhok.db'))  # cannot be opened
    models.db.initialize(down)
    try:
        response = admin_client.post('/logout', data={'csrf_token': token})
        page = admin_client.get('/movement/')
    finally:
        models.db.initialize(working)
    for answer in (response, page):
        assert answer.status_code == 503
        text = answer.get_data(as_text=True)
        assert DATABASE_MESSAGE in text and 'Страница устарела' not in text
    assert admin_client.get('/').status_code == 200


def test_sqlite_writer_waiting_for_a_held_lock_answers_503_within_3_seconds(app, admin_client, database_url):
    if is_postgres(database_url):
        pytest.skip('SQLite: one writer at a time')
    token = admin_client.csrf_token('/')
    holder = models.make_database(database_url)
    holder.connect()
    holder.execute_sql('BEGIN IMMEDIATE')
    try:
        response, seconds = timed(lambda: admin_client.post('/logout', data={'csrf_token': token}))
    finally:
        holder.execute_sql('ROLLBACK')
        holder.close()
    assert response.status_code == 503, response.status_code
    assert DATABASE_MESSAGE in response.get_data(as_text=True)
    assert 2.5 < seconds < 3.8, seconds
