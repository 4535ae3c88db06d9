"""Fixtures: one migrated database per run (SQLite, or PostgreSQL when DATABASE_URL says so),
emptied before every test; an app, a client that knows its CSRF token, and sign-in helpers;
the region and its registry; the development ЕСИА provider; Chromium."""
import os
import re
import threading

import pytest
from werkzeug.serving import make_server

import clock
import models
from app import create_app
from devidp.app import create_app as create_idp
from tests import builders
from tests.esia_support import CLIENT_ID, DATA, esia_config

KEPT_TABLES = {'role', 'schema_migration'}


def is_postgres(url):
    return url.startswith('postgres')


@pytest.fixture(scope='session')
def database_url(tmp_path_factory):
    url = os.environ.get('DATABASE_URL', '')
    if is_postgres(url):
        database = models.make_database(url)
        database.execute_sql('DROP SCHEMA IF EXISTS public CASCADE')
        database.execute_sql('CREATE SCHEMA public')
        database.close()
    else:
        url = 'sqlite:///' + str(tmp_path_factory.mktemp('db') / 'kruzhok-test.db')
    database = models.make_database(url)
    models.db.initialize(database)
    models.migrate(database)
    database.close()
    return url


def empty_tables(database):
    tables = [t for t in database.get_tables() if t not in KEPT_TABLES]
    regional_roles = 'DELETE FROM "role" WHERE "region_id" IS NOT NULL'  # the standard ones stay
    if isinstance(database, models.PostgresqlDatabase):
        # DELETE with foreign-key triggers off is ~30x faster than TRUNCATE on small tables.
        with database.atomic():
            database.execute_sql('SET LOCAL session_replication_role = replica')
            for table in tables:
                database.execute_sql(f'DELETE FROM "{table}"')
            database.execute_sql(regional_roles)
    else:
        database.execute_sql('PRAGMA foreign_keys = OFF')
        for table in tables:
            database.execute_sql(f'DELETE FROM "{table}"')
        database.execute_sql(regional_roles)
        database.execute_sql('PRAGMA foreign_keys = ON')


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app({
        'TESTING': True,
        'DATABASE_URL': database_url,
        'SECRET_KEY': 'test-secret',
        'MAIL_OUTBOX': str(tmp_path / 'outbox'),
        'SESSION_COOKIE_SECURE': False,
        # Most tests sign staff in by password; tests/test_esia*.py turn the ЕСИА-only policy on.
        'STAFF_PASSWORD_SIGN_IN': True,
        'KRUZHOK_TODAY': '',  # the real date unless a test freezes the clock
    })
    empty_tables(models.db.obj)
    models.db.close()
    yield app
    models.db.close()


class FrozenClock:
    """The app's clock held still for one test: ``at(moment)`` (naive means UTC), ``advance(delta)``."""

    def at(self, moment):
        clock.freeze(moment)
        return self

    def advance(self, delta):
        clock.freeze(clock.now() + delta)
        return self

    @property
    def now(self):
        return clock.now()


@pytest.fixture
def frozen_clock():
    """Freeze the clock at this instant for the test (set another with ``frozen_clock.at``);
    the real clock comes back after it."""
    frozen = FrozenClock().at(clock.wall_now())
    yield frozen
    clock.unfreeze()


class FormClient:
    """A test client that adds the page's CSRF token to every form it posts."""

    TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')

    def __init__(self, client):
        self.client = client

    def __getattr__(self, name):
        return getattr(self.client, name)

    def csrf_token(self, page='/login'):
        found = self.TOKEN.search(self.client.get(page).get_data(as_text=True))
        assert found, f'no CSRF token on {page}'
        return found.group(1)

    def post_form(self, url, data=None, page=None, **kwargs):
        data = dict(data or {})
        data['csrf_token'] = self.csrf_token(page or ('/' if self.signed_in() else '/login'))
        return self.client.post(url, data=data, **kwargs)

    def signed_in(self):
        return self.client.get('/', follow_redirects=False).status_code == 200

    def sign_in(self, login, password=builders.PASSWORD, organisation=None):
        data = {'login': login, 'password': password}
        if organisation is not None:
            data['organisation'] = organisation.id
        return self.post_form('/login', data, page='/login')


@pytest.fixture
def client(app):
    return FormClient(app.test_client())


@pytest.fixture
def region(app):
    """A small region: the seed's sign-in chain with an ОДО, its administrator and teacher."""
    with app.app_context():
        return builders.region_tree()


@pytest.fixture
def admin_client(client, region):
    response = client.sign_in('odo-admin', organisation=region.odo)
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


@pytest.fixture
def registry(app, region):
    """Children around the region: at school, in other ОДО, departed, graduated."""
    with app.app_context():
        return builders.registry_children(region)


def serve(wsgi_app):
    """Serve ``wsgi_app`` in a thread on a free loopback port: its base URL and a stop()."""
    server = make_server('127.0.0.1', 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        thread.join(timeout=5)
    return f'http://127.0.0.1:{server.server_port}', stop


# --- ЕСИА: the development identity provider, with its fixtures here so no test imports them --

@pytest.fixture(scope='session')
def idp_server():
    """The development identity provider on its own loopback port, for the whole run."""
    idp = create_idp({
        'KEY_PATH': os.path.join(DATA, 'idp.key'),
        'CLIENTS': {CLIENT_ID: {'certificate': os.path.join(DATA, 'client.crt'),
                                'redirect_uris': ['http://localhost/esia/return']}},
        'SLOW_SECONDS': 4,
    })
    url, stop = serve(idp)
    idp.config['ISSUER'] = url + '/'
    yield idp, url
    stop()


@pytest.fixture
def idp(idp_server):
    """The provider's app, its switches and codes reset for every test."""
    app, _ = idp_server
    app.extensions['devidp'].reset()
    return app


@pytest.fixture
def esia_app(app, idp, idp_server):
    """The app pointed at the development provider, with the ЕСИА-only policy enforced."""
    app.config.update(esia_config(idp_server[1]))
    return app


# --- Browser tests: the app served in a thread, driven by Debian's Chromium ----------------

CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync']


@pytest.fixture
def live_server(app, region):
    """The base URL of the app, served by a threaded WSGI server on a free loopback port."""
    url, stop = serve(app)
    yield url
    stop()


@pytest.fixture(scope='session')
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f'Chromium is needed for browser tests: install Debian package chromium ({CHROMIUM}).')
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_context_options():
    """Override in a test module (or parametrize) to change viewport or turn JavaScript off."""
    return {'viewport': {'width': 1280, 'height': 800}, 'locale': 'ru-RU'}


@pytest.fixture
def page(browser, browser_context_options):
    context = browser.new_context(**browser_context_options)
    context.set_default_timeout(10000)
    page = context.new_page()
    yield page
    context.close()
