"""«Импорт сотрудников» in Chromium at 1280 and 360 px: from the staff register to the template, the
upload, the report with a bad row, the registry search and the commit."""
import datetime

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from models import Employment, Person
from tests import builders
from tests.test_browser_sign_in import sign_in_through_cascade
from tests.test_staff_import import srow

pytestmark = pytest.mark.browser


@pytest.fixture(params=[1280, 360], ids=['desktop', 'phone'])
def browser_context_options(request):
    return {'viewport': {'width': request.param, 'height': 800}, 'locale': 'ru-RU'}


def test_an_administrator_imports_staff(live_server, page, region, tmp_path):
    known = builders.person('Кузнецова', 'Мария', 'Ивановна', datetime.date(1980, 3, 3),
                            snils=builders.valid_snils('234234234'))
    Employment.create(person=known, organisation=region.other_odo, position='Методист')
    sign_in_through_cascade(page, live_server)
    page.goto(f'{live_server}/staff/')
    page.click('text=Импорт сотрудников')
    expect(page.locator('h1')).to_have_text('Импорт сотрудников')
    with page.expect_download() as download:
        page.click('text=Образец импорта сотрудников (.xlsx)')
    path = tmp_path / 'сотрудники.xlsx'
    download.value.save_as(path)
    book = load_workbook(path)
    for r, values in enumerate([
        srow(),
        srow('Кузнецова', 'Мария', 'Ивановна', '03.03.1980', 'Ж', known.snils, 'Методист'),
        srow('Громов', 'Пётр', '', '05.05.1979', 'М', position='Дворник'),
    ], start=3):
        for c, value in enumerate(values, start=1):
            book['Сотрудники'].cell(row=r, column=c, value=value)
    book.save(path)
    page.set_input_files('#file', str(path))
    page.click('button:has-text("Загрузить и проверить")')
    expect(page.locator('text=Такой должности нет в списке региона.')).to_be_visible()
    page.check('input[value="rows"]')
    page.click('button:has-text("Продолжить")')
    expect(page.locator('h1')).to_have_text('Поиск сотрудников в регистре региона')
    expect(page.locator(f'input[value="use:{known.id}"]')).to_be_checked()
    page.click('button:has-text("Записать сотрудников")')
    expect(page.locator('text=В список сотрудников добавлено: 2 сотрудника.')).to_be_visible()
    page.screenshot(path=str(tmp_path / 'result.png'))
    hired = {e.person_id for e in Employment.select().where(Employment.organisation == region.odo)}
    assert known.id in hired
    assert Person.select().where(Person.surname == 'Петрова').count() == 1
    assert not Person.select().where(Person.surname == 'Громов').exists()
    page.click('text=Открыть список сотрудников')
    expect(page.locator('#staff-list')).to_contain_text('Кузнецова Мария Ивановна')
