"""Helpers of the ЕСИА tests (their fixtures are in conftest.py): the app's settings for the
development provider, people matching its test people, and what a browser does there."""
import datetime
import os
import re
from urllib.parse import urlsplit

from devidp import people
from devidp.people import DEMO_SNILS
from models import Person
from tests import builders

DATA = os.path.join(os.path.dirname(__file__), 'data', 'esia')
CLIENT_ID = 'KRUZHOK-TEST'


def esia_config(idp_url, redirect_uri='http://localhost/esia/return'):
    return {
        'ESIA_BASE_URL': idp_url, 'ESIA_CLIENT_ID': CLIENT_ID, 'ESIA_REDIRECT_URI': redirect_uri,
        'ESIA_SCOPE': 'openid fullname birthdate gender snils', 'ESIA_PROTOCOL': 'v2',
        'ESIA_SIGNER': 'pure', 'ESIA_KEY_PATH': os.path.join(DATA, 'client.key'),
        'ESIA_CERT_PATH': os.path.join(DATA, 'client.crt'),
        'ESIA_VERIFY_TOKENS': os.path.join(DATA, 'idp.crt'), 'ESIA_ISSUER': idp_url + '/',
        'ESIA_TIMEOUT': 15, 'STAFF_PASSWORD_SIGN_IN': False,
    }


def _years_ago(years, days):
    today = datetime.date.today()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days) \
        if not (today.month == 2 and today.day == 29) else datetime.date(today.year - years, 2, 28)


def demo_people(region):
    """Give the region's demo accounts the СНИЛС of the provider's test people; add the children."""
    Person.update(snils=DEMO_SNILS['odo-teacher']).where(Person.id == region.teacher.person_id).execute()
    child_13 = builders.person('Соколов', 'Артём', 'Игоревич', birth_date=_years_ago(13, 100),
                               gender='M', snils=DEMO_SNILS['child-13'])
    child_15 = builders.person('Петрова', 'Алина', 'Андреевна', birth_date=_years_ago(15, 200),
                               snils=DEMO_SNILS['child-15'])
    return (builders.user('child-13', region.odo, 'student', child_13),
            builders.user('child-15', region.odo, 'student', child_15))


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
