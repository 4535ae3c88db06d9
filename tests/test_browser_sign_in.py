"""Sign-in through the cascade in Chromium: desktop, a 360 px phone, and with JavaScript off."""
import pytest
from playwright.sync_api import expect

from models import AuditEvent

pytestmark = pytest.mark.browser

DESKTOP = {'viewport': {'width': 1280, 'height': 800}, 'locale': 'ru-RU'}
PHONE = {'viewport': {'width': 360, 'height': 740}, 'locale': 'ru-RU', 'is_mobile': True,
         'has_touch': True}
NO_SCRIPT = {'viewport': {'width': 1280, 'height': 800}, 'locale': 'ru-RU',
             'java_script_enabled': False}


def sign_in_through_cascade(page, base, javascript=True):
    page.goto(base + '/login')
    page.select_option('#municipality', label='Городской округ Южно-Сахалинск')
    if not javascript:
        page.click('text=Показать')
    page.select_option('#settlement', label='Южно-Сахалинск, г.')
    if not javascript:
        page.click('text=Показать')
    page.select_option('#kind', label='Дополнительное образование детей')
    if not javascript:
        page.click('text=Показать')
    page.fill('#q', 'центр')
    if not javascript:
        page.click('text=Показать')
    expect(page.locator('#organisation option:has-text("Дом детского творчества")')).to_have_count(0)
    expect(page.locator('#organisation option:has-text("МАУДО Центр детского творчества")')).to_have_count(1)
    page.select_option('#organisation', label='МАУДО Центр детского творчества')
    page.fill('#login', 'odo-admin')
    page.fill('#password', 'Demo-2024!')
    page.click('button:has-text("Войти")')
    page.wait_for_url(base + '/')


@pytest.mark.parametrize('browser_context_options', [DESKTOP, PHONE], ids=['desktop', 'phone-360'])
def test_administrator_signs_in_through_the_cascade(live_server, page, browser_context_options):
    errors = []
    page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
    sign_in_through_cascade(page, live_server)
    assert page.locator('h1').inner_text() == 'Главная'  # the administrator's home
    assert page.locator('.who .year').inner_text() == '2026/2027 уч. год'
    assert AuditEvent.select().where(AuditEvent.event == 'sign_in').count() == 1
    assert errors == []  # no CSP violations nor script errors
    # Nothing is wider than the screen.
    assert page.evaluate('document.documentElement.scrollWidth') <= browser_context_options['viewport']['width']


def test_cascade_updates_the_address_bar(live_server, page):
    page.goto(live_server + '/login')
    page.select_option('#municipality', label='Городской округ Южно-Сахалинск')
    page.wait_for_selector('#settlement')
    assert 'municipality=' in page.url
    page.go_back()
    expect(page.locator('#settlement')).to_have_count(0)
    page.go_forward()
    expect(page.locator('#settlement')).to_have_count(1)


@pytest.mark.parametrize('browser_context_options', [NO_SCRIPT], ids=['no-javascript'])
def test_sign_in_works_without_javascript(live_server, page, browser_context_options):
    sign_in_through_cascade(page, live_server, javascript=False)
    assert page.locator('h1').inner_text() == 'Главная'  # the administrator's home


def test_sign_out_returns_to_the_sign_in_page(live_server, page):
    sign_in_through_cascade(page, live_server)
    page.click('button:has-text("Выйти")')
    page.wait_for_url(live_server + '/login')
    assert 'Вы вышли из системы' in page.content()
    page.goto(live_server + '/')
    assert '/login' in page.url
