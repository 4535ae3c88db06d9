"""The security baseline: protected routes, headers, cookies, page weight, database outages."""
import re
import subprocess
import sys
import time

from werkzeug.routing import IntegerConverter

import models
from app import PUBLIC_ENDPOINTS, create_app
from models import Organisation

HTMX = {'HX-Request': 'true', 'HX-Request-Type': 'partial'}


def sample_url(rule):
    values = {}
    for name in rule.arguments:
        values[name] = 1 if isinstance(rule._converters[name], IntegerConverter) else 'x'
    return rule.build(values)[1]


def test_every_route_but_the_public_ones_needs_sign_in(app, region):
    # CSRF off: otherwise a POST is refused with 400 before sign-in is checked, and the walk
    # could not tell a protected route from an open one.
    app.config['WTF_CSRF_ENABLED'] = False
    client = app.test_client()
    checked = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = sample_url(rule)
        for method in sorted(rule.methods - {'HEAD', 'OPTIONS'}):
            response = client.open(url, method=method)
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers['Location'].startswith('/login'), (method, url)
            htmx = client.open(url, method=method, headers=HTMX)
            assert htmx.status_code == 401 and htmx.headers['HX-Redirect'] == '/login', (method, url)
            checked.add(method)
    assert checked == {'GET', 'POST'}


def test_the_public_list_is_short_and_deliberate():
    assert PUBLIC_ENDPOINTS >= {'auth.login', 'auth.login_post', 'static', 'health.live', 'health.ready'}
    assert not {e for e in PUBLIC_ENDPOINTS if e.startswith(('home.', 'movement.'))}


def test_htmx_request_without_session_is_sent_to_sign_in(client, region):
    response = client.get('/', headers=HTMX)
    assert response.status_code == 401 and response.headers['HX-Redirect'] == '/login'


def test_strict_headers_on_pages(client, region):
    response = client.get('/login')
    csp = response.headers['Content-Security-Policy']
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert response.headers['X-Content-Type-Options'] == 'nosniff'
    assert response.headers['Referrer-Policy'] == 'strict-origin-when-cross-origin'
    assert response.headers['Cache-Control'] == 'no-store'
    html = response.get_data(as_text=True)
    assert '<script>' not in html and 'style=' not in html and ' hx-on' not in html


def test_signed_in_pages_are_not_stored(admin_client):
    assert admin_client.get('/').headers['Cache-Control'] == 'no-store'


def test_session_cookie_flags(client, region):
    client.sign_in('odo-admin', organisation=region.odo)
    cookie = client.get_cookie('kruzhok_session')
    assert cookie.http_only and cookie.same_site == 'Lax'


def test_production_cookies_are_secure(database_url, monkeypatch):
    monkeypatch.setenv('KRUZHOK_ENV', 'production')
    production = create_app({'DATABASE_URL': database_url, 'SECRET_KEY': 'x',
                             'PUBLIC_URL': 'https://kruzhok.example.ru'})
    assert production.config['SESSION_COOKIE_SECURE'] is True
    assert production.debug is False


def test_sign_in_page_weighs_under_40_kb_compressed(client, region):
    gzip = {'Accept-Encoding': 'gzip'}
    page = client.get('/login', headers=gzip)
    assert page.headers['Content-Encoding'] == 'gzip'
    # htmx is named by the loader (data-htmx) and follows the load event; it still counts here.
    assets = re.findall(r'(?:href|src|data-htmx)="(/static/[^"]+)"', client.get('/login').get_data(as_text=True))
    assert len(assets) >= 3
    total = len(page.data)
    for asset in assets:
        response = client.get(asset, headers=gzip)
        assert response.status_code == 200
        assert response.headers['Cache-Control'] == 'public, max-age=31536000'
        total += len(response.data)
    assert total <= 40 * 1024, total


def test_vendored_htmx_matches_its_integrity_hash(app):
    import base64
    import hashlib
    from web import HTMX_INTEGRITY
    with open(app.static_folder + '/vendor/htmx-4.0.1.min.js', 'rb') as fh:
        digest = base64.b64encode(hashlib.sha384(fh.read()).digest()).decode()
    assert HTMX_INTEGRITY == 'sha384-' + digest


def test_templates_have_no_htmx_2_idioms(app):
    result = subprocess.run([sys.executable, 'tools/htmx_upgrade_check.py', app.template_folder],
                            capture_output=True, text=True, cwd=app.root_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_user_text_is_escaped_in_pages_and_fragments(client, region):
    hostile = '<script>alert(1)</script>" onmouseover="x" hx-get="/x'
    Organisation.update(short_name='МБУДО ' + hostile).where(Organisation.id == region.other_odo.id).execute()
    url = f'/login?municipality={region.city.id}&settlement={region.town.id}&kind=odo'
    for response in (client.get(url), client.get(url, headers=HTMX)):
        html = response.get_data(as_text=True)
        assert '<script>alert' not in html and '" onmouseover="x"' not in html
        assert '&lt;script&gt;alert(1)&lt;/script&gt;&#34; onmouseover=&#34;x&#34; hx-get=&#34;/x' in html


def test_database_outage_answers_503_quickly(tmp_path):
    broken = create_app({'DATABASE_URL': 'postgresql://postgres@127.0.0.1:9/nowhere',
                         'PUBLIC_URL': 'https://kruzhok.example.ru',
                         'SECRET_KEY': 'x', 'TESTING': False})
    client = broken.test_client()
    started = time.monotonic()
    response = client.get('/login')
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert 'База данных не отвечает' in response.get_data(as_text=True)
    assert client.get('/healthz/ready').status_code == 503
    assert client.get('/healthz/live').status_code == 200


def test_readiness_when_the_database_answers(client):
    assert client.get('/healthz/ready').get_json() == {'status': 'ok', 'database': 'up', 'warnings': []}


def test_logs_never_contain_the_password(client, region, caplog):
    caplog.set_level('DEBUG')
    client.sign_in('odo-admin', 'Secret-Wrong-Pass-1', region.odo)
    client.sign_in('odo-admin', organisation=region.odo)
    assert 'Secret-Wrong-Pass-1' not in caplog.text and 'Demo-2024!' not in caplog.text
    events = ' '.join(e.details + e.object_id for e in models.AuditEvent.select())
    assert 'Demo-2024!' not in events


def test_signed_in_user_sees_503_when_the_session_store_fails(admin_client, monkeypatch):
    from peewee import OperationalError
    import web

    def unavailable(*args, **kwargs):
        raise OperationalError('server closed the connection unexpectedly')
    monkeypatch.setattr(web, 'session_with_user', unavailable)  # the one query of every request
    response = admin_client.get('/')
    assert response.status_code == 503 and 'База данных не отвечает' in response.get_data(as_text=True)
    monkeypatch.undo()
    assert admin_client.get('/').status_code == 200  # recovers by itself


def test_htmx_posts_need_the_csrf_header(admin_client):
    assert admin_client.post('/logout', headers=HTMX).status_code == 400
    assert admin_client.get('/').status_code == 200  # still signed in
    page = admin_client.get('/').get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    response = admin_client.post('/logout', headers={**HTMX, 'X-CSRFToken': token})
    assert response.status_code == 303
    assert admin_client.get('/').status_code == 302
