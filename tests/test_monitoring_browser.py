"""In Chromium, the management body's monitoring (issue 17, «Done when»): uo-specialist sees the
municipality's organisations with their levels, sorts by the card %, opens the trend across four
snapshots, drills into one organisation's missing fields, exports the table to .xlsx and opens the
print view; the regional body sees every municipality; another municipality's organisation is 404.
With SHOTS=<folder> the pages are also saved as screenshots at 1280 and 360 px."""
import datetime
import io
import os

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from services import monitoring
from tests import builders
from tests.test_monitoring import employee, fill_card
from tests.test_responsive_browser import sign_in

pytestmark = pytest.mark.browser
SNAPSHOTS = (datetime.date(2021, 10, 1), datetime.date(2023, 10, 1), datetime.date(2024, 2, 1))
SHOTS = os.environ.get('SHOTS', '')


@pytest.fixture
def history(app, region, frozen_clock):
    """Four snapshots with progress (the seed's three dates and today) and a ministry."""
    frozen_clock.at(datetime.datetime(2026, 12, 2, 9))
    for fields, day in zip((8, 12, 15), SNAPSHOTS):
        fill_card(region.odo, fields)
        fill_card(region.other_odo, fields + 4)
        fill_card(region.school, fields + 2)
        monitoring.take_snapshot(region.region.id, day)
    fill_card(region.odo, 19)
    fill_card(region.other_odo, 20)
    fill_card(region.school, 16)
    employee(region.odo, 'Полнова')
    employee(region.odo, 'Безпочтова', work_email='')
    for n in range(3):
        employee(region.school, f'Учителева{n}')
    monitoring.take_snapshot(region.region.id, datetime.date(2026, 12, 2))
    ministry = builders.organisation(region.region, region.city, None, 'regional_body', 'Министерство образования')
    builders.user('ministry', ministry, 'authority_specialist')
    return ministry


def shot(page, name):
    if not SHOTS:
        return
    os.makedirs(SHOTS, exist_ok=True)
    for width in (1280, 360):
        page.set_viewport_size({'width': width, 'height': 900})
        page.screenshot(path=os.path.join(SHOTS, f'{name}-{width}.png'), full_page=True)
    page.set_viewport_size({'width': 1280, 'height': 800})


def names_in_order(page):
    return page.locator('#overview table.monitoring tbody td.name a').all_inner_texts()


def test_the_management_body_watches_its_organisations(live_server, page, region, history):
    base = live_server
    errors = []
    page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
    sign_in(page, base, 'uo-specialist', region.body)
    expect(page.locator('h1')).to_have_text('Мониторинг')
    expect(page.locator('nav.menu a[aria-current="page"]')).to_have_text('Мониторинг')
    overview = page.locator('#overview')
    expect(overview.locator('h2').first).to_have_text('Городской округ Южно-Сахалинск')
    assert names_in_order(page) == ['МАУДО Центр детского творчества', 'МБУДО Дом детского творчества', 'МАОУ СОШ № 1']
    expect(overview).not_to_contain_text('Корсакова')
    school = overview.locator('tr', has_text='МАОУ СОШ № 1')
    expect(school.locator('td[data-label="Карточка ОО"]')).to_have_text('80 % · средний')
    expect(school.locator('td[data-label="Карточка ОО"] .fill.medium')).to_have_count(1)
    shot(page, 'home')

    # Sort by the card %: highest first, then lowest first (htmx swaps the table, the URL follows).
    overview.locator('th a', has_text='Карточка ОО').click()
    page.wait_for_url('**/?sort=card&order=desc')
    expect(page.locator('th[aria-sort="descending"]')).to_contain_text('Карточка ОО')
    assert names_in_order(page) == ['МБУДО Дом детского творчества', 'МАУДО Центр детского творчества', 'МАОУ СОШ № 1']
    page.locator('#overview th a', has_text='Карточка ОО').click()
    page.wait_for_url('**/?sort=card')
    assert names_in_order(page)[0] == 'МАОУ СОШ № 1'
    page.select_option('select[name="kind"]', 'school')
    expect(page.locator('#overview table.monitoring tbody td.name a')).to_have_count(1)
    page.select_option('select[name="kind"]', '')
    expect(page.locator('#overview table.monitoring tbody td.name a')).to_have_count(3)

    # The trend across the four snapshots.
    page.click('a.button:has-text("Динамика")')
    svg = page.locator('svg.trend')
    expect(svg).to_have_attribute('role', 'img')
    expect(svg.locator('g.series-card circle')).to_have_count(4)
    expect(page.locator('table.trend-values tbody tr')).to_have_count(4)
    expect(page.locator('table.trend-values')).to_contain_text('01.10.2021')
    shot(page, 'trend')
    page.click('text=К таблице мониторинга')

    # The comparison by dates.
    page.click('a.button:has-text("Сравнение по датам")')
    expect(page.locator('table.compare thead th')).to_have_count(5)
    shot(page, 'compare')
    page.click('text=К таблице мониторинга')

    # Drill into one organisation: what is missing.
    page.click('#overview a:has-text("МАУДО Центр детского творчества")')
    missing = page.locator('#missing')
    expect(missing).to_contain_text('Компьютеров с доступом в интернет')
    expect(missing.locator('tr', has_text='Безпочтова Ирина Петровна')).to_contain_text('Рабочая электронная почта')
    expect(page.locator('#trend svg.trend g.series-card circle')).to_have_count(4)
    shot(page, 'organisation')
    page.click('text=К таблице мониторинга')

    # Export the table and open the print view.
    with page.expect_download() as download:
        page.click('a:has-text("Выгрузить в Excel")')
    sheet = load_workbook(io.BytesIO(open(download.value.path(), 'rb').read())).active
    assert sheet.freeze_panes == 'A3'
    assert 'МАОУ СОШ № 1' in [row[1] for row in sheet.iter_rows(values_only=True)]
    page.click('a:has-text("Версия для печати")')
    expect(page.locator('h1')).to_have_text('Мониторинг заполнения сведений на 02.12.2026')
    expect(page.locator('.legend')).to_contain_text('ниже 80')
    shot(page, 'print')

    assert not errors, errors
    # Another municipality's organisation is not found.
    assert page.goto(f'{base}/monitoring/organisations/{region.far_odo.id}').status == 404


def test_the_regional_body_sees_every_municipality_and_takes_a_snapshot(live_server, page, region, history):
    sign_in_ministry(page, live_server, history)
    overview = page.locator('#overview')
    expect(overview.locator('section.municipality h2')).to_have_text(
        ['Городской округ Южно-Сахалинск', 'Корсаковский городской округ'])
    expect(overview).to_contain_text('МБУДО ЦДТ г. Корсакова')
    expect(page.locator('.region-total')).to_contain_text('Итого')
    page.click('button:has-text("Сделать снимок на 02.12.2026")')
    expect(page.locator('.flash, [role="status"], .flashes').first).to_contain_text('Снимок на 02.12.2026 сохранён')
    shot(page, 'regional')


def sign_in_ministry(page, base, ministry):
    page.goto(f'{base}/login?tab=body&region={ministry.region_id}&municipality={ministry.municipality_id}'
              f'&settlement=&kind=regional_body')
    page.select_option('#organisation', value=str(ministry.id))
    page.fill('#login', 'ministry')
    page.fill('#password', builders.PASSWORD)
    page.click('button:has-text("Войти")')
    page.wait_for_load_state()
    assert '/login' not in page.url, page.locator('main').inner_text()
