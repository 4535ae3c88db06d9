"""In Chromium, at 1280 px and on a 360 px phone: the teacher adds a course with its PDF to «Моё
портфолио» and sees the fill percentage rise."""
import datetime

import pytest
from playwright.sync_api import expect

import clock
from models import PortfolioItem
from tests import builders
from tests.test_portfolio import pdf

pytestmark = pytest.mark.browser

DESKTOP = {'viewport': {'width': 1280, 'height': 800}, 'locale': 'ru-RU'}
PHONE = {'viewport': {'width': 360, 'height': 740}, 'locale': 'ru-RU', 'is_mobile': True, 'has_touch': True}


@pytest.fixture(params=[DESKTOP, PHONE], ids=['1280', '360'])
def browser_context_options(request):
    return request.param


@pytest.fixture(autouse=True)
def upload_folder(app, tmp_path):
    app.config['UPLOAD_FOLDER'] = str(tmp_path / 'uploads')


def test_the_teacher_adds_a_course_with_a_pdf_and_sees_the_fill_rise(app, live_server, page, region):
    page.goto(f'{live_server}/login?tab=org&region={region.region.id}&municipality={region.city.id}'
              f'&settlement={region.town.id}&kind=odo')
    page.select_option('#organisation', label='МАУДО Центр детского творчества')
    page.fill('#login', 'odo-teacher')
    page.fill('#password', builders.PASSWORD)
    page.click('button:has-text("Войти")')
    page.wait_for_url(live_server + '/')
    page.goto(f'{live_server}/portfolio/')
    expect(page.locator('h1')).to_have_text('Моё портфолио')
    expect(page.locator('#fill .fill')).to_have_text('0\u00a0%')
    page.click('text=Курсы повышения квалификации за последние 3 года')  # the missing check leads to the form
    expect(page.locator('#kind')).to_have_value('qualification')
    page.fill('#title', 'Повышение квалификации «Цифровая образовательная среда»')
    finished = clock.today(region.region.zone) - datetime.timedelta(days=10)
    page.fill('#issued_on', finished.isoformat())
    page.fill('#issuer', 'ГАУ ДПО «Институт развития образования Сахалинской области»')
    page.fill('#started_on', (finished - datetime.timedelta(days=14)).isoformat())
    page.fill('#finished_on', finished.isoformat())
    page.fill('#hours', '72')
    page.fill('#document_number', '652417654321')
    page.set_input_files('#scan', files=[{'name': 'удостоверение.pdf', 'mimeType': 'application/pdf',
                                          'buffer': pdf()}])
    page.click('button:has-text("Добавить запись")')
    page.wait_for_url(f'{live_server}/portfolio/')
    expect(page.locator('.flash.ok')).to_contain_text('добавлена в портфолио')
    expect(page.locator('#fill .fill')).to_have_text('66,6\u00a0%')
    expect(page.locator('#items')).to_contain_text('Цифровая образовательная среда')
    expect(page.locator('#items a:has-text("PDF")')).to_be_visible()
    # The page itself never scrolls sideways; a wide table scrolls in its own box.
    assert page.evaluate('document.documentElement.scrollWidth') <= page.viewport_size['width']
    with app.app_context():
        item = PortfolioItem.get()
        assert (item.kind, item.hours, item.scan_type) == ('qualification', 72, 'pdf')
