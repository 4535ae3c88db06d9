"""The main menu in Chromium: one row at 1280 px; at 360 px a «Меню» disclosure that works with
and without JavaScript, with touch-sized links and no sideways scroll."""
import re

import pytest
from playwright.sync_api import expect

from models import Message, Order
from tests import builders

pytestmark = pytest.mark.browser

LINKS = ['Главная', 'Входящие', 'Моё портфолио', 'Книга движения', 'Приказы', 'Импорт учеников',
         'Программы', 'Объединения', 'Сведения о сотрудниках', 'Пользователи и роли']


@pytest.fixture(params=[(1280, True), (1280, False), (360, True), (360, False)],
                ids=['1280-js', '1280-no-js', '360-js', '360-no-js'])
def browser_context_options(request):
    width, js = request.param
    return {'viewport': {'width': width, 'height': 800}, 'locale': 'ru-RU', 'java_script_enabled': js}


def sign_in(page, base, region):
    page.goto(f'{base}/login?tab=org&region={region.region.id}&municipality={region.city.id}'
              f'&settlement={region.town.id}&kind=odo')
    page.select_option('#organisation', label='МАУДО Центр детского творчества')
    page.fill('#login', 'odo-admin')
    page.fill('#password', builders.PASSWORD)
    page.click('button:has-text("Войти")')
    page.wait_for_url(base + '/')


def no_sideways_scroll(page):
    assert page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), page.url


def menu_links(page):
    """The links by accessible name; the inbox's carries its count («Входящие, непрочитанных: 1»)."""
    return [page.locator('nav.menu').get_by_role('link', name=re.compile(f'^{label}(, непрочитанных: \\d+)?$'))
            for label in LINKS]


def test_the_menu_is_usable_at_every_width(live_server, page, region, browser_context_options):
    narrow = browser_context_options['viewport']['width'] < 768
    Message.create(sender_organisation=region.other_odo, recipient_organisation=region.odo,
                   subject='Запрос на выбытие: Орлова Софья Ивановна')
    sign_in(page, live_server, region)
    summary = page.locator('nav.menu summary')
    if narrow:
        expect(summary).to_have_text('Меню: Главная')
        expect(menu_links(page)[2]).to_be_hidden()
        summary.click()
    else:
        expect(summary).to_be_hidden()
    tops = set()
    for link in menu_links(page):
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box['height'] >= 44 and box['x'] >= 0 and box['x'] + box['width'] <= page.viewport_size['width']
        tops.add(round(box['y'] + box['height']))
    if not narrow:
        assert len(tops) <= 2, tops  # an administrator's eleven sections: two rows at most at 1280 px
    expect(menu_links(page)[1]).to_have_accessible_name(re.compile('^Входящие, непрочитанных: 1$'))
    no_sideways_scroll(page)
    page.locator('nav.menu').get_by_role('link', name='Приказы', exact=True).click()
    page.wait_for_url(live_server + '/movement/orders')
    if narrow:
        expect(summary).to_have_text('Меню: Приказы')
    expect(page.locator('nav.menu a[aria-current="page"]')).to_have_text('Приказы')
    page.goto(live_server + '/inbox/')
    no_sideways_scroll(page)


def test_a_request_becomes_a_withdrawal_draft_from_the_inbox(live_server, page, region):
    beads = builders.association(region.odo, '1а Бисер')
    kid = builders.child('Орлова', 'Софья', 'Ивановна')
    builders.committed(region.odo, Order.ENROLMENT, 1, [kid], to=beads)
    Message.create(sender_organisation=region.other_odo, recipient_organisation=region.odo, person=kid,
                   subject='Запрос на выбытие: Орлова Софья Ивановна', body='Просим оформить выбытие.')
    sign_in(page, live_server, region)
    page.goto(live_server + '/inbox/')
    no_sideways_scroll(page)
    page.get_by_role('link', name='Оформить выбытие').click()
    page.fill('#number', '12-в')
    page.fill('#document_date', '2026-12-01')
    page.fill('#act_date', '2026-12-01')
    page.select_option('#reason', label='Перевод в другую организацию')
    page.click('button:has-text("Создать черновик приказа")')
    expect(page.locator('h1')).to_have_text('Приказ №12-в от 01.12.2026')
    expect(page.locator('table')).to_contain_text('Орлова Софья Ивановна')
