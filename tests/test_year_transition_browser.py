"""In Chromium, the school-year transition's «Done when» (issue 16), with the app's clock set on
both sides of each gate: the administrator dismisses an employee, forms the next year (refused
on 31 March, allowed on 2 April), edits the future list, transfers all children in bulk but
two, is refused opening on 26 August with those two listed, covers them with a graduation and
a withdrawal, opens the year and finds the old one read-only; the management body sees that
organisation done and another one late.  The live server runs in this process: the frozen clock
is its clock too."""
import datetime

import pytest
from playwright.sync_api import expect

import clock
from models import Association, Employment, SchoolYear
from tests import builders

pytestmark = pytest.mark.browser
SHOTS = '/tmp/shots/years'


def on(frozen_clock, day):
    frozen_clock.at(clock.at(day, 11))


def sign_in(page, base, login, organisation):
    page.context.clear_cookies()
    page.goto(base + '/login')
    token = page.locator('input[name=csrf_token]').first.get_attribute('value')
    response = page.request.post(base + '/login', max_redirects=0, form={
        'csrf_token': token, 'login': login, 'password': builders.PASSWORD,
        'organisation': str(organisation.id)})
    assert response.status == 303, response.text()
    page.goto(base + '/')


@pytest.fixture
def odo(region):
    """«Бисероплетение» (3 years): «1а Бисер» with four children, «2а Бисер» with two; an
    employee who will not work next year."""
    beads = builders.program(region.odo, 'Бисероплетение', duration=3)
    first = builders.association(region.odo, '1а Бисер', beads)
    second = builders.association(region.odo, '2а Бисер', beads, study_year=2)
    kids = [builders.child(surname, name, birth_date=datetime.date(2015, 3, 1))
            for surname, name in (('Аксёнова', 'Ася'), ('Белова', 'Бэлла'), ('Васина', 'Вера'),
                                  ('Галкина', 'Гала'), ('Дёмина', 'Дина'), ('Ершова', 'Ева'))]
    builders.committed(region.odo, 'enrolment', 1, kids[:4], to=first)
    builders.committed(region.odo, 'enrolment', 2, kids[4:], to=second)
    leaving = builders.person('Уходящая', 'Ирина', 'Павловна')
    Employment.create(person=leaving, organisation=region.odo, position='Педагог-организатор',
                      started_on=datetime.date(2020, 9, 1))
    return type('Odo', (), {'first': first, 'second': second, 'kids': kids})


def shoot(page, name):
    for width in (1280, 360):
        page.set_viewport_size({'width': width, 'height': 900})
        page.screenshot(path=f'{SHOTS}/{name}-{width}.png', full_page=True)
        assert page.evaluate('document.documentElement.scrollWidth') <= width + 1, (name, width)
    page.set_viewport_size({'width': 1280, 'height': 900})


def test_the_whole_transition_in_the_browser(live_server, page, region, odo, frozen_clock):
    base = live_server
    # 31 March: the steps page; the employee is dismissed; forming is refused with a sentence.
    on(frozen_clock, datetime.date(2027, 3, 31))
    sign_in(page, base, 'odo-admin', region.odo)
    page.click('nav.menu >> text=Учебный год')
    expect(page.locator('h1')).to_have_text('Переход на новый учебный год')
    shoot(page, 'steps-march')
    page.click('#step-staff tr:has-text("Уходящая") >> text=Уволить')
    page.click('button:has-text("Уволить")')
    expect(page.locator('.flash.ok')).to_contain_text('Уходящая Ирина Павловна уволена')
    page.goto(base + '/year/')
    expect(page.locator('#step-staff')).not_to_contain_text('Уходящая')
    page.click('button:has-text("Список проверен")')
    expect(page.locator('#step-staff .step-state')).to_have_text('выполнен')
    page.click('text=Сформировать следующий год')
    expect(page.locator('.flash.error')).to_have_text(
        'Формирование 2027/2028 учебного года — с 01.04.2027; сегодня 31.03.2027. Вернитесь к '
        'этому шагу в назначенный день: даты перехода задаёт регион.')
    expect(page.locator('button:has-text("Сформировать")')).to_be_disabled()

    # 2 April: forming is allowed; the future list is edited.
    on(frozen_clock, datetime.date(2027, 4, 2))
    sign_in(page, base, 'odo-admin', region.odo)
    page.goto(base + '/year/form')
    page.click('button:has-text("Сформировать")')
    expect(page.locator('.flash.ok')).to_contain_text('2027/2028 учебный год сформирован')
    future = page.locator('#step-form table')
    expect(future).to_contain_text('2а Бисер')
    expect(future).to_contain_text('3а Бисер')
    page.click('#step-form tr:has-text("1а Бисер") >> button:has-text("Удалить")')
    expect(page.locator('.flash.ok')).to_contain_text('«1а Бисер» удалено из 2027/2028')
    page.click('#step-form >> text=3а Бисер')
    page.click('summary:has-text("Изменить объединение")')
    page.fill('#name', '3а Бисер (старшие)')
    page.click('button:has-text("Сохранить")')
    expect(page.locator('.flash.ok')).to_contain_text('Объединение сохранено')
    assert sorted(a.name for a in Association.select().join(SchoolYear).where(
        SchoolYear.state == SchoolYear.FUTURE)) == ['2а Бисер', '3а Бисер (старшие)']
    # The header switch shows which year the pages are in.
    page.goto(base + '/year/')
    page.click('.year-switch button:has-text("Будущий год")')
    expect(page.locator('.year-switch button[aria-pressed="true"]')).to_contain_text('2027/2028')
    page.click('.year-switch button:has-text("Текущий год")')

    # The transfer, in bulk, previewed; two exceptions unticked.
    page.goto(base + '/year/')
    page.click('#step-orders >> text=Перевод на следующий год')
    expect(page.locator('input[name=child]')).to_have_count(6)
    shoot(page, 'transfer-preview')
    for kid in odo.kids[:2]:
        page.uncheck(f'input[value="{odo.first.id}:{kid.id}"]')
    page.click('button:has-text("Создать черновик приказа")')
    expect(page.locator('.flash.ok')).to_contain_text('добавлено строк — 4')
    page.click('button:has-text("Провести приказ")')
    expect(page.locator('.flash.ok')).to_contain_text('проведён')

    # 26 August: opening is refused and names the two children left.
    on(frozen_clock, datetime.date(2027, 8, 26))
    sign_in(page, base, 'odo-admin', region.odo)
    page.goto(base + '/year/')
    page.click('text=Открыть новый учебный год')
    expect(page.locator('.flash.error').first).to_contain_text('2 ребёнка ещё не охвачены приказами')
    expect(page.locator('table.uncovered tbody tr')).to_have_count(2)
    expect(page.locator('table.uncovered')).to_contain_text('Аксёнова Ася')
    expect(page.locator('table.uncovered')).to_contain_text('Белова Бэлла')
    shoot(page, 'open-refused')
    # One graduates, the other leaves: each link opens the right draft for that child.
    page.click('tr:has-text("Аксёнова") >> text=Выпуск')
    expect(page.locator('input[name=child]:checked')).to_have_count(1)
    page.click('button:has-text("Создать черновик приказа")')
    page.click('button:has-text("Провести приказ")')
    expect(page.locator('.flash.ok')).to_contain_text('проведён')
    page.goto(base + '/year/open')
    page.click('tr:has-text("Белова") >> text=Выбытие')
    page.fill('#destination', 'г. Корсаков')
    page.click('button:has-text("Создать черновик приказа")')
    page.click('button:has-text("Провести приказ")')
    expect(page.locator('.flash.ok')).to_contain_text('проведён')

    # Opening: the warning, then the new year; the old one is read-only.
    page.goto(base + '/year/open')
    expect(page.locator('.flash.warn')).to_contain_text('2026/2027 закроется')
    page.click('button:has-text("Открыть 2027/2028")')
    expect(page.locator('.flash.ok')).to_contain_text('2027/2028 учебный год открыт')
    expect(page.locator('header .year')).to_have_text('2027/2028 уч. год')
    old_order = builders.Order.get(builders.Order.number == '1')
    page.goto(f'{base}/movement/orders/{old_order.id}/delete')
    expect(page.locator('main')).to_contain_text('Учебный год 2026/2027 закрыт')
    shoot(page, 'closed-year')

    # The management body, after 5 September: this organisation done, another one late.
    on(frozen_clock, datetime.date(2027, 9, 6))
    sign_in(page, base, 'uo-specialist', region.body)
    page.click('nav.menu >> text=Переход на новый год')
    done = page.locator('tr:has-text("МАУДО Центр детского творчества")')
    expect(done).to_contain_text('Новый год открыт')
    late = page.locator('tr:has-text("МБУДО Дом детского творчества")')
    expect(late).to_contain_text('просрочен')
    expect(late).to_contain_text('после 06.09.2027'.replace('06', '05'))
    shoot(page, 'overview')
