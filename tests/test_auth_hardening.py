"""Sign-in and password reset against an attacker: forged Host and X-Forwarded-For headers,
parallel guesses, answers that would tell a right password, typed secrets in the audit log,
header-breaking redirect targets, tokens in logs (issue 10)."""
import datetime
import email
import email.policy
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

import models
from app import create_app
from models import AuditEvent, Region, User, WebSession, utcnow
from services.auth import accounts
from tests import builders
from tests.conftest import FormClient
from tests.esia_support import demo_people

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSRF_VALUE = re.compile(r'name="csrf_token" value="[^"]+"')


def mailed_link(outbox):
    [message] = outbox.iterdir()
    mail = email.message_from_bytes(message.read_bytes(), policy=email.policy.default)
    return re.search(r'https?://\S+', mail.get_content()).group(0)


def events(name):
    return list(AuditEvent.select().where(AuditEvent.event == name).order_by(AuditEvent.id))


# --- Item 3: links in e-mails come from the configured base URL ---------------------------

@pytest.mark.parametrize('public_url, base', [(None, 'http://localhost/'),
                                              ('https://kruzhok.example.ru/', 'https://kruzhok.example.ru/')])
def test_reset_link_ignores_the_host_header(app, region, tmp_path, public_url, base):
    if public_url:
        app.config['PUBLIC_URL'] = public_url.rstrip('/')
    client = app.test_client()
    page = client.get('/password/reset', base_url='http://evil.example').get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post('/password/reset', base_url='http://evil.example',
                           data={'login': 'odo-admin', 'csrf_token': token})
    assert response.status_code == 303
    link = mailed_link(tmp_path / 'outbox')
    assert link.startswith(base + 'password/reset/new?token=') and 'evil' not in link


def test_production_refuses_to_start_without_public_url(database_url, monkeypatch):
    monkeypatch.setenv('KRUZHOK_ENV', 'production')
    monkeypatch.delenv('PUBLIC_URL', raising=False)
    with pytest.raises(RuntimeError, match='PUBLIC_URL is not set'):
        create_app({'DATABASE_URL': database_url, 'SECRET_KEY': 'x'})
    monkeypatch.setenv('PUBLIC_URL', 'https://kruzhok.example.ru/')
    assert create_app({'DATABASE_URL': database_url, 'SECRET_KEY': 'x'}).config['PUBLIC_URL'] == \
        'https://kruzhok.example.ru'


def test_development_links_point_at_the_served_address(database_url, monkeypatch):
    monkeypatch.setenv('KRUZHOK_ENV', 'development')
    monkeypatch.delenv('PUBLIC_URL', raising=False)
    monkeypatch.setenv('PORT', '8123')
    app = create_app({'DATABASE_URL': database_url, 'SECRET_KEY': 'x'})
    assert app.config['PUBLIC_URL'] == 'http://127.0.0.1:8123'


# --- Item 8: the reset token never sits in a path -----------------------------------------

def test_reset_token_moves_from_the_link_into_the_session(client, region, tmp_path):
    client.post_form('/password/reset', {'login': 'odo-admin'})
    link = mailed_link(tmp_path / 'outbox')
    token = link.split('token=')[1]
    assert token not in urlsplit(link).path  # gunicorn logs the path (%(U)s), not the query
    moved = client.get(link)
    assert moved.status_code == 303 and moved.headers['Location'] == '/password/reset/new'
    assert not any(token in row.data for row in WebSession.select())
    form = '/password/reset/new'
    weak = client.post_form(form, {'password': 'qwerty123', 'password_again': 'qwerty123'}, page=form)
    assert 'слишком распространён' in weak.get_data(as_text=True)
    done = client.post_form(form, {'password': 'Sakhalin-Kids-77', 'password_again': 'Sakhalin-Kids-77'},
                            page=form)
    assert done.status_code == 303
    assert client.sign_in('odo-admin', 'Sakhalin-Kids-77', region.odo).status_code == 303
    client.post_form('/logout')
    used = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert 'Ссылка для смены пароля устарела или уже использована' in used


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def serve(tmp_path, database_url, port):
    """tools/serve.sh as in production, run from tmp_path (its instance/ folder and HOME)."""
    env = dict(os.environ, BIN=os.path.dirname(sys.executable), PORT=str(port), HOME=str(tmp_path),
               KRUZHOK_ENV='production', DATABASE_URL=database_url, SECRET_KEY='serve-test',
               PUBLIC_URL='https://kruzhok.example.ru', MAIL_OUTBOX=str(tmp_path / 'outbox'),
               PYTHONPATH=ROOT)
    env.pop('CONTROL_SOCKET', None)
    server = subprocess.Popen([os.path.join(ROOT, 'tools', 'serve.sh')], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              start_new_session=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz/live', timeout=1)
            return server
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, server.stdout.read()
            time.sleep(0.2)


def stop(server):
    os.killpg(server.pid, signal.SIGTERM)
    return server.communicate(timeout=30)[0]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_served_app_keeps_tokens_out_of_the_access_log_and_its_own_control_socket(
        app, region, tmp_path, database_url):
    models.db.close()
    first_port, second_port = free_port(), free_port()
    first = serve(tmp_path, database_url, first_port)
    second = serve(tmp_path, database_url, second_port)
    try:
        sockets = [tmp_path / 'instance' / f'gunicorn-{port}.ctl' for port in (first_port, second_port)]
        assert all(path.is_socket() for path in sockets)
        token = 'Tok3n-that-must-not-be-logged'
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as moved:
            opener.open(f'http://127.0.0.1:{first_port}/password/reset/new?token={token}', timeout=10)
        assert moved.value.code == 303
        log = stop(first)
        assert '"GET /password/reset/new" 303' in log and token not in log
        assert sockets[1].is_socket()  # stopping one instance leaves the other's socket alone
        urllib.request.urlopen(f'http://127.0.0.1:{second_port}/healthz/live', timeout=5)
    finally:
        for server in (first, second):
            if server.poll() is None:
                stop(server)


# --- Item 10: parallel guesses are counted before any password is checked -----------------

def ready_client(app):
    client = FormClient(app.test_client())
    client.csrf_token()  # the session and its token exist before the race
    return client


def race(app, region, monkeypatch, passwords, right_waits_for_five=False):
    """Send one sign-in per password from its own client at once; returns the responses and
    how many passwords were checked against the account's hash."""
    clients = [ready_client(app) for _ in passwords]
    checked, five_checking = [], threading.Event()
    real_verify = accounts.verify_password

    def slow_verify(hashed, password):
        if hashed is not None:
            checked.append(password)
            if len(checked) >= accounts.MAX_FAILED_ATTEMPTS:
                five_checking.set()
            time.sleep(1)  # every request is counted while the first ones are still checking
        return real_verify(hashed, password)

    monkeypatch.setattr(accounts, 'verify_password', slow_verify)
    start = threading.Barrier(len(passwords))
    responses = [None] * len(passwords)

    def attempt(index):
        start.wait()
        if right_waits_for_five and passwords[index] == builders.PASSWORD:
            five_checking.wait(10)
        responses[index] = clients[index].sign_in('odo-admin', passwords[index], region.odo)
        models.db.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(passwords))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return responses, checked


GUESSES = [f'Wrong-guess-{n:02}' for n in range(12)] + [builders.PASSWORD]


def test_twelve_parallel_guesses_and_the_right_one_check_at_most_five(app, region, monkeypatch):
    responses, checked = race(app, region, monkeypatch, GUESSES)
    assert len(checked) == accounts.MAX_FAILED_ATTEMPTS
    signed_in = [r for r in responses if r.status_code == 303]
    assert len(signed_in) == (1 if builders.PASSWORD in checked else 0)
    refused = {r.get_data(as_text=True).count(accounts.BAD_CREDENTIALS) for r in responses
               if r.status_code != 303}
    assert refused == {1}


def test_the_right_password_after_five_parallel_guesses_is_refused(app, region, monkeypatch):
    responses, checked = race(app, region, monkeypatch, GUESSES, right_waits_for_five=True)
    assert len(checked) == accounts.MAX_FAILED_ATTEMPTS and builders.PASSWORD not in checked
    assert all(r.status_code == 200 for r in responses)
    assert User.get(User.login == 'odo-admin').locked_until > utcnow() + datetime.timedelta(minutes=14)
    assert len(events('sign_in_failed')) + len(events('locked_out')) == len(GUESSES)


def test_an_attempt_that_dies_while_checking_locks_for_fifteen_minutes_only(client, region, monkeypatch):
    User.update(failed_attempts=accounts.MAX_FAILED_ATTEMPTS - 1).execute()

    def worker_dies(hashed, password):
        raise RuntimeError('worker killed')
    monkeypatch.setattr(accounts, 'verify_password', worker_dies)
    with pytest.raises(RuntimeError):
        client.sign_in('odo-admin', organisation=region.odo)
    monkeypatch.undo()
    locked_until = User.get(User.login == 'odo-admin').locked_until
    assert utcnow() + datetime.timedelta(minutes=14) < locked_until < utcnow() + datetime.timedelta(minutes=16)
    User.update(locked_until=utcnow() - datetime.timedelta(seconds=1)).execute()
    assert client.sign_in('odo-admin', organisation=region.odo).status_code == 303


# --- Item 11: the answer is the same whether the password was right or wrong --------------

def answer(client, login, password, organisation):
    response = client.sign_in(login, password, organisation)
    body = CSRF_VALUE.sub('', response.get_data(as_text=True))
    body = re.sub(r'(<input id="login"[^>]*value=")[^"]*"', r'\1"', body)
    headers = {k: v for k, v in response.headers.items() if k not in ('Set-Cookie', 'Content-Length')}
    return response.status_code, headers, body


@pytest.mark.parametrize('case', ['foreign organisation', 'no organisation chosen',
                                  'staff after the ЕСИА date', 'teenager after the ЕСИА date'])
def test_refusals_answer_alike_for_right_and_wrong_passwords(app, client, region, case):
    login, organisation, hint = {
        'foreign organisation': ('odo-admin', region.school, 'не относится к выбранной организации'),
        'no organisation chosen': ('odo-admin', None, 'Проверьте организацию'),
        'staff after the ЕСИА date': ('odo-teacher', region.odo, 'сотрудники входят только через Госуслуги'),
        'teenager after the ЕСИА date': ('child-15', region.odo, 'только дети младше 14 лет'),
    }[case]
    app.config['STAFF_PASSWORD_SIGN_IN'] = False
    Region.update(esia_only_since=datetime.date(2024, 7, 1)).execute()
    demo_people(region)
    right = answer(client, login, builders.PASSWORD, organisation)
    wrong = answer(client, login, 'Wrong-password-1', organisation)
    unknown = answer(client, 'nobody-here', builders.PASSWORD, organisation)
    assert right[0] == 200 and hint in right[2]
    assert right == wrong == unknown
    assert client.get('/').status_code == 302


# --- Item 12: what was typed as the login stays out of the audit log -----------------------

def test_audit_log_keeps_only_logins_that_exist(client, region):
    typed = ['Secret-Pass-1', '112-233-445 95', 'Secret-Pass-1', '  ODO-Admin ']
    for login in typed:
        client.sign_in(login, 'Wrong-password-1', region.odo)
    logins = [e.login for e in events('sign_in_failed')]
    assert all(re.fullmatch(r'unknown:[0-9a-f]{12}', login) for login in logins[:3])
    assert logins[0] == logins[2] != logins[1]  # the same text gives the same marker
    assert logins[3] == 'odo-admin'
    stored = ' '.join(e.login + e.details + e.object_id for e in AuditEvent.select())
    assert 'Secret' not in stored and '445' not in stored


# --- Item 13 (next=): header-breaking targets are refused ---------------------------------

@pytest.mark.parametrize('target', ['/\r\nSet-Cookie: stolen=1', '/home\nX: 1', '/\t/evil.example',
                                    '/\x0b/evil.example', '/\x7f', '/\u2028x'])
def test_next_with_control_characters_is_ignored(client, region, target):
    page = client.get('/login', query_string={'next': target})
    assert page.status_code == 200 and 'name="next"' not in page.get_data(as_text=True)
    response = client.post_form('/login', {'login': 'odo-admin', 'password': builders.PASSWORD,
                                           'organisation': region.odo.id, 'next': target})
    assert response.status_code == 303 and response.headers['Location'] == '/'


# --- Also: X-Forwarded-For counts only behind a configured proxy ---------------------------

@pytest.mark.parametrize('hops, recorded', [(0, '10.0.0.2'), (1, '203.0.113.9')])
def test_client_address_in_the_audit_log(app, region, tmp_path, hops, recorded):
    proxied = create_app({**{k: app.config[k] for k in ('TESTING', 'DATABASE_URL', 'SECRET_KEY',
                                                        'MAIL_OUTBOX', 'SESSION_COOKIE_SECURE',
                                                        'STAFF_PASSWORD_SIGN_IN')},
                          'PROXY_HOPS': hops})
    client = FormClient(proxied.test_client())
    client.environ_base['REMOTE_ADDR'] = '10.0.0.2'  # the proxy
    # The proxy appends the address it saw; anything before it the client could have forged.
    client.post_form('/login', {'login': 'odo-admin', 'password': builders.PASSWORD,
                                'organisation': region.odo.id},
                     headers={'X-Forwarded-For': '6.6.6.6, 203.0.113.9'})
    assert [e.ip for e in events('sign_in')] == [recorded]
