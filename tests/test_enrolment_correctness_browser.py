"""In Chromium at 1280 and 360 px: a СНИЛС that is someone else's is shown as a conflict and
nothing is preselected; a child outside the program's ages goes into the order only with the
«Зачислить вне возрастного диапазона программы» checkbox ticked."""
import datetime

import pytest
from playwright.sync_api import expect

from models import EnrolmentSelection, Order, OrderLine, SchoolYear
from services import imports
from tests import builders
from tests.test_enrolment_browser import sign_in
from tests.test_import_flow import filled_template, row

pytestmark = pytest.mark.browser

WIDE = {'viewport': {'width': 1280, 'height': 800}, 'locale': 'ru-RU'}
PHONE = {'viewport': {'width': 360, 'height': 740}, 'locale': 'ru-RU', 'is_mobile': True,
         'has_touch': True}


@pytest.fixture(params=[WIDE, PHONE], ids=['1280', '360'])
def browser_context_options(request):
    return request.param


def test_a_snils_conflict_is_shown_and_nothing_is_preselected(live_server, page, region):
    setup = builders.import_setup(region.odo)
    builders.child('Петров', 'Иван', 'Ильич', datetime.date(2010, 1, 20), gender='M',
                   snils=builders.ELKINA_SNILS)
    job = imports.start_import(region.odo, SchoolYear.current_of(region.odo), region.admin, 'дети.xlsx',
                               filled_template([row(surname='Кузнецова', name='Вера', birth='09.01.2016',
                                                    snils=builders.ELKINA_SNILS)]), order=setup.order)
    imports.run_job(imports.choose_skip_mode(job, 'rows').id)
    sign_in(page, live_server, region)
    page.goto(f'{live_server}/imports/{job.id}')
    conflict = page.locator('.conflict')
    expect(conflict).to_have_text('Конфликт: СНИЛС совпадает с другим человеком — проверьте номер.')
    expect(page.locator('text=точное совпадение')).to_have_count(0)
    expect(page.locator('text=Петров Иван')).to_have_count(0)
    expect(page.locator('input[type="radio"]:checked')).to_have_count(0)
    ok = page.locator('button[value="commit"]')
    expect(ok).to_be_disabled()
    page.locator('label', has_text='Создать нового — без СНИЛС из файла').click()
    expect(ok).to_be_enabled()


def test_the_age_checkbox_is_required_to_enrol_outside_the_program(live_server, page, region):
    program = builders.program(region.odo, age_from=7, age_to=15)
    bead = builders.association(region.odo, '1а Бисер', program)
    six = builders.child('Малышева', 'Ксения', birth_date=datetime.date(2020, 3, 1))
    order = builders.draft(region.odo, Order.ENROLMENT, 1, on=builders.day(10, 1))
    EnrolmentSelection.create(user=region.admin, order=order, person=six, source='search')
    sign_in(page, live_server, region)
    page.goto(f'{live_server}/enrolment/orders/{order.id}/selected?to={bead.id}')
    expect(page.locator('td .warning')).to_contain_text(
        'Возраст на 01.10.2026 — 6 лет, а программа «Бисероплетение» — для детей 7–15 лет')
    checkbox = page.get_by_label('Зачислить вне возрастного диапазона программы (1)')
    expect(checkbox).not_to_be_checked()
    page.click('button:has-text("Добавить учеников в приказ")')
    expect(page.locator('.flash.error').first).to_contain_text('Малышева Ксения Сергеевна: возраст на 01.10.2026')
    assert OrderLine.select().count() == 0
    page.get_by_label('Зачислить вне возрастного диапазона программы (1)').check()
    page.click('button:has-text("Добавить учеников в приказ")')
    expect(page.locator('text=Вне возрастного диапазона программы — зачисление подтверждено')).to_be_visible()
    assert [line.age_confirmed for line in OrderLine.select()] == [True]
