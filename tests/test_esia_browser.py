"""In Chromium: a demo teacher signs in through the development identity provider (on its own
loopback port, so the cross-origin redirect and SameSite=Lax are real), and the password
policy refuses staff and teenagers while a child under 14 still signs in with a password."""
import pytest
from playwright.sync_api import expect

from models import AuditEvent
from tests.esia_support import CLIENT_ID, demo_people, esia_config

pytestmark = pytest.mark.browser


@pytest.fixture
def esia_live(live_server, app, idp, idp_server, region):
    """The live app pointed at the provider, its return address registered there."""
    demo_people(region)
    redirect_uri = live_server + '/esia/return'
    app.config.update(esia_config(idp_server[1], redirect_uri))
    registered = idp.extensions['devidp'].clients[CLIENT_ID].redirect_uris
    registered.append(redirect_uri)
    yield live_server, idp_server[1]
    registered.remove(redirect_uri)


def open_organisation(page, base, region):
    page.goto(f'{base}/login?municipality={region.city.id}&settlement={region.town.id}&kind=odo')
    page.select_option('#organisation', label='МАУДО Центр детского творчества')


def password_sign_in(page, base, region, login):
    open_organisation(page, base, region)
    page.fill('#login', login)
    page.fill('#password', 'Demo-2024!')
    page.click('button:has-text("Войти")')


def test_teacher_signs_in_through_the_development_provider(esia_live, page, region):
    base, idp_url = esia_live
    errors = []
    page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
    page.goto(base + '/login')
    page.click('text=Вход с учётной записью портала Госуслуг')
    page.wait_for_url(idp_url + '/aas/oauth2/v2/ac?*')
    expect(page.locator('h1')).to_have_text('Вход через Госуслуги')
    page.check('input[data-key="teacher"]')
    page.click('button:has-text("Предоставить доступ")')
    page.wait_for_url(base + '/esia/confirm')
    expect(page.locator('h1')).to_have_text('Связать учётную запись Госуслуг')
    page.click('button:has-text("Связать и войти")')
    page.wait_for_url(base + '/')
    assert page.locator('h1').inner_text() == 'Мои объединения'  # the teacher's home
    event = AuditEvent.get(AuditEvent.event == 'sign_in')
    assert (event.login, event.organisation_id, event.details) == ('odo-teacher', region.odo.id, 'esia')
    assert errors == []
    page.click('button:has-text("Выйти")')
    page.wait_for_url(base + '/esia/signed-out')
    page.click('text=Выйти и из Госуслуг')
    page.wait_for_url(base + '/login')


def test_password_policy_in_the_browser(esia_live, page, region):
    base, _ = esia_live
    password_sign_in(page, base, region, 'odo-teacher')
    expect(page.locator('.flash.error')).to_contain_text('сотрудники входят только через Госуслуги')
    expect(page.locator('a.esia')).to_have_attribute('href', '/esia/start')
    password_sign_in(page, base, region, 'child-15')
    expect(page.locator('.flash.error')).to_contain_text('только дети младше 14 лет')
    password_sign_in(page, base, region, 'child-13')
    page.wait_for_url(base + '/')
    assert page.locator('h1').inner_text() == 'Мои занятия'  # the child's home
