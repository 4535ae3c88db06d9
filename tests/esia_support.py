"""Shared by the ЕСИА tests: the development identity provider served in a thread, an app
pointed at it with the ЕСИА-only policy on, and people matching its test people."""
import datetime
import os
import re
import threading
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from devidp import people
from devidp.people import DEMO_SNILS
from devidp.app import create_app as create_idp
from models import Person
from tests import factories

DATA = os.path.join(os.path.dirname(__file__), 'data', 'esia')
CLIENT_ID = 'KRUZHOK-TEST'


@pytest.fixture(scope='session')
def idp_server():
    """The development identity provider on its own loopback port, for the whole run."""
    idp = create_idp({
        'KEY_PATH': os.path.join(DATA, 'idp.key'),
        'CLIENTS': {CLIENT_ID: {'certificate': os.path.join(DATA, 'client.crt'),
                                'redirect_uris': ['http://localhost/esia/return']}},
        'SLOW_SECONDS': 4,
    })
    server = make_server('127.0.0.1', 0, idp, threaded=True)
    idp.config['ISSUER'] = f'http://127.0.0.1:{server.server_port}/'
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield idp, f'http://127.0.0.1:{server.server_port}'
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def idp(idp_server):
    """The provider's app, its switches and codes reset for every test."""
    app, _ = idp_server
    app.extensions['devidp'].reset()
    return app


def esia_config(idp_url, redirect_uri='http://localhost/esia/return'):
    return {
        'ESIA_BASE_URL': idp_url, 'ESIA_CLIENT_ID': CLIENT_ID, 'ESIA_REDIRECT_URI': redirect_uri,
        'ESIA_SCOPE': 'openid fullname birthdate gender snils', 'ESIA_PROTOCOL': 'v2',
        'ESIA_SIGNER': 'pure', 'ESIA_KEY_PATH': os.path.join(DATA, 'client.key'),
        'ESIA_CERT_PATH': os.path.join(DATA, 'client.crt'),
        'ESIA_VERIFY_TOKENS': os.path.join(DATA, 'idp.crt'), 'ESIA_ISSUER': idp_url + '/',
        'ESIA_TIMEOUT': 15, 'STAFF_PASSWORD_SIGN_IN': False,
    }


@pytest.fixture
def esia_app(app, idp, idp_server):
    """The app pointed at the development provider, with the ЕСИА-only policy enforced."""
    app.config.update(esia_config(idp_server[1]))
    return app


def _years_ago(years, days):
    today = datetime.date.today()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days) \
        if not (today.month == 2 and today.day == 29) else datetime.date(today.year - years, 2, 28)


def demo_people(region):
    """Give the region's demo accounts the СНИЛС of the provider's test people; add the children."""
    Person.update(snils=DEMO_SNILS['odo-teacher']).where(Person.id == region.teacher.person_id).execute()
    child_13 = factories.person('Соколов', 'Артём', 'Игоревич', birth_date=_years_ago(13, 100),
                                gender='M', snils=DEMO_SNILS['child-13'])
    child_15 = factories.person('Петрова', 'Алина', 'Андреевна', birth_date=_years_ago(15, 200),
                                snils=DEMO_SNILS['child-15'])
    return (factories.user('child-13', region.odo, 'student', child_13),
            factories.user('child-15', region.odo, 'student', child_15))


def consent(idp, authorization_url, person_key='teacher', decision='allow'):
    """What the browser does at the provider: open the request, pick a test person, answer."""
    browser = idp.test_client()
    parts = urlsplit(authorization_url)
    page = browser.get(f'{parts.path}?{parts.query}')
    if page.status_code != 200:
        return page
    consent_id = re.search(r'name="consent_id" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return browser.post('/consent', data={'consent_id': consent_id, 'decision': decision,
                                          'oid': people.by_key(person_key)['oid']})


def return_path(location):
    parts = urlsplit(location)
    return f'{parts.path}?{parts.query}'


def esia_sign_in(client, idp, person_key='teacher', decision='allow'):
    """Start at Кружок, consent at the provider, come back; the answer of the return URL."""
    start = client.get('/esia/start')
    assert start.status_code == 302, start.get_data(as_text=True)
    answer = consent(idp, start.headers['Location'], person_key, decision)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client.get(return_path(answer.headers['Location']))
