"""The movement book in Chromium: an administrator's whole path, a teacher, another organisation."""
import pytest
from playwright.sync_api import expect

from models import Order, Role, UserRole

pytestmark = pytest.mark.browser


def sign_in(page, base, login, organisation):
    page.goto(base + '/login')
    token = page.locator('input[name=csrf_token]').first.get_attribute('value')
    response = page.request.post(base + '/login', max_redirects=0, form={
        'csrf_token': token, 'login': login, 'password': 'Demo-2024!', 'organisation': str(organisation.id)})
    assert response.status == 303, response.text()
    page.goto(base + '/')


def new_order(page, kind, number, on):
    page.click('.subnav >> text=Приказы')
    page.click('text=Новый приказ')
    page.select_option('#kind', label=kind)
    page.fill('#number', number)
    page.fill('#document_date', on)
    page.fill('#act_date', on)
    page.click('button:has-text("Создать черновик приказа")')
    expect(page.locator('h1')).to_contain_text(f'Приказ №{number}')


def commit(page):
    page.click('button:has-text("Провести приказ")')
    expect(page.locator('.flash.ok')).to_contain_text('проведён')


def test_administrator_keeps_the_movement_book(live_server, page, region):
    errors = []
    page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
    sign_in(page, live_server, 'odo-admin', region.odo)
    page.click('nav.menu >> text=Книга движения')
    expect(page.locator('h1')).to_have_text('Книга движения учащихся')

    # A program, and two объединения from it.
    page.click('.subnav >> text=Программы')
    page.click('text=Новая программа')
    page.fill('#name', 'Бисероплетение')
    page.select_option('#focus', label='Художественная')
    page.fill('#duration_years', '2')
    page.fill('#hours_per_week', '4')
    page.fill('#hours_per_year', '144')
    page.click('button:has-text("Создать программу")')
    expect(page.locator('.flash.ok')).to_contain_text('Программа «Бисероплетение» создана')
    for name in ('1а Бисер', '1б Бисер'):
        page.click('text=Создать объединение')
        page.fill('#name', name)
        page.fill('#capacity', '10')
        page.select_option('#teacher', label='Ёлкин Иван Сергеевич — Педагог дополнительного образования')
        page.click('button:has-text("Создать объединение")')
        expect(page.locator('h1')).to_have_text(name)
        page.click('text=«Бисероплетение»')

    # Enrolment of a new child.
    new_order(page, 'Зачисление', '1', '2026-09-01')
    page.click('text=Добавить учеников в приказ')
    expect(page.locator('.ways li')).to_have_count(4)
    page.fill('#surname', 'Иванова')
    page.fill('#name', 'Анна')
    page.fill('#patronymic', 'Сергеевна')
    page.fill('#birth_date', '2015-03-01')
    page.check('input[name=gender][value=F]')
    page.select_option('#association_to_new', label='1а Бисер (2026/2027, 1-й год обучения)')
    page.click('button:has-text("Добавить в приказ")')
    expect(page.locator('#chosen h2')).to_have_text('Ученики в приказе (1)')
    commit(page)

    # A transfer within the program.
    new_order(page, 'Перевод между объединениями', '2', '2026-10-01')
    page.click('text=Добавить учеников в приказ')
    page.select_option('#from', label='1а Бисер (2026/2027, 1-й год обучения)')
    page.click('button:has-text("Показать учащихся")')
    page.check('text=Иванова Анна Сергеевна')
    page.select_option('#association_to', label='1б Бисер (2026/2027, 1-й год обучения)')
    page.click('button:has-text("Добавить отмеченных в приказ")')
    commit(page)

    # A withdrawal with a reason.
    new_order(page, 'Выбытие', '3', '2026-11-01')
    page.click('text=Добавить учеников в приказ')
    page.select_option('#from', label='1б Бисер (2026/2027, 1-й год обучения)')
    page.click('button:has-text("Показать учащихся")')
    page.check('text=Иванова Анна Сергеевна')
    page.select_option('#reason', label='Смена места жительства')
    page.fill('#destination', 'г. Корсаков')
    page.click('button:has-text("Добавить отмеченных в приказ")')
    commit(page)

    # A back-dated line is refused, naming the order that blocks it.
    new_order(page, 'Зачисление', '4', '2026-09-15')
    page.click('text=Добавить учеников в приказ')
    page.fill('#q', 'иванова')
    expect(page.locator('#known-children')).to_contain_text('Иванова Анна Сергеевна')
    page.check('#known-children >> text=Иванова Анна Сергеевна')
    page.select_option('#association_to_known', label='1а Бисер (2026/2027, 1-й год обучения)')
    page.click('button:has-text("Добавить отмеченных")')
    expect(page.locator('.flash.error')).to_contain_text(
        'ребёнок уже выбыл приказом №3 от 01.11.2026 (дата движения 01.11.2026); '
        'движение нельзя датировать раньше 01.11.2026.')

    # Deleting a movement that is not the last is refused, naming the later order.
    first = Order.get(Order.number == '1')
    page.goto(f'{live_server}/movement/orders/{first.id}')
    page.click('text=Удалить приказ…')
    expect(page.locator('.flash.error')).to_contain_text(
        'это не последнее движение ребёнка — он уже выбыл приказом №3 от 01.11.2026')
    expect(page.locator('button:has-text("Удалить приказ")')).to_have_count(0)

    # The book: htmx filters, print, export.
    page.click('.subnav >> text=Книга движения')
    expect(page.locator('#book-results tbody tr')).to_have_count(3)
    page.select_option('select[name=kind]', label='Перевод между объединениями')
    expect(page.locator('#book-results tbody tr')).to_have_count(1)
    assert 'kind=transfer' in page.url
    with page.expect_download() as download:
        page.click('text=Экспорт в Excel (.xlsx)')
    assert download.value.suggested_filename.startswith('Книга движения учащихся')
    page.click('text=Версия для печати')
    expect(page.locator('h1')).to_have_text('Книга движения учащихся')
    expect(page.locator('table tbody tr')).to_have_count(1)
    page.emulate_media(media='print')
    expect(page.locator('.screen-only')).to_be_hidden()
    assert errors == []


def test_a_role_that_views_the_book_opens_it_read_only(live_server, page, region):
    reader = Role.create(code='reader', name='Педагог с книгой движения', region=region.region,
                         movement_book='view')
    UserRole.update(role=reader).where(UserRole.user == region.teacher).execute()
    sign_in(page, live_server, 'odo-teacher', region.odo)
    page.goto(live_server + '/movement/')
    expect(page.locator('h1')).to_have_text('Книга движения учащихся')
    expect(page.locator('text=Новый приказ')).to_have_count(0)
    page.goto(live_server + '/movement/orders/new')
    expect(page.locator('h1')).to_have_text('Нет доступа')


def test_another_organisations_order_is_not_found(live_server, page, region):
    order = Order.create(organisation=region.odo, school_year=region.odo.school_years[0],
                         kind='enrolment', number='1')
    sign_in(page, live_server, 'far-admin', region.far_odo)
    response = page.goto(f'{live_server}/movement/orders/{order.id}')
    assert response.status == 404
    expect(page.locator('h1')).to_have_text('Страница не найдена')


@pytest.mark.parametrize('browser_context_options', [
    {'viewport': {'width': 360, 'height': 740}, 'locale': 'ru-RU', 'is_mobile': True, 'has_touch': True}],
    ids=['phone-360'])
def test_the_book_fits_a_phone(live_server, page, region, browser_context_options):
    sign_in(page, live_server, 'odo-admin', region.odo)
    for path in ('/movement/', '/movement/orders', '/programs/', '/associations/', '/movement/orders/new'):
        page.goto(live_server + path)
        assert page.evaluate('document.documentElement.scrollWidth') <= 360, path
