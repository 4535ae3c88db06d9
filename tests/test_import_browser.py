"""«Импорт учеников» in Chromium: template, errors, skip bad rows, resolve (use / new / ignore),
a request to another ОДО to record the child's withdrawal from its объединение of the same
направленность (never to the school), and the children in the enrolment order without a duplicate."""
import datetime

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from models import Membership, Message, OrderLine, Person
from tests import builders
from tests.test_browser_sign_in import sign_in_through_cascade
from tests.test_import_flow import row

pytestmark = pytest.mark.browser


def test_demo_administrator_imports_children(live_server, page, region, tmp_path):
    setup = builders.import_setup(region.odo)
    free_child = builders.child('Орлова', 'Вера', 'Игоревна', datetime.date(2016, 2, 3),
                                document=('birth_certificate_rf', 'II-ФВ', '777777'))
    elsewhere = builders.person('Смирнов', 'Павел', 'Олегович', birth_date=datetime.date(2015, 2, 3), gender='M')
    school_class = builders.import_setup(region.school, names=('3а',), order_number='7').associations[0]
    Membership.create(person=elsewhere, association=school_class, organisation=region.school,
                      started_on=datetime.date(2025, 9, 1))
    other_beads = builders.association(region.other_odo, '2б Бисер')  # the same направленность
    builders.place(elsewhere, other_beads)
    sign_in_through_cascade(page, live_server)
    page.goto(f'{live_server}/imports/?order={setup.order.id}')
    with page.expect_download() as download:
        page.click('text=Краткий вариант')
    path = tmp_path / 'дети.xlsx'
    download.value.save_as(path)
    book = load_workbook(path)
    for r, values in enumerate([
        row(surname='Новикова', name='Ирина', c_number='111111'),
        row(association='Шахматы', surname='Кузнецова', c_number='222222'),
        row(surname='Орлова', name='Вера', patronymic='', birth='3.2.16', c_number='333333'),
        row(surname='Смирнов', name='Павел', patronymic='Олегович', birth='03.02.2015', gender='М', c_number='444444'),
    ], start=4):
        for c, value in enumerate(values, start=1):
            book['Ученики'].cell(row=r, column=c, value=value)
    book.save(path)
    page.set_input_files('#file', str(path))
    page.click('button:has-text("Загрузить и проверить")')
    expect(page.locator('text=Объединение не найдено в вашей организации.')).to_be_visible()
    page.check('input[value="rows"]')
    page.click('button:has-text("Продолжить")')
    expect(page.locator('h1')).to_have_text('Поиск похожих пользователей системы')
    ok = page.locator('button[value="commit"]')
    expect(ok).to_be_disabled()
    expect(page.locator(f'button[value="{elsewhere.id}:{school_class.id}"]')).to_have_count(0)
    page.click('button:has-text("Запросить отчисление из объединения «2б Бисер» (МБУДО Дом детского творчества)")')
    expect(page.locator('text=Запрос об отчислении из объединения «2б Бисер» отправлен в '
                        '«МБУДО Дом детского творчества».')).to_be_visible()
    page.check(f'input[value="use:{elsewhere.id}"]')
    page.locator('tr', has_text='Орлова').locator('input[value="ignore"]').check()
    expect(ok).to_be_enabled()
    page.click('button[value="commit"]')
    expect(page.locator('text=Записан в приказ').first).to_be_visible()
    lines = {line.person_id for line in OrderLine.select().where(OrderLine.order == setup.order)}
    assert elsewhere.id in lines and free_child.id not in lines and len(lines) == 2
    assert Person.select().where(Person.surname_key == 'смирнов').count() == 1
    assert Person.select().where(Person.surname_key == 'новикова').count() == 1
    assert Message.get().recipient_organisation_id == region.other_odo.id
    assert 'ребёнка Смирнова Павла Олеговича, 03.02.2015 г. р.' in Message.get().body
