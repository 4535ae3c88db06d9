"""In Chromium: find children in the registry, tick them across pages and filters, add them
to an enrolment order."""
import datetime

import pytest
from playwright.sync_api import expect

from models import OrderLine
from tests import factories
from tests.test_enrollment_registry import registry  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser

NAMES = ['Анна', 'Вера', 'Галина', 'Дарья', 'Елена', 'Жанна', 'Зоя', 'Инна', 'Кира', 'Лидия',
         'Мария']


@pytest.fixture
def elkiny(app, registry):  # noqa: F811
    with app.app_context():
        return [factories.child('Ёлкина', name, 'Ивановна', datetime.date(2015, 2, i + 1))
                for i, name in enumerate(NAMES)]


def sign_in(page, base, region):
    page.goto(f'{base}/login?tab=org&region={region.region.id}&municipality={region.city.id}'
              f'&settlement={region.town.id}&kind=odo')
    page.select_option('#organisation', label='МАУДО Центр детского творчества')
    page.fill('#login', 'odo-admin')
    page.fill('#password', factories.PASSWORD)
    page.click('button:has-text("Войти")')
    page.wait_for_url(base + '/')


def test_ticks_survive_pages_and_filters_and_go_into_the_order(live_server, page, region,
                                                                registry, elkiny):  # noqa: F811
    errors = []
    page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
    order = registry['order']
    sign_in(page, live_server, region)
    page.goto(f'{live_server}/enrollment/orders/{order.id}/search')
    expect(page.locator('text=Для загрузки списка обучающихся нажмите кнопку "Применить"')).to_be_visible()

    page.fill('#surname', 'елкина')  # lower case, е for ё
    page.select_option('#size', '10')
    page.click('button:has-text("Применить")')
    expect(page.locator('table.results tbody tr')).to_have_count(10)
    assert 'surname=' in page.url and 'size=10' in page.url  # the address reflects the filters
    page.check('input[aria-label="Выбрать: Ёлкина Алёна Игоревна"]')
    expect(page.locator('#selected-count')).to_have_text('Выбранные учащиеся (1)')

    page.click('.pager a:has-text("2")')
    expect(page.locator('table.results tbody tr')).to_have_count(2)
    page.check('input[aria-label="Выбрать: Ёлкина Мария Ивановна"]')
    expect(page.locator('#selected-count')).to_have_text('Выбранные учащиеся (2)')

    page.fill('#surname', 'петров')
    page.click('button:has-text("Применить")')
    expect(page.locator('table.results tbody tr')).to_have_count(1)
    expect(page.locator('#selected-count')).to_have_text('Выбранные учащиеся (2)')

    page.go_back()  # the back button brings the previous results
    expect(page.locator('#surname')).to_have_value('елкина')

    page.click('#selected-count')
    expect(page.locator('h1')).to_have_text('Выбранные учащиеся (2)')
    page.select_option('#to', label=f'1а Бисер · {registry["bead"].school_year.title}')
    page.click('button:has-text("Проверить, кого можно зачислить")')
    page.click('button:has-text("Добавить учеников в приказ")')
    page.wait_for_url(f'{live_server}/movement/orders/{order.id}')
    expect(page.locator('text=Ёлкина Алёна Игоревна').first).to_be_visible()
    expect(page.locator('text=Ёлкина Мария Ивановна').first).to_be_visible()
    people = {line.person.full_name for line in OrderLine.select().where(OrderLine.order == order)}
    assert people == {'Ёлкина Алёна Игоревна', 'Ёлкина Мария Ивановна'}
    assert errors == []
