"""The region's time (issue 13, item 4): one clock, read in the region's zone. Frozen at 23:30 UTC
on 1 December 2026, a user in Южно-Сахалинск (UTC+11) is already on 2 December at 10:30; and
KRUZHOK_TODAY runs a development instance on a date of its own, with a banner saying so."""
import datetime
import logging
import pathlib
import re

import pytest

import clock
from app import create_app
from models import ImportJob, Message, Order, Region
from services.auth import accounts
from tests import builders
from tests.conftest import FormClient, serve

ROOT = pathlib.Path(__file__).resolve().parent.parent
LATE_EVENING_UTC = datetime.datetime(2026, 12, 1, 23, 30)  # 10:30 on 2 December in Южно-Сахалинск
SAKHALIN = 'Asia/Sakhalin'


def sakhalin(region):
    Region.update(time_zone=SAKHALIN).where(Region.id == region.region.id).execute()


def text_of(response):
    return re.sub(r'\s+', ' ', response.get_data(as_text=True))


# --- The clock itself -------------------------------------------------------------------------

def test_a_day_is_the_day_in_the_zone_asked_for(frozen_clock):
    frozen_clock.at(LATE_EVENING_UTC)
    assert clock.now() == LATE_EVENING_UTC.replace(tzinfo=datetime.timezone.utc)
    assert clock.utcnow() == LATE_EVENING_UTC
    assert clock.today('UTC') == datetime.date(2026, 12, 1)
    assert clock.today(SAKHALIN) == datetime.date(2026, 12, 2)
    assert clock.local(LATE_EVENING_UTC, SAKHALIN).strftime('%d.%m.%Y %H:%M') == '02.12.2026 10:30'
    assert clock.at(datetime.date(2026, 12, 2), 10, 30, in_zone=SAKHALIN) == clock.now()


def test_an_unknown_zone_name_falls_back_to_moscow_and_says_so(frozen_clock, caplog):
    frozen_clock.at(datetime.datetime(2026, 12, 1, 20, 30))  # 23:30 in Moscow
    with caplog.at_level(logging.WARNING, logger='clock'):
        assert clock.today('Sakhalin/Nowhere') == clock.today('Europe/Moscow') == datetime.date(2026, 12, 1)
    assert 'Sakhalin/Nowhere' in caplog.text


def test_stored_timestamps_come_from_the_same_clock(app, region, frozen_clock):
    frozen_clock.at(LATE_EVENING_UTC)
    with app.app_context():
        message = Message.create(sender_organisation=region.other_odo,
                                 recipient_organisation=region.odo, subject='Проверка')
        assert Message.get_by_id(message.id).created_at == LATE_EVENING_UTC


# --- What a user in Южно-Сахалинск sees ------------------------------------------------------

def test_a_morning_user_in_sakhalin_gets_todays_date_in_the_new_order_form(app, admin_client, region,
                                                                           frozen_clock):
    frozen_clock.at(LATE_EVENING_UTC)
    with app.app_context():
        sakhalin(region)
    page = admin_client.get('/movement/orders/new').get_data(as_text=True)
    assert 'name="document_date" value="2026-12-02"' in page
    assert 'name="act_date" value="2026-12-02"' in page
    frozen_clock.at(datetime.datetime(2026, 12, 1, 14, 30))  # 01:30 on the 2nd there, 17:30 on the 1st in Moscow
    assert 'value="2026-12-02"' in admin_client.get('/movement/orders/new').get_data(as_text=True)
    with app.app_context():
        Region.update(time_zone='Europe/Moscow').execute()
    assert 'value="2026-12-01"' in admin_client.get('/movement/orders/new').get_data(as_text=True)


def test_times_are_shown_in_the_regions_zone_without_utc(app, admin_client, region, frozen_clock):
    frozen_clock.at(LATE_EVENING_UTC)
    with app.app_context():
        sakhalin(region)
        bead = builders.association(region.odo, '1а Бисер')
        order = builders.committed(region.odo, Order.ENROLMENT, 12, [builders.child()], to=bead)
        assert Order.get_by_id(order.id).committed_at == LATE_EVENING_UTC
        Message.create(sender_organisation=region.other_odo, recipient_organisation=region.odo,
                       subject='Просьба оформить выбытие')
        ImportJob.create(organisation=region.odo, user=region.admin, file_name='дети.xlsx',
                         status=ImportJob.CANCELLED)
    order_page = text_of(admin_client.get(f'/movement/orders/{order.id}'))
    assert '02.12.2026 10:30' in order_page
    assert '23:30' not in order_page and 'UTC' not in order_page
    inbox = text_of(admin_client.get('/inbox/'))
    assert '02.12.2026 10:30' in inbox and 'UTC' not in inbox
    imports = text_of(admin_client.get('/imports/'))
    assert '<td data-label="Загружен">02.12.2026 10:30</td>' in imports and 'UTC' not in imports


def test_the_age_of_fourteen_for_a_password_is_reached_on_the_regions_day(app, region, frozen_clock):
    """Born 2 December 2012: at 13:30 UTC on 1 December it is already the 2nd in Южно-Сахалинск
    (14 years old: ЕСИА only) and still the 1st in Moscow (13: a password is fine)."""
    frozen_clock.at(datetime.datetime(2026, 12, 1, 13, 30))
    with app.app_context():
        kid = builders.person('Соколов', 'Артём', 'Игоревич', datetime.date(2012, 12, 2), 'M')
        builders.user('child-birthday', region.odo, 'student', kid)
        moscow = accounts.authenticate('child-birthday', builders.PASSWORD, region.odo.id)
        sakhalin(region)
        on_sakhalin = accounts.authenticate('child-birthday', builders.PASSWORD, region.odo.id)
    assert (moscow.event, moscow.details) == ('sign_in', 'child')
    assert (on_sakhalin.event, on_sakhalin.details) == ('sign_in_refused_policy', 'teenager')


# --- KRUZHOK_TODAY: a development instance on another date -----------------------------------

def app_with(app, **settings):
    """A second app on the same database, as create_app builds it with these settings."""
    config = {key: app.config[key] for key in ('TESTING', 'DATABASE_URL', 'SECRET_KEY', 'MAIL_OUTBOX',
                                              'SESSION_COOKIE_SECURE', 'STAFF_PASSWORD_SIGN_IN')}
    return create_app(dict(config, **settings))


@pytest.fixture
def real_date_after():
    yield
    clock.start_on(None)


def test_kruzhok_today_runs_a_development_instance_on_that_date_with_a_banner(app, region,
                                                                              real_date_after):
    with app.app_context():
        sakhalin(region)
    moved = app_with(app, ENV_NAME='development', KRUZHOK_TODAY='2027-04-02')
    assert clock.today(SAKHALIN) == datetime.date(2027, 4, 2)
    client = moved.test_client()
    assert 'Дата системы изменена: 02.04.2027' in text_of(client.get('/login'))
    signed_in = FormClient(client)
    assert signed_in.sign_in('odo-admin', organisation=region.odo).status_code == 303
    page = text_of(client.get('/movement/orders/new'))
    assert 'Дата системы изменена: 02.04.2027' in page
    assert 'name="document_date" value="2027-04-02"' in page


def test_kruzhok_today_is_ignored_and_logged_outside_development(app, region, real_date_after, caplog):
    with caplog.at_level(logging.WARNING):
        ignored = app_with(app, ENV_NAME='production', KRUZHOK_TODAY='2027-04-02')
    assert 'KRUZHOK_TODAY=2027-04-02 is ignored' in caplog.text
    assert clock.moved_to() is None and clock.today(SAKHALIN) != datetime.date(2027, 4, 2)
    assert 'Дата системы изменена' not in text_of(ignored.test_client().get('/login'))


def test_a_kruzhok_today_that_is_no_date_is_ignored_and_logged(app, region, real_date_after, caplog):
    with caplog.at_level(logging.WARNING):
        app_with(app, ENV_NAME='development', KRUZHOK_TODAY='02.04.2027')
    assert 'write the date as YYYY-MM-DD' in caplog.text and clock.moved_to() is None


def test_the_environment_variable_reaches_the_app(app, region, real_date_after, monkeypatch):
    monkeypatch.setenv('KRUZHOK_ENV', 'development')
    monkeypatch.setenv('KRUZHOK_TODAY', '2027-04-02')
    config = {key: app.config[key] for key in ('TESTING', 'DATABASE_URL', 'SECRET_KEY', 'MAIL_OUTBOX')}
    create_app(config)
    assert clock.moved_to() == datetime.date(2027, 4, 2)


# --- Nothing reads the time behind the clock's back ----------------------------------------

STRAYS = re.compile(r'date\.today\(|datetime\.(now|utcnow|today)\(|\btime\.time\(|\btime\.localtime\(')


def test_every_now_and_today_of_the_app_comes_from_the_clock():
    code = [p for folder in ('services', 'blueprints', 'demo') for p in (ROOT / folder).rglob('*.py')]
    code += [ROOT / name for name in ('app.py', 'web.py', 'models.py', 'compiled.py', 'keys.py')]
    strays = [f'{path.relative_to(ROOT)}:{number}: {line.strip()}' for path in code
              for number, line in enumerate(path.read_text(encoding='utf-8').splitlines(), 1)
              if STRAYS.search(line)]
    assert strays == []


def test_the_pattern_finds_the_ways_of_reading_the_time(tmp_path):
    for line in ('datetime.date.today()', 'datetime.datetime.now(datetime.timezone.utc)',
                 'datetime.datetime.utcnow()', 'time.time()', 'date.today()'):
        assert STRAYS.search(line), line
    assert not STRAYS.search('clock.today(region.zone)') and not STRAYS.search('time.monotonic()')


def test_templates_show_instants_through_the_regions_filters():
    """A stored instant formatted by hand (``created_at.strftime``) or labelled UTC would show
    the server's time, not the region's."""
    found = [f'{path.relative_to(ROOT)}: {match.group(0)}'
             for path in (ROOT / 'templates').rglob('*.html')
             for match in re.finditer(r'_at\.strftime\(|\}\}\s*UTC\b', path.read_text(encoding='utf-8'))]
    assert found == []


# --- In Chromium ------------------------------------------------------------------------------

@pytest.mark.browser
def test_chromium_shows_the_banner_and_the_regions_time(app, region, page, frozen_clock, real_date_after):
    frozen_clock.at(LATE_EVENING_UTC)
    with app.app_context():
        sakhalin(region)
        bead = builders.association(region.odo, '1а Бисер')
        order = builders.committed(region.odo, Order.ENROLMENT, 12, [builders.child()], to=bead)
    clock.unfreeze()  # the order was committed then; now the instance runs on 2 April 2027
    moved = app_with(app, ENV_NAME='development', KRUZHOK_TODAY='2027-04-02')
    base, stop = serve(moved)
    try:
        page.goto(f'{base}/login?tab=org&region={region.region.id}&municipality={region.city.id}'
                  f'&settlement={region.town.id}&kind=odo')
        banner = page.locator('.clock-banner')
        assert banner.inner_text() == 'Дата системы изменена: 02.04.2027'
        box = banner.bounding_box()
        assert box['y'] == 0 and box['height'] >= 20  # the first thing on the page
        page.select_option('#organisation', label='МАУДО Центр детского творчества')
        page.fill('#login', 'odo-admin')
        page.fill('#password', builders.PASSWORD)
        page.click('button:has-text("Войти")')
        page.wait_for_url(base + '/')
        page.goto(f'{base}/movement/orders/{order.id}')
        committed = page.locator('dt:has-text("Проведён") + dd')
        assert committed.inner_text() == '02.12.2026 10:30'
        assert page.locator('.clock-banner').is_visible()
        page.goto(f'{base}/movement/orders/new')
        assert page.input_value('#document_date') == '2027-04-02'
    finally:
        stop()
