"""In Chromium: find children in the registry, tick them across pages and filters, add them
to an enrolment order; the same screens on a 360 px phone and with JavaScript off."""
import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from models import EnrolmentSelection, OrderLine
from tests import builders

pytestmark = pytest.mark.browser

PHONE = {'viewport': {'width': 360, 'height': 740}, 'locale': 'ru-RU', 'is_mobile': True,
         'has_touch': True}
NO_SCRIPT = {'viewport': {'width': 1280, 'height': 800}, 'locale': 'ru-RU',
             'java_script_enabled': False}

NAMES = ['Анна', 'Вера', 'Галина', 'Дарья', 'Елена', 'Жанна', 'Зоя', 'Инна', 'Кира', 'Лидия',
         'Мария']


@pytest.fixture
def elkiny(app, registry):
    with app.app_context():
        return [builders.child('Ёлкина', name, 'Ивановна', datetime.date(2015, 2, i + 1))
                for i, name in enumerate(NAMES)]


def sign_in(page, base, region):
    page.goto(f'{base}/login?tab=org&region={region.region.id}&municipality={region.city.id}'
              f'&settlement={region.town.id}&kind=odo')
    page.select_option('#organisation', label='МАУДО Центр детского творчества')
    page.fill('#login', 'odo-admin')
    page.fill('#password', builders.PASSWORD)
    page.click('button:has-text("Войти")')
    page.wait_for_url(base + '/')


def test_ticks_survive_pages_and_filters_and_go_into_the_order(live_server, page, region,
                                                               registry, elkiny):
    errors = []
    page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
    order = registry['order']
    sign_in(page, live_server, region)
    page.goto(f'{live_server}/enrolment/orders/{order.id}/search')
    expect(page.locator('text=Чтобы найти учащихся, заполните поля и нажмите «Применить».')).to_be_visible()

    page.fill('#surname', 'елкина')  # lower case, е for ё
    page.select_option('#size', '10')
    page.click('button:has-text("Применить")')
    expect(page.locator('table.results tbody tr')).to_have_count(10)
    assert 'surname=' in page.url and 'size=10' in page.url  # the address reflects the filters
    page.check('input[aria-label="Выбрать: Ёлкина Алёна Игоревна"]')
    expect(page.locator('#selected-count')).to_have_text('Отмечено для добавления (1)')

    page.click('.pager a:has-text("2")')
    expect(page.locator('table.results tbody tr')).to_have_count(2)
    page.check('input[aria-label="Выбрать: Ёлкина Мария Ивановна"]')
    expect(page.locator('#selected-count')).to_have_text('Отмечено для добавления (2)')

    page.fill('#surname', 'петров')
    page.click('button:has-text("Применить")')
    expect(page.locator('table.results tbody tr')).to_have_count(1)
    expect(page.locator('#selected-count')).to_have_text('Отмечено для добавления (2)')

    page.go_back()  # the back button brings the previous results
    expect(page.locator('#surname')).to_have_value('елкина')

    page.click('#selected-count')
    expect(page.locator('h1')).to_have_text('Отмечено для добавления (2)')
    page.select_option('#to', label=f'1а Бисер · {registry["bead"].school_year.title}')
    page.click('button:has-text("Проверить, кого можно зачислить")')
    page.click('button:has-text("Добавить учеников в приказ")')
    page.wait_for_url(f'{live_server}/movement/orders/{order.id}')
    expect(page.locator('text=Ёлкина Алёна Игоревна').first).to_be_visible()
    expect(page.locator('text=Ёлкина Мария Ивановна').first).to_be_visible()
    people = {line.person.full_name for line in OrderLine.select().where(OrderLine.order == order)}
    assert people == {'Ёлкина Алёна Игоревна', 'Ёлкина Мария Ивановна'}
    assert errors == []


def query(page):
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def names(page):
    """The ФИО column of the result table."""
    return page.locator('table.results tbody tr td:nth-child(3)')


def page_width(page):
    """The page's width in CSS pixels: a wide table may scroll inside its ``.table-wrap``, the
    page itself may not. (Compared with the screen's width, not ``window.innerWidth``: on a
    mobile viewport Chromium widens the layout viewport to fit an overflowing page.)"""
    return page.evaluate('document.documentElement.scrollWidth')


def selected_people(order):
    return {s.person.full_name
            for s in EnrolmentSelection.select().where(EnrolmentSelection.order == order)}


@pytest.mark.parametrize('browser_context_options', [PHONE], ids=['phone-360'])
def test_search_and_tick_on_a_phone(live_server, page, browser_context_options, region,
                                    registry):
    errors = []
    page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
    order, screen = registry['order'], PHONE['viewport']['width']
    sign_in(page, live_server, region)
    page.goto(f'{live_server}/enrolment/orders/{order.id}/search')
    expect(page.locator('h1')).to_have_text('Поиск учащихся для зачисления')
    assert page_width(page) <= screen + 1

    page.fill('#surname', 'елкина')  # lower case, е for ё
    page.click('button:has-text("Применить")')
    expect(names(page)).to_have_text(['Ёлкина Алёна Игоревна'])
    assert query(page)['surname'] == 'елкина'
    save = page.locator('button:has-text("Сохранить отметки")')
    expect(save).to_have_count(1)
    expect(save).to_be_hidden()  # with JavaScript a tick is saved as it changes
    page.check('input[aria-label="Выбрать: Ёлкина Алёна Игоревна"]')
    expect(page.locator('#selected-count')).to_have_text('Отмечено для добавления (1)')
    assert selected_people(order) == {'Ёлкина Алёна Игоревна'}

    # The nine-column table is a list of cards, the name on top; the page does not scroll sideways.
    assert page_width(page) <= screen + 1
    card = page.locator('table.results tbody tr').first
    assert card.evaluate('tr => getComputedStyle(tr).display') == 'flex'
    assert card.bounding_box()['width'] <= screen
    assert card.locator('td.name').bounding_box()['y'] < card.locator('td.tick-cell').bounding_box()['y']
    assert errors == []


@pytest.mark.parametrize('browser_context_options', [NO_SCRIPT], ids=['no-javascript'])
def test_search_pool_and_ticks_work_without_javascript(app, live_server, page,
                                                       browser_context_options, region,
                                                       registry):
    with app.app_context():
        builders.association(region.odo, '3в Керамика')
    order, year = registry['order'], registry['bead'].school_year.title
    not_chosen = 'Не выбрано (кого нельзя зачислить, будет видно после выбора)'
    sign_in(page, live_server, region)
    page.goto(f'{live_server}/enrolment/orders/{order.id}/search')
    targets = page.locator('#to option')
    expect(targets).to_have_text([not_chosen, f'1а Бисер · {year}', f'3в Керамика · {year}'])

    page.fill('#surname', 'елкина')  # lower case, е for ё
    page.click('button:has-text("Применить")')
    expect(names(page)).to_have_text(['Ёлкина Алёна Игоревна'])
    assert {'applied': '1', 'surname': 'елкина'}.items() <= query(page).items()
    expect(page.locator('#selected-count')).to_have_text('Отмечено для добавления (0)')

    # The ticks travel in a plain POST; the page comes back with the same filters.
    page.check('input[aria-label="Выбрать: Ёлкина Алёна Игоревна"]')
    page.click('button:has-text("Сохранить отметки")')
    expect(page.locator('#selected-count')).to_have_text('Отмечено для добавления (1)')
    expect(page.locator('input[aria-label="Выбрать: Ёлкина Алёна Игоревна"]')).to_be_checked()
    assert query(page)['surname'] == 'елкина'
    assert selected_people(order) == {'Ёлкина Алёна Игоревна'}

    # «Объединение: часть названия» narrows «Зачислить в объединение» with its own «Найти».
    page.fill('#to_q', 'бис')
    page.click('button:has-text("Найти") >> nth=0')
    expect(targets).to_have_text([not_chosen, f'1а Бисер · {year}'])
    expect(page.locator('#to_q')).to_have_value('бис')
    expect(names(page)).to_have_text(['Ёлкина Алёна Игоревна'])  # the search is kept
    assert query(page)['to_q'] == 'бис'

    page.click('nav.enrol-tabs a:has-text("Список выпускников и выбывших")')
    expect(page.locator('h1')).to_have_text('Список выпускников и выбывших')
    expect(names(page)).to_have_text(['Сидорова Мария Олеговна', 'Иванов Семён Ильич'])
    page.click('nav.letters a:text-is("И")')
    expect(page.locator('nav.letters a[aria-current]')).to_have_text('И')
    expect(names(page)).to_have_text(['Иванов Семён Ильич'])
    assert query(page)['letter'] == 'И'
    page.check('input[aria-label="Выбрать: Иванов Семён Ильич"]')
    page.click('button:has-text("Сохранить отметки")')
    expect(page.locator('#selected-count')).to_have_text('Отмечено для добавления (2)')
    expect(names(page)).to_have_text(['Иванов Семён Ильич'])  # still under «И»
    assert query(page)['letter'] == 'И'
    assert selected_people(order) == {'Ёлкина Алёна Игоревна', 'Иванов Семён Ильич'}
