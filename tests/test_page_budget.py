"""Speed work may not cost queries or change what users see: every page below runs at most the
queries it ran before (tests/page_budget.json, recorded on main before issue 19), and its
visible HTML (the <body>, without <script> tags, CSRF tokens and static-file versions) is
byte-identical to the recorded one.

The data is built the same way every time with a frozen clock and ids restarted at 1, so the
pages are the same on every run. When a page changes on purpose, record again and say why in
the commit:  KRUZHOK_RECORD_PAGES=1 .venv/bin/python -m pytest tests/test_page_budget.py
(once for SQLite and once with DATABASE_URL pointing at PostgreSQL: they are kept apart)."""
import datetime
import hashlib
import json
import os
import re

import pytest

import models
from models import Message, Order
from tests import builders
from tests.builders import QueryCounter

BUDGET = os.path.join(os.path.dirname(__file__), 'page_budget.json')
RECORD = os.environ.get('KRUZHOK_RECORD_PAGES') == '1'
HTMX = {'HX-Request': 'true', 'HX-Request-Type': 'partial'}

CSRF = re.compile(r'(name="csrf_token" value=")[^"]+(")|("X-CSRFToken": ")[^"]+(")')
VERSION = re.compile(r'([?&]v=)[0-9a-f]{10}')
SCRIPT = re.compile(r'<script\b[^>]*>.*?</script>\s*', re.S)
HEAD = re.compile(r'<head>.*?</head>', re.S)


def visible(page):
    """What a user sees of a page: the body, without scripts, tokens and versions."""
    page = HEAD.sub('<head></head>', page)
    page = SCRIPT.sub('', page)
    page = CSRF.sub(lambda m: (m.group(1) or m.group(3)) + 'TOKEN' + (m.group(2) or m.group(4)), page)
    return VERSION.sub(r'\1VERSION', page)


def restart_ids(database):
    """Every table's ids start at 1 again, so the same data gets the same ids on every run."""
    if isinstance(database, models.PostgresqlDatabase):
        rows = database.execute_sql(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND column_name = 'id' AND column_default LIKE 'nextval%%'").fetchall()
        for (table,) in rows:
            if table in ('role', 'schema_migration'):
                continue
            database.execute_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), 1, false)")
    elif database.table_exists('sqlite_sequence'):
        database.execute_sql("DELETE FROM sqlite_sequence WHERE name NOT IN ('role', 'schema_migration')")


@pytest.fixture
def world(app, frozen_clock):
    frozen_clock.at(datetime.datetime(2026, 12, 2, 1, 30))
    models.db.connect(reuse_if_open=True)
    restart_ids(models.db.obj)
    models.db.close()
    with app.app_context():
        region = builders.region_tree()
        children = builders.registry_children(region)
        order = children['order']
        builders.committed(region.odo, Order.ENROLMENT, 2, [children['elkina']],
                           on=builders.day(10, 2), to=children['bead'])
        Message.create(sender_organisation=region.other_odo, recipient_organisation=region.odo,
                       subject='Запрос на выбытие: Орлова Софья Ивановна', body='…')
        kid = builders.child('Соколов', 'Артём', 'Игоревич', datetime.date(2014, 4, 4), gender='M')
        builders.user('child-13', region.odo, 'student', kid)
    models.db.close()
    return region, children, order


def pages_of(app, role, order, children):
    """The argument-less GET pages, and for the administrator the order's registry screens."""
    from app import PUBLIC_ENDPOINTS
    paths = sorted(rule.rule for rule in app.url_map.iter_rules()
                   if 'GET' in rule.methods and not rule.arguments
                   and rule.endpoint not in PUBLIC_ENDPOINTS and rule.endpoint != 'static'
                   and not rule.rule.endswith(('.xlsx', '.csv')) and 'export' not in rule.rule)
    pages = [(path, False) for path in paths]
    if role == 'administrator':
        screens = [f'/movement/orders/{order.id}',
                   f'/enrolment/orders/{order.id}/search',
                   f'/enrolment/orders/{order.id}/search?applied=1&surname=%D0%B5%D0%BB',
                   f'/enrolment/orders/{order.id}/search?applied=1&surname=%D0%BF%D0%B5%D1%82',
                   f'/enrolment/orders/{order.id}/pool?category=withdrawal',
                   f'/enrolment/orders/{order.id}/other-organisations?surname=%D0%BF',
                   f'/enrolment/orders/{order.id}/selected',
                   f'/my/children/{children["elkina"].id}']
        pages += [(path, False) for path in screens] + [(path, True) for path in screens[1:6]]
    return pages


LOGINS = {'administrator': 'odo-admin', 'teacher': 'odo-teacher', 'child': 'child-13',
          'authority': 'uo-specialist'}


def measure(client, role, pages):
    found = {}
    for path, fragment in pages:
        client.get('/')  # the session is touched and settled outside the measured request
        with QueryCounter() as counted:
            response = client.get(path, headers=HTMX if fragment else {})
        body = visible(response.get_data(as_text=True))
        key = f'{role} {"fragment " if fragment else ""}{path}'
        found[key] = {'status': response.status_code, 'queries': counted.count,
                      'html': hashlib.sha256(body.encode()).hexdigest()[:16]}
    return found


def backend():
    return 'postgresql' if isinstance(models.db.obj, models.PostgresqlDatabase) else 'sqlite'


@pytest.mark.parametrize('role', sorted(LOGINS))
def test_no_page_runs_more_queries_and_none_looks_different(app, client, world, role):
    region, children, order = world
    organisation = region.body if role == 'authority' else region.odo
    assert client.sign_in(LOGINS[role], organisation=organisation).status_code == 303
    found = measure(client, role, pages_of(app, role, order, children))
    anonymous = app.test_client()
    with QueryCounter() as counted:
        login = anonymous.get('/login')
    found[f'{role} anonymous /login'] = {
        'status': login.status_code, 'queries': counted.count,
        'html': hashlib.sha256(visible(login.get_data(as_text=True)).encode()).hexdigest()[:16]}

    recorded = json.load(open(BUDGET)) if os.path.exists(BUDGET) else {}
    mine = recorded.setdefault(backend(), {})
    if RECORD:
        mine.update(found)
        with open(BUDGET, 'w') as fh:
            json.dump(recorded, fh, ensure_ascii=False, indent=1, sort_keys=True)
            fh.write('\n')
        return
    baseline = {key: value for key, value in mine.items() if key.split(' ', 1)[0] == role}
    assert baseline, f'nothing recorded for {role} on {backend()}: record first (see the docstring)'
    assert set(found) == set(baseline), set(found) ^ set(baseline)
    more = {key: (baseline[key]['queries'], found[key]['queries']) for key in found
            if found[key]['queries'] > baseline[key]['queries']}
    assert not more, f'pages running more queries than recorded (before, now): {more}'
    changed = [key for key in found if (found[key]['status'], found[key]['html'])
               != (baseline[key]['status'], baseline[key]['html'])]
    assert not changed, f'pages that look different from the recorded ones: {changed}'
